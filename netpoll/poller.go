package netpoll

import (
	"errors"
	"sync"
	"sync/atomic"
)

// The poller contract. Every OS implementation (poller_epoll.go,
// poller_kqueue.go, poller_iocp.go) provides a sysPoller with these methods;
// the exported Poller below adds what is common to all of them.
//
//	open() error
//		Create the OS object (epoll instance, kqueue, IOCP port + AFD
//		handle) and the wake-up channel (eventfd, pipe, posted packet).
//		Anything half-built is released on failure.
//	close() error
//		Release them. Registrations are not removed one by one.
//	add(fd FD, in Interest, user any) error
//		Register fd, level-triggered, under a token the OS hands back
//		with each event: a fresh sequence number (epoll data word, the
//		AFD poll block) or the registration record itself (kqueue udata).
//		Registering a number that is already in the table replaces the
//		old registration (its descriptor was closed without Remove):
//		events carrying the old token are dropped.
//	addEdge(fd FD, in Interest, user any) error
//		Register a stream's fd. On epoll it is edge-triggered: each
//		event then costs the kernel one poll of the socket, not two.
//		Elsewhere it is add.
//	readAgain(fd FD)
//		The stream of fd stopped reading before its socket said EAGAIN
//		(a per-call budget, a full buffer), or saw a hangup: the next
//		wait reports fd Readable again (and does not block), as
//		level-triggered polling would. A no-op where addEdge is add.
//	modify(fd FD, in Interest) error
//		Change the interest of a registered fd; the user value stays.
//	remove(fd FD) error
//		Deregister. A descriptor that is already closed is not an error.
//	wait(ms int, events []Event) (n int, woke bool, err error)
//		Block up to ms milliseconds (negative: no limit, 0: do not block),
//		then fill events with at most len(events) entries. Events whose
//		sequence no longer matches the table are dropped. The wake-up
//		channel is drained here and reported as woke, never as an Event.
//		EINTR returns 0, false, nil; other errors are wrapped with
//		os.NewSyscallError.
//	wake() error
//		Make a blocked or future wait return. May run on any goroutine;
//		Poller serialises it against close and coalesces repeats.
//
// Level-triggered means: while a descriptor stays readable (or writable, if
// asked for) every Wait reports it again. Readers may therefore stop early
// (a full receive buffer, a per-wakeup budget) without losing a
// notification. Write interest should be asked for only while data is
// waiting, or every Wait reports the descriptor. A Stream keeps that
// promise itself where its registration is edge-triggered: ReadAvailable
// calls readAgain when it stops early, the epoll wait does on a hangup,
// and Flush writes until the socket is full or nothing waits.
//
// A readiness event says "try now", never "this will succeed": the
// operations on sockets are non-blocking and may still return EAGAIN.

// Interest selects which readiness a registration reports.
type Interest uint8

const (
	// Read: data (or a connection, for a listener) is waiting, or the peer
	// closed its side.
	Read Interest = 1 << iota
	// Write: the socket can take more data, or a connect has completed
	// (successfully or not).
	Write
)

// Ready is the readiness reported by an Event.
type Ready uint8

const (
	// Readable: a read (or accept) will not block.
	Readable Ready = 1 << iota
	// Writable: a write will not block, or a connect has completed.
	Writable
	// Hangup: the peer closed the connection or it was reset; reads will
	// return what is left and then EOF or an error.
	Hangup
	// Failed: the socket has a pending error; it also sets Readable and
	// Writable so either handler finds it.
	Failed
)

// Event is one readiness report. Events with Ready == 0 have been
// invalidated (see Poller.Remove) and must be skipped. With kqueue a
// descriptor can be reported twice in one batch, once Readable and once
// Writable; elsewhere once with both.
type Event struct {
	User  any   // the value given to Add for this registration
	Ready Ready // what the descriptor is ready for
	fd    FD
}

// FD returns the descriptor the event is about.
func (e Event) FD() FD { return e.fd }

// Poller multiplexes readiness of non-blocking sockets for one owner
// goroutine. Every method except Wake must be called by that owner; Wake may
// be called from any goroutine. The zero Poller is not usable: call Open.
type Poller struct {
	sys   sysPoller
	batch []Event // the events handed out by the last Wait
	woken bool
	iov   iovScratch // for the writev of any of its streams

	wakeMu      sync.Mutex // serialises Wake against Close
	closed      bool       // guarded by wakeMu
	wakePending atomic.Bool
}

