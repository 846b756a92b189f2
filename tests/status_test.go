package tests

import (
	"context"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"
)

// chromium is Debian's headless Chromium, run on url with a virtual time
// budget (the page's timers run that long) and extra flags.
func chromium(t *testing.T, url string, budget time.Duration, flags ...string) string {
	t.Helper()
	bin, err := exec.LookPath("chromium")
	if err != nil {
		t.Fatal("chromium is not installed (scripts/deps.sh installs Debian's chromium)")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	args := append([]string{"--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run",
		"--user-data-dir=" + t.TempDir(), "--virtual-time-budget=" + strconv.Itoa(int(budget.Milliseconds()))}, flags...)
	out, err := exec.CommandContext(ctx, bin, append(args, url)...).Output()
	if err != nil {
		t.Fatalf("chromium: %v", err)
	}
	return string(out)
}

// The status page, loaded in headless Chromium next to a router under
// traffic, draws its chart and shows the router's streams and routes.
// LUNA_STATUS_SCREENSHOT=file.png also saves a picture of it (the README's).
func TestStatusPageInChromium(t *testing.T) {
	adminPort := freePort(t)
	hub := startLuna(t, []string{"LUNA_ADMIN=127.0.0.1:" + adminPort}, script("router_hub.lua"))
	port := strings.TrimPrefix(hub.waitLine("READY ", 10*time.Second), "READY ")
	svc := startLuna(t, nil, script("router_service.lua"), port, "131073")
	svc.waitLine("REGISTERED 131073", 10*time.Second)
	startLuna(t, nil, script("paced_forwarder.lua"), port, "131073", "500", "30")
	url := "http://127.0.0.1:" + adminPort + "/"

	dom := chromium(t, url, 6*time.Second, "--dump-dom")
	drawn := 0
	if i := strings.Index(dom, `data-drawn="`); i >= 0 {
		drawn, _ = strconv.Atoi(strings.SplitN(dom[i+len(`data-drawn="`):], `"`, 2)[0])
	}
	if drawn < 3 {
		t.Fatalf("the chart drew %d points, want at least 3:\n%s", drawn, dom)
	}
	for _, want := range []string{
		"<b>2</b><span class=\"muted\">streams</span>", // the service and the forwarder
		"<td>0x20001 → ", // the route
		"<td>open</td>",
		"luna 0.", // the version line
	} {
		if !strings.Contains(dom, want) {
			t.Errorf("no %q in the page:\n%s", want, dom)
		}
	}
	if strings.Contains(dom, `class="err">`+"Error") {
		t.Errorf("the page reports a problem:\n%s", dom)
	}
	if shot := os.Getenv("LUNA_STATUS_SCREENSHOT"); shot != "" {
		chromium(t, url, 20*time.Second, "--screenshot="+shot, "--window-size=1000,900", "--hide-scrollbars")
	}
}
