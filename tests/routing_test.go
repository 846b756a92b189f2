package tests

import (
	"strconv"
	"testing"
	"time"
)

// Through a real router: with hash_mode "jump" or "rendezvous", a fifth
// service joining a group of four moves at most ~1/5 of the keys; with
// the reference's "modulo" most of them move.
func TestHashModeThroughARouter(t *testing.T) {
	const n = 4000
	for _, c := range []struct {
		mode   string
		movedX float64 // the most (jump, rendezvous) or least (modulo) share of keys that may move
	}{{"jump", 0.25}, {"rendezvous", 0.25}, {"modulo", 0.5}} {
		t.Run(c.mode, func(t *testing.T) {
			_, port := startHub(t)
			var ids []int64
			for i := 1; i <= 4; i++ {
				ids = append(ids, serviceID(2, i))
			}
			four := startServices(t, port, ids...)
			owner := func(phase string, procs ...*proc) map[int64]int64 {
				r := runLuna(t, 30*time.Second, nil, script("hash_driver.lua"), port, "2", c.mode, strconv.Itoa(n), phase)
				mustPass(t, r)
				got := map[int64]int64{}
				deadline := time.Now().Add(10 * time.Second)
				for len(got) < n && time.Now().Before(deadline) {
					for _, d := range gotCalls(t, "hash", procs...) {
						if d.str(1) == phase {
							got[d.int(2)] = d.to
						}
					}
					time.Sleep(50 * time.Millisecond)
				}
				if len(got) != n {
					t.Fatalf("phase %s: %d of %d keys delivered", phase, len(got), n)
				}
				return got
			}
			before := owner("before", four)
			fifth := startServices(t, port, serviceID(2, 5))
			after := owner("after", four, fifth)
			movedKeys := 0
			for k, to := range before {
				if after[k] != to {
					movedKeys++
				}
			}
			share := float64(movedKeys) / n
			t.Logf("%s: %.3f of %d keys moved when a fifth service joined", c.mode, share, n)
			if c.mode == "modulo" && share < c.movedX || c.mode != "modulo" && share > c.movedX {
				t.Fatalf("%s: %.3f of the keys moved", c.mode, share)
			}
		})
	}
}

// mgr.forward_error(true): a forward with nowhere to go comes back to its
// sender's on_call as ("luna_undeliverable", mode, group or target, name).
func TestUndeliverableFeedback(t *testing.T) {
	_, port := startHub(t)
	mustPass(t, runLuna(t, 20*time.Second, nil, script("feedback_client.lua"), port))
}

// stream.set_overflow: "drop" keeps a stream whose peer stopped reading,
// "close" (the default) kills it with send_cache_full.
func TestSetOverflow(t *testing.T) {
	mustPass(t, runLuna(t, 30*time.Second, nil, script("overflow.lua")))
}
