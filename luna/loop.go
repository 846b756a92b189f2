package luna

import (
	"fmt"
	"time"
)

// The event loop of a socket manager. mgr.wait polls, runs every callback
// that is due, writes out what the callbacks queued and expires deadlines,
// all on the Lua thread.

// wait is mgr.wait(ms): poll up to ms milliseconds (0: don't block,
// negative: until something happens) and run every callback that is due.
func (m *socketMgr) wait(ms int64) {
	if m.inWait || m.closed {
		return // called from one of its own callbacks: nothing to do
	}
	m.inWait = true
	defer func() { m.inWait = false }()

	m.flushDirty()
	m.deliverFailures()
	n, err := m.poll(m.pollTimeout(ms))
	if err != nil {
		logLine(fmt.Sprintf("luna: poll: %v", err))
		return
	}
	if m.poller.Woken() {
		m.resolver.deliver(m)
	}
	for i := 0; i < n && !m.closed; i++ {
		ev := &m.events[i]
		if ev.Ready == 0 {
			continue
		}
		switch o := ev.User.(type) {
		case *socketStream:
			o.handle(ev.Ready)
		case *socketListener:
			o.acceptReady()
		}
		m.flushDirty()
		m.deliverFailures()
	}
	m.expireTimeouts()
	m.deliverFailures()
	m.h.afterWait()
}

// deliverFailures runs on_error for every stream that died since the last
// call, in the order they died.
func (m *socketMgr) deliverFailures() {
	for len(m.failed) > 0 {
		f := m.failed[0]
		m.failed = m.failed[1:]
		m.h.failed(f.s, f.reason)
	}
	m.failed = nil
}

// spinFor is how long a manager that has just handled events polls without
// blocking before it sleeps in the kernel. A request/response peer usually
// answers within tens of microseconds; catching the answer while still
// running saves the wake-up of an idle CPU (tens of microseconds more on a
// virtual machine). An idle manager (no events last time) never spins.
const spinFor = 50 * time.Microsecond

// poll waits for events, spinning first when the last wait was busy.
func (m *socketMgr) poll(timeout int) (int, error) {
	if timeout != 0 && m.busy {
		deadline := time.Now().Add(spinFor)
		for time.Now().Before(deadline) {
			if n, err := m.poller.Wait(0, m.events); n > 0 || err != nil || m.poller.Woken() {
				return n, err
			}
		}
	}
	n, err := m.poller.Wait(timeout, m.events)
	m.busy = n > 0
	return n, err
}

// pollTimeout bounds the wait by the nearest stream deadline; it is 0 when
// callbacks are already due.
func (m *socketMgr) pollTimeout(ms int64) int {
	if len(m.failed) > 0 {
		return 0
	}
	now := time.Now()
	next := ms
	for s := range m.timed {
		left := s.deadline().Sub(now).Milliseconds() + 1
		if next < 0 || left < next {
			next = max(left, 0)
		}
	}
	return int(max(min(next, 1<<30), -1))
}

// expireTimeouts kills the streams whose deadline passed: "timeout" when no
// frame came within set_timeout, "frame_timeout" when a frame was started
// but not finished within the frame timeout.
func (m *socketMgr) expireTimeouts() {
	if len(m.timed) == 0 {
		return
	}
	now := time.Now()
	for s := range m.timed {
		if now.Before(s.deadline()) {
			continue
		}
		if s.timeout > 0 && !now.Before(s.lastRecv.Add(time.Duration(s.timeout)*time.Millisecond)) {
			s.fail(errTimeout)
		} else {
			s.fail(errFrameTimeout)
		}
	}
}

// markDirty queues a stream for the flush at the end of the batch.
func (m *socketMgr) markDirty(s *socketStream) {
	if !s.dirty {
		s.dirty = true
		m.dirty = append(m.dirty, s)
	}
}

// flushDirty moves the calls made since the last flush out of the outbox
// and writes out every stream they went to: one write/writev per stream for
// all its frames.
func (m *socketMgr) flushDirty() {
	m.h.beforeFlush()
	for i := 0; i < len(m.dirty); i++ {
		s := m.dirty[i]
		s.dirty = false
		s.flush()
	}
	clear(m.dirty)
	m.dirty = m.dirty[:0]
}
