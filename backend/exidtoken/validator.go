package exidtoken

import (
	"context"
	"crypto"
	"crypto/rsa"
	"crypto/sha256"
	"log/slog"
	"strings"
	"time"
)

// clockSkew is the allowance on nbf and exp for clocks of Exchange and
// this host that disagree a little ("Validate an Exchange identity token"
// asks for one).
const clockSkew = 5 * time.Minute

// Validator validates tokens and caches metadata documents and keys. It
// is safe for concurrent use.
type Validator struct {
	cfg   Config
	log   *slog.Logger
	cache cache
}

// New returns a Validator.
func New(cfg Config) *Validator {
	log := cfg.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Validator{cfg: cfg, log: log}
}

func (v *Validator) now() time.Time {
	if v.cfg.Now != nil {
		return v.cfg.Now()
	}
	return time.Now()
}

// validate follows "Validate an Exchange identity token": the token's
// form, its times, its audience, its metadata URL (before anything is
// fetched from it), then its signature with the key the metadata lists.
func (v *Validator) validate(ctx context.Context, raw string, want Expect) (*Identity, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	t, err := parse(raw)
	if err != nil {
		return nil, err
	}
	now := v.now()
	if now.Add(clockSkew).Before(t.nbf) {
		return nil, refused("nbf", "the token is valid only from %s, and it is %s here; check the clocks of Exchange and of this host",
			t.nbf.Format(time.RFC3339), now.UTC().Format(time.RFC3339))
	}
	if !now.Add(-clockSkew).Before(t.exp) {
		return nil, refused("exp", "the token expired at %s, and it is %s here; the add-in must ask Exchange for a new one (or check the clocks)",
			t.exp.Format(time.RFC3339), now.UTC().Format(time.RFC3339))
	}
	aud, err := t.audience()
	if err != nil {
		return nil, err
	}
	if !matchAudience(aud, want.Audiences) {
		return nil, audienceRefused(aud, want.Audiences)
	}
	u, err := metadataURL(t.ctx.AmURL, want.Hosts)
	if err != nil {
		return nil, err
	}
	pub, err := v.key(ctx, u.String(), t.header.X5t, want.Client, want.Trust)
	if err != nil {
		return nil, err
	}
	digest := sha256.Sum256([]byte(t.signed))
	if err := rsa.VerifyPKCS1v15(pub, crypto.SHA256, digest[:], t.signature); err != nil {
		return nil, refused("signature", "the token's signature does not match the key %s of %s; it was not issued by that Exchange server, or it was altered",
			t.header.X5t, clip(u.String()))
	}
	return &Identity{
		ExchangeUID: t.ctx.MsExchUID,
		MetadataURL: t.ctx.AmURL,
		Key:         "exchange:" + t.ctx.AmURL + "#" + t.ctx.MsExchUID,
		Audience:    aud,
		Issuer:      t.claims.Iss,
		Expires:     t.exp,
	}, nil
}

func audienceRefused(aud string, want []string) error {
	if len(want) == 0 {
		return refused("aud", "the token was issued for %s, and this integration has no task pane URL to compare it with", clip(aud))
	}
	serves := make([]string, len(want))
	for i, w := range want {
		serves[i] = clip(w)
	}
	return refused("aud", "the token was issued for %s, this host serves %s", clip(aud), strings.Join(serves, " or "))
}
