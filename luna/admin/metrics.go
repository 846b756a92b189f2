package admin

import (
	"github.com/prometheus/client_golang/prometheus"
)

// Kind is what a Metric is to Prometheus.
type Kind uint8

const (
	Counter Kind = iota
	Gauge
	Histogram
)

// Metric is one sample of the loop's state: a family (Name, Help, Kind,
// the label names) and a value for one set of label values.
type Metric struct {
	Name, Help string
	Kind       Kind
	Labels     []string // names
	Values     []string // values, one per name
	Value      float64  // a counter's or a gauge's
	// A histogram's: how many observations, their sum, and for each upper
	// bound in Buckets how many observations were at most that.
	Count        uint64
	Sum          float64
	Buckets      []float64
	BucketCounts []uint64
}

// loopCollector asks the loop for a Snapshot at each scrape.
type loopCollector struct{ s *Server }

// Describe sends nothing: the families depend on what the loop reports
// (an unchecked collector).
func (loopCollector) Describe(chan<- *prometheus.Desc) {}

func (c loopCollector) Collect(ch chan<- prometheus.Metric) {
	var snap []Metric
	if err := c.s.OnLoop(func() { snap = c.s.opts.Snapshot() }); err != nil {
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
		switch m.Kind {
		case Histogram:
			buckets := make(map[float64]uint64, len(m.Buckets))
			for i, le := range m.Buckets {
				buckets[le] = m.BucketCounts[i]
			}
			ch <- prometheus.MustNewConstHistogram(d, m.Count, m.Sum, buckets, m.Values...)
		case Gauge:
			ch <- prometheus.MustNewConstMetric(d, prometheus.GaugeValue, m.Value, m.Values...)
		default:
			ch <- prometheus.MustNewConstMetric(d, prometheus.CounterValue, m.Value, m.Values...)
		}
	}
}
