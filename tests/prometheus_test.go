package tests

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// A real Prometheus server (Debian's prometheus) scrapes a router's admin
// endpoint every second while a client forwards 200 calls a second
// through it; the rate Prometheus computes is that rate.
func TestPrometheusScrapesARouter(t *testing.T) {
	bin, err := exec.LookPath("prometheus")
	if err != nil {
		t.Fatal("prometheus is not installed (scripts/deps.sh installs Debian's prometheus)")
	}
	adminPort := freePort(t)
	hub := startLuna(t, []string{"LUNA_ADMIN=127.0.0.1:" + adminPort}, script("router_hub.lua"))
	port := strings.TrimPrefix(hub.waitLine("READY ", 10*time.Second), "READY ")
	svc := startLuna(t, nil, script("router_service.lua"), port, "131073")
	svc.waitLine("REGISTERED 131073", 10*time.Second)

	dir := t.TempDir()
	cfg := filepath.Join(dir, "prometheus.yml")
	os.WriteFile(cfg, []byte(fmt.Sprintf(`global:
  scrape_interval: 1s
  evaluation_interval: 1s
scrape_configs:
  - job_name: luna
    static_configs:
      - targets: ["127.0.0.1:%s"]
`, adminPort)), 0o644)
	promPort := freePort(t)
	prom := exec.Command(bin, "--config.file="+cfg, "--storage.tsdb.path="+filepath.Join(dir, "data"),
		"--web.listen-address=127.0.0.1:"+promPort, "--log.level=warn")
	promLog, _ := os.Create(filepath.Join(dir, "prometheus.log"))
	prom.Stdout, prom.Stderr = promLog, promLog
	if err := prom.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { prom.Process.Kill(); prom.Wait() })

	const rate = 200
	startLuna(t, nil, script("paced_forwarder.lua"), port, "131073", strconv.Itoa(rate), "30")
	query := func(q string) (float64, bool) {
		resp, err := http.Get("http://127.0.0.1:" + promPort + "/api/v1/query?query=" + url.QueryEscape(q))
		if err != nil {
			return 0, false
		}
		defer resp.Body.Close()
		var r struct {
			Status string
			Data   struct {
				Result []struct {
					Value []any
				}
			}
		}
		if json.NewDecoder(resp.Body).Decode(&r) != nil || r.Status != "success" || len(r.Data.Result) == 0 {
			return 0, false
		}
		v, err := strconv.ParseFloat(fmt.Sprint(r.Data.Result[0].Value[1]), 64)
		return v, err == nil
	}
	var got float64
	deadline := time.Now().Add(25 * time.Second)
	for ok := false; ; time.Sleep(500 * time.Millisecond) {
		got, ok = query(`rate(luna_forwarded_total{job="luna",mode="target"}[5s])`)
		if ok && got > rate*0.8 && got < rate*1.2 {
			break
		}
		if time.Now().After(deadline) {
			log, _ := os.ReadFile(filepath.Join(dir, "prometheus.log"))
			t.Fatalf("Prometheus's rate of luna_forwarded_total{mode=\"target\"}: %v (ok %v), want %d ± 20%%\nprometheus log:\n%s",
				got, ok, rate, log)
		}
	}
	t.Logf("Prometheus: %.1f forwards/s through the router (sent at %d/s)", got, rate)
	if code, body := get(t, "http://127.0.0.1:"+adminPort+"/debug/routes", ""); code != 200 ||
		!strings.Contains(body, `"group": 2`) || !strings.Contains(body, `"id": 131073`) {
		t.Errorf("/debug/routes: %d %s", code, body)
	}
	if up, ok := query(`up{job="luna"}`); !ok || up != 1 {
		t.Fatalf("up = %v (%v)", up, ok)
	}
}
