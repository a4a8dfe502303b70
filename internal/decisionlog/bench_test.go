package decisionlog_test

import (
	"context"
	"fmt"
	"sync/atomic"
	"testing"

	"github.com/hotdash/hotdash/internal/clock"
	"github.com/hotdash/hotdash/internal/decisionlog"
	"github.com/hotdash/hotdash/internal/store/storetest"
)

// BenchmarkAppend appends from many goroutines, as concurrent requests do,
// so the group commit can batch them.
func BenchmarkAppend(b *testing.B) {
	for _, e := range storetest.Engines() {
		b.Run(e.Name, func(b *testing.B) {
			db := e.Open(b)
			l := decisionlog.New(db.DB, clock.System{}, decisionlog.Options{})
			defer l.Close()
			var n atomic.Int64
			b.SetParallelism(16)
			b.ResetTimer()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					i := n.Add(1)
					_, _, err := l.Append(context.Background(), decisionlog.Draft{Scope: "ops", Actor: "bench",
						Action: "bench", Rationale: fmt.Sprintf("entry %d", i), RecordedBy: "bench"})
					if err != nil {
						b.Fatal(err)
					}
				}
			})
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "appends/s")
		})
	}
}
