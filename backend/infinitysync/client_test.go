package infinitysync_test

import (
	"context"
	"errors"
	"net/http"
	"testing"
	"time"

	"vmr-companion/backend/infinity"
	"vmr-companion/backend/infinity/infinitytest"
	"vmr-companion/backend/infinitysync"
	"vmr-companion/backend/secrets"
)

// countingKeychain counts the reads of the keychain.
type countingKeychain struct {
	infinitysync.SecretStore
	gets int
}

func (k *countingKeychain) Get(ctx context.Context, account string) (secrets.Secret, error) {
	k.gets++
	return k.SecretStore.Get(ctx, account)
}

// withCountingKeychain rebuilds e's service on a keychain that counts its reads.
func withCountingKeychain(e *env) *countingKeychain {
	k := &countingKeychain{SecretStore: e.keys}
	e.svc = infinitysync.New(infinitysync.Config{
		Repo: e.st.Infinity(), Integrations: e.integ, Conferences: e.confs, Keychain: k,
		User:         func() string { return "tester" },
		ClientConfig: func(c *infinity.Config) { c.Sleep = func(context.Context, time.Duration) error { return nil } },
	})
	return k
}

func TestClientIsKeptWhileTheConnectionIsUnchanged(t *testing.T) {
	e := newEnv(t, 0)
	k := withCountingKeychain(e)
	e.connect()

	first, err := e.svc.Client(e.ctx)
	if err != nil {
		t.Fatal(err)
	}
	reads := k.gets
	second, err := e.svc.Client(e.ctx)
	if err != nil {
		t.Fatal(err)
	}
	if second != first {
		t.Fatal("a second Client on the same connection built a new client")
	}
	if k.gets != reads {
		t.Fatalf("the second Client read the keychain %d times", k.gets-reads)
	}
	// A pull and a push use the kept client and count their own requests.
	e.seedVMR("VMR a", "a@example.com", "a@vc.example.com")
	res := e.pull()
	if res.Requests == 0 {
		t.Fatal("the pull counted no request")
	}
	if again := e.pull(); again.Requests != res.Requests {
		t.Fatalf("the second pull counted %d requests, the first %d: counts must be per pull", again.Requests, res.Requests)
	}

	// Connecting again builds a new client.
	e.connect()
	third, err := e.svc.Client(e.ctx)
	if err != nil {
		t.Fatal(err)
	}
	if third == first {
		t.Fatal("Connect kept the old client")
	}
	if fourth, _ := e.svc.Client(e.ctx); fourth != third {
		t.Fatal("the client after Connect was not kept")
	}

	// Disconnect drops it: no client, and a new one after connecting.
	if err := e.svc.Disconnect(e.ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := e.svc.Client(e.ctx); !errors.Is(err, infinitysync.ErrNotConnected) {
		t.Fatalf("Client after Disconnect: %v", err)
	}
	e.connect()
	if fifth, _ := e.svc.Client(e.ctx); fifth == third {
		t.Fatal("the client outlived Disconnect")
	}
}

func TestClientIsRebuiltAfterAnAuthError(t *testing.T) {
	e := newEnv(t, 0)
	k := withCountingKeychain(e)
	e.connect()
	first, err := e.svc.Client(e.ctx)
	if err != nil {
		t.Fatal(err)
	}
	// Another process stores a new secret: the kept client goes on with
	// the old one until Infinity refuses it.
	if err := e.keys.Set(e.ctx, infinitysync.SecretAccount, secrets.New("changed-elsewhere")); err != nil {
		t.Fatal(err)
	}
	if again, _ := e.svc.Client(e.ctx); again != first {
		t.Fatal("the client was rebuilt before any refusal")
	}
	e.fake.Fail(infinitytest.Fault{PathPrefix: infinity.ConfigPath, Status: http.StatusUnauthorized})
	var auth *infinity.AuthError
	if _, err := e.svc.Pull(e.ctx, nil); !errors.As(err, &auth) {
		t.Fatalf("pull refused with 401: %v", err)
	}
	reads := k.gets
	rebuilt, err := e.svc.Client(e.ctx)
	if err != nil {
		t.Fatal(err)
	}
	if rebuilt == first || k.gets != reads+1 {
		t.Fatalf("after an AuthError: same client %v, keychain reads %d", rebuilt == first, k.gets-reads)
	}
	// The new client signs in with the keychain's new secret, which the
	// fake refuses: the secret was read again.
	var refused *infinity.AuthError
	if _, err := e.svc.Pull(e.ctx, nil); !errors.As(err, &refused) {
		t.Fatalf("pull with the changed secret: %v", err)
	}
}
