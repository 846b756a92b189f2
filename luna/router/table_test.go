package router

import "testing"

func id(group, index uint32) uint32 { return group<<16 | index }

func TestTargetAndRemove(t *testing.T) {
	tb := New(1)
	tb.Set(id(2, 3), 30)
	tb.Set(id(2, 1), 10)
	tb.Set(id(2, 2), 20)
	tb.Set(id(3, 1), 99)
	for _, tc := range []struct{ id, want uint32 }{
		{id(2, 1), 10}, {id(2, 2), 20}, {id(2, 3), 30}, {id(3, 1), 99}, {id(2, 4), 0}, {id(4, 1), 0},
	} {
		if got := tb.Target(tc.id); got != tc.want {
			t.Errorf("Target(%#x) = %d, want %d", tc.id, got, tc.want)
		}
	}
	tb.Set(id(2, 2), 0) // keep the slot, skip it
	if got := tb.Target(id(2, 2)); got != 0 {
		t.Errorf("token-0 slot delivered to %d", got)
	}
	tb.Set(id(2, 2), 21) // re-route
	if got := tb.Target(id(2, 2)); got != 21 {
		t.Errorf("re-routed slot: %d", got)
	}
	tb.Remove(id(2, 2))
	if got := tb.Target(id(2, 2)); got != 0 {
		t.Errorf("removed slot delivered to %d", got)
	}
	if got := tb.Broadcast(2, nil); len(got) != 2 || got[0] != 10 || got[1] != 30 {
		t.Errorf("after remove: broadcast %v", got)
	}
}

func TestGroupOfUsesBits16To23(t *testing.T) {
	if g := GroupOf(0x01_05_0007); g != 5 {
		t.Fatalf("GroupOf = %d, want 5", g)
	}
}

func TestHashKeepsSlotsStable(t *testing.T) {
	tb := New(1)
	for i := uint32(1); i <= 3; i++ {
		tb.Set(id(2, i), 10*i)
	}
	// nodes sorted by id: index 0 -> 10, 1 -> 20, 2 -> 30
	for h, want := range []uint32{10, 20, 30, 10, 20, 30} {
		if got := tb.Hash(2, uint32(h)); got != want {
			t.Errorf("Hash(%d) = %d, want %d", h, got, want)
		}
	}
	tb.Set(id(2, 2), 0) // a dead member keeps its slot: hash 1 moves on to the next one
	if got := tb.Hash(2, 1); got != 30 {
		t.Errorf("Hash over a token-0 slot = %d, want 30", got)
	}
	if got := tb.Hash(2, 0); got != 10 {
		t.Errorf("other keys moved: %d", got)
	}
	if got := tb.Hash(7, 5); got != 0 {
		t.Errorf("empty group: %d", got)
	}
}

func TestRandomSpreadsOverLiveMembers(t *testing.T) {
	tb := New(42)
	for i := uint32(1); i <= 4; i++ {
		tb.Set(id(2, i), i)
	}
	tb.Set(id(2, 3), 0)
	seen := map[uint32]int{}
	for i := 0; i < 3000; i++ {
		seen[tb.Random(2)]++
	}
	if seen[0] != 0 || len(seen) != 3 {
		t.Fatalf("random picked %v; want tokens 1, 2 and 4 only", seen)
	}
	for tok, n := range seen {
		if n < 300 {
			t.Errorf("token %d picked %d times of 3000", tok, n)
		}
	}
	all0 := New(1)
	all0.Set(id(2, 1), 0)
	if got := all0.Random(2); got != 0 {
		t.Fatalf("group with no live member: %d", got)
	}
}

func TestMaster(t *testing.T) {
	tb := New(1)
	if tb.Master(5) != 0 {
		t.Fatal("master before any is set")
	}
	tb.SetMaster(5, 7)
	if tb.Master(5) != 7 || tb.Master(4) != 0 {
		t.Fatal("master not per group")
	}
	tb.SetMaster(5, 0)
	if tb.Master(5) != 0 {
		t.Fatal("master not cleared")
	}
}

func TestSteadyStateDoesNotAllocate(t *testing.T) {
	tb := New(1)
	for i := uint32(1); i <= 8; i++ {
		tb.Set(id(2, i), i)
	}
	dst := make([]uint32, 0, 8)
	allocs := testing.AllocsPerRun(100, func() {
		tb.Target(id(2, 3))
		tb.Hash(2, 12345)
		tb.Random(2)
		dst = tb.Broadcast(2, dst[:0])
	})
	if allocs != 0 {
		t.Fatalf("%v allocations per lookup", allocs)
	}
}

func BenchmarkHash(b *testing.B) {
	tb := New(1)
	for i := uint32(1); i <= 3; i++ {
		tb.Set(id(2, i), i)
	}
	for i := 0; i < b.N; i++ {
		tb.Hash(2, uint32(i))
	}
}
