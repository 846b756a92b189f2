package luna

import (
	"fmt"
	"strings"
	"time"
)

// errorWindow is how long repeats of one error collapse into one line.
const errorWindow = time.Second

// maxDistinctErrors bounds what errorLog remembers; past it, the pending
// counts are printed and it starts afresh.
const maxDistinctErrors = 1024

// errorLog prints the Lua errors that callbacks, main and on_loop raise, on
// stderr. The first occurrence of each distinct error of a callback is
// printed in full, with its traceback; its repeats are counted and printed
// as one line per errorWindow, naming the callback and the message name
// and stream of the last repeat. So 1 000 failing calls print one
// traceback and one count, not 9 000 lines.
type errorLog struct {
	seen       map[errorKey]*errorRepeats
	pending    int               // entries with repeats not printed yet
	byCallback map[string]uint64 // every error reported, by callback (metrics)
	recent     []recentError     // the last maxRecentErrors, oldest first (the status page)
}

// maxRecentErrors is how many errors the status page shows.
const maxRecentErrors = 20

// recentError is one error as the status page shows it.
type recentError struct {
	Time     time.Time `json:"time"`
	Callback string    `json:"callback"`
	Msg      string    `json:"msg,omitempty"` // the call's message name, for on_call
	Token    uint32    `json:"token,omitempty"`
	Message  string    `json:"message"`
}

type errorKey struct{ callback, message string }

// errorRepeats are the repeats of one error in its current window.
type errorRepeats struct {
	since time.Time // start of the window
	count int
	msg   string // message name of the last repeat ("" for non-call callbacks)
	token uint32 // stream or listener of the last repeat (0: none)
}

// report handles one error raised in callback: text is the message,
// optionally followed by "\nstack traceback:..." as debug.traceback and
// cbind produce it.
func (e *errorLog) report(callback, msg string, token uint32, text string) {
	if e.byCallback == nil {
		e.byCallback = map[string]uint64{}
	}
	e.byCallback[callback]++
	message, _, _ := strings.Cut(text, "\nstack traceback:")
	key := errorKey{callback, message}
	now := time.Now()
	if len(e.recent) == maxRecentErrors {
		e.recent = append(e.recent[:0], e.recent[1:]...)
	}
	e.recent = append(e.recent, recentError{now, callback, msg, token, message})
	r := e.seen[key]
	if r == nil {
		if len(e.seen) >= maxDistinctErrors {
			e.flush(true)
			clear(e.seen)
		}
		if e.seen == nil {
			e.seen = map[errorKey]*errorRepeats{}
		}
		e.seen[key] = &errorRepeats{since: now}
		errorLine(text)
		return
	}
	if now.Sub(r.since) >= errorWindow {
		e.summarize(key, r, now)
	}
	if r.count == 0 {
		e.pending++
	}
	r.count++
	r.msg, r.token = msg, token
}

// flush prints the counts whose window has ended, or every count when all
// is set (at exit). It costs nothing while no repeat is pending.
func (e *errorLog) flush(all bool) {
	if e.pending == 0 {
		return
	}
	now := time.Now()
	for key, r := range e.seen {
		if r.count > 0 && (all || now.Sub(r.since) >= errorWindow) {
			e.summarize(key, r, now)
		}
	}
}

// summarize prints the repeats counted in r's window and starts a new one.
func (e *errorLog) summarize(key errorKey, r *errorRepeats, now time.Time) {
	if r.count > 0 {
		var where []string
		if r.msg != "" {
			where = append(where, fmt.Sprintf("msg %q", r.msg))
		}
		if r.token != 0 {
			where = append(where, fmt.Sprintf("token %d", r.token))
		}
		last := ""
		if len(where) > 0 {
			last = " (last: " + strings.Join(where, ", ") + ")"
		}
		errorLine(fmt.Sprintf("luna: %s raised the same error %d more time(s) in %.1fs%s: %s",
			key.callback, r.count, now.Sub(r.since).Seconds(), last, key.message))
		r.count = 0
		e.pending--
	}
	r.since = now
}
