// Package cli is VMR Companion's command line: thin subcommands over the same
// backend calls the window makes, each read with --json output.
package cli

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"runtime/debug"
	"sort"
	"strings"

	"github.com/spf13/cobra"

	"vmr-companion/app/wire"
	"vmr-companion/backend/conference"
	"vmr-companion/backend/integration"
	"vmr-companion/backend/secrets"
	"vmr-companion/backend/store"
)

// Config is what main hands the command line.
type Config struct {
	Version string
	// Open opens the store in a data directory and builds the services.
	Open func(ctx context.Context, dataDir string) (*wire.Services, error)
	// Window opens the desktop window; used when no subcommand is given.
	Window func(*wire.Services) error
	// NoWindow, when set (the server build), is what running with no
	// subcommand answers instead, before opening the data folder.
	NoWindow error
	Stdin    io.Reader
	Stdout   io.Writer
	Stderr   io.Writer
	// ConfigFile is read, when it exists, unless --config or
	// VMR_COMPANION_CONFIG names another: main passes SystemConfigFile(),
	// tests a file of their own (or none).
	ConfigFile string
}

// Exit codes.
const (
	exitOK    = 0
	exitError = 1
	exitUsage = 2
)

type usageError struct{ error }

// Main runs the command line and returns the process exit code.
func Main(ctx context.Context, args []string, cfg Config) int {
	c := &command{cfg: cfg, ctx: ctx, logs: newLogging(cfg.Stderr)}
	root := c.root()
	root.SetArgs(args)
	root.SetIn(cfg.Stdin)
	root.SetOut(cfg.Stdout)
	root.SetErr(c.logs.console(c.logs.out))
	err := root.ExecuteContext(ctx)
	if c.svc != nil && c.svc.Close != nil {
		c.svc.Close()
	}
	if err == nil {
		return exitOK
	}
	code := exitError
	var u usageError
	if errors.As(err, &u) {
		code = exitUsage
	}
	if c.logs.json() {
		c.logs.logger().Error(describe(err), "exit_status", code)
	} else {
		fmt.Fprintln(c.logs.out, "vmr-companion:", describe(err))
	}
	return code
}

// describe adds what to do to errors that need more than their text.
func describe(err error) string {
	var verr *integration.ValidationError
	if errors.As(err, &verr) {
		return fieldList("the integration is not valid; nothing was saved:", verr.Fields)
	}
	var cerr *conference.ValidationError
	if errors.As(err, &cerr) {
		return fieldList("the VMR is not valid; nothing was saved:", cerr.Fields)
	}
	var unavailable *secrets.UnavailableError
	if errors.As(err, &unavailable) {
		return err.Error() + " (secrets are never stored anywhere else; on a server without a keychain see `vmr-companion secrets --help`)"
	}
	return err.Error()
}

