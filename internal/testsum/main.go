// Command testsum is how make test counts: it reads `go test -json` on
// stdin, prints what plain `go test` would (each package's ok/FAIL line,
// and the output of the tests that failed), and adds the tests it saw
// passing, failing and skipped (subtests included) to a summary file, one
// line per run. It exits 1 when a test, a package or a build failed.
//
//	go test -json ./... | go run ./internal/testsum -file bin/test-summary -name race
//	go run ./internal/testsum -file bin/test-summary -record fail -name docker-test
//	go run ./internal/testsum -file bin/test-summary -total
//
// -total prints one line over every run in the file:
// "N passed, N failed, N skipped" with the runs and what failed.
package main

import (
	"bufio"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"slices"
	"strconv"
	"strings"
)

// event is one line of go test -json (cmd/test2json).
type event struct {
	Action     string
	Package    string
	ImportPath string // build events (Go 1.24+) name the package so
	Test       string
	Output     string
}

// counts of one run.
type counts struct {
	pass, fail, skip int
	failed           []string // "pkg.Test", or "pkg (build)"
}

func main() {
	file := flag.String("file", "", "the summary file (required)")
	name := flag.String("name", "go test", "what this run is, for the summary")
	record := flag.String("record", "", "record one result (pass, fail or skip) named -name instead of reading stdin")
	total := flag.Bool("total", false, "print the totals of the summary file")
	flag.Parse()
	if *file == "" {
		fmt.Fprintln(os.Stderr, "testsum: -file is required")
		os.Exit(2)
	}
	switch {
	case *total:
		ok, err := printTotal(*file, os.Stdout)
		if err != nil {
			fmt.Fprintln(os.Stderr, "testsum:", err)
			os.Exit(2)
		}
		if !ok {
			os.Exit(1)
		}
	case *record != "":
		var c counts
		switch *record {
		case "pass":
			c.pass = 1
		case "fail":
			c.fail, c.failed = 1, []string{*name}
		case "skip":
			c.skip = 1
		default:
			fmt.Fprintln(os.Stderr, "testsum: -record takes pass, fail or skip")
			os.Exit(2)
		}
		if err := appendRun(*file, *name, c); err != nil {
			fmt.Fprintln(os.Stderr, "testsum:", err)
			os.Exit(2)
		}
	default:
		c, err := summarize(os.Stdin, os.Stdout)
		if err == nil {
			err = appendRun(*file, *name, c)
		}
		if err != nil {
			fmt.Fprintln(os.Stderr, "testsum:", err)
			os.Exit(2)
		}
		if c.fail > 0 || len(c.failed) > 0 {
			os.Exit(1)
		}
	}
}

// summarize reads go test -json from r and writes the plain output to w.
// Lines that are not JSON (go vet's, a build's on older Go) are copied.
func summarize(r io.Reader, w io.Writer) (counts, error) {
	var c counts
	held := map[string][]string{} // output of running tests, by pkg + test
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 1<<20), 16<<20)
	for sc.Scan() {
		line := sc.Bytes()
		var e event
		if len(line) == 0 || line[0] != '{' || json.Unmarshal(line, &e) != nil {
			fmt.Fprintln(w, string(line))
			continue
		}
		if e.Package == "" {
			e.Package = e.ImportPath
		}
		key := e.Package + " " + e.Test
		switch e.Action {
		case "output", "build-output":
			if e.Test == "" {
				if !strings.HasPrefix(e.Output, "=== ") && !strings.HasPrefix(e.Output, "PASS\n") {
					fmt.Fprint(w, e.Output)
				}
			} else {
				held[key] = append(held[key], e.Output)
			}
		case "pass":
			if e.Test != "" {
				c.pass++
			}
			delete(held, key)
		case "skip":
			if e.Test != "" {
				c.skip++
			}
			delete(held, key)
		case "fail", "build-fail":
			if e.Test != "" {
				c.fail++
				c.failed = append(c.failed, e.Package+"."+e.Test)
				for _, o := range held[key] {
					fmt.Fprint(w, o)
				}
			} else if e.Action == "build-fail" || len(c.failed) == 0 || !strings.HasPrefix(c.failed[len(c.failed)-1], e.Package+".") {
				c.failed = append(c.failed, e.Package+" (package)")
			}
			delete(held, key)
		}
	}
	return c, sc.Err()
}

// appendRun adds one run's line to the summary file:
// name <TAB> pass <TAB> fail <TAB> skip <TAB> failed,failed...
func appendRun(file, name string, c counts) error {
	f, err := os.OpenFile(file, os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o644)
	if err != nil {
		return err
	}
	_, err = fmt.Fprintf(f, "%s\t%d\t%d\t%d\t%s\n", name, c.pass, c.fail, c.skip, strings.Join(c.failed, ","))
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return err
}

// printTotal prints the line over every run; ok is false when anything
// failed.
func printTotal(file string, w io.Writer) (bool, error) {
	data, err := os.ReadFile(file)
	if err != nil {
		return false, err
	}
	var t counts
	var runs []string
	for _, line := range strings.Split(strings.TrimRight(string(data), "\n"), "\n") {
		f := strings.Split(line, "\t")
		if len(f) != 5 {
			return false, fmt.Errorf("%s: bad line %q", file, line)
		}
		n := make([]int, 3)
		for i := range n {
			if n[i], err = strconv.Atoi(f[i+1]); err != nil {
				return false, fmt.Errorf("%s: bad line %q", file, line)
			}
		}
		t.pass, t.fail, t.skip = t.pass+n[0], t.fail+n[1], t.skip+n[2]
		if f[4] != "" {
			t.failed = append(t.failed, strings.Split(f[4], ",")...)
		}
		if !slices.Contains(runs, f[0]) {
			runs = append(runs, f[0])
		}
	}
	fmt.Fprintf(w, "%d passed, %d failed, %d skipped (%s)\n", t.pass, t.fail, t.skip, strings.Join(runs, ", "))
	if len(t.failed) > 0 {
		fmt.Fprintf(w, "failed: %s\n", strings.Join(t.failed, " "))
	}
	return len(t.failed) == 0, nil
}
