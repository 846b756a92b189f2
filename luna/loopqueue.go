package luna

import "sync"

// loopQueue is work for the loop's thread from other goroutines: the admin
// endpoint's requests, discovery's updates. It runs at the end of every
// wait of any manager.
type loopQueue struct {
	mu      sync.Mutex
	pending []func()
}

// onLoop queues f for the loop's next turn and wakes the loop; any
// goroutine may call it.
func (rt *Runtime) onLoop(f func()) {
	q := &rt.posted
	q.mu.Lock()
	q.pending = append(q.pending, f)
	q.mu.Unlock()
	rt.signal.wakeAll()
}

// runPosted runs what was queued, in order, on the loop's thread.
func (rt *Runtime) runPosted() {
	q := &rt.posted
	q.mu.Lock()
	todo := q.pending
	q.pending = nil
	q.mu.Unlock()
	for _, f := range todo {
		f()
	}
}
