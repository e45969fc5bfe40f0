package store

import (
	"context"
	"testing"

	"vmr-companion/backend/integration"
)

// BenchmarkListIntegrations10k lists a store of 10,000 integrations, the
// size of a large multi-tenant deployment.
func BenchmarkListIntegrations10k(b *testing.B) {
	ctx := context.Background()
	r := openTemp(b).Integrations()
	const n = 10_000
	batch := make([]*integration.Integration, n)
	for i := range batch {
		batch[i] = sample(i)
	}
	create(b, r, batch...)

	b.ReportAllocs()
	for b.Loop() {
		list, err := r.List(ctx)
		if err != nil {
			b.Fatal(err)
		}
		if len(list) != n {
			b.Fatalf("listed %d integrations, want %d", len(list), n)
		}
	}
}

// BenchmarkGetIntegration reads one integration with its domains and secret
// references out of a store of 1,000, by uuid and by name in turn.
func BenchmarkGetIntegration(b *testing.B) {
	ctx := context.Background()
	r := openTemp(b).Integrations()
	batch := make([]*integration.Integration, 1000)
	for i := range batch {
		batch[i] = sample(i)
		batch[i].SecretsStored = []string{integration.SecretPassword}
	}
	create(b, r, batch...)
	target := batch[len(batch)/2]
	refs := []string{target.UUID, target.Name}

	b.ReportAllocs()
	i := 0
	for b.Loop() {
		it, err := r.Get(ctx, refs[i%len(refs)])
		if err != nil {
			b.Fatal(err)
		}
		if it.UUID != target.UUID {
			b.Fatalf("got %s, want %s", it.UUID, target.UUID)
		}
		i++
	}
}
