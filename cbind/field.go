package cbind

/*
#include "cbind.h"
*/
import "C"

import (
	"errors"
	"fmt"
	"reflect"
	"time"
	"unsafe"
)

// fieldKind is how a struct field is read and written: by its memory
// layout, so that a field access costs no reflection.
type fieldKind uint8

const (
	fkBool fieldKind = iota
	fkInt
	fkInt8
	fkInt16
	fkInt32
	fkInt64
	fkUint
	fkUint8
	fkUint16
	fkUint32
	fkUint64
	fkUintptr
	fkFloat32
	fkFloat64
	fkString
	fkBytes
	fkTime
	fkDuration
)

// ckind is the conversion C applies to a value written to the field.
func (k fieldKind) ckind() uint8 {
	switch {
	case k == fkBool:
		return C.CB_TBOOL
	case k == fkFloat32 || k == fkFloat64:
		return C.CB_TNUM
	case k == fkString || k == fkBytes:
		return C.CB_TSTR
	}
	return C.CB_TINT
}

// fieldInfo is an exported struct field.
type fieldInfo struct {
	cls  *classInfo
	name string
	off  uintptr
	kind fieldKind
}

var (
	typeTime     = reflect.TypeFor[time.Time]()
	typeDuration = reflect.TypeFor[time.Duration]()
)

func newFieldInfo(st reflect.Type, name string) (*fieldInfo, error) {
	if st.Kind() != reflect.Struct {
		return nil, fmt.Errorf("%s is not a struct", st)
	}
	sf, ok := st.FieldByName(name)
	if !ok {
		return nil, fmt.Errorf("%s has no field %s", st, name)
	}
	fi := &fieldInfo{}
	t := st
	for _, i := range sf.Index {
		if t.Kind() != reflect.Struct {
			return nil, errors.New("promoted through an embedded pointer")
		}
		f := t.Field(i)
		fi.off += f.Offset
		t = f.Type
	}
	k, ok := kindOfField(sf.Type)
	if !ok {
		return nil, fmt.Errorf("unsupported field type %s", sf.Type)
	}
	fi.kind = k
	return fi, nil
}

func kindOfField(t reflect.Type) (fieldKind, bool) {
	switch t {
	case typeTime:
		return fkTime, true
	case typeDuration:
		return fkDuration, true
	}
	switch t.Kind() {
	case reflect.Bool:
		return fkBool, true
	case reflect.Int:
		return fkInt, true
	case reflect.Int8:
		return fkInt8, true
	case reflect.Int16:
		return fkInt16, true
	case reflect.Int32:
		return fkInt32, true
	case reflect.Int64:
		return fkInt64, true
	case reflect.Uint:
		return fkUint, true
	case reflect.Uint8:
		return fkUint8, true
	case reflect.Uint16:
		return fkUint16, true
	case reflect.Uint32:
		return fkUint32, true
	case reflect.Uint64:
		return fkUint64, true
	case reflect.Uintptr:
		return fkUintptr, true
	case reflect.Float32:
		return fkFloat32, true
	case reflect.Float64:
		return fkFloat64, true
	case reflect.String:
		return fkString, true
	case reflect.Slice:
		if t.Elem().Kind() == reflect.Uint8 {
			return fkBytes, true
		}
	}
	return 0, false
}

// getField describes the field at p for Lua.
func (s *State) getField(v *C.cb_val, p unsafe.Pointer, k fieldKind) {
	switch k {
	case fkBool:
		setBool(v, *(*bool)(p))
	case fkInt:
		setInt(v, int64(*(*int)(p)))
	case fkInt8:
		setInt(v, int64(*(*int8)(p)))
	case fkInt16:
		setInt(v, int64(*(*int16)(p)))
	case fkInt32:
		setInt(v, int64(*(*int32)(p)))
	case fkInt64:
		setInt(v, *(*int64)(p))
	case fkUint:
		setInt(v, int64(*(*uint)(p)))
	case fkUint8:
		setInt(v, int64(*(*uint8)(p)))
	case fkUint16:
		setInt(v, int64(*(*uint16)(p)))
	case fkUint32:
		setInt(v, int64(*(*uint32)(p)))
	case fkUint64:
		setInt(v, int64(*(*uint64)(p)))
	case fkUintptr:
		setInt(v, int64(*(*uintptr)(p)))
	case fkFloat32:
		setNum(v, float64(*(*float32)(p)))
	case fkFloat64:
		setNum(v, *(*float64)(p))
	case fkString:
		s.putString(v, *(*string)(p))
	case fkBytes:
		b := *(*[]byte)(p)
		s.putString(v, unsafe.String(unsafe.SliceData(b), len(b)))
	case fkTime:
		t := (*time.Time)(p)
		if t.IsZero() {
			setInt(v, 0)
		} else {
			setInt(v, t.Unix())
		}
	case fkDuration:
		setInt(v, (*(*time.Duration)(p)).Milliseconds())
	}
}

// setField stores the value C converted (by k.ckind()) in the field at p.
func setField(p unsafe.Pointer, k fieldKind, v *C.cb_val) {
	i := int64(v.i)
	switch k {
	case fkBool:
		*(*bool)(p) = i != 0
	case fkInt:
		*(*int)(p) = int(i)
	case fkInt8:
		*(*int8)(p) = int8(i)
	case fkInt16:
		*(*int16)(p) = int16(i)
	case fkInt32:
		*(*int32)(p) = int32(i)
	case fkInt64:
		*(*int64)(p) = i
	case fkUint:
		*(*uint)(p) = uint(i)
	case fkUint8:
		*(*uint8)(p) = uint8(i)
	case fkUint16:
		*(*uint16)(p) = uint16(i)
	case fkUint32:
		*(*uint32)(p) = uint32(i)
	case fkUint64:
		*(*uint64)(p) = uint64(i)
	case fkUintptr:
		*(*uintptr)(p) = uintptr(i)
	case fkFloat32:
		*(*float32)(p) = float32(v.n)
	case fkFloat64:
		*(*float64)(p) = float64(v.n)
	case fkString:
		*(*string)(p) = argString(v)
	case fkBytes:
		*(*[]byte)(p) = argBytes(v)
	case fkTime:
		if i == 0 {
			*(*time.Time)(p) = time.Time{}
		} else {
			*(*time.Time)(p) = time.Unix(i, 0)
		}
	case fkDuration:
		*(*time.Duration)(p) = time.Duration(i) * time.Millisecond
	}
}
