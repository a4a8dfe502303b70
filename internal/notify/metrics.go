package notify

import (
	"context"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// metrics are the outbox's Prometheus metrics. Labels carry endpoint
// names from the policy (never URLs or keys).
type metrics struct {
	deliveries *prometheus.CounterVec
	lag        *prometheus.HistogramVec
}

func newMetrics(o *Outbox, reg prometheus.Registerer) *metrics {
	m := &metrics{
		deliveries: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "hotdash_notify_deliveries_total",
			Help: "Notification tries by endpoint and outcome: delivered, retrying, failed (refused or given up), dead (endpoint not configured).",
		}, []string{"endpoint", "outcome"}),
		lag: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "hotdash_notify_delivery_lag_seconds",
			Help:    "Time from enqueue to delivery, by endpoint.",
			Buckets: []float64{0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60, 300, 900, 3600},
		}, []string{"endpoint"}),
	}
	reg.MustRegister(m.deliveries, m.lag, &queueCollector{o: o,
		depth: prometheus.NewDesc("hotdash_notify_queue_depth",
			"Deliveries waiting for a try (pending) or being tried (sending).", []string{"state"}, nil),
		oldest: prometheus.NewDesc("hotdash_notify_oldest_pending_age_seconds",
			"Age of the oldest delivery not yet delivered or given up on (0 when none).", nil, nil),
	})
	return m
}

func (m *metrics) outcome(endpoint, outcome string) {
	m.deliveries.WithLabelValues(endpoint, outcome).Inc()
}

// queueCollector reads the queue at scrape time, so every replica reports
// the shared outbox.
type queueCollector struct {
	o      *Outbox
	depth  *prometheus.Desc
	oldest *prometheus.Desc
}

// Describe sends the metric descriptions.
func (c *queueCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- c.depth
	ch <- c.oldest
}

// Collect reads the counts; on a database error it reports nothing.
func (c *queueCollector) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	q, err := c.o.Queue(ctx)
	if err != nil {
		return
	}
	ch <- prometheus.MustNewConstMetric(c.depth, prometheus.GaugeValue, float64(q.Pending), StatePending)
	ch <- prometheus.MustNewConstMetric(c.depth, prometheus.GaugeValue, float64(q.Sending), StateSending)
	age := 0.0
	if !q.Oldest.IsZero() {
		age = max(c.o.clock.Now().Sub(q.Oldest).Seconds(), 0)
	}
	ch <- prometheus.MustNewConstMetric(c.oldest, prometheus.GaugeValue, age)
}
