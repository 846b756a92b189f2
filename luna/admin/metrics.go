package admin

import (
	"github.com/prometheus/client_golang/prometheus"
)

// Kind is what a Metric is to Prometheus.
type Kind uint8

const (
	Counter Kind = iota
	Gauge
)

// Metric is one sample of the loop's state: a family (Name, Help, Kind,
// the label names) and a value for one set of label values.
type Metric struct {
	Name, Help string
	Kind       Kind
	Labels     []string // names
	Values     []string // values, one per name
	Value      float64
}

// loopCollector asks the loop for a Snapshot at each scrape.
type loopCollector struct{ s *Server }

// Describe sends nothing: the families depend on what the loop reports
// (an unchecked collector).
func (loopCollector) Describe(chan<- *prometheus.Desc) {}

func (c loopCollector) Collect(ch chan<- prometheus.Metric) {
	var snap []Metric
	if err := c.s.onLoop(func() { snap = c.s.opts.Snapshot() }); err != nil {
		ch <- prometheus.NewInvalidMetric(prometheus.NewDesc("luna_loop", "the loop's metrics", nil, nil), err)
		return
	}
	descs := map[string]*prometheus.Desc{}
	for _, m := range snap {
		d := descs[m.Name]
		if d == nil {
			d = prometheus.NewDesc(m.Name, m.Help, m.Labels, nil)
			descs[m.Name] = d
		}
		t := prometheus.CounterValue
		if m.Kind == Gauge {
			t = prometheus.GaugeValue
		}
		ch <- prometheus.MustNewConstMetric(d, t, m.Value, m.Values...)
	}
}
