package exchange_test

import (
	"context"
	"errors"
	"path/filepath"
	"strings"
	"testing"

	"vmr-companion/backend/exchange"
	"vmr-companion/backend/integration"
	"vmr-companion/backend/secrets"
)

func room(addr string) *string { return &addr }

func TestImpersonate(t *testing.T) {
	for method, want := range map[string]bool{
		integration.AuthAppPerm: true, integration.AuthOAuth: false, integration.AuthBasic: false, integration.AuthNTLM: false,
	} {
		if got := exchange.Impersonate(&integration.Integration{AuthenticationMethod: method}); got != want {
			t.Errorf("%s: impersonate %v, want %v", method, got, want)
		}
	}
}

func TestRoomClientNeedsAMailboxToImpersonate(t *testing.T) {
	in := &integration.Integration{URL: "https://mail.contoso.com/EWS/Exchange.asmx", AuthenticationMethod: integration.AuthAppPerm}
	if _, err := exchange.RoomClient(in, nil, exchange.Options{}); err == nil || !strings.Contains(err.Error(), "room mailbox") {
		t.Fatalf("app permissions without a room mailbox: %v", err)
	}
	in.RoomMailboxEmailAddress = room(" vmr@contoso.com ")
	if _, err := exchange.RoomClient(in, nil, exchange.Options{}); err != nil {
		t.Fatal(err)
	}
	if got := exchange.RoomMailbox(in); got != "vmr@contoso.com" {
		t.Errorf("room mailbox %q", got)
	}
}

func TestRootCAs(t *testing.T) {
	pool, err := exchange.RootCAs(&integration.Integration{})
	if pool != nil || err != nil {
		t.Fatalf("no CA file: %v, %v; want the system's (nil)", pool, err)
	}
	// A folder is no CA file.
	if _, err := exchange.RootCAs(&integration.Integration{EWSCAFile: t.TempDir()}); err == nil {
		t.Fatal("a folder was accepted as the CA file")
	}
}

// keys is an integration's keychain in memory.
type keys map[string]secrets.Secret

func (k keys) Secret(_ context.Context, _ *integration.Integration, field string) (secrets.Secret, bool, error) {
	v, ok := k[field]
	return v, ok, nil
}

func (k keys) SetSecret(_ context.Context, _ *integration.Integration, field string, v secrets.Secret) error {
	k[field] = v
	return nil
}

func TestOpenRoomConfigErrors(t *testing.T) {
	in := &integration.Integration{Name: "Contoso", URL: "http://mail.contoso.com/EWS/Exchange.asmx",
		AuthenticationMethod: integration.AuthBasic, Username: "svc", RoomMailboxEmailAddress: room("vmr@contoso.com")}
	k := keys{integration.SecretPassword: secrets.New("pw")}
	if _, err := exchange.OpenRoom(context.Background(), k, in, exchange.Options{}); !errors.Is(err, exchange.ErrConfig) {
		t.Errorf("plain http: %v, want ErrConfig", err)
	}
	in.URL, in.EWSCAFile = "https://mail.contoso.com/EWS/Exchange.asmx", filepath.Join(t.TempDir(), "missing.pem")
	if _, err := exchange.OpenRoom(context.Background(), k, in, exchange.Options{}); !errors.Is(err, exchange.ErrConfig) {
		t.Errorf("missing CA file: %v, want ErrConfig", err)
	}
	in.EWSCAFile = ""
	if _, err := exchange.OpenRoom(context.Background(), k, in, exchange.Options{}); err != nil {
		t.Fatal(err)
	}
}

func TestKeychainCredentialsKeepTheRotatedToken(t *testing.T) {
	k := keys{}
	cred := exchange.KeychainCredentials(context.Background(), k, &integration.Integration{})
	if err := cred.SaveRefreshToken(secrets.New("rotated")); err != nil {
		t.Fatal(err)
	}
	if _, ok := k[integration.SecretOAuthRefreshToken]; !ok {
		t.Fatal("the rotated refresh token was not written back")
	}
}

func TestUserClient(t *testing.T) {
	in := &integration.Integration{URL: "https://mail.contoso.com/EWS/Exchange.asmx"}
	if _, err := exchange.UserClient(in, "alex@contoso.com", ""); err == nil {
		t.Fatal("a user client without a token")
	}
	if _, err := exchange.UserClient(in, "alex@contoso.com", "token"); err != nil {
		t.Fatal(err)
	}
}
