package manifest

import (
	"context"
	"fmt"
	"strings"

	"vmr-companion/backend/integration"
)

// Identity is what an integration's manifests keep between generations.
type Identity struct {
	AddinID    string
	DevAddinID string
	// Revision is the last number of the version "1.0.<revision>".
	Revision    int
	Fingerprint string
}

// Repository keeps each integration's Identity; backend/store implements it.
type Repository interface {
	// Settle returns the stored identity, first storing fresh ids when
	// there is none, and bumping the revision when fingerprint differs
	// from the stored one — all in one transaction.
	Settle(ctx context.Context, integrationID int64, fingerprint string) (Identity, error)
}

// Builder makes an integration's manifests with its stable ids and a
// version that moves only when the content does.
type Builder struct{ repo Repository }

// NewBuilder builds manifests over a repository of identities.
func NewBuilder(repo Repository) *Builder { return &Builder{repo: repo} }

// fingerprintBase stands in for the host in fingerprints, so moving the
// development host to another port does not bump the version.
const fingerprintBase = "https://fingerprint.invalid"

// Placeholder ids used only while fingerprinting.
const placeholderID = "00000000-0000-4000-8000-000000000000"

// Manifest returns the integration's manifest in format "xml" or "json".
// dev picks the development variant served from baseURL; otherwise the
// production one on https://{addin_server_domain}.
func (b *Builder) Manifest(ctx context.Context, in *integration.Integration, format string, dev bool, baseURL string) ([]byte, error) {
	probe := Params{AddinID: placeholderID, Version: "1.0.0", BaseURL: fingerprintBase, IntegrationUUID: in.UUID, Integration: in}
	id, err := b.repo.Settle(ctx, in.ID, Fingerprint(probe))
	if err != nil {
		return nil, err
	}
	p := Params{AddinID: id.AddinID, Version: fmt.Sprintf("1.0.%d", id.Revision), BaseURL: baseURL, Dev: dev, IntegrationUUID: in.UUID, Integration: in}
	if dev {
		p.AddinID = id.DevAddinID
	} else {
		if in.AddinServerDomain == "" {
			return nil, fmt.Errorf("manifest: integration %q has no addin_server_domain: set it, or generate the development manifest (--dev)", in.Name)
		}
		p.BaseURL = "https://" + strings.TrimSuffix(in.AddinServerDomain, ".")
	}
	switch format {
	case "xml":
		return XML(p)
	case "json":
		return JSON(p)
	}
	return nil, fmt.Errorf("manifest: format must be xml or json, not %q", format)
}
