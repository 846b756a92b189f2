package nodetest

import (
	"bufio"
	"encoding/binary"
	"fmt"
	"io"
	"net"
	"testing"
	"time"

	"github.com/luna-go/luna/luna/node"
)

// Dial connects a plain TCP client to the listener on port of n and
// steps n until it has accepted it; it returns the client (closed when
// the test ends) and n's end of the connection.
func Dial(tb testing.TB, n *node.Node, r *Recorder, port int64) (net.Conn, *node.Stream) {
	tb.Helper()
	before := len(r.AcceptedStreams())
	c, err := net.Dial("tcp", fmt.Sprintf("127.0.0.1:%d", port))
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { c.Close() })
	Step(tb, Limit, func() bool { return len(r.AcceptedStreams()) > before }, n)
	return c, r.AcceptedStreams()[before]
}

// ReadCalls reads count remote_call frames from c, stepping nodes
// meanwhile, and returns their archives; it fails the test when c ends,
// a frame is not a remote_call or 5 s pass first.
func ReadCalls(tb testing.TB, c net.Conn, count int, nodes ...*node.Node) []string {
	tb.Helper()
	got := make(chan []string, 1)
	go func() {
		r := bufio.NewReader(c)
		c.SetReadDeadline(time.Now().Add(Limit))
		var out []string
		for len(out) < count {
			size, err := binary.ReadUvarint(r)
			if err != nil {
				break
			}
			payload := make([]byte, size)
			if _, err := io.ReadFull(r, payload); err != nil || size == 0 || payload[0] != 0 {
				break
			}
			out = append(out, string(payload[1:]))
		}
		got <- out
	}()
	var out []string
	Step(tb, Limit, func() bool {
		select {
		case out = <-got:
			return true
		default:
			return false
		}
	}, nodes...)
	if len(out) != count {
		tb.Fatalf("read %d of %d calls: %q", len(out), count, out)
	}
	return out
}

// Pump writes want copies of frame to sender from one goroutine, counts
// the frames that arrive at target on another, and calls step until all
// arrived or 60 s passed. It returns how many arrived. Benchmarks of a
// forwarding node use it: one frame in, one out.
func Pump(sender, target net.Conn, frame []byte, want int, step func()) int {
	const batch = 256
	chunk := make([]byte, 0, batch*len(frame))
	for range batch {
		chunk = append(chunk, frame...)
	}
	done := make(chan int, 1)
	go func() {
		r := bufio.NewReaderSize(target, 64<<10)
		n := 0
		for n < want {
			size, err := binary.ReadUvarint(r)
			if err != nil {
				break
			}
			if _, err := r.Discard(int(size)); err != nil {
				break
			}
			n++
		}
		done <- n
	}()
	go func() {
		for sent := 0; sent < want; sent += batch {
			n := min(batch, want-sent)
			if _, err := sender.Write(chunk[:n*len(frame)]); err != nil {
				return
			}
		}
	}()
	for deadline := time.Now().Add(60 * time.Second); time.Now().Before(deadline); {
		step()
		select {
		case got := <-done:
			return got
		default:
		}
	}
	return -1
}
