package wire

import (
	"errors"
	"math"
	"strconv"
)

// MsgID is the uvarint at the start of every frame payload.
type MsgID uint64

// The message ids of the luna protocol. Any other id is dropped by receivers.
const (
	RemoteCall       MsgID = 0 // archive
	ForwardTarget    MsgID = 1 // uvarint(service_id) ‖ archive
	ForwardMaster    MsgID = 2 // uvarint(group) ‖ archive
	ForwardRandom    MsgID = 3 // uvarint(group) ‖ archive
	ForwardBroadcast MsgID = 4 // uvarint(group) ‖ archive
	ForwardHash      MsgID = 5 // uvarint(group) ‖ uvarint(hash) ‖ archive
)

var msgNames = [...]string{
	RemoteCall:       "remote_call",
	ForwardTarget:    "forward_target",
	ForwardMaster:    "forward_master",
	ForwardRandom:    "forward_random",
	ForwardBroadcast: "forward_broadcast",
	ForwardHash:      "forward_hash",
}

// String returns the protocol name of the id ("remote_call", ...).
func (m MsgID) String() string {
	if m < MsgID(len(msgNames)) {
		return msgNames[m]
	}
	return "msg_id(" + strconv.FormatUint(uint64(m), 10) + ")"
}

// IsForward reports whether m is one of the five forward_* messages a router
// handles.
func (m MsgID) IsForward() bool { return m >= ForwardTarget && m <= ForwardHash }

const (
	// MaxEnvelope is the most bytes a payload carries before its archive: the
	// msg id (1 byte for the known ids) plus the longest forward header, a
	// 10-byte service id (forward_hash needs at most 2 + 5).
	MaxEnvelope = 1 + MaxVarintLen

	// MaxHeaderLen is the most bytes a frame carries before its archive:
	// length header plus envelope. A sender may reserve this much in front of
	// an archive it encodes in place.
	MaxHeaderLen = MaxVarintLen + MaxEnvelope

	// MaxCallHeaderLen is the longest remote_call header, uvarint(N) ‖ 00.
	MaxCallHeaderLen = MaxVarintLen + 1

	// DefaultCache is the default receive and send cache and package size of a
	// stream, in bytes.
	DefaultCache = 65535
)

// FrameStatus is the verdict of ParseFrame on the bytes at the start of a
// receive buffer.
type FrameStatus uint8

const (
	// FrameNeedMore: the header or the payload is not complete yet. When the
	// header is complete, ParseFrame still returns its length and the payload
	// length, so a reader knows how much is missing.
	FrameNeedMore FrameStatus = iota
	// FrameComplete: buf[:headerLen+payloadLen] is one whole frame.
	FrameComplete
	// FrameTooLarge: the declared length can never fit the receive cache (the
	// stream dies with package_too_large). Reported as soon as the header, or
	// the part of it received so far, says so.
	FrameTooLarge
	// FrameMalformed: the length varint runs past 10 bytes or overflows 64
	// bits. The stream cannot be resynchronised.
	FrameMalformed
)

var statusNames = [...]string{
	FrameNeedMore:  "need more",
	FrameComplete:  "complete",
	FrameTooLarge:  "too large",
	FrameMalformed: "malformed header",
}

func (s FrameStatus) String() string {
	if int(s) < len(statusNames) {
		return statusNames[s]
	}
	return "FrameStatus(" + strconv.Itoa(int(s)) + ")"
}

// maxPayload returns the largest payload ParseFrame accepts for a receive cache
// of maxFrame bytes, clamped so that header + payload never overflows an int.
func maxPayload(maxFrame int) uint64 {
	if maxFrame < 0 {
		maxFrame = 0
	}
	limit := uint64(maxFrame) + MaxEnvelope
	if top := uint64(math.MaxInt - MaxVarintLen); limit > top {
		limit = top
	}
	return limit
}

// MaxPayload returns the largest payload (msg id and everything after it) a
// receiver with a cache of maxFrame bytes accepts: maxFrame + MaxEnvelope, so
// an archive of up to maxFrame bytes fits whatever message carries it.
func MaxPayload(maxFrame int) int { return int(maxPayload(maxFrame)) }

