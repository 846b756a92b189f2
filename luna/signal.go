package luna

import (
	"os"
	"os/signal"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
)

// survivePipeSignals keeps SIGPIPE from killing the process, as the reference
// did: a write to a closed socket or pipe reports an error. The signal is
// caught and dropped rather than set to SIG_IGN, so the programs that
// os.execute and io.popen start get the default disposition, as under
// lua5.3 (an ignored disposition would be inherited across exec).
//
// SIGCHLD is left alone, unlike the reference: with SIG_IGN the kernel
// reaps children at once, and system(3) and pclose(3) can only report
// "No child processes". Under the Go runtime's handler an exited child
// stays a zombie until os.execute or io.popen's close collects its status,
// as in C. The only process luna starts itself, daemon()'s copy, outlives
// the process that started it, so it never becomes our zombie.
func survivePipeSignals() { signal.Notify(make(chan os.Signal, 1), syscall.SIGPIPE) }

// signalState receives SIGINT/SIGTERM on a goroutine. That goroutine only
// counts the signal and wakes whoever waits (a sleeping sleep_ms, the
// pollers of the socket managers); Lua sees the signal at the next safe
// point on its own thread.
type signalState struct {
	ch      chan os.Signal
	done    chan struct{}
	quit    atomic.Bool
	pending atomic.Int32
	wakeup  chan struct{}

	mu     sync.Mutex
	wakers map[int]func()
	nextID int
}

func watchSignals() *signalState {
	s := &signalState{
		ch:     make(chan os.Signal, 4),
		done:   make(chan struct{}),
		wakeup: make(chan struct{}, 1),
		wakers: map[int]func(){},
	}
	signal.Notify(s.ch, syscall.SIGINT, syscall.SIGTERM)
	go s.run()
	return s
}

func (s *signalState) run() {
	for {
		select {
		case <-s.ch:
			s.quit.Store(true)
			s.pending.Add(1)
			select {
			case s.wakeup <- struct{}{}:
			default:
			}
			s.wakeAll()
		case <-s.done:
			return
		}
	}
}

func (s *signalState) stop() {
	signal.Stop(s.ch)
	close(s.done)
}

// received reports whether SIGINT or SIGTERM ever arrived.
func (s *signalState) received() bool { return s.quit.Load() }

// take consumes one undelivered signal, if any.
func (s *signalState) take() bool {
	for {
		n := s.pending.Load()
		if n <= 0 {
			return false
		}
		if s.pending.CompareAndSwap(n, n-1) {
			return true
		}
	}
}

// sleep blocks for d or until a signal arrives.
func (s *signalState) sleep(d time.Duration) {
	if s.pending.Load() > 0 {
		return
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
	case <-s.wakeup:
	}
}

// wakeAll wakes every registered poller (a wait in progress returns).
func (s *signalState) wakeAll() {
	s.mu.Lock()
	for _, wake := range s.wakers {
		wake()
	}
	s.mu.Unlock()
}

// addWaker registers a function (a poller's Wake) called when a signal
// arrives; the returned function removes it.
func (s *signalState) addWaker(wake func()) (remove func()) {
	s.mu.Lock()
	defer s.mu.Unlock()
	id := s.nextID
	s.nextID++
	s.wakers[id] = wake
	return func() {
		s.mu.Lock()
		delete(s.wakers, id)
		s.mu.Unlock()
	}
}
