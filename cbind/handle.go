package cbind

import "math/bits"

// A handle names a Go object for Lua: it is the value of the light
// userdata in a shadow table's __pointer__. The low bits index the slot
// table, the high bits carry the slot's generation, so a handle that
// outlives its object (a table resurrected by a finalizer, a forged
// export call) never reaches the slot's next occupant.
const (
	handleIndexBits = 20 + 12*(bits.UintSize/64) // 32 on 64-bit platforms
	handleIndexMask = 1<<handleIndexBits - 1
)

// slot is one live object.
type slot struct {
	obj any // a *T of an exported class
	cls *classInfo
	gen uint32
}

// slotPage is how many slots a page of the table holds: the table grows a
// page at a time, so thousands of objects cost no copies (and no garbage)
// of the slots already handed out.
const (
	slotPageBits = 8
	slotPage     = 1 << slotPageBits
)

// Handled is implemented by an exported type whose objects keep a word for
// their handle: the first State to push such an object keeps the handle
// there rather than in its map, which costs a map entry per object and a
// hash of the object on every push. The word must be 0 until then, and is
// cbind's alone.
type Handled interface {
	HandleWord() *uintptr
}

// handleTable owns the objects Lua can reach, by handle and by pointer.
type handleTable struct {
	pages [][]slot // slot i is pages[i/slotPage][i%slotPage]
	n     uint32   // slots ever used, index 0 (never used: handle 0 is nil) included
	free  []uint32
	byObj map[any]uintptr // *T -> handle, while a shadow table may exist, unless in its word (Handled)
}

func (t *handleTable) init() {
	t.pages = t.pages[:0]
	t.n = 1
	t.free = t.free[:0]
	t.byObj = make(map[any]uintptr)
}

func (t *handleTable) at(idx uint32) *slot {
	return &t.pages[idx>>slotPageBits][idx&(slotPage-1)]
}

// find returns obj's handle, if it has one; word is obj's free handle
// word (Handled, 0 in it), or nil.
func (t *handleTable) find(obj any) (h uintptr, word *uintptr, ok bool) {
	if o, isHandled := obj.(Handled); isHandled {
		word = o.HandleWord()
		if h := *word; h != 0 {
			if sl, ok := t.lookup(h); ok && sl.obj == obj {
				return h, nil, true
			}
			word = nil // another State's
		}
	}
	h, ok = t.byObj[obj] // another State holds the word, or held it
	return h, word, ok
}

// handleOf returns obj's handle, assigning one if it has none.
func (t *handleTable) handleOf(obj any, cls *classInfo) uintptr {
	h, word, ok := t.find(obj)
	if ok {
		return h
	}
	var idx uint32
	if n := len(t.free); n > 0 {
		idx = t.free[n-1]
		t.free = t.free[:n-1]
	} else {
		if int(t.n>>slotPageBits) == len(t.pages) {
			t.pages = append(t.pages, make([]slot, slotPage))
		}
		idx = t.n
		t.n++
		t.at(idx).gen = 1
	}
	sl := t.at(idx)
	sl.obj, sl.cls = obj, cls
	h = uintptr(sl.gen)<<handleIndexBits | uintptr(idx)
	if word != nil {
		*word = h
	} else {
		t.byObj[obj] = h
	}
	return h
}

// lookup returns the live slot of h.
func (t *handleTable) lookup(h uintptr) (slot, bool) {
	idx := h & handleIndexMask
	if idx == 0 || idx >= uintptr(t.n) {
		return slot{}, false
	}
	sl := *t.at(uint32(idx))
	if sl.obj == nil || uintptr(sl.gen) != h>>handleIndexBits {
		return slot{}, false
	}
	return sl, true
}

// take removes h and returns what it held.
func (t *handleTable) take(h uintptr) (slot, bool) {
	sl, ok := t.lookup(h)
	if !ok {
		return slot{}, false
	}
	idx := uint32(h & handleIndexMask)
	next := (t.at(idx).gen + 1) & (1<<(bits.UintSize-handleIndexBits) - 1)
	if next == 0 {
		next = 1
	}
	*t.at(idx) = slot{gen: next}
	t.free = append(t.free, idx)
	if o, ok := sl.obj.(Handled); ok && *o.HandleWord() == h {
		*o.HandleWord() = 0
	} else if t.byObj[sl.obj] == h {
		delete(t.byObj, sl.obj)
	}
	return sl, true
}

// each calls fn for every live object.
func (t *handleTable) each(fn func(slot)) {
	for i := uint32(1); i < t.n; i++ {
		if sl := *t.at(i); sl.obj != nil {
			fn(sl)
		}
	}
}
