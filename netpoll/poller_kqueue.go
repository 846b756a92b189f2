//go:build darwin || freebsd

package netpoll

import (
	"errors"
	"os"
	"syscall"
	"unsafe"

	"golang.org/x/sys/unix"
)

// kqueue keeps one knote per (descriptor, filter): a registration is an
// EVFILT_READ and an EVFILT_WRITE knote, each enabled or disabled by the
// interest. Their udata points to the registration's kqReg, which the table
// keeps alive until Remove (events already copied out keep it alive
// after that). An event whose kqReg is no longer the table's entry for its
// descriptor belongs to an earlier registration and is dropped; kqReg.seq
// numbers the registrations for debugging. A descriptor may appear twice in
// one batch, once per filter.
type sysPoller struct {
	kq      int
	wakeR   int // pipe read end, registered with nil udata
	wakeW   int
	raw     []unix.Kevent_t
	changes [2]unix.Kevent_t
	ts      unix.Timespec
	regs    []*kqReg // indexed by descriptor
	seq     seqCounter
	stale   uint64 // events dropped for an earlier registration
}

type kqReg struct {
	user any
	fd   int
	seq  uint32
	in   Interest
}

func (s *sysPoller) open() error {
	kq, err := unix.Kqueue()
	if err != nil {
		return os.NewSyscallError("kqueue", err)
	}
	unix.CloseOnExec(kq)
	var p [2]int
	syscall.ForkLock.RLock()
	err = unix.Pipe(p[:])
	if err == nil {
		unix.CloseOnExec(p[0])
		unix.CloseOnExec(p[1])
	}
	syscall.ForkLock.RUnlock()
	if err != nil {
		unix.Close(kq)
		return os.NewSyscallError("pipe", err)
	}
	s.kq, s.wakeR, s.wakeW = kq, p[0], p[1]
	if err := s.setupWake(); err != nil {
		s.close()
		return err
	}
	return nil
}

func (s *sysPoller) setupWake() error {
	for _, fd := range []int{s.wakeR, s.wakeW} {
		if err := unix.SetNonblock(fd, true); err != nil {
			return os.NewSyscallError("fcntl", err)
		}
	}
	var ev [1]unix.Kevent_t
	unix.SetKevent(&ev[0], s.wakeR, unix.EVFILT_READ, unix.EV_ADD)
	if _, err := unix.Kevent(s.kq, ev[:], nil, nil); err != nil {
		return os.NewSyscallError("kevent", err)
	}
	return nil
}

func (s *sysPoller) close() error {
	unix.Close(s.wakeR)
	unix.Close(s.wakeW)
	s.regs = nil
	if err := unix.Close(s.kq); err != nil {
		return os.NewSyscallError("close", err)
	}
	return nil
}

func (s *sysPoller) reg(fd int) *kqReg {
	if fd < 0 || fd >= len(s.regs) {
		return nil
	}
	return s.regs[fd]
}

// apply submits the two knotes of r with the interest in.
func (s *sysPoller) apply(r *kqReg, in Interest) error {
	onOff := func(want bool) int {
		if want {
			return unix.EV_ADD | unix.EV_ENABLE
		}
		return unix.EV_ADD | unix.EV_DISABLE
	}
	unix.SetKevent(&s.changes[0], r.fd, unix.EVFILT_READ, onOff(in&Read != 0))
	unix.SetKevent(&s.changes[1], r.fd, unix.EVFILT_WRITE, onOff(in&Write != 0))
	for i := range s.changes {
		s.changes[i].Udata = (*byte)(unsafe.Pointer(r))
	}
	var err error
	for {
		_, err = unix.Kevent(s.kq, s.changes[:], nil, nil)
		if err != unix.EINTR {
			break
		}
	}
	s.changes[0].Udata, s.changes[1].Udata = nil, nil
	if err != nil {
		return os.NewSyscallError("kevent", err)
	}
	return nil
}

// addEdge is add: kqueue reports what is ready at each wait.
func (s *sysPoller) addEdge(fd int, in Interest, user any) error { return s.add(fd, in, user) }

// readAgain has nothing to do: a socket with bytes left is reported again.
func (s *sysPoller) readAgain(int) {}

