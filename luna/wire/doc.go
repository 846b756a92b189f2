// Package wire holds the byte layout shared by every luna process: varints,
// frame headers, message ids and the forward headers a router reads. It is
// pure Go (stdlib only, no cgo) and never looks inside an archive; the archive
// codec lives next to Lua in github.com/luna-go/luna/cbind/archive.
//
// Everything here is byte-exact with the C++ reference luna (trumanzhao/luna
// 19e134d) except where the reference was broken; those places say so.
//
// # Varints
//
//	uvarint(u)  7 bits per byte, least significant group first, high bit set on
//	            every byte but the last (= encoding/binary.PutUvarint); 1..10 bytes.
//	svarint(v)  v >= 0: uvarint(2v);  v < 0: uvarint(2·(-v)+1), computed mod 2^64.
//	            -1 → 03, -2 → 05, 1 → 02.  math.mininteger wraps to uvarint(1):
//	            the reference sent 01 and decoded it as 0; we send the same byte
//	            and decode 01 as math.mininteger, the only value that produces it.
//
// A decoder rejects a varint that runs past 10 bytes, or whose 10th byte
// carries bits above 2^64 (the reference silently dropped those bits; its
// encoder never produced them). A varint cut off by the end of the data is
// "need more" on a stream and malformed inside a complete payload.
//
// # Frames
//
// A TCP stream is a sequence of frames; the payload starts with the msg id.
//
//	frame   = uvarint(N) ‖ payload[N]
//	payload = uvarint(msg_id) ‖ rest
//
//	msg_id  name               rest of the payload
//	0       remote_call        archive
//	1       forward_target     uvarint(service_id) ‖ archive
//	2       forward_master     uvarint(group) ‖ archive
//	3       forward_random     uvarint(group) ‖ archive
//	4       forward_broadcast  uvarint(group) ‖ archive
//	5       forward_hash       uvarint(group) ‖ uvarint(hash) ‖ archive
//
// Unknown msg ids are dropped and the stream lives. group is the Lua integer
// truncated to 8 bits by the sender; a received group >= 256 drops the frame.
// The reference wrote forward_target wrong (the service id over the msg id,
// then 3 uninitialised bytes); [AppendForwardHeader] writes what the table
// says.
//
// hash (forward_hash): an integer key gives its low 32 bits (-1 → 4294967295);
// a string key gives BKDR over its bytes up to the first NUL, h = h*131 + c in
// uint32 with c the byte as a signed char, then h & 0x7FFFFFFF
// ("some key" → 80335423). See [HashString] and [HashInteger].
//
// A router turns a forward frame into a remote_call for each target:
//
//	uvarint(1 + len(archive)) ‖ 00 ‖ archive      (archive bytes untouched)
//
// [PutCallHeader] writes that header into a caller's array so the archive can
// be sent as a slice of the receive buffer.
//
// # Archive (for reference; decoded in cbind/archive)
//
//	code    meaning                 followed by
//	0       nil                     —
//	1       float (not an integer)  8 bytes IEEE-754 double, little-endian
//	2       integer                 svarint(v'), v' = v-246 if v > 246 else v;
//	                                the decoder adds 246 back when the result >= 0
//	3       string                  uvarint(len) ‖ bytes
//	4       string back-reference   uvarint(i): the i-th code-3 string (0-based)
//	5       true                    —
//	6       false                   —
//	7       table start             key, value, ... then code 8
//	8       table end               —
//	9..255  small integer           value = code - 9 (0..246)
//
// # The receive cache
//
// The reference sized its receive buffer to the cache (65535 bytes), while
// its senders built archives up to the package size (also 65535), i.e. frames
// up to 65539 bytes that its own receivers refused. Here the cache is a limit
// on the archive a frame may carry, not on the raw frame: [ParseFrame] accepts
// a payload of up to maxFrame + [MaxEnvelope] bytes, [MaxEnvelope] being the
// msg id plus the longest forward header. A stream must therefore allocate
// [FrameBufferSize](cache) bytes (65549 for the default 65535) so that every
// frame a default sender can build — any message kind, archive up to 65535
// bytes — fits a default receiver. A declared length above that limit, or
// one that overflows, is refused as soon as the header is read; a partial
// header whose value already exceeds the limit is refused before it ends.
package wire
