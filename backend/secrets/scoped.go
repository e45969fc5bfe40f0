package secrets

import "context"

// Scoped is a view of a keychain whose accounts are prefixed with one data
// folder's identity. The keychain belongs to the OS user, but a setting
// such as the Infinity connection belongs to one store: without the
// prefix, the demo's store (or a second data folder) would overwrite the
// secret of the user's own.
type Scoped struct {
	keys   *Keychain
	prefix string
}

// Scope returns k's view for the store whose identity is id.
func Scope(k *Keychain, id string) *Scoped { return &Scoped{keys: k, prefix: "store/" + id + "/"} }

func (s *Scoped) Get(ctx context.Context, account string) (Secret, error) {
	if err := checkAccount(account); err != nil {
		return Secret{}, err
	}
	return s.keys.Get(ctx, s.prefix+account)
}

func (s *Scoped) Set(ctx context.Context, account string, v Secret) error {
	if err := checkAccount(account); err != nil {
		return err
	}
	return s.keys.Set(ctx, s.prefix+account, v)
}

func (s *Scoped) Delete(ctx context.Context, account string) error {
	if err := checkAccount(account); err != nil {
		return err
	}
	return s.keys.Delete(ctx, s.prefix+account)
}

// Account is the full account name under which s keeps account.
func (s *Scoped) Account(account string) string { return s.prefix + account }
