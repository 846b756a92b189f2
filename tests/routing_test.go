package tests

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
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

// Through a real router: a service that stops reading fills the router's
// send cache for it. With "drop" the router discards what does not fit,
// counts it and keeps the link (the service, once it reads again, gets
// part of the calls and then a later one); with "close" the router closes
// that link with send_cache_full. Either way the other service gets every
// call.
func TestSlowTargetThroughARouter(t *testing.T) {
	const n = 20000 // 20 MB to each service: more than the kernel buffers hold
	for _, policy := range []string{"drop", "close"} {
		t.Run(policy, func(t *testing.T) {
			hub := startLuna(t, []string{"HUB_ADMIN=1"}, script("router_hub.lua"))
			admin := strings.TrimPrefix(hub.waitLine("ADMIN ", 10*time.Second), "ADMIN ")
			port := strings.TrimPrefix(hub.waitLine("READY ", 10*time.Second), "READY ")
			fast, slow := serviceID(2, 1), serviceID(2, 2)
			gofile := filepath.Join(t.TempDir(), "go")
			fastSvc := startLuna(t, nil, script("count_service.lua"), port, strconv.FormatInt(fast, 10))
			slowSvc := startLuna(t, nil, script("count_service.lua"), port, strconv.FormatInt(slow, 10), gofile)
			fastSvc.waitLine("REGISTERED", 10*time.Second)
			slowSvc.waitLine("REGISTERED", 10*time.Second)

			ids := []string{strconv.FormatInt(fast, 10), strconv.FormatInt(slow, 10)}
			mustDone := func(args ...string) {
				t.Helper()
				r := runLuna(t, 60*time.Second, nil, append([]string{script("flood_driver.lua"), port}, args...)...)
				if r.code != 0 || !strings.Contains(r.out, "DONE") {
					t.Fatalf("flood_driver %v: exit %d\n%s", args, r.code, r.out)
				}
			}
			mustDone(append([]string{strconv.Itoa(n), policy, ids[1], "--"}, ids...)...)
			want := fmt.Sprintf("COUNT %d %d", fast, n)
			if got := fastSvc.waitLine("COUNT", 20*time.Second); got != want {
				t.Fatalf("the fast service: %q, want %q", got, want)
			}
			lookup, body := scrapeMetrics(t, "http://127.0.0.1:"+admin+"/metrics")
			dropped, _ := lookup("luna_send_overflow_dropped_total") // absent: none

			if err := os.WriteFile(gofile, nil, 0o644); err != nil {
				t.Fatal(err)
			}
			slowSvc.waitLine("AWAKE", 10*time.Second)
			if policy == "drop" {
				if dropped <= 0 {
					t.Fatalf("no frame counted as dropped; /metrics:\n%s", body)
				}
				mustDone("0", "--", ids[1]) // a "fin" sent once the service reads again
				line := slowSvc.waitLine("COUNT", 20*time.Second)
				var id, got int64
				if _, err := fmt.Sscanf(line, "COUNT %d %d", &id, &got); err != nil || got <= 0 || got >= n {
					t.Fatalf("the slow service: %q, want between 0 and %d ticks", line, n)
				}
				if hub.lines(0, func(l string) bool { return strings.HasPrefix(l, "HUB LOST") }) != nil {
					t.Fatalf("the router lost a link under drop:\n%s", hub.output())
				}
				t.Logf("drop: the slow service got %d of %d calls, the router counted %.0f dropped", got, n, dropped)
				return
			}
			lost := fmt.Sprintf("HUB LOST %d send_cache_full", slow)
			if _, i := hub.find(0, 10*time.Second, func(l string) bool { return l == lost }); i < 0 {
				t.Fatalf("no %q from the router:\n%s", lost, hub.output())
			}
			if dropped != 0 {
				t.Fatalf("close: %.0f frames counted as dropped", dropped)
			}
			slowSvc.waitLine("LOST", 20*time.Second)
		})
	}
}
