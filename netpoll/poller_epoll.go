//go:build linux

package netpoll

import (
	"encoding/binary"
	"errors"
	"os"
	"time"
	"unsafe"

	"golang.org/x/sys/unix"
)

// The epoll data word carries the descriptor in Fd and the registration's
// sequence number in Pad. Sequence 0 is never given to a registration; it
// tags the eventfd used by Wake.
type sysPoller struct {
	epfd   int
	wakefd int // eventfd, non-blocking
	raw    []unix.EpollEvent
	regs   []*[regPage]epollReg // fd's is regs[fd/regPage][fd%regPage] (nil page: none); seq 0 = free
	again  []int                // descriptors to report Readable at the next wait (readAgain)
	seq    seqCounter
	stale  uint64 // events dropped for a stale sequence number
}

// regPage is how many descriptors a page of registrations covers: the
// table grows a page at a time, so thousands of connections cost no copies
// of the registrations already made.
const regPage = 256

type epollReg struct {
	user any
	seq  uint32
	in   Interest
	edge bool // EPOLLET: a stream's (addEdge)
}

func (s *sysPoller) open() error {
	epfd, err := unix.EpollCreate1(unix.EPOLL_CLOEXEC)
	if err != nil {
		return os.NewSyscallError("epoll_create1", err)
	}
	wfd, err := unix.Eventfd(0, unix.EFD_CLOEXEC|unix.EFD_NONBLOCK)
	if err != nil {
		unix.Close(epfd)
		return os.NewSyscallError("eventfd", err)
	}
	ev := unix.EpollEvent{Events: unix.EPOLLIN, Fd: int32(wfd)}
	if err := unix.EpollCtl(epfd, unix.EPOLL_CTL_ADD, wfd, &ev); err != nil {
		unix.Close(wfd)
		unix.Close(epfd)
		return os.NewSyscallError("epoll_ctl", err)
	}
	s.epfd, s.wakefd = epfd, wfd
	return nil
}

func (s *sysPoller) close() error {
	errWake := unix.Close(s.wakefd)
	errPoll := unix.Close(s.epfd)
	s.regs = nil
	if errPoll != nil {
		return os.NewSyscallError("close", errPoll)
	}
	if errWake != nil {
		return os.NewSyscallError("close", errWake)
	}
	return nil
}

func epollBits(in Interest, edge bool) uint32 {
	var bits uint32
	if edge {
		bits |= unix.EPOLLET
	}
	if in&Read != 0 {
		bits |= unix.EPOLLIN | unix.EPOLLRDHUP
	}
	if in&Write != 0 {
		bits |= unix.EPOLLOUT
	}
	return bits // EPOLLERR and EPOLLHUP are always reported
}

func readyOf(bits uint32) Ready {
	var r Ready
	if bits&(unix.EPOLLIN|unix.EPOLLRDHUP) != 0 {
		r |= Readable
	}
	if bits&unix.EPOLLOUT != 0 {
		r |= Writable
	}
	if bits&(unix.EPOLLRDHUP|unix.EPOLLHUP) != 0 {
		r |= Hangup | Readable
	}
	if bits&unix.EPOLLERR != 0 {
		r |= Failed | Readable | Writable
	}
	return r
}

func (s *sysPoller) reg(fd int) *epollReg {
	if fd < 0 || fd/regPage >= len(s.regs) || s.regs[fd/regPage] == nil {
		return nil
	}
	r := &s.regs[fd/regPage][fd%regPage]
	if r.seq == 0 {
		return nil
	}
	return r
}

func (s *sysPoller) add(fd int, in Interest, user any) error { return s.register(fd, in, user, false) }

// addEdge registers a stream edge-triggered: an event says the socket
// became readable or writable, not that it still is. Each then costs the
// kernel one poll of the socket instead of two (level-triggered, every
// reported descriptor is polled again at the next wait), and the stream
// owes it to tell readAgain when it stopped reading before the socket was
// drained.
func (s *sysPoller) addEdge(fd int, in Interest, user any) error {
	return s.register(fd, in, user, true)
}

// readAgain has the next wait report fd Readable, as level-triggered
// polling would: its stream stopped reading with bytes left in the socket.
func (s *sysPoller) readAgain(fd int) { s.again = append(s.again, fd) }

func (s *sysPoller) register(fd int, in Interest, user any, edge bool) error {
	if fd < 0 || fd > 1<<30 {
		return os.NewSyscallError("epoll_ctl", unix.EBADF)
	}
	seq := s.seq.next()
	ev := unix.EpollEvent{Events: epollBits(in, edge), Fd: int32(fd), Pad: int32(seq)}
	if err := unix.EpollCtl(s.epfd, unix.EPOLL_CTL_ADD, fd, &ev); err != nil {
		return os.NewSyscallError("epoll_ctl", err)
	}
	for fd/regPage >= len(s.regs) {
		s.regs = append(s.regs, nil)
	}
	if s.regs[fd/regPage] == nil {
		s.regs[fd/regPage] = new([regPage]epollReg) // only the pages of descriptors in use
	}
	s.regs[fd/regPage][fd%regPage] = epollReg{user: user, seq: seq, in: in, edge: edge}
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
	ev := unix.EpollEvent{Events: epollBits(in, r.edge), Fd: int32(fd), Pad: int32(r.seq)}
	if err := unix.EpollCtl(s.epfd, unix.EPOLL_CTL_MOD, fd, &ev); err != nil {
		return os.NewSyscallError("epoll_ctl", err)
	}
	r.in = in
	return nil
}

