package integration_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"vmr-companion/backend/integration"
	"vmr-companion/backend/secrets"
	"vmr-companion/backend/store"
)

// BenchmarkImport1000 imports a document of 1,000 valid integrations into a
// fresh SQLite store per iteration; opening the store is not timed.
func BenchmarkImport1000(b *testing.B) {
	const n = 1000
	ctx := context.Background()
	useMockKeychain(b)
	objects := make([]any, n)
	for i := range objects {
		objects[i] = validObject(fmt.Sprintf("Site %04d", i), map[string]any{
			"uuid":        fmt.Sprintf("6d1f0000-0000-4000-8000-%012d", i),
			"description": fmt.Sprintf("Exchange of site %d", i),
		})
	}
	doc := mustJSON(b, objects)
	kc := secrets.NewKeychain(10 * time.Second)

	b.ReportAllocs()
	b.SetBytes(int64(len(doc)))
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		st, err := store.OpenDir(ctx, b.TempDir())
		if err != nil {
			b.Fatal(err)
		}
		svc := integration.NewService(st.Integrations(), kc)
		b.StartTimer()

		res, err := svc.Import(ctx, doc)

		b.StopTimer()
		if err != nil {
			b.Fatalf("Import: %v", err)
		}
		if len(res.Created) != n {
			b.Fatalf("created %d integrations, want %d", len(res.Created), n)
		}
		if err := st.Close(); err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
	}
	b.StopTimer()
	if s := b.Elapsed().Seconds(); s > 0 {
		b.ReportMetric(float64(n*b.N)/s, "integrations/s")
	}
}
