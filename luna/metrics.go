package luna

import (
	"fmt"
	"math"
	"regexp"
	"slices"
	"strings"

	"github.com/aarzilli/golua/lua"

	"github.com/luna-go/luna/luna/admin"
)

// Script metrics: luna.metrics.counter / gauge / histogram make a family
// that the admin endpoint's /metrics serves beside the runtime's own. A
// family lives in Go, is only touched on the Lua thread, and is read there
// when a scrape asks (admin.Options.Snapshot).

var (
	metricName = regexp.MustCompile(`^[a-zA-Z_:][a-zA-Z0-9_:]*$`)
	labelName  = regexp.MustCompile(`^[a-zA-Z_][a-zA-Z0-9_]*$`)
)

// reservedPrefixes are the runtime's and the Go client's families.
var reservedPrefixes = []string{"luna_", "go_", "process_", "promhttp_"}

// scriptMetric is one family a script made.
type scriptMetric struct {
	name, help string
	kind       admin.Kind
	labels     []string
	buckets    []float64 // histogram upper bounds, increasing
	series     map[string]*metricSeries
	order      []string // series keys, first seen first
}

type metricSeries struct {
	values []string
	value  float64  // counter, gauge
	count  uint64   // histogram
	sum    float64  // histogram
	counts []uint64 // histogram, per bucket (not cumulative)
}

// newMetric is luna.metrics.counter / gauge / histogram: a raw function
// reading name, help, [buckets,] [label names].
func (rt *Runtime) newMetric(kind admin.Kind) func(L *lua.State) int {
	what := map[admin.Kind]string{admin.Counter: "counter", admin.Gauge: "gauge", admin.Histogram: "histogram"}[kind]
	return func(L *lua.State) int {
		fn := "luna.metrics." + what
		name, help := L.ToString(1), L.ToString(2)
		if L.Type(1) != lua.LUA_TSTRING || !metricName.MatchString(name) {
			raise("%s: the name must be a string of letters, digits, _ and : (not starting with a digit); got %s", fn, describe(L, 1))
		}
		for _, p := range reservedPrefixes {
			if strings.HasPrefix(name, p) {
				raise("%s: %q: names starting with %q are the runtime's", fn, name, p)
			}
		}
		if kind == admin.Counter && !strings.HasSuffix(name, "_total") {
			raise("%s: %q: a counter's name ends in _total (Prometheus' rule)", fn, name)
		}
		if L.Type(2) != lua.LUA_TSTRING || help == "" {
			raise("%s: %q: the help text (argument 2) must be a non-empty string", fn, name)
		}
		m := &scriptMetric{name: name, help: help, kind: kind, series: map[string]*metricSeries{}}
		next := 3
		if kind == admin.Histogram {
			m.buckets = bucketsArg(L, fn, name, 3)
			next = 4
		}
		m.labels = labelsArg(L, fn, name, next)
		if len(m.labels) == 0 { // one series, there from the start
			m.series[""] = &metricSeries{counts: make([]uint64, len(m.buckets))}
			m.order = []string{""}
		}
		if old := rt.scriptMetrics[name]; old != nil {
			if old.kind != m.kind || !slices.Equal(old.labels, m.labels) || !slices.Equal(old.buckets, m.buckets) {
				raise("%s: %q is already a %s with other labels or buckets", fn, name, kindName(old.kind))
			}
			m = old // the same family again: the same object
		} else {
			rt.scriptMetrics[name] = m
			rt.scriptOrder = append(rt.scriptOrder, name)
		}
		rt.classes.metric.Push(m)
		return 1
	}
}

func kindName(k admin.Kind) string {
	return map[admin.Kind]string{admin.Counter: "counter", admin.Gauge: "gauge", admin.Histogram: "histogram"}[k]
}

// describe names the value at idx for an error message.
func describe(L *lua.State, idx int) string {
	switch L.Type(idx) {
	case lua.LUA_TSTRING:
		return fmt.Sprintf("%q", L.ToString(idx))
	case lua.LUA_TNONE:
		return "nothing"
	}
	return "a " + L.LTypename(idx)
}

// labelsArg reads the optional table of label names at idx.
func labelsArg(L *lua.State, fn, name string, idx int) []string {
	if L.IsNoneOrNil(idx) {
		return nil
	}
	if !L.IsTable(idx) {
		raise("%s: %q: the label names must be a table of strings; got %s", fn, name, describe(L, idx))
	}
	var labels []string
	for i := 1; ; i++ {
		L.RawGeti(idx, i)
		if L.IsNil(-1) {
			L.Pop(1)
			return labels
		}
		l := L.ToString(-1)
		ok := L.Type(-1) == lua.LUA_TSTRING && labelName.MatchString(l) && !strings.HasPrefix(l, "__") && l != "le"
		L.Pop(1)
		if !ok {
			raise("%s: %q: label %d must be a name of letters, digits and _ (not le, not starting with __)", fn, name, i)
		}
		if slices.Contains(labels, l) {
			raise("%s: %q: label %q twice", fn, name, l)
		}
		labels = append(labels, l)
	}
}

