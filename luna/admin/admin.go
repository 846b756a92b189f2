// Package admin is a luna process's HTTP admin endpoint: /metrics in the
// Prometheus text format, /healthz and /readyz for probes, the console
// (/debug/...) as JSON, and a status page (/). It serves on its
// own goroutine and never touches Lua or a node itself: what needs the
// loop's state is handed to the loop (Options.OnLoop) and answered from
// there, so counting on the hot path stays plain fields of the loop's own.
// It has no cgo.
package admin

import (
	"context"
	"crypto/subtle"
	_ "embed"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/http/pprof"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// statusPage is / : one page, no external resources, that reads
// /debug/status, /debug/streams and /debug/routes every second.
//
//go:embed status.html
var statusPage []byte

// DefaultStall is how long the loop may stay away from wait before
// /healthz says 503.
const DefaultStall = 5 * time.Second

// loopTimeout bounds how long a request waits for the loop to answer.
const loopTimeout = 2 * time.Second

// Options configure a Server.
type Options struct {
	// OnLoop runs f on the loop's thread soon (it queues f and wakes the
	// loop); required.
	OnLoop func(f func())
	// Snapshot, run on the loop's thread, returns the process's luna
	// metrics at this moment.
	Snapshot func() []Metric
	// Token, when set, is required as "Authorization: Bearer <token>" on
	// every path but /healthz and /readyz.
	Token []byte
	// Stall is DefaultStall when 0.
	Stall time.Duration
	// Console are the /debug/<name> endpoints.
	Console []Console
	// Profile, when set, serves /debug/lua/profile?seconds=N (default 5):
	// it runs on the request's goroutine and returns a pprof profile.
	Profile func(d time.Duration) ([]byte, error)
}

// Server is a running admin endpoint.
type Server struct {
	opts  Options
	ln    net.Listener
	http  *http.Server
	beat  atomic.Int64 // unix nanoseconds of the loop's last wait
	ready atomic.Bool
	why   atomic.Pointer[string] // why not ready, when not
	reg   *prometheus.Registry
	done  chan struct{}
}

// Listen starts an admin endpoint on addr (host:port; port 0 picks one).
func Listen(addr string, opts Options) (*Server, error) {
	if opts.OnLoop == nil || opts.Snapshot == nil {
		return nil, errors.New("admin: OnLoop and Snapshot are required")
	}
	if opts.Stall <= 0 {
		opts.Stall = DefaultStall
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, err
	}
	s := &Server{opts: opts, ln: ln, reg: prometheus.NewRegistry(), done: make(chan struct{})}
	s.Beat()
	s.SetReady(false, "the script has not called luna.admin.ready(true)")
	s.reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
		loopCollector{s})
	mux := http.NewServeMux()
	mux.Handle("/metrics", s.guard(promhttp.HandlerFor(s.reg, promhttp.HandlerOpts{ErrorHandling: promhttp.ContinueOnError})))
	mux.HandleFunc("/healthz", s.healthz)
	mux.HandleFunc("/readyz", s.readyz)
	for _, c := range opts.Console {
		mux.Handle("/debug/"+c.Name, s.console(c))
	}
	mux.Handle("/{$}", s.guard(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Write(statusPage)
	})))
	if opts.Profile != nil {
		mux.Handle("/debug/lua/profile", s.guard(http.HandlerFunc(s.profile)))
	}
	// the Go runtime's own profiles (heap, goroutine, allocs, profile, ...),
	// for the Go and C side of the process; behind the token like the rest
	mux.Handle("/debug/pprof/", s.guard(http.HandlerFunc(pprof.Index)))
	mux.Handle("/debug/pprof/cmdline", s.guard(http.HandlerFunc(pprof.Cmdline)))
	mux.Handle("/debug/pprof/profile", s.guard(http.HandlerFunc(pprof.Profile)))
	mux.Handle("/debug/pprof/symbol", s.guard(http.HandlerFunc(pprof.Symbol)))
	mux.Handle("/debug/pprof/trace", s.guard(http.HandlerFunc(pprof.Trace)))
	s.http = &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second}
	go func() {
		defer close(s.done)
		s.http.Serve(ln)
	}()
	return s, nil
}

// Addr is the address the endpoint listens on.
func (s *Server) Addr() *net.TCPAddr { return s.ln.Addr().(*net.TCPAddr) }

// Close stops the endpoint.
func (s *Server) Close() error {
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	err := s.http.Shutdown(ctx)
	<-s.done
	return err
}

// Beat records that the loop came back to wait; the loop calls it once
// per wait.
func (s *Server) Beat() { s.beat.Store(time.Now().UnixNano()) }

// SetReady sets what /readyz answers; why says what is missing when not
// ready.
func (s *Server) SetReady(ready bool, why string) {
	s.why.Store(&why)
	s.ready.Store(ready)
}

// Ready is what /readyz answers now.
func (s *Server) Ready() bool { return s.ready.Load() }

func (s *Server) healthz(w http.ResponseWriter, r *http.Request) {
	since := time.Since(time.Unix(0, s.beat.Load()))
	if since > s.opts.Stall {
		http.Error(w, fmt.Sprintf("stalled: the Lua thread has not come back to wait for %.1f s", since.Seconds()),
			http.StatusServiceUnavailable)
		return
	}
	fmt.Fprintln(w, "ok")
}

func (s *Server) readyz(w http.ResponseWriter, r *http.Request) {
	if !s.ready.Load() {
		http.Error(w, "not ready: "+*s.why.Load(), http.StatusServiceUnavailable)
		return
	}
	fmt.Fprintln(w, "ready")
}

// profile answers /debug/lua/profile?seconds=N with a pprof profile.
func (s *Server) profile(w http.ResponseWriter, r *http.Request) {
	secs := 5
	if q := r.URL.Query().Get("seconds"); q != "" {
		n, err := strconv.Atoi(q)
		if err != nil {
			http.Error(w, "seconds must be an integer", http.StatusBadRequest)
			return
		}
		secs = n
	}
	out, err := s.opts.Profile(time.Duration(secs) * time.Second)
	if err != nil {
		http.Error(w, err.Error(), http.StatusServiceUnavailable)
		return
	}
	w.Header().Set("Content-Type", "application/octet-stream")
	w.Header().Set("Content-Disposition", `attachment; filename="lua.pb.gz"`)
	w.Write(out)
}

// guard lets a request through when no token is set, or when it carries
// the token.
func (s *Server) guard(h http.Handler) http.Handler {
	if s.opts.Token == nil {
		return h
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
		if !ok || subtle.ConstantTimeCompare([]byte(got), s.opts.Token) != 1 {
			w.Header().Set("WWW-Authenticate", `Bearer realm="luna admin"`)
			http.Error(w, "a bearer token is required (LUNA_ADMIN_TOKEN_FILE)", http.StatusUnauthorized)
			return
		}
		h.ServeHTTP(w, r)
	})
}

// OnLoop runs f on the loop's thread and waits for it, up to loopTimeout.
func (s *Server) OnLoop(f func()) error {
	ran := make(chan struct{})
	s.opts.OnLoop(func() {
		f()
		close(ran)
	})
	select {
	case <-ran:
		return nil
	case <-time.After(loopTimeout):
		return fmt.Errorf("the loop did not answer within %v", loopTimeout)
	}
}
