package cli

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"strings"
	"unicode"

	"github.com/spf13/cobra"

	"vmr-companion/app/wire"
	"vmr-companion/backend/atomicfile"
	"vmr-companion/backend/secrets"
)

// bundleFormat names the file export-to-encrypted writes: values sealed
// with a key, never a plaintext.
const bundleFormat = "vmr-companion-secrets-bundle/1"

// maxBundle bounds a bundle read by import-from-keychain.
const maxBundle = 16 << 20

// bundle is the file that carries sealed secrets from a desktop to a server.
type bundle struct {
	Format string          `json:"format"`
	KeyID  string          `json:"key_id"`
	Values []bundledSealed `json:"values"`
}

type bundledSealed struct {
	Account    string `json:"account"`
	KeyID      string `json:"key_id"`
	Nonce      []byte `json:"nonce"`      // base64
	Ciphertext []byte `json:"ciphertext"` // base64
}

func (c *command) secretsCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "secrets",
		Short: "Where secrets are kept: the OS keychain, or encrypted in the database on a server",
		Long: `Secrets (passwords, client secrets, refresh tokens, ...) are kept in the OS
keychain by default. A server without a keychain keeps them encrypted in the
database instead: choose it with --secrets encrypted (or
VMR_COMPANION_SECRETS=encrypted) and give the key with --secrets-key-file
(or VMR_COMPANION_SECRETS_KEY_FILE, or the systemd credential
vmr-companion.key). The key never sits in the database.

Moving a desktop set-up to a server:
  desktop$ vmr-companion secrets init --key-file server.key
  desktop$ vmr-companion secrets export-to-encrypted --key-file server.key --out secrets.bundle
  (copy the database, server.key and secrets.bundle to the server)
  server$  vmr-companion --secrets encrypted --secrets-key-file server.key secrets import-from-keychain --bundle secrets.bundle`,
		Args: cobra.NoArgs,
	}
	cmd.AddCommand(c.secretsStatusCmd(), c.secretsInitCmd(), c.secretsRotateCmd(), c.secretsExportCmd(), c.secretsImportCmd())
	return cmd
}

func (c *command) secretsStatusCmd() *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "status",
		Short: "Say which secrets backend is in use and check that it opens every stored value",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			svc, err := c.services()
			if err != nil {
				return err
			}
			out := cmd.OutOrStdout()
			st := struct {
				Backend   string   `json:"backend"`
				KeySource string   `json:"key_source,omitempty"`
				KeyID     string   `json:"key_id,omitempty"`
				Values    int      `json:"values"`
				Failed    []string `json:"failed,omitempty"`
			}{Backend: svc.Keychain.Backend()}
			e := svc.Keychain.Encrypted()
			if e == nil {
				if err := svc.Keychain.Check(c.ctx); err != nil {
					return err
				}
				if asJSON {
					return writeJSON(out, st)
				}
				fmt.Fprintln(out, "Secrets: the OS keychain (service "+secrets.Service+"); it works.")
				return nil
			}
			key, err := e.Key()
			if err != nil {
				return err
			}
			st.KeySource, st.KeyID = key.Source(), key.ID()
			n, failed, verr := e.Verify(c.ctx)
			if verr != nil && len(failed) == 0 {
				return verr
			}
			st.Values, st.Failed = n, failed
			if asJSON {
				if err := writeJSON(out, st); err != nil {
					return err
				}
			} else {
				fmt.Fprintf(out, "Secrets: encrypted in the database\nKey:     %s (id %s)\nValues:  %d\n", key.Source(), key.ID(), n)
				if len(failed) == 0 {
					fmt.Fprintln(out, "The key opens every stored value.")
				} else {
					fmt.Fprintln(out, "The key cannot open:")
					for _, a := range failed {
						fmt.Fprintln(out, "  "+a)
					}
				}
			}
			if len(failed) > 0 {
				return fmt.Errorf("the key opens %d of %d stored values: %w", n-len(failed), n, verr)
			}
			return nil
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print JSON")
	return cmd
}

