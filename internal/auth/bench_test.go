package auth_test

import (
	"context"
	"testing"

	"github.com/hotdash/hotdash/internal/auth"
	"github.com/hotdash/hotdash/internal/clock"
	"github.com/hotdash/hotdash/internal/store/storetest"
)

// BenchmarkTokenPrincipal resolves an API token as every API request does,
// from 16 goroutines.
func BenchmarkTokenPrincipal(b *testing.B) {
	for _, e := range storetest.Engines() {
		b.Run(e.Name, func(b *testing.B) {
			db := e.Open(b)
			s, err := auth.New(db.DB, clock.System{}, auth.Config{BcryptCost: 4})
			if err != nil {
				b.Fatal(err)
			}
			secret, _, err := s.CreateToken(context.Background(), "bench", auth.Lead, "bench")
			if err != nil {
				b.Fatal(err)
			}
			b.SetParallelism(8)
			b.ResetTimer()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					if _, err := s.TokenPrincipal(context.Background(), secret); err != nil {
						b.Fatal(err)
					}
				}
			})
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "lookups/s")
		})
	}
}
