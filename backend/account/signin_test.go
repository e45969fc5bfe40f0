package account

import (
	"context"
	"errors"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"vmr-companion/backend/integration"
	"vmr-companion/backend/oauth"
	"vmr-companion/backend/secrets"
	"vmr-companion/backend/secrets/secretstest"
	"vmr-companion/backend/store"
)

// A provider that cannot be built must not keep a sign-in on this
// computer: signing out forgets it, with a warning that it was not revoked.
func TestSignOutOfAMisconfiguredProviderForgetsTheSignIn(t *testing.T) {
	secretstest.MockInit()
	ctx := context.Background()
	st, err := store.Open(ctx, filepath.Join(t.TempDir(), "user.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	keys := secrets.NewUncheckedKeychain(0)
	o := NewOAuth(integration.NewService(st.Integrations(), keys), keys)
	// No endpoints and no metadata: the provider cannot be built, without
	// a network call.
	in := &integration.Integration{UUID: "0b6a3c58-3f55-4f6c-9d46-1a2b3c4d5e6f", Name: "Contoso"}
	sessions := &oauth.Sessions{Keys: keys}
	if err := sessions.Save(ctx, in.UUID, &oauth.Session{Identity: oauth.Identity{Subject: "alex", Email: "alex@example.com"},
		AccessToken: "access", Expiry: time.Now().Add(time.Hour), RefreshToken: secrets.New("refresh")}); err != nil {
		t.Fatal(err)
	}
	if _, err := o.Current(ctx, in); err == nil || !strings.Contains(err.Error(), "no personal VMR OAuth endpoints") {
		t.Fatalf("Current with a broken provider: %v", err)
	}
	err = o.SignOut(ctx, in)
	var revoke *oauth.RevokeError
	if !errors.As(err, &revoke) || !strings.Contains(err.Error(), "forgotten on this computer only") {
		t.Fatalf("SignOut = %v", err)
	}
	if _, err := sessions.Current(ctx, nil, in.UUID); !errors.Is(err, oauth.ErrSignedOut) {
		t.Fatalf("the sign-in is still kept: %v", err)
	}
}