// FrameBufferSize returns the receive buffer a stream needs for a cache of
// maxFrame bytes: the largest frame ParseFrame accepts, header included
// (65549 for DefaultCache).
func FrameBufferSize(maxFrame int) int {
	limit := maxPayload(maxFrame)
	return int(limit) + UvarintLen(limit)
}

// ParseFrame reads the frame at the start of buf, a stream's receive buffer.
// maxFrame is the stream's receive cache (set_recv_cache, DefaultCache by
// default); a frame is accepted when its payload is at most
// MaxPayload(maxFrame) bytes (see the package documentation for why the cache
// limits the archive rather than the raw frame).
//
// On FrameComplete the frame is buf[:headerLen+payloadLen] and its payload
// buf[headerLen:headerLen+payloadLen]. On FrameNeedMore headerLen and
// payloadLen are set once the header is complete, and are 0 before. A length
// that exceeds the limit gives FrameTooLarge without waiting for the payload,
// and so does a partial header whose value already exceeds it. ParseFrame
// does not allocate.
func ParseFrame(buf []byte, maxFrame int) (headerLen, payloadLen int, status FrameStatus) {
	limit := maxPayload(maxFrame)
	var v uint64
	for i, b := range buf {
		if i == MaxVarintLen-1 && b > 1 {
			return 0, 0, FrameMalformed
		}
		// Later bytes only add higher bits, so a partial value above the limit
		// is final.
		v |= uint64(b&0x7f) << (7 * uint(i))
		if v > limit {
			return 0, 0, FrameTooLarge
		}
		if b < 0x80 {
			headerLen, payloadLen = i+1, int(v)
			if len(buf)-headerLen < payloadLen {
				return headerLen, payloadLen, FrameNeedMore
			}
			return headerLen, payloadLen, FrameComplete
		}
	}
	return 0, 0, FrameNeedMore
}

// Errors of the payload parsers. They are fixed values, so that dropping a
// hostile frame allocates nothing.
var (
	// ErrTruncated: the payload ends inside its msg id or forward header (an
	// empty payload, frame "00", has no msg id at all).
	ErrTruncated = errors.New("wire: truncated message header")
	// ErrVarint: a header varint runs past 10 bytes or overflows 64 bits.
	ErrVarint = errors.New("wire: malformed varint in message header")
	// ErrNotForward: ParseForward was given a message that is not forward_*.
	ErrNotForward = errors.New("wire: not a forward message")
	// ErrGroup: a forward header names a group >= 256 (the frame is dropped).
	ErrGroup = errors.New("wire: forward group out of range")
)

// readUvarint decodes a header varint from a complete payload, where running
// out of bytes is final.
func readUvarint(buf []byte) (uint64, int, error) {
	v, n := Uvarint(buf)
	switch {
	case n == 0:
		return 0, 0, ErrTruncated
	case n < 0:
		return 0, 0, ErrVarint
	}
	return v, n, nil
}

// SplitMsgID returns the msg id at the start of a frame payload and the bytes
// that follow it: the archive of a remote_call, the forward header and archive
// of a forward_*.
func SplitMsgID(payload []byte) (id MsgID, rest []byte, err error) {
	v, n, err := readUvarint(payload)
	if err != nil {
		return 0, nil, err
	}
	return MsgID(v), payload[n:], nil
}

// AppendCallHeader appends the header of a remote_call frame whose archive is
// archiveLen bytes: uvarint(1+archiveLen) ‖ 00. The archive follows it.
func AppendCallHeader(dst []byte, archiveLen int) []byte {
	dst = AppendUvarint(dst, uint64(archiveLen)+1)
	return append(dst, byte(RemoteCall))
}

// PutCallHeader writes uvarint(1+archiveLen) ‖ 00 into buf and returns its
// length. A router sends buf[:n] followed by the untouched archive of the
// forward frame it received, so re-heading costs no allocation.
func PutCallHeader(buf *[MaxCallHeaderLen]byte, archiveLen int) int {
	n := PutUvarint(buf[:], uint64(archiveLen)+1)
	buf[n] = byte(RemoteCall)
	return n + 1
}
