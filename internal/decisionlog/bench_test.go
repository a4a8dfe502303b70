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

// BenchmarkVerify walks a chain of verifyEntries entries.
func BenchmarkVerify(b *testing.B) {
	const verifyEntries = 100_000
	for _, e := range storetest.Engines() {
		b.Run(e.Name, func(b *testing.B) {
			db := e.Open(b)
			l := decisionlog.New(db.DB, clock.System{}, decisionlog.Options{})
			fill(b, l, verifyEntries)
			l.Close()
			b.ResetTimer()
			for range b.N {
				res, err := decisionlog.Verify(context.Background(), db.DB, nil, nil)
				if err != nil || res.Broken != nil || res.Entries != verifyEntries {
					b.Fatalf("verify: %+v %v", res, err)
				}
			}
			b.ReportMetric(float64(verifyEntries*b.N)/b.Elapsed().Seconds(), "entries/s")
		})
	}
}

// fill appends n entries from many goroutines, so batches are full.
func fill(b *testing.B, l *decisionlog.Log, n int) {
	b.Helper()
	var next atomic.Int64
	done := make(chan error, 256)
	for range 256 {
		go func() {
			for {
				i := next.Add(1)
				if i > int64(n) {
					done <- nil
					return
				}
				_, _, err := l.Append(context.Background(), decisionlog.Draft{Scope: "ops", Actor: "bench", Action: "bench",
					Rationale: fmt.Sprintf("entry %d with a rationale of typical length for a support decision", i), RecordedBy: "bench",
					Evidence: []string{"https://runbooks.example.com/x"}, NextAction: "follow up", NextActionOwner: "lead"})
				if err != nil {
					done <- err
					return
				}
			}
		}()
	}
	for range 256 {
		if err := <-done; err != nil {
			b.Fatal(err)
		}
	}
}