func (c *command) secretsInitCmd() *cobra.Command {
	var path string
	cmd := &cobra.Command{
		Use:   "init --key-file PATH",
		Short: "Create a key file (mode 0600) for --secrets encrypted; never overwrites one",
		Long: `Create a key file for --secrets encrypted: 32 random bytes in base64 on one
line, mode 0600. An existing file is never overwritten. Keep a copy of the key
apart from the database (backups of one without the other are useless to a
thief, and the database without the key is useless to you).

For a systemd service, encrypt it as a credential bound to this machine:
  systemd-creds encrypt --name=vmr-companion.key PATH /etc/credstore.encrypted/vmr-companion.key
and use LoadCredentialEncrypted=vmr-companion.key in the unit.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if path == "" {
				return usageError{errors.New("--key-file PATH is required")}
			}
			key, err := secrets.CreateKeyFile(path)
			if err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "Created the key file %s (key id %s, mode 0600).\nUse it with: vmr-companion --secrets encrypted --secrets-key-file %s ...\nKeep a copy apart from the database: without the key the secrets cannot be read.\n", path, key.ID(), path)
			return nil
		},
	}
	cmd.Flags().StringVar(&path, "key-file", "", "the key file to create")
	return cmd
}

// encrypted returns the encrypted backend in use, or says how to choose it.
func (c *command) encrypted(what string) (*wire.Services, *secrets.Encrypted, error) {
	svc, err := c.services()
	if err != nil {
		return nil, nil, err
	}
	e := svc.Keychain.Encrypted()
	if e == nil {
		return nil, nil, usageError{fmt.Errorf("%s works on the encrypted backend, but the backend in use is the keychain: add --secrets encrypted --secrets-key-file PATH", what)}
	}
	if _, err := e.Key(); err != nil {
		return nil, nil, err
	}
	return svc, e, nil
}

func (c *command) secretsRotateCmd() *cobra.Command {
	var path string
	cmd := &cobra.Command{
		Use:   "rotate --new-key-file PATH",
		Short: "Re-encrypt every stored secret with a new key, in one transaction",
		Long: `Re-encrypt every stored secret with the key in PATH (make it first with
secrets init). It runs in one transaction: if any value cannot be opened with
the current key, nothing changes. Afterwards start vmr-companion with the new
key file; delete the old one once no backup needs it.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if path == "" {
				return usageError{errors.New("--new-key-file PATH is required (make one with `vmr-companion secrets init --key-file PATH`)")}
			}
			_, e, err := c.encrypted("secrets rotate")
			if err != nil {
				return err
			}
			next, err := secrets.LoadKeyFile(path)
			if err != nil {
				return err
			}
			n, err := e.Rotate(c.ctx, next)
			if err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "Re-encrypted %d values with key %s.\nFrom now on start vmr-companion with --secrets-key-file %s (or that key as the systemd credential).\n", n, next.ID(), path)
			return nil
		},
	}
	cmd.Flags().StringVar(&path, "new-key-file", "", "the new key file (from secrets init)")
	return cmd
}

// sealKeychain reads every known account from the OS keychain and seals
// what it finds with key; the plaintext stays in memory.
func sealKeychain(ctx context.Context, svc *wire.Services, key *secrets.Key) ([]secrets.Sealed, error) {
	accounts, err := svc.SecretAccounts(ctx)
	if err != nil {
		return nil, err
	}
	var out []secrets.Sealed
	for _, a := range accounts {
		v, err := svc.OSKeychain.Get(ctx, a)
		if errors.Is(err, secrets.ErrNotFound) {
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("reading %s from the keychain: %w", a, err)
		}
		s, err := key.Seal(a, v)
		if err != nil {
			return nil, err
		}
		out = append(out, s)
	}
	return out, nil
}

