package exidtoken_test

import (
	"context"
	"testing"
)

// BenchmarkValidateCached checks one token against a metadata document
// already in the cache: the cost every add-in API call pays under
// EXCHANGE_USER_ID_TOKEN (parsing, the claims, one RS256 verification).
func BenchmarkValidateCached(b *testing.B) {
	f := newFixture(b)
	token := f.ex.Token()
	ctx := context.Background()
	if _, err := f.v.Validate(ctx, token, f.want); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := f.v.Validate(ctx, token, f.want); err != nil {
			b.Fatal(err)
		}
	}
}
