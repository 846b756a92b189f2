//go:build linux

package netpoll

import (
	"runtime"
	"sync"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

func socketpair(t *testing.T) (int, int) {
	t.Helper()
	fds, err := unix.Socketpair(unix.AF_UNIX, unix.SOCK_STREAM|unix.SOCK_NONBLOCK|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		t.Fatalf("socketpair: %v", err)
	}
	return fds[0], fds[1]
}

func closeLater(t *testing.T, fds ...int) {
	t.Cleanup(func() {
		for _, fd := range fds {
			unix.Close(fd)
		}
	})
}

// moveFD renumbers fd as num (which must be free or fd itself).
func moveFD(t *testing.T, fd, num int) {
	t.Helper()
	if fd == num {
		return
	}
	if err := unix.Dup3(fd, num, unix.O_CLOEXEC); err != nil {
		t.Fatal(err)
	}
	unix.Close(fd)
}

func TestPollerWakeFromAnotherGoroutine(t *testing.T) {
	l := newLoop(t)
	go func() {
		time.Sleep(30 * time.Millisecond)
		if err := l.p.Wake(); err != nil {
			t.Errorf("Wake: %v", err)
		}
	}()
	start := time.Now()
	n, err := l.p.Wait(-1, l.events)
	if err != nil || n != 0 {
		t.Fatalf("Wait = %d, %v; want 0, nil", n, err)
	}
	if !l.p.Woken() {
		t.Fatal("Woken() = false after a Wake")
	}
	if d := time.Since(start); d > testTimeout {
		t.Fatalf("Wait took %v", d)
	}

	// Repeated wakes before a Wait merge into one; the next Wait blocks.
	for range 100 {
		l.p.Wake()
	}
	if _, err := l.p.Wait(1000, l.events); err != nil || !l.p.Woken() {
		t.Fatalf("Wait after 100 wakes: err %v, woken %v", err, l.p.Woken())
	}
	start = time.Now()
	if _, err := l.p.Wait(30, l.events); err != nil || l.p.Woken() {
		t.Fatalf("second Wait: err %v, woken %v", err, l.p.Woken())
	}
	if d := time.Since(start); d < 30*time.Millisecond {
		t.Fatalf("second Wait returned after %v: a wake was left behind, or the wait was cut short", d)
	}
}

// A wait holds its thread's P for its first part (rawWaitMs); with a single
// P, a goroutine that must run before the wait can end still gets to run.
func TestPollerWakeWithOneP(t *testing.T) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(1))
	l := newLoop(t)
	go l.p.Wake()
	start := time.Now()
	for !l.p.Woken() {
		if _, err := l.p.Wait(-1, l.events); err != nil {
			t.Fatal(err)
		}
		if d := time.Since(start); d > testTimeout {
			t.Fatalf("no wake after %v", d)
		}
	}
}

func TestPollerWakeConcurrent(t *testing.T) {
	l := newLoop(t)
	const wakers, per = 4, 200
	var wg sync.WaitGroup
	for range wakers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range per {
				l.p.Wake()
			}
		}()
	}
	done := make(chan struct{})
	go func() { wg.Wait(); close(done) }()
	deadline := time.Now().Add(testTimeout)
	for finished := false; !finished; {
		select {
		case <-done:
			finished = true
		default:
		}
		if time.Now().After(deadline) {
			t.Fatal("wakers did not finish")
		}
		if _, err := l.p.Wait(5, l.events); err != nil {
			t.Fatalf("Wait: %v", err)
		}
	}
	// One more Wake must still get through after the storm.
	l.p.Wake()
	if _, err := l.p.Wait(1000, l.events); err != nil || !l.p.Woken() {
		t.Fatalf("final Wait: err %v, woken %v", err, l.p.Woken())
	}
}

func TestPollerWakeAfterClose(t *testing.T) {
	p, err := Open()
	if err != nil {
		t.Fatal(err)
	}
	p.Close()
	if err := p.Wake(); err != ErrClosed {
		t.Fatalf("Wake after Close = %v, want ErrClosed", err)
	}
	if _, err := p.Wait(0, make([]Event, 1)); err != ErrClosed {
		t.Fatalf("Wait after Close = %v, want ErrClosed", err)
	}
}

