package luna

import (
	"errors"
	"maps"
	"net/url"
	"os"
	"runtime"
	"slices"
	"strings"
	"time"

	"github.com/aarzilli/golua/lua"

	"github.com/luna-go/luna/luna/admin"
	"github.com/luna-go/luna/luna/node"
	"github.com/luna-go/luna/luna/router"
)

// The admin console (/debug/...): every function here runs on the loop's
// thread, handed there by the endpoint.

func (rt *Runtime) console() []admin.Console {
	return []admin.Console{
		{Name: "status", Get: rt.debugStatus},
		{Name: "streams", Get: rt.debugStreams},
		{Name: "routes", Get: rt.debugRoutes},
		{Name: "gc", Get: rt.debugGC, Post: rt.debugCollect},
		{Name: "reload", Post: rt.debugReload},
		{Name: "eval", Post: rt.debugEval},
	}
}

// managersInOrder are the live managers, oldest first.
func (rt *Runtime) managersInOrder() []*socketMgr {
	ms := slices.Collect(maps.Keys(rt.managers))
	slices.SortFunc(ms, func(a, b *socketMgr) int { return a.id - b.id })
	return ms
}

// debugStatus is what the status page (/) shows at the top.
func (rt *Runtime) debugStatus(url.Values) (any, error) {
	st := map[string]any{
		"pid": os.Getpid(), "version": "luna " + Version + " (" + luaRelease + ", " + runtime.Version() + ")",
		"uptime_s": time.Since(rt.started).Seconds(), "lua_bytes": rt.luaBytes(),
		"ready": rt.admin.srv != nil && rt.admin.srv.Ready(), "errors": append([]recentError{}, rt.errlog.recent...),
	}
	t := rt.totalStats()
	st["streams"], st["listeners"], st["frames_received"], st["frames_sent"] = t.Streams, t.Listeners, t.FramesIn, t.FramesOut
	return st, nil
}

func (rt *Runtime) debugStreams(url.Values) (any, error) {
	type mgrStreams struct {
		Manager int               `json:"manager"`
		Streams []node.StreamInfo `json:"streams"`
	}
	out := []mgrStreams{}
	for _, m := range rt.managersInOrder() {
		out = append(out, mgrStreams{m.id, m.node.StreamInfos()})
	}
	return out, nil
}

func (rt *Runtime) debugRoutes(url.Values) (any, error) {
	type mgrRoutes struct {
		Manager int                `json:"manager"`
		Groups  []router.GroupInfo `json:"groups"`
	}
	out := []mgrRoutes{}
	for _, m := range rt.managersInOrder() {
		if g := m.routes.Groups(); len(g) > 0 {
			out = append(out, mgrRoutes{m.id, g})
		}
	}
	return out, nil
}

func (rt *Runtime) luaBytes() int {
	return rt.L.GC(lua.LUA_GCCOUNT, 0)<<10 + rt.L.GC(lua.LUA_GCCOUNTB, 0)
}

func (rt *Runtime) debugGC(url.Values) (any, error) {
	return map[string]int{"lua_bytes": rt.luaBytes()}, nil
}

func (rt *Runtime) debugCollect(url.Values, []byte) (any, error) {
	before := rt.luaBytes()
	rt.L.GC(lua.LUA_GCCOLLECT, 0)
	return map[string]int{"lua_bytes_before": before, "lua_bytes": rt.luaBytes()}, nil
}

func (rt *Runtime) debugReload(url.Values, []byte) (any, error) {
	before := maps.Clone(rt.reloads)
	if err := rt.cb.CallField("luna", "try_reload", nil); err != nil {
		return nil, err
	}
	ran := map[string]uint64{}
	for k, v := range rt.reloads {
		if d := v - before[k]; d > 0 {
			ran[k] = d
		}
	}
	return map[string]any{"reloads": ran}, nil
}

// debugEval runs the POSTed Lua chunk in the global environment.
func (rt *Runtime) debugEval(_ url.Values, body []byte) (any, error) {
	var ok bool
	var n int64
	var text string
	if err := rt.cb.CallField("luna", "_eval", []any{&ok, &n, &text}, string(body)); err != nil {
		return nil, err
	}
	if !ok {
		return nil, errors.New(text)
	}
	results := []string{}
	if n > 0 {
		results = strings.SplitN(text, "\x00", int(n))
	}
	return map[string]any{"results": results}, nil
}
