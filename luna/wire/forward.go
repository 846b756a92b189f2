package wire

// Forward is the header of a forward_* message, as a router reads it.
type Forward struct {
	Kind  MsgID  // ForwardTarget .. ForwardHash
	ID    uint64 // forward_target: the service id
	Group uint8  // forward_master, _random, _broadcast, _hash: the group
	// Hash is the key hash of forward_hash. Senders write 32-bit values; a
	// larger one from a foreign sender is kept as is.
	Hash uint64
}

// ParseForward reads the forward header of a frame payload (msg id 1..5
// included) and returns it with the archive that follows, a slice of payload.
// A group >= 256 gives ErrGroup, any other msg id ErrNotForward; either way
// the frame is dropped. ParseForward does not allocate.
func ParseForward(payload []byte) (Forward, []byte, error) {
	id, rest, err := SplitMsgID(payload)
	if err != nil {
		return Forward{}, nil, err
	}
	if !id.IsForward() {
		return Forward{}, nil, ErrNotForward
	}
	f := Forward{Kind: id}
	v, n, err := readUvarint(rest)
	if err != nil {
		return Forward{}, nil, err
	}
	rest = rest[n:]
	if id == ForwardTarget {
		f.ID = v
		return f, rest, nil
	}
	if v > 0xff {
		return Forward{}, nil, ErrGroup
	}
	f.Group = uint8(v)
	if id == ForwardHash {
		if f.Hash, n, err = readUvarint(rest); err != nil {
			return Forward{}, nil, err
		}
		rest = rest[n:]
	}
	return f, rest, nil
}

// AppendForwardHeader appends the header of a forward_* frame whose archive is
// archiveLen bytes:
//
//	forward_target:               uvarint(N) ‖ 01 ‖ uvarint(service_id)
//	forward_master/random/broad.: uvarint(N) ‖ 0k ‖ uvarint(group)
//	forward_hash:                 uvarint(N) ‖ 05 ‖ uvarint(group) ‖ uvarint(hash)
//
// with N the payload length. idOrGroup is the service id for ForwardTarget
// (a Lua integer, as uint64) and the group otherwise, truncated to 8 bits as
// the reference did (258 → 2). hash is used by ForwardHash only. kind must be
// one of the five forward ids; anything else panics, as a programming error.
func AppendForwardHeader(dst []byte, kind MsgID, idOrGroup uint64, hash uint32, archiveLen int) []byte {
	if !kind.IsForward() {
		panic("wire: AppendForwardHeader with " + kind.String())
	}
	if kind != ForwardTarget {
		idOrGroup = uint64(uint8(idOrGroup))
	}
	n := 1 + UvarintLen(idOrGroup) + archiveLen
	if kind == ForwardHash {
		n += UvarintLen(uint64(hash))
	}
	dst = AppendUvarint(dst, uint64(n))
	dst = append(dst, byte(kind))
	dst = AppendUvarint(dst, idOrGroup)
	if kind == ForwardHash {
		dst = AppendUvarint(dst, uint64(hash))
	}
	return dst
}

// HashString returns the forward_hash hash of a string key: BKDR (seed 131)
// over the bytes before the first NUL, each added as a signed char, in uint32
// arithmetic, masked to 31 bits. "some key" → 80335423, "\200\255k" →
// 2146522608, "ab\0cd" hashes like "ab".
func HashString(key string) uint32 {
	var h uint32
	for i := 0; i < len(key) && key[i] != 0; i++ {
		h = h*131 + uint32(int8(key[i]))
	}
	return h & 0x7fffffff
}

// HashInteger returns the forward_hash hash of an integer key: its low 32
// bits (-1 → 4294967295), not masked. A float key goes through
// lua_tointeger first (1.5 → 0, 2.0 → 2); other key types send nothing.
func HashInteger(key int64) uint32 { return uint32(key) }
