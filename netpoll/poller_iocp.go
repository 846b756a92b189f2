//go:build windows

package netpoll

import (
	"math"
	"os"
	"sync"
	"time"
	"unsafe"

	"golang.org/x/sys/windows"
)

// An I/O completion port reports finished operations, not readiness. To keep
// the readiness contract, every registered socket has one AFD poll request
// in flight: IOCTL_AFD_POLL sent to the Winsock kernel driver (\Device\Afd)
// through a handle associated with the port. This is the mechanism under
// select() and WSAPoll, and the one wepoll and mio use. The request
// completes once the socket is ready for the events it names; Wait turns the
// completion into an Event and re-arms the request at the start of the next
// Wait, so a socket that is still ready completes again at once: the same
// level-triggered behaviour as epoll.
//
// The request's IO_STATUS_BLOCK is the first field of the socket's afdSock
// and its address is the ApcContext, so the completion's lpOverlapped
// points back to the afdSock. Each registration is a new afdSock: a
// completion for an afdSock that has been removed or replaced is dropped,
// which is what the sequence number does on the other systems. The kernel
// holds that address while the request is in flight, so inflight keeps the
// afdSock reachable until its completion has been dequeued.

// overlappedEntry is OVERLAPPED_ENTRY. lpOverlapped is typed as the afdSock
// it always points to (or nil, for a Wake packet).
type overlappedEntry struct {
	key      uintptr
	sock     *afdSock
	internal uintptr
	qty      uint32
}

type afdSock struct {
	iosb    windows.IO_STATUS_BLOCK // must stay first, see above
	info    afdPollInfo
	cancel  windows.IO_STATUS_BLOCK
	sock    windows.Handle
	base    windows.Handle // the base provider socket AFD knows
	user    any
	in      Interest
	armed   uint32 // events of the request in flight, 0 if none
	queued  bool   // waiting in rearm
	removed bool
}

type sysPoller struct {
	port     windows.Handle
	afd      windows.Handle
	socks    map[windows.Handle]*afdSock
	inflight map[*afdSock]struct{}
	rearm    []*afdSock
	raw      []overlappedEntry
	nraw     uint32
	stale    uint64 // completions dropped for a removed or replaced socket
}

// graveyard keeps afdSocks whose requests were still in flight when their
// poller closed, so the kernel never writes into freed memory.
var graveyard struct {
	sync.Mutex
	socks []*afdSock
}

func (s *sysPoller) open() error {
	if err := startup(); err != nil {
		return os.NewSyscallError("WSAStartup", err)
	}
	port, err := windows.CreateIoCompletionPort(windows.InvalidHandle, 0, 0, 0)
	if err != nil {
		return os.NewSyscallError("CreateIoCompletionPort", err)
	}
	afd, err := openAFD(port)
	if err != nil {
		windows.CloseHandle(port)
		return err
	}
	s.port, s.afd = port, afd
	s.socks = make(map[windows.Handle]*afdSock)
	s.inflight = make(map[*afdSock]struct{})
	return nil
}

func (s *sysPoller) close() error {
	for as := range s.inflight {
		s.cancelPoll(as)
	}
	// Collect the cancelled requests, a bounded number of times.
	for i := 0; i < 100 && len(s.inflight) > 0; i++ {
		if len(s.raw) == 0 {
			s.raw = make([]overlappedEntry, 64)
		}
		r, _, _ := procGetQueuedCompletionStatusEx.Call(uintptr(s.port),
			uintptr(unsafe.Pointer(&s.raw[0])), uintptr(len(s.raw)),
			uintptr(unsafe.Pointer(&s.nraw)), 10, 0)
		if r == 0 {
			continue
		}
		for j := range s.raw[:s.nraw] {
			if as := s.raw[j].sock; as != nil {
				delete(s.inflight, as)
			}
			s.raw[j] = overlappedEntry{}
		}
	}
	if len(s.inflight) > 0 {
		graveyard.Lock()
		for as := range s.inflight {
			graveyard.socks = append(graveyard.socks, as)
		}
		graveyard.Unlock()
	}
	errAfd := windows.CloseHandle(s.afd)
	errPort := windows.CloseHandle(s.port)
	s.socks, s.inflight, s.rearm = nil, nil, nil
	if errAfd != nil {
		return os.NewSyscallError("CloseHandle", errAfd)
	}
	if errPort != nil {
		return os.NewSyscallError("CloseHandle", errPort)
	}
	return nil
}

