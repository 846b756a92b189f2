//go:build linux

package netpoll

import (
	"strconv"
	"testing"
	"time"
)

// recvAll waits on l until dst has want bytes buffered, then consumes them;
// it flushes any stream reported writable on the way.
func recvAll(b *testing.B, l *loop, dst *Stream, want int) {
	for range 100000 {
		if len(dst.Buffered()) >= want {
			dst.Consume(want)
			return
		}
		n, err := l.p.Wait(1000, l.events)
		if err != nil {
			b.Fatal(err)
		}
		for _, ev := range l.events[:n] {
			s := ev.User.(*Stream)
			if ev.Ready&Writable != 0 {
				if err := s.Flush(); err != nil {
					b.Fatal(err)
				}
			}
			if ev.Ready&Readable != 0 {
				if _, err := s.ReadAvailable(); err != nil {
					b.Fatal(err)
				}
			}
		}
	}
	b.Fatalf("%d of %d bytes arrived", len(dst.Buffered()), want)
}

// BenchmarkPingPong: one small frame each way per op, through loopback, on
// one goroutine: a request/response round trip as luna does it.
func BenchmarkPingPong(b *testing.B) {
	for _, size := range []int{32, 512} {
		b.Run(byteSize(size), func(b *testing.B) {
			l := newLoop(b)
			c, srv := dialAccept(b, l, nil)
			frame := pattern(0, size)
			b.ReportAllocs()
			b.ResetTimer()
			start := time.Now()
			for range b.N {
				if err := c.Write(frame); err != nil {
					b.Fatal(err)
				}
				recvAll(b, l, srv, size)
				if err := srv.Write(frame); err != nil {
					b.Fatal(err)
				}
				recvAll(b, l, c, size)
			}
			b.ReportMetric(float64(2*b.N)/time.Since(start).Seconds(), "msgs/s")
		})
	}
}

// BenchmarkBatchedFrames: per op, 64 small frames encoded into the send
// buffer with Reserve/Commit and sent by one Flush, as a dispatch batch
// does; the reader takes them with as few reads as the kernel allows.
func BenchmarkBatchedFrames(b *testing.B) {
	const frames, size = 64, 32
	l := newLoop(b)
	c, srv := dialAccept(b, l, nil)
	frame := pattern(0, size)
	b.SetBytes(frames * size)
	b.ReportAllocs()
	b.ResetTimer()
	start := time.Now()
	for range b.N {
		for range frames {
			buf, err := c.Reserve(size)
			if err != nil {
				b.Fatal(err)
			}
			c.Commit(copy(buf, frame))
		}
		if err := c.Flush(); err != nil {
			b.Fatal(err)
		}
		recvAll(b, l, srv, frames*size)
	}
	b.ReportMetric(float64(frames*b.N)/time.Since(start).Seconds(), "msgs/s")
}

// BenchmarkForwardWritev: the router's path, a 3-byte header plus a 200-byte
// slice of a receive buffer in one writev per frame.
func BenchmarkForwardWritev(b *testing.B) {
	l := newLoop(b)
	c, srv := dialAccept(b, l, nil)
	header, body := pattern(0, 3), pattern(3, 200)
	frameLen := len(header) + len(body)
	b.SetBytes(int64(frameLen))
	b.ReportAllocs()
	b.ResetTimer()
	start := time.Now()
	for i := range b.N {
		if err := c.Writev(header, body); err != nil {
			b.Fatal(err)
		}
		if i%16 == 15 {
			recvAll(b, l, srv, 16*frameLen)
		}
	}
	recvAll(b, l, srv, (b.N%16)*frameLen)
	b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "msgs/s")
}

func byteSize(n int) string { return strconv.Itoa(n) + "B" }
