// Package archive is the luna archive codec: it turns a range of Lua stack
// values into the bytes of a call and those bytes back into stack values. It
// is written in C (archive.c) and works on the real lua_State golua wraps, so
// a message costs one crossing from Go into C, not one per value:
//
//	n, err := archive.Encode(L, 1, buf)   // values 1..top → buf[:n]
//	n, err := archive.Decode(L, data)     // data → n values pushed
//
// Build with -tags lua53 (golua's tag); the C code compiles against the
// system's Lua 5.3 through pkg-config (lua5.3).
//
// # Bytes
//
// An archive is a sequence of values, each led by a code byte (wire.md,
// "Archive", and the enum in archive.c):
//
//	0 nil · 1 float: 8-byte little-endian double · 2 integer: svarint(v−246
//	if v > 246, else v) · 3 string: uvarint(len) bytes · 4 back-reference:
//	uvarint(i), the i-th code-3 string · 5 true · 6 false · 7 table: key,
//	value ... 8 · 9..255 the integers 0..246
//
// The encoder follows the reference byte for byte: 0..246 in one byte, every
// other integer with code 2; floats for numbers lua_isinteger rejects (so 1.0
// stays a float); up to MaxShared strings remembered by the identity of the
// Lua string object (equal short strings are one interned object and are
// shared; equal long strings usually are not); table pairs in lua_next order
// (raw, no __pairs); deeper than MaxEncodeDepth tables, a function, userdata,
// thread or light userdata, or more than len(dst) bytes fail the whole call.
// The golden test checks all 84 byte-stable captured calls bit for bit; the
// one unstable case (string keys, whose order follows Lua's per-process hash
// seed) is compared by value.
//
// # Decoding
//
// Decoding takes two passes. The first validates the whole archive without
// touching Lua and measures it; a malformed archive is refused there, before
// anything is pushed or allocated. Malformed means: a value cut short, a
// varint past 10 bytes (or a 10th byte above 1), code 8 outside a table, a
// back-reference past the strings seen so far (every code-3 string counts;
// the receiving list has no cap), a table without its end, a nil or NaN key,
// a string longer than the rest, tables nested deeper than MaxDecodeDepth, or
// more values than the Lua stack can hold (LUAI_MAXSTACK, 1e6). The second
// pass reserves the stack once for every value (lua_checkstack with the exact
// count plus two slots per level of nesting, which is what a check per value
// would guarantee, in one call), creates each table at its final size, and
// pushes. It runs inside lua_pcall of a C function, because lua_pushlstring
// and lua_createtable may raise a memory error (or a __gc metamethod an
// error); such an error is returned, never raised through Go.
//
// # Memory
//
// The codec keeps its bookkeeping on the C stack: the encoder's 255 string
// pointers, the decoder's first 64 string positions and first 64 table
// shapes. An archive with more than 64 strings puts their positions in one
// Lua userdata, collected with the message; tables past the 64th are created
// empty and grow as Lua grows them. Otherwise nothing is allocated per message
// but the Lua values themselves, and nothing on the Go heap (the benchmarks
// report 0 allocs/op). The Go byte slices are read or written during the call
// only; the decoder records string positions as offsets, never pointers.
// There is no global state: any number of Lua states may use the codec.
//
// # Deliberate differences from the reference (trumanzhao/luna 19e134d)
//
//   - math.mininteger is sent as the reference sent it (02 01), but decoded as
//     math.mininteger; the reference decoded it as 246 (golden case 32).
//   - Archives the reference crashed, hung or exited on are decoded, or
//     refused as malformed, cleanly: 60+ values and 248 small integers (cases
//     11, 67, 68 of golden_calls.jsonl: the reference overflowed its Lua
//     stack), a nil or NaN table key and a string length of 2^63 (it raised a
//     Lua error through its poller and exited), tables nested 50 to 20000
//     deep (SIGSEGV or an endless spin; here more than 32 is malformed).
//   - Malformed archives are reported with a reason (errors wrapping
//     ErrMalformed) instead of being dropped silently, so the runtime can count
//     them.
//   - A varint whose 10th byte carries bits above 2^64 is malformed; the
//     reference dropped those bits (no luna sender writes one).
//   - The 65539-byte frame of golden case 58 is decoded (the reference's
//     receivers refused what its senders built; the frame limit itself is
//     luna/wire's business).
//
// Kept as the reference did, on purpose: an integer whose code-2 value is
// above math.maxinteger − 246 wraps around when 246 is added back (no luna
// sender writes one); a code-2 varint of 0 decodes as 246; a nil table value
// makes no entry; a repeated key keeps the last value; an integral float key
// becomes an integer key (Lua does it).
//
// # Limitations
//
//   - Decoded long strings (over 40 bytes) are new Lua objects each time, so a
//     back-reference to one copies it again, and re-encoding such values may
//     be larger than the archive received (sharing is by object identity).
//   - The string-sharing search is linear in the strings already written (at
//     most 255 compares per string), as in the reference.
//   - A table is sized from its own pairs only when it is among the first 64
//     tables of an archive.
//   - Go's fuzzer sees no coverage inside the C code; FuzzDecode compares
//     every verdict with a plain Go model of the rules (fuzz_test.go), which
//     gives the fuzzer its coverage signal and checks the reasons.
package archive
