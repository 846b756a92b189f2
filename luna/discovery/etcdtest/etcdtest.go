// Package etcdtest runs a real etcd server for tests (Debian's
// etcd-server: the etcd binary on PATH), on 127.0.0.1 with ports it picks
// and a data directory in the test's temporary directory.
package etcdtest

import (
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"syscall"
	"testing"
	"time"
)

// Server is a running etcd.
type Server struct {
	Endpoint string // host:port of its client URL
	cmd      *exec.Cmd
	log      string // the file etcd writes its output to
}

// Start starts etcd and waits until it answers /health; it stops when the
// test ends. A missing binary fails the test: scripts/deps.sh installs it.
func Start(t testing.TB) *Server {
	t.Helper()
	bin, err := exec.LookPath("etcd")
	if err != nil {
		t.Fatal("etcd is not installed (scripts/deps.sh installs Debian's etcd-server)")
	}
	client, peer := freePorts(t)
	curl, purl := "http://127.0.0.1:"+client, "http://127.0.0.1:"+peer
	cmd := exec.Command(bin,
		"--name", "test", "--data-dir", t.TempDir(),
		"--listen-client-urls", curl, "--advertise-client-urls", curl,
		"--listen-peer-urls", purl, "--initial-advertise-peer-urls", purl,
		"--initial-cluster", "test="+purl, "--initial-cluster-state", "new",
		"--heartbeat-interval", "50", "--election-timeout", "500")
	logPath := filepath.Join(t.TempDir(), "etcd.log")
	out, err := os.Create(logPath)
	if err != nil {
		t.Fatal(err)
	}
	defer out.Close() // etcd has its own descriptor
	cmd.Stdout, cmd.Stderr = out, out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	s := &Server{Endpoint: "127.0.0.1:" + client, cmd: cmd, log: logPath}
	t.Cleanup(s.Stop)
	deadline := time.Now().Add(15 * time.Second)
	for {
		resp, err := (&http.Client{Timeout: time.Second}).Get(curl + "/health")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == 200 {
				return s
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("etcd did not become healthy in 15 s:\n%s", s.Log())
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// Stop ends the server (SIGTERM, then SIGKILL after 5 s).
func (s *Server) Stop() {
	if s.cmd.ProcessState != nil {
		return
	}
	s.cmd.Process.Signal(syscall.SIGTERM)
	done := make(chan struct{})
	go func() { s.cmd.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		s.cmd.Process.Kill()
		<-done
	}
}

// Log is what etcd printed.
func (s *Server) Log() string {
	b, _ := os.ReadFile(s.log)
	return string(b)
}

// freePorts returns two ports on 127.0.0.1 that were free a moment ago
// (both held at once, so they differ).
func freePorts(t testing.TB) (string, string) {
	t.Helper()
	var ports [2]string
	for i := range ports {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		defer ln.Close()
		ports[i] = strconv.Itoa(ln.Addr().(*net.TCPAddr).Port)
	}
	return ports[0], ports[1]
}
