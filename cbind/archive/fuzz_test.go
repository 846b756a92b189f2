//go:build lua53

package archive

import (
	"encoding/binary"
	"errors"
	"math"
	"testing"
)

// FuzzDecode decodes arbitrary bytes: the stack must grow by exactly what
// Decode reports, the verdict (value count or malformed reason) must agree
// with modelDecode, a plain Go reading of the rules, and whatever decodes
// must survive Encode → Decode with the same rendering. The Go model also
// gives the fuzzer the coverage signal that the C code, built without
// instrumentation, cannot. The seed corpus in
// testdata/fuzz/FuzzDecode holds the archives of golden_calls.jsonl and
// malformed.jsonl (TestSeedCorpus checks them; -update-seeds rewrites them).
func FuzzDecode(f *testing.F) {
	f.Add([]byte{2, 1})                        // math.mininteger
	f.Add([]byte{3, 1, 'a', 7, 4, 0, 4, 0, 8}) // back-references as key and value
	L := newState(f)
	buf := make([]byte, 1<<20)
	f.Fuzz(func(t *testing.T, data []byte) {
		L.SetTop(0)
		n, err := Decode(L, data)
		if L.GetTop() != n {
			t.Fatalf("Decode = %d, %v; stack top %d", n, err, L.GetTop())
		}
		if wantN, wantErr := modelDecode(data); n != wantN || errText(err) != errText(wantErr) {
			t.Fatalf("Decode(%x) = %d, %v; the model says %d, %v", data, n, err, wantN, wantErr)
		}
		if err != nil {
			if !errors.Is(err, ErrMalformed) || n != 0 {
				t.Fatalf("Decode = %d, %v", n, err)
			}
			return
		}
		if n == 0 || n > 2000 {
			return // rendering is quadratic in the number of values
		}
		k, encErr := Encode(L, 1, buf)
		if L.GetTop() != n {
			t.Fatalf("Encode changed the stack")
		}
		want := renderTop(t, L, n)
		switch {
		case errors.Is(encErr, ErrTooDeep), errors.Is(encErr, ErrTooLarge):
			return // 17..32 levels decode but do not encode; unshared long strings grow
		case encErr != nil:
			t.Fatalf("decoded values do not encode: %v", encErr)
		}
		got, err := decodeRender(t, L, buf[:k])
		if err != nil || got != want {
			t.Fatalf("round trip of %x:\n%.200q, %v\nwant\n%.200q", data, got, err, want)
		}
	})
}

func errText(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}

// modelDecode applies the decoder rules of wire.md to data and returns the
// number of top-level values, or the malformed error Decode must give.
func modelDecode(data []byte) (int, error) {
	m := model{data: data}
	n := 0
	for m.pos < len(data) {
		if reason := m.value(0); reason != 0 {
			return 0, malformedErrors[reason]
		}
		n++
	}
	return n, nil
}

type model struct {
	data  []byte
	pos   int
	nstrs uint64
}

const (
	mNil   = -1 // value() results below 0 describe the value read, for keys
	mNaN   = -2
	mOther = 0
)

// value reads one value; it returns a malformed reason (> 0), or 0.
func (m *model) value(depth int) int {
	r, _ := m.read(depth)
	return r
}

// varint reads a uvarint: at most 10 bytes, the 10th no more than 1.
// (encoding/binary.Uvarint would wait for an 11th byte before refusing.)
func (m *model) varint() (uint64, int) {
	var v uint64
	for i := 0; i < 10; i++ {
		if m.pos >= len(m.data) {
			return 0, reasonTruncated
		}
		b := m.data[m.pos]
		m.pos++
		if i == 9 && b > 1 {
			return 0, reasonVarint
		}
		v |= uint64(b&0x7f) << (7 * i)
		if b < 0x80 {
			return v, 0
		}
	}
	panic("not reached")
}

// read reads one value and says whether it was nil or NaN.
func (m *model) read(depth int) (reason, kind int) {
	if m.pos >= len(m.data) {
		return reasonTruncated, 0
	}
	code := m.data[m.pos]
	m.pos++
	switch code {
	case 0:
		return 0, mNil
	case 1:
		if len(m.data)-m.pos < 8 {
			return reasonTruncated, 0
		}
		f := math.Float64frombits(binary.LittleEndian.Uint64(m.data[m.pos:]))
		m.pos += 8
		if f != f {
			return 0, mNaN
		}
		return 0, mOther
	case 2:
		_, r := m.varint()
		return r, mOther
	case 3:
		l, r := m.varint()
		if r != 0 {
			return r, 0
		}
		if l > uint64(len(m.data)-m.pos) {
			return reasonStringLen, 0
		}
		m.pos += int(l)
		m.nstrs++
		return 0, mOther
	case 4:
		i, r := m.varint()
		if r == 0 && i >= m.nstrs {
			r = reasonBadRef
		}
		return r, mOther
	case 7:
		if depth+1 > MaxDecodeDepth {
			return reasonTooDeep, 0
		}
		for {
			if m.pos >= len(m.data) {
				return reasonUnterminated, 0
			}
			if m.data[m.pos] == 8 {
				m.pos++
				return 0, mOther
			}
			r, kind := m.read(depth + 1)
			switch {
			case r != 0:
				return r, 0
			case kind == mNil:
				return reasonNilKey, 0
			case kind == mNaN:
				return reasonNaNKey, 0
			}
			if r := m.value(depth + 1); r != 0 {
				return r, 0
			}
		}
	case 8:
		return reasonBadCode, 0
	}
	return 0, mOther
}
