package scheduler_test

import (
	"context"
	"crypto/x509"
	"encoding/pem"
	"net/http"
	"os"
	"path/filepath"
	"testing"

	"vmr-companion/backend/alias"
	"vmr-companion/backend/ews"
	"vmr-companion/backend/integration"
	"vmr-companion/backend/scheduler"
	"vmr-companion/backend/secrets"
	"vmr-companion/backend/secrets/secretstest"
	"vmr-companion/backend/store"
	"vmr-companion/backend/templates"
)

// The crash and lease tests run the scheduler in child processes (their
// own test binary) over the parent's store and fake Exchange.

// writeFakeCA writes the fake Exchange's certificate for a child to trust.
func writeFakeCA(t *testing.T, h *harness) string {
	t.Helper()
	caFile := filepath.Join(t.TempDir(), "ca.pem")
	if err := os.WriteFile(caFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: h.srv.Certificate().Raw}), 0o600); err != nil {
		t.Fatal(err)
	}
	return caFile
}

// childScheduler is a child's scheduler over the store at storePath,
// trusting the certificate in caFile.
func childScheduler(t *testing.T, storePath, caFile string) *scheduler.Scheduler {
	t.Helper()
	secretstest.MockInit()
	st, err := store.Open(context.Background(), storePath)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	pemBytes, err := os.ReadFile(caFile)
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(pemBytes) {
		t.Fatal("no certificate in the CA file")
	}
	hc := &http.Client{Transport: &http.Transport{TLSClientConfig: tlsConfig(pool), MaxIdleConnsPerHost: 16}}
	integrations := integration.NewService(st.Integrations(), secrets.NewUncheckedKeychain(0), templates.New())
	return scheduler.New(scheduler.Config{
		Repository: st.Scheduler(), Integrations: integrations,
		Aliases: alias.NewService(st.Aliases(), alias.DefaultTTL), Templates: templates.New(),
		Connect: func(ctx context.Context, in *integration.Integration) (scheduler.Mailbox, error) {
			c, err := ews.New(ews.Config{URL: in.URL, HTTPClient: hc, Mailbox: *in.RoomMailboxEmailAddress})
			if err != nil {
				return nil, err
			}
			return scheduler.MailboxOf(c), nil
		},
	})
}
