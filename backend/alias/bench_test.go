package alias_test

import (
	"context"
	"fmt"
	"sync/atomic"
	"testing"

	"vmr-companion/backend/alias"
	"vmr-companion/backend/integration"
)

// BenchmarkReserve reserves a new alias per iteration on a real SQLite
// file, one caller at a time and from GOMAXPROCS callers at once (the
// store has one writer, so the parallel figure shows how well callers
// queue for it). 12 digits keep collisions out of the measurement.
func BenchmarkReserve(b *testing.B) {
	ctx := context.Background()
	setup := func(b *testing.B) (*alias.Service, *integration.Integration) {
		st := openStore(b)
		in := addIntegration(b, st, 1, func(in *integration.Integration) { in.ScheduledAliasSuffixLength = 12 })
		return alias.NewService(st.Aliases(), 0), in
	}

	b.Run("sequential", func(b *testing.B) {
		svc, in := setup(b)
		b.ReportAllocs()
		i := 0
		for b.Loop() {
			if _, _, err := svc.Reserve(ctx, in, fmt.Sprintf("item-%d", i), "alice@example.com"); err != nil {
				b.Fatal(err)
			}
			i++
		}
		b.ReportMetric(float64(i)/b.Elapsed().Seconds(), "reservations/s")
	})

	b.Run("parallel", func(b *testing.B) {
		svc, in := setup(b)
		var n atomic.Int64
		b.ReportAllocs()
		b.ResetTimer()
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				if _, _, err := svc.Reserve(ctx, in, fmt.Sprintf("item-%d", n.Add(1)), "alice@example.com"); err != nil {
					b.Error(err)
					return
				}
			}
		})
		b.StopTimer()
		b.ReportMetric(float64(n.Load())/b.Elapsed().Seconds(), "reservations/s")
	})

	b.Run("retry of a reserved item", func(b *testing.B) {
		svc, in := setup(b)
		if _, _, err := svc.Reserve(ctx, in, "item", "alice@example.com"); err != nil {
			b.Fatal(err)
		}
		b.ReportAllocs()
		i := 0
		for b.Loop() {
			if _, created, err := svc.Reserve(ctx, in, "item", "alice@example.com"); err != nil || created {
				b.Fatalf("created %v, err %v", created, err)
			}
			i++
		}
		b.ReportMetric(float64(i)/b.Elapsed().Seconds(), "reservations/s")
	})
}
