package luna

import (
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/aarzilli/golua/lua"

	"github.com/luna-go/luna/luna/admin"
	"github.com/luna-go/luna/luna/node"
	"github.com/luna-go/luna/luna/wire"
)

// The admin endpoint (luna/admin) as the runtime runs it: started by
// LUNA_ADMIN=ip:port or luna.admin.listen(ip, port), fed from the loop at
// the end of every wait, which is also where its requests for the loop's
// state are answered.

const (
	envAdmin      = "LUNA_ADMIN"
	envAdminToken = "LUNA_ADMIN_TOKEN_FILE"
	envAdminStall = "LUNA_ADMIN_STALL_MS"
)

// adminState is the runtime's side of the endpoint.
type adminState struct {
	srv   *admin.Server
	ready bool // what the script last said (luna.admin.ready)
}

// startAdminFromEnv starts the endpoint LUNA_ADMIN names, if any.
func (rt *Runtime) startAdminFromEnv() error {
	addr := os.Getenv(envAdmin)
	if addr == "" {
		return nil
	}
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return fmt.Errorf("%s=%s: %w", envAdmin, addr, err)
	}
	p, err := strconv.Atoi(port)
	if err != nil {
		return fmt.Errorf("%s=%s: the port is not a number", envAdmin, addr)
	}
	if _, err := rt.startAdmin(host, p); err != nil {
		return fmt.Errorf("%s=%s: %w", envAdmin, addr, err)
	}
	return nil
}

// startAdmin starts the endpoint on host:port (host "": loopback) and
// returns the port it got.
func (rt *Runtime) startAdmin(host string, port int) (int, error) {
	if rt.admin.srv != nil {
		return 0, fmt.Errorf("the admin endpoint already listens on %s", rt.admin.srv.Addr())
	}
	if host == "" {
		host = "127.0.0.1"
	}
	var token []byte
	if path := os.Getenv(envAdminToken); path != "" {
		data, err := os.ReadFile(path)
		if err != nil {
			return 0, fmt.Errorf("%s: %w", envAdminToken, err)
		}
		if token = []byte(strings.TrimSpace(string(data))); len(token) == 0 {
			return 0, fmt.Errorf("%s=%s: the file is empty", envAdminToken, path)
		}
	}
	srv, err := admin.Listen(net.JoinHostPort(host, strconv.Itoa(port)), admin.Options{
		OnLoop:   rt.onLoop,
		Snapshot: rt.metrics,
		Token:    token,
		Stall:    envMillis(envAdminStall, admin.DefaultStall),
		Console:  rt.console(),
		Profile:  rt.luaProfileFor,
	})
	if err != nil {
		return 0, err
	}
	rt.admin.srv = srv
	if rt.admin.ready {
		rt.adminReady(true)
	}
	return srv.Addr().Port, nil
}

// adminTurn runs at the end of every wait: the loop is alive.
func (rt *Runtime) adminTurn() {
	a := &rt.admin
	if a.srv == nil {
		return
	}
	a.srv.Beat()
	if rt.signal.received() {
		a.srv.SetReady(false, "draining: SIGTERM or SIGINT arrived")
	}
}

// closeAdmin stops the endpoint.
func (rt *Runtime) closeAdmin() {
	if rt.admin.srv != nil {
		rt.admin.srv.Close()
		rt.admin.srv = nil
	}
}

// adminListen is luna.admin.listen(ip, port) -> port | nil, err.
func (rt *Runtime) adminListen(ip string, port int64) (int64, error) {
	if port < 0 || port > 65535 {
		return 0, errInvalidParam
	}
	p, err := rt.startAdmin(ip, int(port))
	return int64(p), err
}

// adminReady is luna.admin.ready(bool): what /readyz answers (never ready
// again once SIGTERM or SIGINT arrived).
func (rt *Runtime) adminReady(ready bool) {
	rt.admin.ready = ready
	if rt.admin.srv == nil {
		return
	}
	switch {
	case rt.signal.received():
		rt.admin.srv.SetReady(false, "draining: SIGTERM or SIGINT arrived")
	case ready:
		rt.admin.srv.SetReady(true, "")
	default:
		rt.admin.srv.SetReady(false, "the script called luna.admin.ready(false)")
	}
}

// totalStats is every manager's node.Stats summed.
func (rt *Runtime) totalStats() node.Stats {
	var t node.Stats
	for m := range rt.managers {
		t.Add(m.node.Stats())
	}
	return t
}