func (s *sysPoller) add(fd int, in Interest, user any) error {
	if fd < 0 || fd > 1<<30 {
		return os.NewSyscallError("kevent", unix.EBADF)
	}
	r := &kqReg{user: user, fd: fd, seq: s.seq.next(), in: in}
	if err := s.apply(r, in); err != nil {
		// The first knote may exist already; it must not outlive r.
		s.deleteKnotes(fd)
		return err
	}
	if fd >= len(s.regs) {
		n := max(2*len(s.regs), fd+1, 64)
		regs := make([]*kqReg, n)
		copy(regs, s.regs)
		s.regs = regs
	}
	s.regs[fd] = r
	return nil
}

func (s *sysPoller) modify(fd int, in Interest) error {
	r := s.reg(fd)
	if r == nil {
		return errNotRegistered
	}
	if r.in == in {
		return nil
	}
	if err := s.apply(r, in); err != nil {
		return err
	}
	r.in = in
	return nil
}

func (s *sysPoller) remove(fd int) error {
	r := s.reg(fd)
	if r == nil {
		return errNotRegistered
	}
	s.regs[fd] = nil
	if err := s.deleteKnotes(fd); err != nil {
		return os.NewSyscallError("kevent", err)
	}
	return nil
}

// deleteKnotes removes both filters of fd, one at a time so that a missing
// first one does not keep the second; a descriptor already closed has none.
func (s *sysPoller) deleteKnotes(fd int) error {
	var first error
	for i, filter := range [2]int{unix.EVFILT_READ, unix.EVFILT_WRITE} {
		unix.SetKevent(&s.changes[i], fd, filter, unix.EV_DELETE)
		s.changes[i].Udata = nil
		_, err := unix.Kevent(s.kq, s.changes[i:i+1], nil, nil)
		if err != nil && !errors.Is(err, unix.ENOENT) && !errors.Is(err, unix.EBADF) && first == nil {
			first = err
		}
	}
	return first
}

func (s *sysPoller) wait(ms int, events []Event) (int, bool, error) {
	if len(s.raw) < len(events) {
		s.raw = make([]unix.Kevent_t, len(events))
	}
	var ts *unix.Timespec
	if ms >= 0 {
		s.ts = unix.NsecToTimespec(int64(ms) * 1e6)
		ts = &s.ts
	}
	n, err := unix.Kevent(s.kq, nil, s.raw[:len(events)], ts)
	if err != nil {
		if err == unix.EINTR {
			return 0, false, nil
		}
		return 0, false, os.NewSyscallError("kevent", err)
	}
	out, woke := 0, false
	for i := range s.raw[:n] {
		ev := &s.raw[i]
		fd := int(ev.Ident)
		if ev.Udata == nil {
			if fd == s.wakeR {
				s.drainWake()
				woke = true
			}
			continue
		}
		r := (*kqReg)(unsafe.Pointer(ev.Udata))
		ev.Udata = nil // do not keep the registration alive from s.raw
		if s.reg(fd) != r {
			s.stale++ // an event for an earlier registration of this number
			continue
		}
		events[out] = Event{User: r.user, Ready: kqReady(ev), fd: fd}
		out++
	}
	return out, woke, nil
}

func kqReady(ev *unix.Kevent_t) Ready {
	var r Ready
	switch ev.Filter {
	case unix.EVFILT_READ:
		r = Readable
	case unix.EVFILT_WRITE:
		r = Writable
	}
	if ev.Flags&unix.EV_EOF != 0 {
		r |= Hangup | Readable
		if ev.Fflags != 0 { // the socket error, e.g. a refused connect
			r |= Failed | Writable
		}
	}
	if ev.Flags&unix.EV_ERROR != 0 {
		r |= Failed | Readable | Writable
	}
	return r
}

func (s *sysPoller) drainWake() {
	var buf [64]byte
	for range 16 {
		n, err := unix.Read(s.wakeR, buf[:])
		if err == unix.EINTR {
			continue
		}
		if err != nil || n < len(buf) {
			return
		}
	}
}

func (s *sysPoller) wake() error {
	for {
		_, err := unix.Write(s.wakeW, []byte{0})
		switch err {
		case nil, unix.EAGAIN: // EAGAIN: the pipe is full, a wake is pending anyway
			return nil
		case unix.EINTR:
			continue
		default:
			return os.NewSyscallError("write", err)
		}
	}
}
