package diagnostics

import (
	"bytes"
	"context"
	"sync"

	"vmr-companion/backend/exchange"
	"vmr-companion/backend/integration"
	"vmr-companion/backend/secrets"
)

// Keys reads and rotates an integration's keychain secrets
// (backend/integration.Service).
type Keys = exchange.Keys

// Service runs diagnostics with an integration's own secrets and makes
// bundles from which those secrets are cut out; the command line and the
// window share it.
type Service struct {
	Keys    Keys
	Version string
}

// Diagnose runs the checks of in; opt's Secret and SaveRefreshToken are
// filled from Keys.
func (s *Service) Diagnose(ctx context.Context, in *integration.Integration, opt Options) *Report {
	var mu sync.Mutex
	var seen []secrets.Secret
	remember := func(v secrets.Secret) {
		mu.Lock()
		seen = append(seen, v)
		mu.Unlock()
	}
	opt.Secret = func(field string) (secrets.Secret, bool, error) {
		v, ok, err := s.Keys.Secret(ctx, in, field)
		if ok {
			remember(v)
		}
		return v, ok, err
	}
	opt.SaveRefreshToken = func(token secrets.Secret) error {
		remember(token)
		return s.Keys.SetSecret(ctx, in, integration.SecretOAuthRefreshToken, token)
	}
	r := Run(ctx, in, opt)
	mu.Lock()
	r.secrets = append([]secrets.Secret(nil), seen...)
	mu.Unlock()
	return r
}

// Bundle is the diagnostics bundle of a report as JSON, with every secret
// the checks read cut out (and anything that looks like one redacted).
func (s *Service) Bundle(r *Report, in *integration.Integration) ([]byte, error) {
	b := NewBundle(r, in, r.Log, s.Version)
	b.Redact(r.secrets...)
	var buf bytes.Buffer
	if err := b.WriteJSON(&buf); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}
