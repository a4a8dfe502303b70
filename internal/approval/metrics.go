package approval

import (
	"context"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// Collector reports the approvals queue at scrape time, read from the
// database so every replica reports the shared queue.
type Collector struct {
	svc     *Service
	pending *prometheus.Desc
	open    *prometheus.Desc
	oldest  *prometheus.Desc
}

// NewCollector returns a collector over svc's drafts.
func NewCollector(svc *Service) *Collector {
	return &Collector{svc: svc,
		pending: prometheus.NewDesc("hotdash_drafts_pending", "Drafts waiting for review, by risk.", []string{"risk"}, nil),
		open: prometheus.NewDesc("hotdash_drafts_open", "Drafts waiting on someone, by state (pending_review, changes_requested, approved, send_failed).",
			[]string{"state"}, nil),
		oldest: prometheus.NewDesc("hotdash_drafts_oldest_pending_age_seconds", "Age of the oldest draft waiting for review (0 when none waits).", nil, nil),
	}
}

// Describe sends the metric descriptions.
func (c *Collector) Describe(ch chan<- *prometheus.Desc) {
	ch <- c.pending
	ch <- c.open
	ch <- c.oldest
}

// Collect reads the counts; on a database error it reports nothing.
func (c *Collector) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	counts, err := c.svc.Counts(ctx)
	if err != nil {
		return
	}
	for _, r := range Risks() {
		ch <- prometheus.MustNewConstMetric(c.pending, prometheus.GaugeValue, float64(counts.Pending[r]), r)
	}
	for _, s := range []string{StatePending, StateChangesRequested, StateApproved, StateSendFailed} {
		ch <- prometheus.MustNewConstMetric(c.open, prometheus.GaugeValue, float64(counts.ByState[s]), s)
	}
	age := 0.0
	if t := counts.Oldest(); !t.IsZero() {
		age = c.svc.Clock.Now().Sub(t).Seconds()
	}
	ch <- prometheus.MustNewConstMetric(c.oldest, prometheus.GaugeValue, age)
}