// metrics is the loop's state for /metrics, summed over the managers.
func (rt *Runtime) metrics() []admin.Metric {
	st := rt.totalStats()
	forwarded, undeliverable := map[string]uint64{}, map[string]uint64{}
	for m := range rt.managers {
		for kind := wire.ForwardTarget; kind <= wire.ForwardHash; kind++ {
			mode := strings.TrimPrefix(kind.String(), "forward_")
			forwarded[mode] += m.fwd.Forwarded[kind]
			undeliverable[mode] += m.fwd.Undeliverable[kind]
		}
	}
	var out []admin.Metric
	one := func(kind admin.Kind, name, help string, v float64) {
		out = append(out, admin.Metric{Name: name, Help: help, Kind: kind, Value: v})
	}
	labelled := func(name, help, label string, values map[string]uint64) {
		for k, v := range values {
			out = append(out, admin.Metric{Name: name, Help: help, Kind: admin.Counter,
				Labels: []string{label}, Values: []string{k}, Value: float64(v)})
		}
	}
	L := rt.L
	one(admin.Gauge, "luna_streams", "Open streams, accepted and connected, of every socket manager.", float64(st.Streams))
	one(admin.Gauge, "luna_listeners", "Open listeners.", float64(st.Listeners))
	one(admin.Gauge, "luna_send_queue_bytes", "Bytes queued on streams, not yet written.", float64(st.SendQueue))
	one(admin.Gauge, "luna_lua_memory_bytes", `Memory of the Lua state (collectgarbage("count")).`,
		float64(L.GC(lua.LUA_GCCOUNT, 0))*1024+float64(L.GC(lua.LUA_GCCOUNTB, 0)))
	one(admin.Counter, "luna_connections_accepted_total", "Connections handed to on_accept.", float64(st.Accepted))
	one(admin.Counter, "luna_bytes_received_total", "Bytes read from streams.", float64(st.BytesIn))
	one(admin.Counter, "luna_bytes_sent_total", "Bytes of frames handed to streams to write.", float64(st.BytesOut))
	one(admin.Counter, "luna_frames_received_total", "Frames received: calls, forwards and dropped ones.", float64(st.FramesIn))
	one(admin.Counter, "luna_frames_sent_total", "Frames handed to streams to write: calls and forwards.", float64(st.FramesOut))
	one(admin.Counter, "luna_send_overflow_dropped_total", "Frames dropped because a stream set to drop on overflow had a full send cache.", float64(st.OverflowDrops))
	one(admin.Counter, "luna_send_lost_bytes_total", "Bytes queued for streams that died, or were closed at once, before they were sent.", float64(st.LostBytes))
	one(admin.Counter, "luna_loop_busy_seconds_total", "Time the loop spent handling events rather than waiting for them.", st.Busy.Seconds())
	refusedHelp := "Connections closed at once or before their first frame, by reason."
	out = append(out, admin.Metric{Name: "luna_connections_refused_total", Help: refusedHelp, Kind: admin.Counter,
		Labels: []string{"reason"}, Values: []string{"too_many_connection"}, Value: float64(st.Refused)})
	labelled("luna_connections_refused_total", refusedHelp, "reason", prefixed("handshake: ", st.AuthFailures))
	labelled("luna_stream_errors_total", "Streams that failed, by on_error string.", "reason", st.StreamErrors)
	labelled("luna_frames_dropped_total", "Received frames dropped, by why.", "reason", st.Dropped)
	labelled("luna_forwarded_total", "Frames a router forwarded to a live target, by mode.", "mode", forwarded)
	labelled("luna_forward_undeliverable_total", "Forward frames with no live target, by mode.", "mode", undeliverable)
	labelled("luna_reloads_total", "Hot reloads, by result.", "result", rt.reloads)
	labelled("luna_callback_errors_total", "Errors raised by script callbacks, by callback.", "callback", rt.errlog.byCallback)
	return append(out, rt.scriptSnapshot()...)
}

// prefixed is m with every key prefixed.
func prefixed(prefix string, m map[string]uint64) map[string]uint64 {
	out := make(map[string]uint64, len(m))
	for k, v := range m {
		out[prefix+k] = v
	}
	return out
}

// noteReload is luna._note_reload(result): the bootstrap counts a hot
// reload's outcome.
func (rt *Runtime) noteReload(result string) { rt.reloads[result]++ }

// probe is luna --probe URL: 0 when a GET of url answers 200 within 3 s.
func probe(url string, stdout, stderr io.Writer) int {
	c := http.Client{Timeout: 3 * time.Second}
	resp, err := c.Get(url)
	if err != nil {
		fmt.Fprintln(stderr, "luna: probe:", err)
		return 1
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	fmt.Fprintf(stdout, "%s: %s", resp.Status, body)
	if resp.StatusCode != http.StatusOK {
		return 1
	}
	return 0
}