// An epoll registration lives as long as its file, not its descriptor
// number: close a registered number while a dup keeps the file open, put a
// new file under the same number and register it. The kernel still reports
// the old file under that number, with the old sequence in the data word;
// those events must be dropped, not delivered to the new registration.
func TestPollerDropsStaleSequence(t *testing.T) {
	l := newLoop(t)
	a0, a1 := socketpair(t)
	keep, err := unix.Dup(a0)
	if err != nil {
		t.Fatal(err)
	}
	closeLater(t, a1, keep)
	num := a0
	if err := l.p.Add(num, Read, "old"); err != nil {
		t.Fatal(err)
	}
	unix.Close(a0) // no Remove: the registration survives through keep

	b0, b1 := socketpair(t)
	closeLater(t, b1)
	moveFD(t, b0, num)
	closeLater(t, num)
	if err := l.p.Add(num, Read, "new"); err != nil {
		t.Fatalf("Add over a closed registration: %v", err)
	}

	unix.Write(a1, []byte("x")) // the old file becomes readable
	for range 3 {
		n, err := l.p.Wait(20, l.events)
		if err != nil {
			t.Fatal(err)
		}
		if n != 0 {
			t.Fatalf("got %d events (%v) for the old file", n, l.events[0].User)
		}
	}
	if l.p.sys.stale == 0 {
		t.Fatal("the kernel reported nothing for the old file; the test proves nothing")
	}

	unix.Write(b1, []byte("y"))
	n, err := l.p.Wait(1000, l.events)
	if err != nil || n != 1 || l.events[0].User != "new" || l.events[0].Ready&Readable == 0 {
		t.Fatalf("Wait = %d, %v, %+v; want the new registration readable", n, err, l.events[:n])
	}
	l.p.Remove(num)
}

// Remove (and Add of the same number) during a batch clears the batch's
// unhandled events for that descriptor.
func TestPollerRemoveInvalidatesBatch(t *testing.T) {
	l := newLoop(t)
	x0, x1 := socketpair(t)
	y0, y1 := socketpair(t)
	closeLater(t, x0, x1, y1)
	l.p.Add(x0, Read, "x")
	l.p.Add(y0, Read, "y")
	unix.Write(x1, []byte("1"))
	unix.Write(y1, []byte("1"))
	n := 0
	deadline := time.Now().Add(testTimeout)
	for n < 2 && time.Now().Before(deadline) {
		var err error
		if n, err = l.p.Wait(100, l.events); err != nil {
			t.Fatal(err)
		}
	}
	if n != 2 {
		t.Fatalf("got %d events, want 2", n)
	}
	batch := l.events[:n]

	// As if the handler of one event closed the other stream and an
	// accept reused its number.
	if err := l.p.Remove(y0); err != nil {
		t.Fatal(err)
	}
	unix.Close(y0)
	z0, z1 := socketpair(t)
	closeLater(t, z1)
	moveFD(t, z0, y0)
	closeLater(t, y0)
	if err := l.p.Add(y0, Read, "z"); err != nil {
		t.Fatal(err)
	}
	for _, ev := range batch {
		if ev.User == "y" || ev.User == "z" {
			t.Fatalf("event %+v survived Remove of its descriptor", ev)
		}
	}
	valid := 0
	for _, ev := range batch {
		if ev.Ready != 0 {
			valid++
			if ev.User != "x" {
				t.Fatalf("unexpected event %+v", ev)
			}
		}
	}
	if valid != 1 {
		t.Fatalf("%d valid events left, want the one for x", valid)
	}
}

func TestPollerModifyInterest(t *testing.T) {
	l := newLoop(t)
	a0, a1 := socketpair(t)
	closeLater(t, a0, a1)
	if err := l.p.Add(a0, Read, "a"); err != nil {
		t.Fatal(err)
	}
	if n, _ := l.p.Wait(0, l.events); n != 0 {
		t.Fatalf("idle socket reported %+v", l.events[0])
	}
	if err := l.p.Modify(a0, Read|Write); err != nil {
		t.Fatal(err)
	}
	n, err := l.p.Wait(1000, l.events)
	if err != nil || n != 1 || l.events[0].Ready&Writable == 0 || l.events[0].User != "a" {
		t.Fatalf("after Modify(Write): %d, %v, %+v", n, err, l.events[:n])
	}
	// Level-triggered: reported again while still writable.
	if n, _ := l.p.Wait(0, l.events); n != 1 {
		t.Fatal("writable socket not reported again")
	}
	l.p.Modify(a0, Read)
	if n, _ := l.p.Wait(0, l.events); n != 0 {
		t.Fatalf("after Modify(Read): %+v", l.events[:n])
	}
	if err := l.p.Modify(12345, Read); err != errNotRegistered {
		t.Fatalf("Modify of an unknown fd = %v", err)
	}
	if err := l.p.Remove(a0); err != nil {
		t.Fatal(err)
	}
	if err := l.p.Remove(a0); err != errNotRegistered {
		t.Fatalf("second Remove = %v", err)
	}
}

func TestPollerHangup(t *testing.T) {
	l := newLoop(t)
	a0, a1 := socketpair(t)
	closeLater(t, a0)
	l.p.Add(a0, Read, "a")
	unix.Close(a1)
	n, err := l.p.Wait(1000, l.events)
	if err != nil || n != 1 || l.events[0].Ready&(Readable|Hangup) != Readable|Hangup {
		t.Fatalf("after peer close: %d, %v, %+v", n, err, l.events[:n])
	}
}
