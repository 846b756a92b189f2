// Package dnstest is a DNS server for tests: it answers A and AAAA
// questions over UDP and TCP on 127.0.0.1 from records the test sets and
// changes while it runs, so that a resolver pointed at it (luna's
// LUNA_DNS_SERVER) sees exactly what the test wants.
package dnstest

import (
	"encoding/binary"
	"io"
	"net"
	"net/netip"
	"strconv"
	"strings"
	"sync"
	"testing"

	"golang.org/x/net/dns/dnsmessage"
)

// Server is a running test DNS server.
type Server struct {
	Addr string // ip:port, the same for UDP and TCP

	mu      sync.Mutex
	records map[string][]netip.Addr // lower-case name without the final dot
	queries int
}

// Start serves on a free port until the test ends.
func Start(t testing.TB) *Server {
	t.Helper()
	// a port free for both UDP and TCP: take a UDP one, try TCP on it
	for try := 0; try < 20; try++ {
		pc, err := net.ListenPacket("udp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		port := pc.LocalAddr().(*net.UDPAddr).Port
		ln, err := net.Listen("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(port)))
		if err != nil {
			pc.Close()
			continue
		}
		s := &Server{Addr: pc.LocalAddr().String(), records: map[string][]netip.Addr{}}
		t.Cleanup(func() { pc.Close(); ln.Close() })
		go s.serveUDP(pc)
		go s.serveTCP(ln)
		return s
	}
	t.Fatal("dnstest: no port free for both UDP and TCP in 20 tries")
	return nil
}

// Set makes name resolve to ips (none: the name does not exist).
func (s *Server) Set(name string, ips ...string) {
	var addrs []netip.Addr
	for _, ip := range ips {
		addrs = append(addrs, netip.MustParseAddr(ip))
	}
	s.mu.Lock()
	s.records[strings.ToLower(strings.TrimSuffix(name, "."))] = addrs
	s.mu.Unlock()
}

// Queries is how many questions the server has answered.
func (s *Server) Queries() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.queries
}

func (s *Server) serveUDP(pc net.PacketConn) {
	buf := make([]byte, 1500)
	for {
		n, from, err := pc.ReadFrom(buf)
		if err != nil {
			return
		}
		if out := s.answer(buf[:n]); out != nil {
			pc.WriteTo(out, from)
		}
	}
}

func (s *Server) serveTCP(ln net.Listener) {
	for {
		c, err := ln.Accept()
		if err != nil {
			return
		}
		go func() {
			defer c.Close()
			for {
				var n [2]byte
				if _, err := io.ReadFull(c, n[:]); err != nil {
					return
				}
				msg := make([]byte, binary.BigEndian.Uint16(n[:]))
				if _, err := io.ReadFull(c, msg); err != nil {
					return
				}
				out := s.answer(msg)
				if out == nil {
					return
				}
				c.Write(append(binary.BigEndian.AppendUint16(nil, uint16(len(out))), out...))
			}
		}()
	}
}

// answer builds the reply to one query, nil for what is not a query.
func (s *Server) answer(query []byte) []byte {
	var p dnsmessage.Parser
	h, err := p.Start(query)
	if err != nil || h.Response {
		return nil
	}
	q, err := p.Question()
	if err != nil {
		return nil
	}
	name := strings.ToLower(strings.TrimSuffix(q.Name.String(), "."))
	s.mu.Lock()
	addrs, known := s.records[name]
	s.queries++
	s.mu.Unlock()
	rh := dnsmessage.Header{ID: h.ID, Response: true, Authoritative: true, RecursionDesired: h.RecursionDesired}
	if !known || len(addrs) == 0 {
		rh.RCode = dnsmessage.RCodeNameError
	}
	b := dnsmessage.NewBuilder(nil, rh)
	b.EnableCompression()
	b.StartQuestions()
	b.Question(q)
	b.StartAnswers()
	for _, a := range addrs {
		rr := dnsmessage.ResourceHeader{Name: q.Name, Class: dnsmessage.ClassINET, TTL: 0}
		switch {
		case q.Type == dnsmessage.TypeA && a.Is4():
			b.AResource(rr, dnsmessage.AResource{A: a.As4()})
		case q.Type == dnsmessage.TypeAAAA && a.Is6() && !a.Is4In6():
			b.AAAAResource(rr, dnsmessage.AAAAResource{AAAA: a.As16()})
		}
	}
	out, err := b.Finish()
	if err != nil {
		return nil
	}
	return out
}