var errNoEventSpace = errors.New("netpoll: Wait needs a non-empty event slice")

// Open creates a poller with its own OS object and wake-up channel.
func Open() (*Poller, error) {
	p := new(Poller)
	if err := p.sys.open(); err != nil {
		return nil, err
	}
	return p, nil
}

// Close releases the OS resources of p. Registered descriptors are not
// closed; close them first. A Wake racing with Close is harmless.
func (p *Poller) Close() error {
	p.wakeMu.Lock()
	defer p.wakeMu.Unlock()
	if p.closed {
		return ErrClosed
	}
	p.closed = true
	p.batch = nil
	return p.sys.close()
}

// Add registers fd, level-triggered, for the readiness in in. user comes
// back in every Event of this registration. Adding a descriptor number that
// is still registered replaces that registration (its old descriptor must
// have been closed without Remove); events already returned for it are
// invalidated as by Remove.
func (p *Poller) Add(fd FD, in Interest, user any) error { return p.register(fd, in, user, p.sys.add) }

// addStream is Add for a Stream, which keeps the level-triggered promise
// itself (addEdge).
func (p *Poller) addStream(fd FD, in Interest, user any) error {
	return p.register(fd, in, user, p.sys.addEdge)
}

func (p *Poller) register(fd FD, in Interest, user any, add func(FD, Interest, any) error) error {
	if p.closed {
		return ErrClosed
	}
	p.forget(fd)
	return add(fd, in, user)
}

// Modify changes the interest of a registered descriptor, keeping its user
// value. Asking for what is already registered costs no system call.
func (p *Poller) Modify(fd FD, in Interest) error {
	if p.closed {
		return ErrClosed
	}
	return p.sys.modify(fd, in)
}

// Remove deregisters fd. Call it before closing the descriptor: an epoll
// registration outlives close when the file is shared (dup, fork). Events
// for fd in the slice returned by the last Wait that have not been handled
// yet are zeroed (Ready == 0, User == nil), so a callback that closes a
// stream cannot be followed by a stale event for it in the same batch.
func (p *Poller) Remove(fd FD) error {
	if p.closed {
		return ErrClosed
	}
	p.forget(fd)
	return p.sys.remove(fd)
}

// Wait blocks up to timeoutMs milliseconds (negative: until something
// happens, 0: just poll) and stores at most len(events) events in events,
// returning how many. A timeout, an interrupted system call or a Wake with
// nothing else to report all return 0, nil; Woken tells the last one apart.
// The caller keeps ownership of events but must not reuse the slice for
// anything else until the next Wait (Add and Remove clear entries in it).
func (p *Poller) Wait(timeoutMs int, events []Event) (int, error) {
	p.batch = nil
	p.woken = false
	if p.closed {
		return 0, ErrClosed
	}
	if len(events) == 0 {
		return 0, errNoEventSpace
	}
	n, woke, err := p.sys.wait(timeoutMs, events)
	if woke {
		// The channel has been drained: let the next Wake signal again.
		// A Wake that lost the race with this store still had its work
		// queued before it called Wake, and the caller looks at its queue
		// after Wait returns.
		p.woken = true
		p.wakePending.Store(false)
	}
	p.batch = events[:n]
	return n, err
}

// Woken reports whether the last Wait consumed a Wake.
func (p *Poller) Woken() bool { return p.woken }

// Wake makes a blocked Wait return, or the next Wait return at once. It is
// safe to call from any goroutine, any number of times: wakes that arrive
// before the owner's Wait has consumed the previous one are merged.
func (p *Poller) Wake() error {
	if !p.wakePending.CompareAndSwap(false, true) {
		return nil
	}
	p.wakeMu.Lock()
	defer p.wakeMu.Unlock()
	if p.closed {
		return ErrClosed
	}
	if err := p.sys.wake(); err != nil {
		p.wakePending.Store(false)
		return err
	}
	return nil
}

// forget zeroes the not-yet-handled events of fd in the last batch.
func (p *Poller) forget(fd FD) {
	for i := range p.batch {
		if p.batch[i].fd == fd && p.batch[i].Ready != 0 {
			p.batch[i] = Event{fd: invalidFD}
		}
	}
}

// seqCounter numbers a poller's registrations, so that an event carrying
// the sequence of an earlier registration of a reused descriptor is
// recognised and dropped. 0 is never handed out: it means "none".
type seqCounter uint32

func (c *seqCounter) next() uint32 {
	*c++
	if *c == 0 {
		*c = 1
	}
	return uint32(*c)
}
