package wire

import (
	"context"
	"fmt"
	"os"

	"vmr-companion/backend/account"
	"vmr-companion/backend/infinitysync"
	"vmr-companion/backend/integration"
	"vmr-companion/backend/oauth"
	"vmr-companion/backend/policy"
	"vmr-companion/backend/secrets"
	"vmr-companion/backend/store"
)

// Environment variables of the secrets backend, like the --secrets and
// --secrets-key-file flags.
const (
	EnvSecrets        = "VMR_COMPANION_SECRETS"
	EnvSecretsKeyFile = secrets.EnvKeyFile
)

// Secrets is the choice of secrets backend: Backend "keychain" (the OS
// keychain, the default) or "encrypted" (sealed in the database, with the
// key from KeyFile or the systemd credential). The command line fills it
// from its flags, which take EnvSecrets and EnvSecretsKeyFile as they
// take every flag's variable.
type Secrets struct {
	Backend string
	KeyFile string
}

type secretsKey struct{}

// WithSecrets returns ctx carrying the command line's choice of secrets
// backend for Open. It rides on the context because main's Open callback
// takes only the data folder.
func WithSecrets(ctx context.Context, s Secrets) context.Context {
	return context.WithValue(ctx, secretsKey{}, s)
}

// resolveSecrets checks the choice.
func resolveSecrets(ctx context.Context) (Secrets, error) {
	s, _ := ctx.Value(secretsKey{}).(Secrets)
	switch s.Backend {
	case "", secrets.BackendKeychain:
		s.Backend = secrets.BackendKeychain
		if s.KeyFile != "" {
			// Never silently ignore a key: the admin meant the
			// encrypted backend but did not choose it.
			return s, fmt.Errorf("a secrets key file is given (%s) but the secrets backend is the keychain: add --secrets encrypted (or %s=encrypted), or drop the key file", s.KeyFile, EnvSecrets)
		}
	case secrets.BackendEncrypted:
	default:
		return s, fmt.Errorf("unknown secrets backend %q: use --secrets keychain or --secrets encrypted", s.Backend)
	}
	return s, nil
}

// openKeychain builds the chosen backend. osKeychain is the OS keychain
// (Config.Keychain or the real one).
func openKeychain(choice Secrets, st *store.Store, osKeychain *secrets.Keychain) *secrets.Keychain {
	if choice.Backend != secrets.BackendEncrypted {
		return osKeychain
	}
	key, err := secrets.ResolveKey(choice.KeyFile, os.Getenv("CREDENTIALS_DIRECTORY"))
	// A key problem does not stop Open: commands that need no secret
	// still work, and every secret call (and `secrets status`) says what
	// is wrong with the key.
	return secrets.NewEncrypted(st.Secrets(), key, err, secrets.DefaultTimeout)
}

// SecretAccounts lists every account VMR Companion may keep a secret under
// in this data folder: go-keyring cannot list a keychain, so an export asks
// for each. The local CA's key is left out on purpose: it is this
// computer's, trusted only here, and a server makes its own.
func (s *Services) SecretAccounts(ctx context.Context) ([]string, error) {
	list := []string{
		account.CalendarLinkAccount,
		s.StoreKeys.Account(infinitysync.SecretAccount),
		s.StoreKeys.Account(policy.SecretAccount),
	}
	ins, err := s.Integrations.List(ctx)
	if err != nil {
		return nil, err
	}
	// The integration's own secrets, then the signed-in user's session.
	fields := append(append([]string(nil), integration.SecretFields...), oauth.SessionFields...)
	for _, in := range ins {
		for _, f := range fields {
			list = append(list, secrets.Account(in.UUID, f))
		}
	}
	return list, nil
}