// bucketsArg reads a histogram's upper bounds at idx.
func bucketsArg(L *lua.State, fn, name string, idx int) []float64 {
	if !L.IsTable(idx) {
		raise("%s: %q: the buckets (argument 3) must be a table of increasing numbers", fn, name)
	}
	var b []float64
	for i := 1; ; i++ {
		L.RawGeti(idx, i)
		if L.IsNil(-1) {
			L.Pop(1)
			break
		}
		v, ok := L.ToNumber(-1), L.Type(-1) == lua.LUA_TNUMBER
		L.Pop(1)
		if !ok || math.IsNaN(v) || math.IsInf(v, 0) || (len(b) > 0 && v <= b[len(b)-1]) {
			raise("%s: %q: bucket %d must be a finite number above the one before", fn, name, i)
		}
		b = append(b, v)
	}
	if len(b) == 0 {
		raise("%s: %q: a histogram needs at least one bucket", fn, name)
	}
	return b
}

// seriesOf finds (or makes) the series of the label values from index
// first on; the value is at first-1.
func (m *scriptMetric) seriesOf(L *lua.State, method string, first int) *metricSeries {
	n := max(L.GetTop()-first+1, 0)
	if n != len(m.labels) {
		names := ""
		if len(m.labels) > 0 {
			names = " (" + strings.Join(m.labels, ", ") + ")"
		}
		raise("%s.%s: %d label value(s) given, the family has %d%s", m.name, method, n, len(m.labels), names)
	}
	values := make([]string, n)
	for i := range values {
		t := L.Type(first + i)
		if t != lua.LUA_TSTRING && t != lua.LUA_TNUMBER {
			raise("%s.%s: label value %d must be a string or a number", m.name, method, i+1)
		}
		values[i] = L.ToString(first + i)
	}
	key := strings.Join(values, "\xff")
	s := m.series[key]
	if s == nil {
		s = &metricSeries{values: values}
		if m.kind == admin.Histogram {
			s.counts = make([]uint64, len(m.buckets))
		}
		m.series[key] = s
		m.order = append(m.order, key)
	}
	return s
}

// valueArg is the number at index 1, or def when it is absent.
func valueArg(L *lua.State, name, method string, def float64, hasDef bool) float64 {
	if L.IsNoneOrNil(1) && hasDef {
		return def
	}
	if L.Type(1) != lua.LUA_TNUMBER {
		raise("%s.%s: the value (argument 1) must be a number; got %s", name, method, describe(L, 1))
	}
	return L.ToNumber(1)
}

// inc is counter.inc([v [, label values...]]) and gauge.inc(v, ...).
func (m *scriptMetric) inc(L *lua.State) int {
	if m.kind == admin.Histogram {
		raise("%s.inc: a histogram is observed, not incremented", m.name)
	}
	v := valueArg(L, m.name, "inc", 1, len(m.labels) == 0)
	if m.kind == admin.Counter && !(v >= 0) {
		raise("%s.inc: a counter only goes up; got %g", m.name, v)
	}
	m.seriesOf(L, "inc", 2).value += v
	return 0
}

// set is gauge.set(v, label values...).
func (m *scriptMetric) set(L *lua.State) int {
	if m.kind != admin.Gauge {
		raise("%s.set: only a gauge is set", m.name)
	}
	v := valueArg(L, m.name, "set", 0, false)
	m.seriesOf(L, "set", 2).value = v
	return 0
}

// observe is histogram.observe(v, label values...).
func (m *scriptMetric) observe(L *lua.State) int {
	if m.kind != admin.Histogram {
		raise("%s.observe: only a histogram is observed", m.name)
	}
	v := valueArg(L, m.name, "observe", 0, false)
	s := m.seriesOf(L, "observe", 2)
	s.count++
	s.sum += v
	if i, _ := slices.BinarySearch(m.buckets, v); i < len(m.buckets) {
		s.counts[i]++
	}
	return 0
}

// scriptSnapshot is every script family's series, for /metrics.
func (rt *Runtime) scriptSnapshot() []admin.Metric {
	var out []admin.Metric
	for _, name := range rt.scriptOrder {
		m := rt.scriptMetrics[name]
		for _, key := range m.order {
			s := m.series[key]
			am := admin.Metric{Name: m.name, Help: m.help, Kind: m.kind, Labels: m.labels, Values: s.values, Value: s.value}
			if m.kind == admin.Histogram {
				am.Count, am.Sum, am.Buckets = s.count, s.sum, m.buckets
				am.BucketCounts = make([]uint64, len(s.counts))
				var cum uint64
				for i, c := range s.counts {
					cum += c
					am.BucketCounts[i] = cum
				}
			}
			out = append(out, am)
		}
	}
	return out
}