func (c *command) secretsExportCmd() *cobra.Command {
	var keyFile, outPath string
	cmd := &cobra.Command{
		Use:   "export-to-encrypted --key-file PATH --out FILE",
		Short: "Seal every secret of the OS keychain with a key, into a file a server imports",
		Long: `Read every secret of this data folder from the OS keychain, encrypt each with
the key in --key-file (make it with secrets init) and write them to --out
(mode 0600, never overwritten). No plaintext is written anywhere. On the
server, with the database and the same key:
  vmr-companion --secrets encrypted --secrets-key-file PATH secrets import-from-keychain --bundle FILE
The local CA's key is not exported: the server makes its own.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if keyFile == "" || outPath == "" {
				return usageError{errors.New("--key-file PATH and --out FILE are required")}
			}
			key, err := secrets.LoadKeyFile(keyFile)
			if err != nil {
				return err
			}
			svc, err := c.services()
			if err != nil {
				return err
			}
			sealed, err := sealKeychain(c.ctx, svc, key)
			if err != nil {
				return fmt.Errorf("%w (nothing was written)", err)
			}
			b := bundle{Format: bundleFormat, KeyID: key.ID(), Values: []bundledSealed{}}
			for _, s := range sealed {
				b.Values = append(b.Values, bundledSealed{Account: s.Account, KeyID: s.KeyID, Nonce: s.Nonce, Ciphertext: s.Ciphertext})
			}
			data, err := json.MarshalIndent(b, "", "  ")
			if err != nil {
				return err
			}
			if err := writeNewFile(outPath, append(data, '\n')); err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "Exported %d secrets, sealed with key %s, to %s.\nOn the server: vmr-companion --secrets encrypted --secrets-key-file KEYFILE secrets import-from-keychain --bundle %s\n", len(sealed), key.ID(), outPath, outPath)
			return nil
		},
	}
	cmd.Flags().StringVar(&keyFile, "key-file", "", "the key to seal with (the server's)")
	cmd.Flags().StringVar(&outPath, "out", "", "the bundle file to write")
	return cmd
}

// writeNewFile writes an export bundle, never over an existing file.
func writeNewFile(path string, data []byte) error {
	err := atomicfile.CreateNew(path, data, 0o600)
	if errors.Is(err, os.ErrExist) {
		return fmt.Errorf("%s already exists: choose another --out", path)
	}
	return err
}

func (c *command) secretsImportCmd() *cobra.Command {
	var bundlePath string
	cmd := &cobra.Command{
		Use:   "import-from-keychain [--bundle FILE]",
		Short: "Move keychain secrets into the encrypted store: from a bundle, or from this machine's keychain",
		Long: `Store secrets of the OS keychain in the encrypted backend in use
(--secrets encrypted), in one transaction. With --bundle, the values come from
a file written by export-to-encrypted on another machine, sealed with the key
in use; without it, from this machine's keychain. Values already stored for
the same accounts are replaced; the keychain is left as it is.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			svc, e, err := c.encrypted("secrets import-from-keychain")
			if err != nil {
				return err
			}
			key, _ := e.Key()
			var sealed []secrets.Sealed
			if bundlePath != "" {
				if sealed, err = readBundle(cmd, bundlePath, key); err != nil {
					return err
				}
			} else if sealed, err = sealKeychain(c.ctx, svc, key); err != nil {
				return fmt.Errorf("%w (nothing was imported)", err)
			}
			if err := e.Import(c.ctx, sealed); err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "Imported %d secrets into the encrypted store (key %s).\n", len(sealed), key.ID())
			for _, s := range sealed {
				fmt.Fprintln(cmd.OutOrStdout(), "  "+s.Account)
			}
			return nil
		},
	}
	cmd.Flags().StringVar(&bundlePath, "bundle", "", "a file from export-to-encrypted (default: this machine's keychain)")
	return cmd
}

// readBundle reads and checks a bundle; its values are opened by Import.
func readBundle(cmd *cobra.Command, path string, key *secrets.Key) ([]secrets.Sealed, error) {
	data, err := readInput(cmd.InOrStdin(), path, maxBundle)
	if err != nil {
		return nil, err
	}
	var b bundle
	if err := json.Unmarshal(data, &b); err != nil || b.Format != bundleFormat {
		return nil, fmt.Errorf("%s is not a secrets bundle from `vmr-companion secrets export-to-encrypted`", path)
	}
	if b.KeyID != key.ID() {
		return nil, fmt.Errorf("%s was sealed with key %s, but the key in use is %s (%s): start with the key the bundle was exported with; nothing was imported", path, b.KeyID, key.ID(), key.Source())
	}
	out := make([]secrets.Sealed, 0, len(b.Values))
	for _, v := range b.Values {
		if strings.TrimSpace(v.Account) == "" || len(v.Account) > 1000 || strings.IndexFunc(v.Account, unicode.IsControl) >= 0 {
			return nil, fmt.Errorf("%s holds a value without a valid account name; nothing was imported", path)
		}
		out = append(out, secrets.Sealed{Account: v.Account, KeyID: v.KeyID, Nonce: v.Nonce, Ciphertext: v.Ciphertext})
	}
	return out, nil
}
