package admin

import (
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/google/pprof/profile"
)

// loop is a stand-in for the luna loop: it runs what the endpoint hands
// it on its own goroutine, unless paused.
type loop struct {
	work  chan func()
	pause chan bool
}

func newLoop(t *testing.T) *loop {
	l := &loop{work: make(chan func(), 16), pause: make(chan bool)}
	done := make(chan struct{})
	t.Cleanup(func() { close(done) })
	go func() {
		paused := false
		for {
			if paused {
				select {
				case paused = <-l.pause:
				case <-done:
					return
				}
				continue
			}
			select {
			case f := <-l.work:
				f()
			case paused = <-l.pause:
			case <-done:
				return
			}
		}
	}()
	return l
}

func start(t *testing.T, l *loop, opts Options) (*Server, string) {
	t.Helper()
	opts.OnLoop = func(f func()) { l.work <- f }
	if opts.Snapshot == nil {
		opts.Snapshot = func() []Metric {
			return []Metric{
				{Name: "luna_streams", Help: "streams", Kind: Gauge, Value: 3},
				{Name: "luna_errors_total", Help: "errors", Kind: Counter, Labels: []string{"reason"}, Values: []string{"timeout"}, Value: 2},
				{Name: "luna_errors_total", Help: "errors", Kind: Counter, Labels: []string{"reason"}, Values: []string{"connection_lost"}, Value: 5},
			}
		}
	}
	s, err := Listen("127.0.0.1:0", opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s, "http://" + s.Addr().String()
}

func fetch(t *testing.T, url, token string) (int, string) {
	t.Helper()
	req, _ := http.NewRequest("GET", url, nil)
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := (&http.Client{Timeout: 5 * time.Second}).Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func TestMetricsComeFromTheLoop(t *testing.T) {
	_, base := start(t, newLoop(t), Options{})
	code, body := fetch(t, base+"/metrics", "")
	if code != 200 {
		t.Fatalf("%d %s", code, body)
	}
	for _, want := range []string{
		"# TYPE luna_streams gauge", "luna_streams 3",
		"# TYPE luna_errors_total counter", `luna_errors_total{reason="timeout"} 2`, `luna_errors_total{reason="connection_lost"} 5`,
		"go_goroutines", "process_resident_memory_bytes",
	} {
		if !strings.Contains(body, want) {
			t.Errorf("no %q in\n%s", want, body)
		}
	}
}

// A loop that does not answer costs the scrape its luna metrics, not the
// Go ones, and not the scrape itself.
func TestMetricsOfAStalledLoop(t *testing.T) {
	l := newLoop(t)
	_, base := start(t, l, Options{})
	l.pause <- true
	defer func() { l.pause <- false }()
	code, body := fetch(t, base+"/metrics", "")
	if code != 200 || !strings.Contains(body, "go_goroutines") || strings.Contains(body, "luna_streams") {
		t.Fatalf("%d\n%s", code, body)
	}
}

func TestHealthAndReadiness(t *testing.T) {
	s, base := start(t, newLoop(t), Options{Stall: 100 * time.Millisecond})
	if code, _ := fetch(t, base+"/healthz", ""); code != 200 {
		t.Fatalf("/healthz %d right after a beat", code)
	}
	time.Sleep(150 * time.Millisecond)
	if code, body := fetch(t, base+"/healthz", ""); code != 503 || !strings.Contains(body, "stalled") {
		t.Fatalf("/healthz %d %q after 150 ms without a beat", code, body)
	}
	s.Beat()
	if code, _ := fetch(t, base+"/healthz", ""); code != 200 {
		t.Fatalf("/healthz %d after a beat", code)
	}
	if code, _ := fetch(t, base+"/readyz", ""); code != 503 {
		t.Fatalf("/readyz %d before SetReady", code)
	}
	s.SetReady(true, "")
	if code, _ := fetch(t, base+"/readyz", ""); code != 200 {
		t.Fatalf("/readyz %d when ready", code)
	}
	s.SetReady(false, "draining")
	if code, body := fetch(t, base+"/readyz", ""); code != 503 || !strings.Contains(body, "draining") {
		t.Fatalf("/readyz %d %q when draining", code, body)
	}
}

func TestToken(t *testing.T) {
	_, base := start(t, newLoop(t), Options{Token: []byte("tok-123")})
	for _, c := range []struct {
		path, token string
		want        int
	}{
		{"/metrics", "", 401}, {"/metrics", "tok-12", 401}, {"/metrics", "tok-1234", 401},
		{"/metrics", "tok-123", 200}, {"/healthz", "", 200}, {"/readyz", "", 503},
		{"/debug/pprof/heap", "", 401}, {"/debug/pprof/heap", "tok-123", 200},
	} {
		if code, _ := fetch(t, base+c.path, c.token); code != c.want {
			t.Errorf("%s token %q: %d, want %d", c.path, c.token, code, c.want)
		}
	}
}

// /debug/pprof/ serves the Go runtime's profiles, in the format pprof reads.
func TestGoProfiles(t *testing.T) {
	_, base := start(t, newLoop(t), Options{})
	for _, name := range []string{"heap", "goroutine", "allocs"} {
		code, body := fetch(t, base+"/debug/pprof/"+name, "")
		if code != 200 {
			t.Fatalf("%s: %d %q", name, code, body)
		}
		p, err := profile.ParseData([]byte(body))
		if err != nil {
			t.Fatalf("%s: not a profile: %v", name, err)
		}
		if len(p.SampleType) == 0 {
			t.Fatalf("%s: a profile with no sample types", name)
		}
	}
	if code, body := fetch(t, base+"/debug/pprof/", ""); code != 200 || !strings.Contains(body, "heap") {
		t.Fatalf("the index: %d %q", code, body)
	}
}
