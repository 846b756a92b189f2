package tests

import (
	"bufio"
	"encoding/binary"
	"io"
	"net"
	"strconv"
	"syscall"
	"testing"
	"time"
)

// countFrames reads length-prefixed frames from c until EOF (at most
// limit) and returns how many arrived whole.
func countFrames(t *testing.T, c net.Conn, limit time.Duration) int {
	t.Helper()
	c.SetReadDeadline(time.Now().Add(limit))
	r := bufio.NewReader(c)
	n := 0
	for {
		size, err := binary.ReadUvarint(r)
		if err != nil {
			if err != io.EOF {
				t.Errorf("after %d frames: %v", n, err)
			}
			return n
		}
		if _, err := io.CopyN(io.Discard, r, int64(size)); err != nil {
			t.Errorf("frame %d cut short: %v", n+1, err)
			return n
		}
		n++
	}
}

// Calls a script issued before SIGTERM all reach the peer: luna drains its
// queues on the way out.
func TestSigtermDrainsQueuedCalls(t *testing.T) {
	const calls = 20000
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	got := make(chan int, 1)
	go func() {
		c, err := ln.Accept()
		if err != nil {
			got <- -1
			return
		}
		defer c.Close()
		got <- countFrames(t, c, 30*time.Second)
	}()
	port := strconv.Itoa(ln.Addr().(*net.TCPAddr).Port)
	p := startLuna(t, nil, script("drain_sender.lua"), port, strconv.Itoa(calls))
	p.waitLine("SENT", 10*time.Second)
	p.cmd.Process.Signal(syscall.SIGTERM)
	if code := p.wait(10 * time.Second); code != 0 {
		t.Fatalf("exit %d; output:\n%s", code, p.output())
	}
	select {
	case n := <-got:
		if n != calls {
			t.Fatalf("peer received %d of %d calls; output:\n%s", n, calls, p.output())
		}
	case <-time.After(20 * time.Second):
		t.Fatal("peer never saw the connection end")
	}
}