func (s *sysPoller) remove(fd int) error {
	r := s.reg(fd)
	if r == nil {
		return errNotRegistered
	}
	*r = epollReg{}
	var ev unix.EpollEvent // ignored, but kernels before 2.6.9 want it
	err := unix.EpollCtl(s.epfd, unix.EPOLL_CTL_DEL, fd, &ev)
	if err != nil && !errors.Is(err, unix.ENOENT) && !errors.Is(err, unix.EBADF) {
		return os.NewSyscallError("epoll_ctl", err)
	}
	return nil
}

func (s *sysPoller) wait(ms int, events []Event) (int, bool, error) {
	if len(s.raw) < len(events) {
		s.raw = make([]unix.EpollEvent, len(events))
	}
	if ms < 0 {
		ms = -1
	}
	if len(s.again) > 0 {
		ms = 0 // those streams are ready now
	}
	n, err := s.epollWait(s.raw[:len(events)], ms)
	if err != nil {
		if err == unix.EINTR {
			return 0, false, nil
		}
		return 0, false, os.NewSyscallError("epoll_wait", err)
	}
	out, woke := 0, false
	for i := range s.raw[:n] {
		ev := &s.raw[i]
		fd, seq := int(ev.Fd), uint32(ev.Pad)
		if seq == 0 {
			if fd == s.wakefd {
				s.drainWake()
				woke = true
			}
			continue
		}
		r := s.reg(fd)
		if r == nil || r.seq != seq {
			s.stale++ // an event for an earlier registration of this number
			continue
		}
		events[out] = Event{User: r.user, Ready: readyOf(ev.Events), fd: fd}
		out++
	}
	kernel := out
	out = s.readyAgain(events, out)
	// a hangup or an error is one edge too: a read that came back short
	// may have left the end of the stream unseen, so the descriptor stays
	// reported until its stream goes (as a level-triggered one would be)
	for i := range events[:kernel] {
		if events[i].Ready&(Hangup|Failed) != 0 {
			if r := s.reg(events[i].fd); r != nil && r.edge {
				s.again = append(s.again, events[i].fd)
			}
		}
	}
	return out, woke, nil
}

// readyAgain adds to events[:out] a Readable event for each descriptor
// readAgain named that is still registered and not in the batch yet, as
// many as fit; the others wait for the next batch.
func (s *sysPoller) readyAgain(events []Event, out int) int {
	for i, fd := range s.again {
		if out == len(events) {
			s.again = s.again[:copy(s.again, s.again[i:])]
			return out
		}
		r := s.reg(fd)
		if r == nil || r.in&Read == 0 || inBatch(events[:out], fd) {
			continue
		}
		events[out] = Event{User: r.user, Ready: Readable, fd: fd}
		out++
	}
	s.again = s.again[:0]
	return out
}

func inBatch(events []Event, fd int) bool {
	for i := range events {
		if events[i].fd == fd {
			events[i].Ready |= Readable
			return true
		}
	}
	return false
}

// rawWaitMs bounds the part of a wait spent in epoll_wait entered as a raw
// system call, one the Go scheduler does not see. A wait the scheduler sees
// costs a busy loop dearly: once it blocks past 20 µs the runtime's monitor
// takes the thread's P away, and winning it back on every wake-up cost
// ~30 µs of CPU per event at 1 000 events/s here, against ~10 µs raw. Held
// through a raw wait, the P is not available to the process's other
// goroutines (or to a stop-the-world) for up to rawWaitMs, so only the
// first rawWaitMs of a wait are raw: a loop idle for longer blocks in the
// ordinary way and gives the P back.
const rawWaitMs = 10

// epollWait waits up to ms milliseconds (-1: no bound), the first
// rawWaitMs of them in a raw system call.
func (s *sysPoller) epollWait(raw []unix.EpollEvent, ms int) (int, error) {
	slice := ms
	if ms < 0 || ms > rawWaitMs {
		slice = rawWaitMs
	}
	var start time.Time
	if slice != ms {
		start = time.Now()
	}
	r, _, e := unix.RawSyscall6(unix.SYS_EPOLL_PWAIT, uintptr(s.epfd), uintptr(unsafe.Pointer(&raw[0])),
		uintptr(len(raw)), uintptr(slice), 0, 0)
	switch {
	case e == 0 && (r > 0 || slice == ms):
		return int(r), nil
	case e != 0 && e != unix.EINTR:
		return 0, e
	}
	// Nothing came within the slice, or a signal cut it short (most often
	// the runtime's own preemption): the rest of the wait is an ordinary one.
	if ms > 0 {
		ms = max(ms-int(time.Since(start).Milliseconds()), 0)
	}
	return unix.EpollWait(s.epfd, raw, ms)
}

func (s *sysPoller) drainWake() {
	var buf [8]byte
	for {
		_, err := unix.Read(s.wakefd, buf[:])
		if err != unix.EINTR {
			return // drained, or EAGAIN because another read got it
		}
	}
}

func (s *sysPoller) wake() error {
	var one [8]byte
	binary.NativeEndian.PutUint64(one[:], 1)
	for {
		_, err := unix.Write(s.wakefd, one[:])
		switch err {
		case nil, unix.EAGAIN: // EAGAIN: the counter is saturated, a wake is pending anyway
			return nil
		case unix.EINTR:
			continue
		default:
			return os.NewSyscallError("write", err)
		}
	}
}
