package node

import "testing"

// A spin that loses makes the next busy waits skip it, twice as many each
// time up to maxSpinBackoff; one that wins brings the spin back at once.
func TestSpinnerBacksOff(t *testing.T) {
	var sp spinner
	spins := func(waits int) (n int) {
		for range waits {
			if sp.try() {
				n++
				sp.won(false)
			}
		}
		return n
	}
	// skips of 1, 2, 4, ..., cap, cap, ...: 1+1 + 1+2 + 1+4 + ... waits
	first, want := 1, 1
	for b := 1; b <= maxSpinBackoff; b *= 2 {
		first += 1 + b
		want++
	}
	if got := spins(first); got != want {
		t.Fatalf("%d spins in the first %d waits, want %d", got, first, want)
	}
	if got := spins((maxSpinBackoff + 1) * 10); got != 10 {
		t.Fatalf("%d spins in %d waits at the cap, want 10", got, (maxSpinBackoff+1)*10)
	}
	for sp.skip > 0 {
		sp.try()
	}
	if !sp.try() {
		t.Fatal("no spin after the skips ran out")
	}
	sp.won(true)
	if !sp.try() || sp.backoff != 0 {
		t.Fatalf("a winning spin left backoff %d", sp.backoff)
	}
}
