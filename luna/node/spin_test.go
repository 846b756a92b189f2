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
	// skips of 1, 2, 4, ..., 64, 64, ...: 1+1 + 1+2 + 1+4 + ... waits
	if got := spins(1 + 2 + 3 + 5 + 9 + 17 + 33 + 65); got != 8 {
		t.Fatalf("%d spins in the first waits, want 8", got)
	}
	if got := spins(65 * 10); got != 10 {
		t.Fatalf("%d spins in 650 waits at the cap, want 10", got)
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
