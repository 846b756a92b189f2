package tests

import (
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

func startRPCServer(t *testing.T) (*proc, string) {
	t.Helper()
	p := startLuna(t, nil, script("rpc_server.lua"))
	return p, strings.TrimPrefix(p.waitLine("READY ", 10*time.Second), "READY ")
}

// luna.rpc between two processes: replies, raised errors, a missing
// handler, plain calls beside rpc on both ends, a timeout.
func TestRPCRequests(t *testing.T) {
	_, port := startRPCServer(t)
	mustPass(t, runLuna(t, 30*time.Second, nil, script("rpc_client.lua"), port))
}

// A callee killed with -9 fails every pending request at once with
// connection_lost, well before its deadline.
func TestRPCCalleeKilled(t *testing.T) {
	srv, port := startRPCServer(t)
	cli := startLuna(t, nil, script("rpc_client.lua"), port, "lost")
	cli.waitLine("PENDING 10", 10*time.Second)
	srv.cmd.Process.Signal(syscall.SIGKILL)
	if code := cli.wait(20 * time.Second); code != 0 || !strings.Contains(cli.output(), "PASS") || strings.Contains(cli.output(), "FAIL") {
		t.Fatalf("exit %d:\n%s", code, cli.output())
	}
}

// Two routers, both services registered on each: a request through each
// router is answered through the same one.
func TestRPCAcrossTwoRouters(t *testing.T) {
	_, port1 := startHub(t)
	_, port2 := startHub(t)
	ports := port1 + "," + port2
	callee := startLuna(t, nil, script("rpc_service.lua"), ports, "131074")
	callee.waitLine("REGISTERED 131074", 10*time.Second)
	mustPass(t, runLuna(t, 30*time.Second, nil, script("rpc_service.lua"), ports, "131073", "131074"))
}

// Requests forwarded through a router reach the callee by service id and
// their replies come back forwarded to the requester's; a request to a
// service nobody registered fails with "undeliverable" (the router's
// feedback), not at its deadline.
func TestRPCThroughARouter(t *testing.T) {
	_, port := startHub(t)
	callee := startLuna(t, nil, script("rpc_service.lua"), port, "131074")
	callee.waitLine("REGISTERED 131074", 10*time.Second)
	mustPass(t, runLuna(t, 30*time.Second, nil, script("rpc_service.lua"), port, "131073", "131074"))
}

// A C++ luna router between our processes carries luna.rpc: the request
// and its forwarded reply are plain frames to it. Runs where LUNA_REF
// names a C++ luna binary (built outside the repo; see README).
func TestRPCThroughACPPRouter(t *testing.T) {
	ref := os.Getenv("LUNA_REF")
	if ref == "" {
		t.Skip("LUNA_REF is not set: no C++ luna binary to route with")
	}
	port := freePort(t)
	router := startBinary(t, ref, []string{"PORT=" + port}, script("min_router.lua"))
	router.waitLine("READY", 10*time.Second)
	callee := startLuna(t, nil, script("rpc_service.lua"), port, "131074")
	callee.waitLine("REGISTERED 131074", 10*time.Second)
	r := runLuna(t, 30*time.Second, nil, script("rpc_service.lua"), port, "131073", "131074", "no-feedback")
	mustPass(t, r)
}

// luna.rpc is plain Lua over call and forward_*: a C++ luna process runs
// the same file (loaded with dofile, rpc.tick() in its loop) and answers
// every kind of request of rpc_client.lua: replies, a deferred reply,
// errors, a missing handler, a plain call beside rpc, a timeout. Where
// LUNA_REF names a C++ luna binary.
func TestRPCWithACPPCallee(t *testing.T) {
	ref := os.Getenv("LUNA_REF")
	if ref == "" {
		t.Skip("LUNA_REF is not set: no C++ luna binary to serve rpc")
	}
	port := freePort(t)
	rpcLua, _ := filepath.Abs(filepath.Join("..", "scripts", "rpc.lua"))
	srv := startBinary(t, ref, []string{"PORT=" + port, "RPC=" + rpcLua}, script("rpc_server.lua"))
	srv.waitLine("READY", 10*time.Second)
	mustPass(t, runLuna(t, 30*time.Second, nil, script("rpc_client.lua"), port))
}
