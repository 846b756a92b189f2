package tests

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// keyFile writes a cluster key file and returns LUNA_CLUSTER_KEY_FILE=it.
func keyFile(t *testing.T, text string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "cluster.keys")
	if err := os.WriteFile(path, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	return "LUNA_CLUSTER_KEY_FILE=" + path
}

// Processes given the same key file talk; one with another key gets
// auth_failed, and the server never sees it.
func TestClusterKeyFile(t *testing.T) {
	key := keyFile(t, "# the cluster's key\nfirst-cluster-key-0123456789\n")
	other := keyFile(t, "second-cluster-key-abcdefghij\n")
	srv := startLuna(t, []string{key}, script("echo_server.lua"), "0")
	port := strings.TrimPrefix(srv.waitLine("READY ", 10*time.Second), "READY ")

	r := runLuna(t, 10*time.Second, []string{key}, script("auth_client.lua"), port)
	if !strings.Contains(r.out, "UP") {
		t.Fatalf("same key: %s", r.out)
	}
	for _, env := range [][]string{{other}, nil} {
		start := time.Now()
		r := runLuna(t, 10*time.Second, env, script("auth_client.lua"), port)
		if !strings.Contains(r.out, "ERROR auth_failed") {
			t.Fatalf("client with %v: %s", env, r.out)
		}
		if d := time.Since(start); d > 3*time.Second {
			t.Errorf("client with %v took %v to fail", env, d)
		}
	}
	if _, i := srv.find(0, 5*time.Second, func(l string) bool { return strings.Contains(l, "cluster handshake failed") }); i < 0 {
		t.Fatalf("no handshake failure in the server's log:\n%s", srv.output())
	}
	if n := strings.Count(srv.output(), "server stream error"); n != 1 { // the first client's, when it left
		t.Fatalf("the server's script saw %d streams end, want 1 (no stranger):\n%s", n, srv.output())
	}
}

// A key file the process cannot use stops it before the script runs.
func TestClusterKeyFileErrors(t *testing.T) {
	for _, c := range []struct{ env, want string }{
		{keyFile(t, "first-cluster-key-0123456789\nshort\n"), "line 2: a cluster key must be at least 16 bytes"},
		{keyFile(t, "# nothing\n"), "no cluster key"},
		{"LUNA_CLUSTER_KEY_FILE=" + filepath.Join(t.TempDir(), "missing"), "no such file"},
	} {
		r := runLuna(t, 10*time.Second, []string{c.env}, script("auth_client.lua"), "1")
		if r.code != 1 || !strings.Contains(r.out, c.want) || strings.Contains(r.out, "ERROR") {
			t.Errorf("%s: exit %d, output %q; want exit 1 and %q", c.env, r.code, r.out, c.want)
		}
	}
}

func TestSetClusterKeys(t *testing.T) {
	r := runLuna(t, 30*time.Second, nil, script("auth_keys.lua"))
	mustPass(t, r)
	if strings.Count(r.out, " ok") != 9 {
		t.Fatalf("want 9 cases ok:\n%s", r.out)
	}
}
