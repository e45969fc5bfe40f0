package cli

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"vmr-companion/backend/store"
)

func (c *command) storeCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "store",
		Short: "The database itself: copy it into another (SQLite to PostgreSQL and back)",
		Args:  cobra.NoArgs,
	}
	cmd.AddCommand(c.storeCopyCmd())
	return cmd
}

// copyOutput is store copy's --json answer: the report and what the admin
// must still do.
type copyOutput struct {
	store.CopyReport
	Warnings []string `json:"warnings"`
}

func (c *command) storeCopyCmd() *cobra.Command {
	var from, to string
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "copy --from DATABASE --to DATABASE",
		Short: "Copy every row of one database into another, empty one (e.g. SQLite to PostgreSQL)",
		Long: `Copy everything VMR Companion keeps in one database into another, empty one,
keeping every id: the way from a single machine on SQLite to instances sharing
PostgreSQL, back, or between two databases of the same kind. Each of --from and
--to is sqlite:PATH or a postgres:// URL (without a password: use a password
file or PGPASSWORD), as --database takes.

  vmr-companion store copy --from sqlite:/var/lib/vmr-companion/vmr-companion.db \
      --to postgres://vmr@db.example.com/vmr

Opening a database brings its schema up to this build's: both are upgraded
first (an older --from file too). The source is read as one consistent
snapshot; stop the instances using it first, or later changes stay behind.
The target is written in one transaction: if anything fails, or on Ctrl+C,
it stays as it was. A target that already holds data is refused.

Secrets: values sealed by the encrypted backend (--secrets encrypted) are
copied as they are; every instance needs a copy of the same key file, which is
not in the database. Values in this machine's keychain cannot be copied: the
command counts them and says how to move them with ` + "`vmr-companion secrets`" + `.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if from == "" || to == "" {
				return usageError{errors.New("--from DATABASE and --to DATABASE are both required, e.g. --from sqlite:/var/lib/vmr-companion/vmr-companion.db --to postgres://vmr@db.example.com/vmr")}
			}
			src, err := store.ParseDatabase(from, "")
			if err != nil {
				return usageError{fmt.Errorf("--from: %w", err)}
			}
			dst, err := store.ParseDatabase(to, "")
			if err != nil {
				return usageError{fmt.Errorf("--to: %w", err)}
			}
			if store.SameDatabase(src, dst) {
				return usageError{fmt.Errorf("--from and --to are the same database (%s): copy into another, empty one", dst)}
			}
			if src.Engine == store.SQLite {
				// Opening would make an empty file, and copy nothing.
				if _, err := os.Stat(src.Path); errors.Is(err, fs.ErrNotExist) {
					return fmt.Errorf("--from: there is no database at %s: give the path of the existing file (%s in the data folder)", src.Path, store.FileName)
				}
			}
			return c.copyStore(cmd, src, dst, asJSON)
		},
	}
	cmd.Flags().StringVar(&from, "from", "", "the database to copy: sqlite:PATH or a postgres:// URL")
	cmd.Flags().StringVar(&to, "to", "", "the empty database to copy into: sqlite:PATH or a postgres:// URL")
	cmd.Flags().BoolVar(&asJSON, "json", false, "print the report as JSON")
	return cmd
}

func (c *command) copyStore(cmd *cobra.Command, src, dst store.Database, asJSON bool) error {
	out := cmd.OutOrStdout()
	from, err := store.OpenDatabase(c.ctx, src)
	if err != nil {
		return fmt.Errorf("--from: %w", err)
	}
	defer from.Close()
	to, err := store.OpenDatabase(c.ctx, dst)
	if err != nil {
		return fmt.Errorf("--to: %w", err)
	}
	defer to.Close()

	var progress func(string, int64)
	if !asJSON {
		fmt.Fprintf(out, "Copying %s to %s:\n", spec(src), spec(dst))
		progress = func(table string, rows int64) { fmt.Fprintf(out, "  %-24s %8d rows\n", table, rows) }
	}
	began := time.Now()
	rep, err := store.Copy(c.ctx, from, to, progress)
	if err != nil {
		return err
	}
	var warnings []string
	if n := rep.KeychainSecrets; n > 0 {
		are := "secrets are"
		if n == 1 {
			are = "secret is"
		}
		warnings = append(warnings, fmt.Sprintf("%d %s in this machine's keychain and not in the database, so not copied: move them with "+
			"`vmr-companion --database %s secrets export-to-encrypted --key-file server.key --out secrets.bundle` here (make the key first with `vmr-companion secrets init --key-file server.key`), "+
			"then `vmr-companion --database %s --secrets encrypted --secrets-key-file server.key secrets import-from-keychain --bundle secrets.bundle` on one server, "+
			"before the instances can use them", n, are, shellQuote(spec(src)), shellQuote(spec(dst))))
	}
	if n := rep.EncryptedSecrets; n > 0 {
		were := "sealed secrets were"
		if n == 1 {
			were = "sealed secret was"
		}
		warnings = append(warnings, fmt.Sprintf("%d %s copied unchanged (still sealed): start every instance with --secrets encrypted and a copy of the same key file (--secrets-key-file); the key is not in the database and was not copied",
			n, were))
	}
	if asJSON {
		return writeJSON(out, copyOutput{CopyReport: rep, Warnings: append([]string{}, warnings...)})
	}
	fmt.Fprintf(out, "Copied %d rows in %d tables (schema %d) in %.1fs; the policy counter is now %d.\n",
		rep.Rows, len(rep.Tables), rep.SchemaVersion, time.Since(began).Seconds(), rep.PolicyCounter)
	for _, w := range warnings {
		fmt.Fprintln(out, "Note: "+w+".")
	}
	return nil
}

// spec is a database as --database takes it, without a password.
func spec(d store.Database) string {
	if d.Engine == store.SQLite {
		return "sqlite:" + d.Path
	}
	return d.String()
}

// shellQuote quotes s for a POSIX shell when it holds more than plain
// characters (a URL's & and ? would otherwise cut the command).
func shellQuote(s string) string {
	if strings.IndexFunc(s, func(r rune) bool {
		return !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("/:._-@+=,", r))
	}) < 0 {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}