// submit makes a poll request for the current interest of as.
func (s *sysPoller) submit(as *afdSock) error {
	want := afdEvents(as.in)
	as.info = afdPollInfo{Timeout: math.MaxInt64, NumberOfHandles: 1}
	as.info.Handles[0] = afdPollHandleInfo{Handle: as.base, Events: want}
	as.iosb.Status = windows.STATUS_PENDING
	r, _, _ := procNtDeviceIoControlFile.Call(uintptr(s.afd), 0, 0,
		uintptr(unsafe.Pointer(&as.iosb)), uintptr(unsafe.Pointer(&as.iosb)),
		ioctlAfdPoll,
		uintptr(unsafe.Pointer(&as.info)), unsafe.Sizeof(as.info),
		uintptr(unsafe.Pointer(&as.info)), unsafe.Sizeof(as.info))
	if st := windows.NTStatus(r); st != windows.STATUS_SUCCESS && st != windows.STATUS_PENDING {
		return os.NewSyscallError("NtDeviceIoControlFile", st)
	}
	// Even an immediate success is reported through the port.
	as.armed = want
	s.inflight[as] = struct{}{}
	return nil
}

// cancelPoll cancels the request in flight; its completion still arrives,
// with STATUS_CANCELLED, unless it had completed already.
func (s *sysPoller) cancelPoll(as *afdSock) error {
	r, _, _ := procNtCancelIoFileEx.Call(uintptr(s.afd),
		uintptr(unsafe.Pointer(&as.iosb)), uintptr(unsafe.Pointer(&as.cancel)))
	if st := windows.NTStatus(r); st != windows.STATUS_SUCCESS && st != windows.STATUS_NOT_FOUND {
		return os.NewSyscallError("NtCancelIoFileEx", st)
	}
	return nil
}

func (s *sysPoller) queue(as *afdSock) {
	if !as.queued {
		as.queued = true
		s.rearm = append(s.rearm, as)
	}
}

// addEdge is add: a socket's poll is submitted again after each event.
func (s *sysPoller) addEdge(sock windows.Handle, in Interest, user any) error {
	return s.add(sock, in, user)
}

// readAgain has nothing to do: a socket with bytes left is reported again.
func (s *sysPoller) readAgain(windows.Handle) {}

func (s *sysPoller) add(sock windows.Handle, in Interest, user any) error {
	if old := s.socks[sock]; old != nil {
		s.drop(old)
	}
	base, err := baseHandle(sock)
	if err != nil {
		return err
	}
	as := &afdSock{sock: sock, base: base, user: user, in: in}
	if err := s.submit(as); err != nil {
		return err
	}
	s.socks[sock] = as
	return nil
}

func (s *sysPoller) modify(sock windows.Handle, in Interest) error {
	as := s.socks[sock]
	if as == nil {
		return errNotRegistered
	}
	if as.in == in {
		return nil
	}
	as.in = in
	want := afdEvents(in)
	if as.armed == 0 || as.armed&want == want {
		return nil // re-armed with the new events at the next Wait, or covered
	}
	return s.cancelPoll(as) // its completion re-arms it with the new events
}

func (s *sysPoller) remove(sock windows.Handle) error {
	as := s.socks[sock]
	if as == nil {
		return errNotRegistered
	}
	s.drop(as)
	return nil
}

func (s *sysPoller) drop(as *afdSock) {
	delete(s.socks, as.sock)
	as.removed = true
	as.user = nil
	if as.armed != 0 {
		s.cancelPoll(as) // stays in inflight until its completion arrives
	}
}

