package router

import (
	"fmt"
	"math/rand/v2"
	"testing"
)

const hashGroup = 3

// groupOf is a table whose hashGroup holds n live members with indices
// 1..n (service id group<<16 | index, token 1000+index).
func groupOf(mode HashMode, n int) *Table {
	t := New(1)
	t.SetHashMode(hashGroup, mode)
	for i := 1; i <= n; i++ {
		t.Set(hashGroup<<16|uint32(i), uint32(1000+i))
	}
	return t
}

// moved is the fraction of keys whose node changes from before to after.
func moved(before, after *Table, keys []uint32) float64 {
	n := 0
	for _, k := range keys {
		if before.Hash(hashGroup, k) != after.Hash(hashGroup, k) {
			n++
		}
	}
	return float64(n) / float64(len(keys))
}

func testKeys() []uint32 {
	r := rand.New(rand.NewPCG(7, 11))
	keys := make([]uint32, 20000)
	for i := range keys {
		keys[i] = r.Uint32()
	}
	return keys
}

// With jump and rendezvous, a member joining, leaving its slot kept (token
// 0), or (rendezvous) leaving outright moves at most ~1/n of the keys, for
// n = 2 ... 64; modulo moves most of them, which is why the modes exist.
func TestHashModesMoveFewKeys(t *testing.T) {
	keys := testKeys()
	bound := func(n int) float64 { return 1.2/float64(n) + 0.01 } // 1/n, and the sampling error of 20 000 keys
	for n := 2; n <= 64; n++ {
		for _, mode := range []HashMode{HashJump, HashRendezvous} {
			name := map[HashMode]string{HashJump: "jump", HashRendezvous: "rendezvous"}[mode]
			base := groupOf(mode, n)
			grown := groupOf(mode, n+1)
			if f := moved(base, grown, keys); f > bound(n+1) {
				t.Errorf("%s, %d -> %d members: %.3f of the keys moved, want at most %.3f", name, n, n+1, f, bound(n+1))
			}
			kept := groupOf(mode, n)
			kept.Set(hashGroup<<16|uint32(n/2+1), 0) // a member in the middle went away, its slot kept
			if f := moved(base, kept, keys); f > bound(n) {
				t.Errorf("%s, %d members, one slot kept: %.3f moved, want at most %.3f", name, n, f, bound(n))
			}
			if mode == HashRendezvous {
				gone := groupOf(mode, n)
				gone.Remove(hashGroup<<16 | uint32(n/2+1))
				if f := moved(base, gone, keys); f > bound(n) {
					t.Errorf("rendezvous, %d members, one removed: %.3f moved, want at most %.3f", n, f, bound(n))
				}
			}
		}
		if n >= 4 {
			if f := moved(groupOf(HashModulo, n), groupOf(HashModulo, n+1), keys); f < 0.5 {
				t.Errorf("modulo, %d -> %d: only %.3f moved (the reference's rule moves most keys)", n, n+1, f)
			}
		}
	}
}

// Every mode spreads keys over the live members about evenly and never
// picks a kept slot.
func TestHashModesSpreadOverLiveMembers(t *testing.T) {
	keys := testKeys()
	for _, mode := range []HashMode{HashModulo, HashJump, HashRendezvous} {
		tab := groupOf(mode, 8)
		tab.Set(hashGroup<<16|3, 0)
		count := map[uint32]int{}
		for _, k := range keys {
			tok := tab.Hash(hashGroup, k)
			if tok == 0 || tok == 1003 {
				t.Fatalf("mode %d picked token %d", mode, tok)
			}
			count[tok]++
		}
		if len(count) != 7 {
			t.Errorf("mode %d used %d members, want 7: %v", mode, len(count), count)
		}
		for tok, c := range count {
			if mode != HashModulo && (c < len(keys)/7/2 || c > len(keys)/7*2) { // modulo doubles up the kept slot's neighbour
				t.Errorf("mode %d: member %d got %d of %d keys", mode, tok, c, len(keys))
			}
		}
	}
	if got := New(1).Hash(hashGroup, 5); got != 0 {
		t.Errorf("an empty group: %d", got)
	}
}

func BenchmarkHashMode(b *testing.B) {
	for _, n := range []int{3, 16, 64} {
		for _, mode := range []HashMode{HashModulo, HashJump, HashRendezvous} {
			name := map[HashMode]string{HashModulo: "modulo", HashJump: "jump", HashRendezvous: "rendezvous"}[mode]
			b.Run(fmt.Sprintf("%s/%d", name, n), func(b *testing.B) {
				tab := groupOf(mode, n)
				var sink uint32
				for i := 0; i < b.N; i++ {
					sink += tab.Hash(hashGroup, uint32(i)*2654435761)
				}
				_ = sink
			})
		}
	}
}
