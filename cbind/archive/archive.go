//go:build lua53

package archive

/*
#cgo pkg-config: lua5.3
#include "archive.h"
*/
import "C"

import (
	"errors"
	"unsafe"

	"github.com/aarzilli/golua/lua"
)

// Limits of the codec.
const (
	// MaxEncodeDepth is how deeply tables may nest in an encoded value
	// (the reference's max_table_depth): deeper fails the whole Encode.
	MaxEncodeDepth = 16
	// MaxDecodeDepth is how deeply tables may nest in a received archive;
	// deeper is malformed. Twice what a luna sender can produce.
	MaxDecodeDepth = 32
	// MaxShared is how many code-3 strings the encoder remembers for
	// back-references (the decoder remembers all of them).
	MaxShared = 255
)

// The limits are archive.h's; these fail to compile if the two disagree.
var (
	_ [0]struct{} = [MaxEncodeDepth - C.AR_MAX_ENCODE_DEPTH]struct{}{}
	_ [0]struct{} = [MaxDecodeDepth - C.AR_MAX_DECODE_DEPTH]struct{}{}
	_ [0]struct{} = [MaxShared - C.AR_MAX_SHARED]struct{}{}
)

// Errors of Encode. Their text is the reason a script sees as `nil, reason`.
var (
	ErrNoValues = errors.New("archive: no values to encode")
	// ErrUnsupportedType is wrapped by the error for a function, userdata,
	// thread or light userdata value, which names the type.
	ErrUnsupportedType = errors.New("archive: unsupported type")
	ErrTooDeep         = errors.New("archive: tables nested deeper than 16 levels")
	ErrTooLarge        = errors.New("archive: larger than the package size")
	ErrStack           = errors.New("archive: Lua stack overflow")
)

// ErrMalformed is wrapped by every error Decode returns for an
// archive it refuses; the wrapping error says why.
var ErrMalformed = errors.New("archive: malformed")

type typeError struct{ msg string }

func (e *typeError) Error() string { return e.msg }
func (e *typeError) Unwrap() error { return ErrUnsupportedType }

type malformedError struct{ msg string }

func (e *malformedError) Error() string { return e.msg }
func (e *malformedError) Unwrap() error { return ErrMalformed }

// The errors are built once, so refusing a value or dropping a hostile frame
// allocates nothing.
var (
	typeErrors = map[int]error{
		int(lua.LUA_TLIGHTUSERDATA): &typeError{"archive: unsupported type: light userdata"},
		int(lua.LUA_TFUNCTION):      &typeError{"archive: unsupported type: function"},
		int(lua.LUA_TUSERDATA):      &typeError{"archive: unsupported type: userdata"},
		int(lua.LUA_TTHREAD):        &typeError{"archive: unsupported type: thread"},
	}
	malformedErrors = [reasonCount]error{
		reasonTruncated:    &malformedError{"archive: malformed: value cut short"},
		reasonVarint:       &malformedError{"archive: malformed: varint longer than 10 bytes"},
		reasonBadCode:      &malformedError{"archive: malformed: table end outside a table"},
		reasonBadRef:       &malformedError{"archive: malformed: string back-reference past the list"},
		reasonUnterminated: &malformedError{"archive: malformed: table without its end"},
		reasonNilKey:       &malformedError{"archive: malformed: nil table key"},
		reasonNaNKey:       &malformedError{"archive: malformed: NaN table key"},
		reasonStringLen:    &malformedError{"archive: malformed: string longer than the archive"},
		reasonTooDeep:      &malformedError{"archive: malformed: tables nested deeper than 32 levels"},
		reasonTooMany:      &malformedError{"archive: malformed: more values than the Lua stack holds"},
	}
)

// Why an archive is malformed: archive.h's AR_M_* codes.
const (
	reasonTruncated    = C.AR_M_TRUNCATED
	reasonVarint       = C.AR_M_VARINT
	reasonBadCode      = C.AR_M_BAD_CODE
	reasonBadRef       = C.AR_M_BAD_REF
	reasonUnterminated = C.AR_M_UNTERMINATED
	reasonNilKey       = C.AR_M_NIL_KEY
	reasonNaNKey       = C.AR_M_NAN_KEY
	reasonStringLen    = C.AR_M_STRING_LEN
	reasonTooDeep      = C.AR_M_TOO_DEEP
	reasonTooMany      = C.AR_M_TOO_MANY
	reasonCount        = C.AR_M_COUNT
)

func state(L *lua.State) *C.lua_State { return (*C.lua_State)(unsafe.Pointer(L.GetState())) }

func bytesPtr(b []byte) *C.uchar { return (*C.uchar)(unsafe.Pointer(unsafe.SliceData(b))) }

// Encode serializes the Lua values at stack indexes first..top (inclusive)
// into dst and returns the archive length. len(dst) is the package size: a
// larger archive fails with ErrTooLarge. Other failures: ErrNoValues,
// ErrTooDeep, ErrStack and, wrapping ErrUnsupportedType, a function,
// userdata, thread or light userdata value. On failure dst holds garbage.
// first may be negative (relative to the top). The stack is left unchanged.
//
// One crossing into C. Encode runs no Lua code and allocates nothing on the
// Go heap; it may grow the Lua stack by 34 slots. [-0, +0, -]
func Encode(L *lua.State, first int, dst []byte) (int, error) {
	r := int64(C.luna_ar_encode(state(L), C.int(first), bytesPtr(dst), C.size_t(len(dst))))
	if r >= 0 {
		return int(r), nil
	}
	return 0, EncodeError(r)
}

// EncodeError returns the error for a negative result of luna_ar_encode,
// for C code that encodes without Encode (a runtime's own call path) and
// wants the same reasons: ErrNoValues, ErrTooLarge, ErrTooDeep, ErrStack or
// the ErrUnsupportedType error naming the type.
func EncodeError(code int64) error {
	switch code {
	case C.AR_E_NO_VALUES:
		return ErrNoValues
	case C.AR_E_TOO_LARGE:
		return ErrTooLarge
	case C.AR_E_TOO_DEEP:
		return ErrTooDeep
	case C.AR_E_STACK:
		return ErrStack
	}
	if err, ok := typeErrors[int(C.AR_E_TYPE_BASE-code)]; ok {
		return err
	}
	return ErrUnsupportedType
}

// Decode pushes the values of an archive onto the stack and returns how many.
// A malformed archive pushes nothing and returns an error wrapping
// ErrMalformed; an error raised by Lua meanwhile (out of memory) pushes
// nothing and is returned as such. An empty archive is zero values.
//
// One crossing into C; the decoding runs inside lua_pcall. data is read
// during the call only. [-0, +n, -]
func Decode(L *lua.State, data []byte) (int, error) {
	r := int64(C.luna_ar_decode(state(L), bytesPtr(data), C.size_t(len(data))))
	if r >= 0 {
		return int(r), nil
	}
	return 0, failure(L, r)
}

// MalformedError returns the error for a malformed-archive reason code, as
// a C caller of luna_ar_push (a batched dispatcher) receives it (-result).
// It wraps ErrMalformed.
func MalformedError(reason int) error {
	if reason > 0 && reason < reasonCount {
		return malformedErrors[reason]
	}
	return ErrMalformed
}

// failure turns a negative result of the decoder into an error, popping the
// Lua error message the C side left on the stack, if any.
func failure(L *lua.State, r int64) error {
	switch r {
	case C.AR_LUA_ERROR:
		msg := L.ToString(-1)
		L.Pop(1)
		return errors.New("archive: decode: " + msg)
	}
	return MalformedError(int(-r))
}
