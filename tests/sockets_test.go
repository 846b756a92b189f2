package tests

import (
	"net"
	"strconv"
	"strings"
	"testing"
	"time"
)

// startEcho starts echo_server.lua on an ephemeral port and returns it with
// the port.
func startEcho(t *testing.T, args ...string) (*proc, string) {
	t.Helper()
	p := startLuna(t, nil, append([]string{script("echo_server.lua"), "0"}, args...)...)
	line := p.waitLine("READY ", 10*time.Second)
	return p, strings.TrimPrefix(line, "READY ")
}

// silentPeer accepts connections and never reads or writes; it returns the
// port. Accepted connections stay open until the test ends.
func silentPeer(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var conns []net.Conn
	done := make(chan struct{})
	go func() {
		defer close(done)
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			c.(*net.TCPConn).SetReadBuffer(4096)
			conns = append(conns, c)
		}
	}()
	t.Cleanup(func() {
		ln.Close()
		<-done
		for _, c := range conns {
			c.Close()
		}
	})
	return strconv.Itoa(ln.Addr().(*net.TCPAddr).Port)
}

// closedPort returns a port on 127.0.0.1 that nothing listens on.
func closedPort(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := strconv.Itoa(ln.Addr().(*net.TCPAddr).Port)
	ln.Close()
	return port
}

func TestRoundTripEveryValueKind(t *testing.T) {
	_, port := startEcho(t, "oneshot")
	mustPass(t, runLuna(t, 30*time.Second, nil, script("roundtrip.lua"), port))
}

// TestCallInstalledOnFirstUse: stream.call is made on its first lookup,
// and is then the same function for the stream's life; calls keep their
// order; a script's own stream.call is left alone.
func TestCallInstalledOnFirstUse(t *testing.T) {
	_, port := startEcho(t)
	mustPass(t, runLuna(t, 30*time.Second, nil, script("call_install.lua"), port))
}

func runScenario(t *testing.T, args ...string) result {
	t.Helper()
	r := runLuna(t, 30*time.Second, nil, append([]string{script("stream_errors.lua")}, args...)...)
	mustPass(t, r)
	return r
}

func TestStreamErrors(t *testing.T) {
	t.Run("connect_failed", func(t *testing.T) { runScenario(t, "connect_failed", closedPort(t)) })
	t.Run("dns_error", func(t *testing.T) { runScenario(t, "dns_error") })
	t.Run("timeout", func(t *testing.T) { runScenario(t, "timeout", silentPeer(t)) })
	t.Run("connection_lost", func(t *testing.T) {
		echo, port := startEcho(t)
		runScenario(t, "connection_lost", port)
		echo.waitLine("SERVER_EXIT", 10*time.Second)
	})
	t.Run("package_too_large", func(t *testing.T) {
		echo, port := startEcho(t)
		runScenario(t, "package_too_large", port)
		echo.waitLine("server stream error package_too_large", 10*time.Second)
	})
	t.Run("send_cache_full", func(t *testing.T) {
		_, port := startEcho(t)
		runScenario(t, "send_cache_full", silentPeer(t), port)
	})
	t.Run("connection_cap", func(t *testing.T) { runScenario(t, "connection_cap") })
	t.Run("close_is_silent", func(t *testing.T) {
		_, port := startEcho(t)
		runScenario(t, "close_is_silent", port)
	})
	t.Run("gc_frees_port", func(t *testing.T) { runScenario(t, "gc_frees_port") })
	t.Run("invalid_params", func(t *testing.T) { runScenario(t, "invalid_params") })
}

const errPTL = "package_too_large"

func TestLargestDefaultFrameCrosses(t *testing.T) {
	echo, port := startEcho(t)
	runScenario(t, "largest_default_frame", port)
	if out := echo.output(); strings.Contains(out, errPTL) || strings.Contains(out, "FAIL") {
		t.Fatalf("echo server: %s", echo.output())
	}
}

func TestResolveNamesAndLiterals(t *testing.T) {
	_, port := startEcho(t)
	v6 := "none"
	if ln, err := net.Listen("tcp", "[::1]:0"); err == nil {
		ln.Close()
		// the echo server listens on 127.0.0.1 only: start one on ::1
		p := startLuna(t, nil, script("echo_server.lua"), "0", "", "::1")
		v6 = strings.TrimPrefix(p.waitLine("READY ", 10*time.Second), "READY ")
	}
	runScenario(t, "resolve_names", port, v6)
}
