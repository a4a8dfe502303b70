package jobs

import (
	"context"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/hotdash/hotdash/internal/store"
)

// QueueCollector reports how many jobs wait in each state, read from the
// database at scrape time (so every replica reports the shared queue).
type QueueCollector struct {
	db    *store.DB
	depth *prometheus.Desc
	up    *prometheus.Desc
}

// NewQueueCollector returns a collector over db's River tables.
func NewQueueCollector(db *store.DB) *QueueCollector {
	return &QueueCollector{
		db: db,
		depth: prometheus.NewDesc("hotdash_job_queue_depth",
			"Background jobs not yet finished, by state (available, scheduled, retryable, running, pending).", []string{"state"}, nil),
		up: prometheus.NewDesc("hotdash_job_queue_scrape_ok",
			"1 when the job queue could be read for this scrape, 0 when not.", nil, nil),
	}
}

// Describe sends the metric descriptions.
func (c *QueueCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- c.depth
	ch <- c.up
}

// Collect counts unfinished jobs by state.
func (c *QueueCollector) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	counts := map[string]float64{"available": 0, "scheduled": 0, "retryable": 0, "running": 0, "pending": 0}
	rows, err := c.db.Read.QueryContext(ctx, `SELECT state, count(*) FROM river_job
		WHERE state IN ('available', 'scheduled', 'retryable', 'running', 'pending') GROUP BY state`)
	ok := err == nil
	if ok {
		for rows.Next() {
			var state string
			var n float64
			if rows.Scan(&state, &n) == nil {
				counts[state] = n
			}
		}
		ok = rows.Err() == nil
		rows.Close()
	}
	for state, n := range counts {
		ch <- prometheus.MustNewConstMetric(c.depth, prometheus.GaugeValue, n, state)
	}
	up := 0.0
	if ok {
		up = 1
	}
	ch <- prometheus.MustNewConstMetric(c.up, prometheus.GaugeValue, up)
}