func fieldList(title string, fields map[string]string) string {
	keys := make([]string, 0, len(fields))
	for k := range fields {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var b strings.Builder
	b.WriteString(title)
	for _, k := range keys {
		fmt.Fprintf(&b, "\n  %s: %s", k, fields[k])
	}
	return b.String()
}

type command struct {
	cfg     Config
	ctx     context.Context
	dataDir string
	// database is --database: an SQLite file or a PostgreSQL URL.
	database string
	// secrets is the --secrets and --secrets-key-file choice.
	secrets wire.Secrets
	logs    *logging
	svc     *wire.Services
	// conf is the configuration resolved before the command ran.
	conf configState
}

func (c *command) services() (*wire.Services, error) {
	if c.svc != nil {
		return c.svc, nil
	}
	dir := c.dataDir
	if dir == "" {
		var err error
		if dir, err = store.DefaultDataDir(); err != nil {
			return nil, err
		}
	}
	ctx := wire.WithDatabase(wire.WithSecrets(c.ctx, c.secrets), c.database)
	svc, err := c.cfg.Open(wire.WithLogger(ctx, c.logs.logger()), dir)
	if err != nil {
		return nil, err
	}
	c.svc = svc
	return svc, nil
}

func (c *command) root() *cobra.Command {
	root := &cobra.Command{
		Use:   "vmr-companion",
		Short: "VMR scheduling for Microsoft Exchange",
		Long: `VMR Companion turns Outlook meetings into video meetings in virtual meeting rooms.

With no command it opens the desktop window. The commands below manage the
same data from a terminal.`,
		SilenceUsage:  true,
		SilenceErrors: true,
		Args:          cobra.NoArgs,
		PersistentPreRunE: func(cmd *cobra.Command, args []string) error {
			return c.configure(cmd)
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			if c.cfg.NoWindow != nil {
				return c.cfg.NoWindow
			}
			svc, err := c.services()
			if err != nil {
				return err
			}
			return c.cfg.Window(svc)
		},
	}
	root.PersistentFlags().StringVar(&c.dataDir, "data-dir", "", "folder of the database (default: $"+store.EnvDataDir+" or the user's config folder)")
	root.PersistentFlags().StringVar(&c.database, "database", "", "the database: sqlite:PATH, or a postgres:// URL shared by several instances (default: $"+envName("database")+" or the file in --data-dir)")
	root.PersistentFlags().StringVar(&c.secrets.Backend, "secrets", "", "where secrets are kept: keychain (the OS keychain) or encrypted (sealed in the database; for servers) (default: $"+wire.EnvSecrets+" or keychain)")
	root.PersistentFlags().StringVar(&c.secrets.KeyFile, "secrets-key-file", "", "key file of --secrets encrypted, mode 0600 (default: $"+wire.EnvSecretsKeyFile+" or the systemd credential vmr-companion.key)")
	if c.logs == nil { // a second tree, only parsed (config check)
		c.logs = newLogging(c.cfg.Stderr)
	}
	c.logs.flags(root.PersistentFlags())
	root.PersistentFlags().String("config", "", "the config file (default: $"+EnvConfig+orSystemFile(c.cfg.ConfigFile)+"; see: vmr-companion config --help)")
	root.SetFlagErrorFunc(func(cmd *cobra.Command, err error) error {
		return usageError{fmt.Errorf("%w (see: %s --help)", err, cmd.CommandPath())}
	})
	root.AddCommand(c.versionCmd(), c.integrationsCmd(), c.vmrsCmd(), c.serveCmd(), c.certCmd(), c.manifestCmd(),
		c.conferencesCmd(), c.schedulerCmd(), c.diagnoseCmd(),
		c.signinCmd(), c.signoutCmd(), c.whoamiCmd(), c.meetingsCmd(), c.infinityCmd(), c.policyCmd(), c.secretsCmd(), c.storeCmd(), c.configCmd())
	return root
}

func (c *command) versionCmd() *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "version",
		Short: "Print the version",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			info := struct {
				Version   string `json:"version"`
				GoVersion string `json:"go_version"`
			}{Version: c.cfg.Version}
			if bi, ok := debug.ReadBuildInfo(); ok {
				info.GoVersion = bi.GoVersion
			}
			if asJSON {
				return writeJSON(cmd.OutOrStdout(), info)
			}
			fmt.Fprintf(cmd.OutOrStdout(), "vmr-companion %s (%s)\n", info.Version, info.GoVersion)
			return nil
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print JSON")
	return cmd
}

func writeJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

// readInput reads a file, or standard input for "-", within a size limit.
func readInput(stdin io.Reader, path string, limit int64) ([]byte, error) {
	var r io.Reader = stdin
	name := "standard input"
	if path != "-" {
		f, err := os.Open(path)
		if err != nil {
			return nil, fmt.Errorf("reading %s: %w", path, err)
		}
		defer f.Close()
		r, name = f, path
	}
	data, err := io.ReadAll(io.LimitReader(r, limit+1))
	if err != nil {
		return nil, fmt.Errorf("reading %s: %w", name, err)
	}
	if int64(len(data)) > limit {
		return nil, fmt.Errorf("%s is larger than %d MB: split it into smaller files", name, limit>>20)
	}
	return data, nil
}
