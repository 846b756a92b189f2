package tests

import (
	"bufio"
	"encoding/binary"
	"fmt"
	"io"
	"net"
	"strconv"
	"strings"
	"testing"
	"time"
)

// One router holds 5 000 concurrent connections and serves every one.
func TestLoadRouterHolds5000Connections(t *testing.T) {
	if testing.Short() {
		t.Skip("load test")
	}
	const n = 5000
	p := startLuna(t, nil, script("load_router.lua"), strconv.Itoa(n+1), strconv.Itoa(n))
	addr := "127.0.0.1:" + strings.TrimPrefix(p.waitLine("READY ", 10*time.Second), "READY ")
	conns := make([]net.Conn, 0, n)
	defer func() {
		for _, c := range conns {
			c.Close()
		}
	}()
	for i := 0; i < n; i++ {
		c, err := net.DialTimeout("tcp", addr, 5*time.Second)
		if err != nil {
			t.Fatalf("connection %d: %v", i+1, err)
		}
		conns = append(conns, c)
	}
	p.waitLine(fmt.Sprintf("ACCEPTED %d", n), 30*time.Second)
	// every connection gets the router's "hello": it serves all of them
	for i, c := range conns {
		c.SetReadDeadline(time.Now().Add(10 * time.Second))
		if size, err := binary.ReadUvarint(bufio.NewReaderSize(c, 16)); err != nil || size == 0 {
			t.Fatalf("connection %d got no frame: %v", i+1, err)
		}
	}
}

// Connections over create_socket_mgr's cap are refused with a clear log
// line, and the ones within it keep working.
func TestLoadConnectionCapIsClear(t *testing.T) {
	const limit = 20 // 1 listener + 19 streams
	p := startLuna(t, nil, script("load_router.lua"), strconv.Itoa(limit), "19")
	addr := "127.0.0.1:" + strings.TrimPrefix(p.waitLine("READY ", 10*time.Second), "READY ")
	var conns []net.Conn
	defer func() {
		for _, c := range conns {
			c.Close()
		}
	}()
	for i := 0; i < 19; i++ {
		c, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		conns = append(conns, c)
	}
	p.waitLine("ACCEPTED 19", 10*time.Second)
	extra, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer extra.Close()
	line := p.waitLine("luna: connection from 127.0.0.1 refused: too_many_connection", 10*time.Second)
	if !strings.Contains(line, "create_socket_mgr(20)") {
		t.Errorf("the log line does not say which cap: %q", line)
	}
	extra.SetReadDeadline(time.Now().Add(5 * time.Second))
	if _, err := extra.Read(make([]byte, 1)); err != io.EOF {
		t.Errorf("the refused connection was not closed: %v", err)
	}
}

// 1 000 000 routed messages from several senders arrive complete and in
// order per sender.
func TestLoadMillionRoutedMessagesInOrder(t *testing.T) {
	if testing.Short() {
		t.Skip("load test")
	}
	const senders, per = 4, 250000
	router := startLuna(t, nil, script("load_router.lua"), "64")
	port := strings.TrimPrefix(router.waitLine("READY ", 10*time.Second), "READY ")
	target := startLuna(t, nil, script("load_target.lua"), port, strconv.Itoa(senders), strconv.Itoa(per))
	target.waitLine("TARGET READY", 10*time.Second)
	time.Sleep(100 * time.Millisecond) // let the router handle the registration
	var procs []*proc
	for i := 1; i <= senders; i++ {
		procs = append(procs, startLuna(t, nil, script("load_sender.lua"), port, strconv.Itoa(i), strconv.Itoa(per)))
	}
	want := fmt.Sprintf("TARGET TOTAL %d senders_complete=%d out_of_order=0", senders*per, senders)
	if line := target.waitLine("TARGET TOTAL", 120*time.Second); line != want {
		t.Fatalf("%s\nwant %s\ntarget output:\n%s", line, want, target.output())
	}
	for i, p := range procs {
		line := p.waitLine("SENDER", 30*time.Second)
		if !strings.Contains(line, fmt.Sprintf("sent=%d acked=%d error=nil", per, per)) {
			t.Errorf("sender %d: %s", i+1, line)
		}
	}
}
