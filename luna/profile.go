package luna

import (
	"errors"
	"os"
	"runtime/pprof"
	"sync"
)

// startProfiles starts the Go profiles the environment asks for
// (LUNA_CPUPROFILE, LUNA_MEMPROFILE); stop writes them out. Time spent in C
// shows up under the cgo call sites; the heap profile is the Go heap only
// (Lua's memory is collectgarbage("count")). stop may be called more than
// once (os.exit calls it, then Main's return); it writes them once.
func startProfiles() (stop func() error, err error) {
	cpu, mem := os.Getenv("LUNA_CPUPROFILE"), os.Getenv("LUNA_MEMPROFILE")
	var f *os.File
	if cpu != "" {
		if f, err = os.Create(cpu); err != nil {
			return nil, err
		}
		if err = pprof.StartCPUProfile(f); err != nil {
			f.Close()
			return nil, err
		}
	}
	var once sync.Once
	var result error
	return func() error {
		once.Do(func() { result = writeProfiles(f, mem) })
		return result
	}, nil
}

// writeProfiles stops the CPU profile (f, when one runs) and writes the
// heap profile to mem (when set).
func writeProfiles(f *os.File, mem string) error {
	var errs []error
	if f != nil {
		pprof.StopCPUProfile()
		errs = append(errs, f.Close())
	}
	if mem != "" {
		errs = append(errs, writeHeapProfile(mem))
	}
	return errors.Join(errs...)
}

// writeHeapProfile writes the heap profile (what is live, and what was
// allocated since the start) to path.
func writeHeapProfile(path string) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if err := pprof.Lookup("heap").WriteTo(f, 0); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}
