package wire_test

import (
	"fmt"

	"github.com/luna-go/luna/luna/wire"
)

// A receive loop: frames are parsed in place at the front of the buffer.
func ExampleParseFrame() {
	buf := []byte{
		0x04, 0x00, 0x03, 0x01, 'f', // remote_call "f"
		0x06, 0x02, 0x02, 0x03, 0x01, 'f', 0x0a, // forward_master group 2: "f", 1
		0x09, 0x00, // the start of a frame of 9 bytes
	}
	for {
		h, n, status := wire.ParseFrame(buf, wire.DefaultCache)
		if status != wire.FrameComplete {
			fmt.Println(status, "with", len(buf), "bytes buffered")
			break
		}
		payload := buf[h : h+n]
		id, rest, _ := wire.SplitMsgID(payload)
		if id.IsForward() {
			f, archive, _ := wire.ParseForward(payload)
			// A router re-heads the archive as a remote_call, without a copy.
			var hdr [wire.MaxCallHeaderLen]byte
			k := wire.PutCallHeader(&hdr, len(archive))
			fmt.Printf("%v group %d: send % x + % x\n", f.Kind, f.Group, hdr[:k], archive)
		} else {
			fmt.Printf("%v: archive % x\n", id, rest)
		}
		buf = buf[h+n:]
	}
	// Output:
	// remote_call: archive 03 01 66
	// forward_master group 2: send 05 00 + 03 01 66 0a
	// need more with 2 bytes buffered
}

func ExampleAppendForwardHeader() {
	archive := []byte{0x03, 0x01, 'f', 0x0a} // "f", 1
	key := wire.HashString("some key")
	frame := wire.AppendForwardHeader(nil, wire.ForwardHash, 2, key, len(archive))
	frame = append(frame, archive...)
	fmt.Printf("hash %d: % x\n", key, frame)
	// Output:
	// hash 80335423: 0a 05 02 bf a4 a7 26 03 01 66 0a
}