func (s *sysPoller) wait(ms int, events []Event) (int, bool, error) {
	var deadline time.Time
	if ms > 0 {
		deadline = time.Now().Add(time.Duration(ms) * time.Millisecond)
	}
	// A round can end with nothing to report when the only completions were
	// cancellations made by Modify; those sockets are re-armed and, within
	// the timeout, waited for again.
	for round := 0; ; round++ {
		out := s.rearmAll(events)
		timeout := ms
		if out > 0 {
			timeout = 0 // failures to report: do not block
		}
		n, woke, err := s.collect(events, out, timeout)
		if n > 0 || woke || err != nil || ms == 0 || len(s.rearm) == 0 || round == 3 {
			return n, woke, err
		}
		if ms > 0 {
			left := time.Until(deadline)
			if left <= 0 {
				return 0, false, nil
			}
			ms = int((left + time.Millisecond - 1) / time.Millisecond)
		}
	}
}

// collect dequeues completions into events[out:].
func (s *sysPoller) collect(events []Event, out, ms int) (int, bool, error) {
	room := len(events) - out
	if room == 0 {
		return out, false, nil
	}
	if len(s.raw) < room {
		s.raw = make([]overlappedEntry, len(events))
	}
	timeout := uint32(windows.INFINITE)
	if ms >= 0 {
		timeout = uint32(min(ms, math.MaxInt32))
	}
	r, _, err := procGetQueuedCompletionStatusEx.Call(uintptr(s.port),
		uintptr(unsafe.Pointer(&s.raw[0])), uintptr(room),
		uintptr(unsafe.Pointer(&s.nraw)), uintptr(timeout), 0)
	if r == 0 {
		if err == windows.WAIT_TIMEOUT {
			return out, false, nil
		}
		return out, false, os.NewSyscallError("GetQueuedCompletionStatusEx", err)
	}
	woke := false
	for i := range s.raw[:s.nraw] {
		e := s.raw[i]
		s.raw[i] = overlappedEntry{}
		if e.key == wakeKey {
			woke = true
			continue
		}
		as := e.sock
		if as == nil {
			continue
		}
		delete(s.inflight, as)
		as.armed = 0
		if as.removed {
			s.stale++ // removed or replaced since the request was made
			continue
		}
		ready := s.complete(as)
		if !as.removed {
			s.queue(as)
		}
		if ready != 0 {
			events[out] = Event{User: as.user, Ready: ready, fd: as.sock}
			out++
		}
	}
	return out, woke, nil
}

// rearmAll re-submits the requests of sockets whose last one completed. A
// socket whose request cannot be made is reported Failed (and retried at
// each Wait) rather than failing the whole poller.
func (s *sysPoller) rearmAll(events []Event) int {
	out := 0
	keep := s.rearm[:0]
	for _, as := range s.rearm {
		if as.removed || as.armed != 0 {
			as.queued = false
			continue
		}
		if err := s.submit(as); err != nil {
			keep = append(keep, as)
			if out < len(events) {
				events[out] = Event{User: as.user, Ready: Readable | Writable | Failed, fd: as.sock}
				out++
			}
			continue
		}
		as.queued = false
	}
	clear(s.rearm[len(keep):])
	s.rearm = keep
	return out
}

// complete turns a finished request into readiness.
func (s *sysPoller) complete(as *afdSock) Ready {
	st := as.iosb.Status
	switch {
	case st == windows.STATUS_CANCELLED:
		return 0 // Modify asked for more events; re-armed by the caller
	case uint32(st)>>30 == 3: // NTSTATUS severity "error"
		return Readable | Writable | Failed
	case as.info.NumberOfHandles < 1:
		return 0
	}
	ev := as.info.Handles[0].Events
	if ev&afdPollLocalClose != 0 {
		// Closed without Remove: forget it.
		delete(s.socks, as.sock)
		as.removed = true
		as.user = nil
		return 0
	}
	return afdReady(ev, as.in)
}

func (s *sysPoller) wake() error {
	if err := windows.PostQueuedCompletionStatus(s.port, 0, wakeKey, nil); err != nil {
		return os.NewSyscallError("PostQueuedCompletionStatus", err)
	}
	return nil
}
