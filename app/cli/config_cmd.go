package cli

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"sort"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
)

// configState is the configuration a command runs with: the file read
// (if any), the environment as it was at the start, and where each
// setting came from. serve's SIGHUP re-reads the file against it.
type configState struct {
	// path is the file read; "" for none.
	path string
	// named: path came from --config or VMR_COMPANION_CONFIG (so it must
	// exist), not from the system default.
	named    bool
	env      map[string]string
	settings []setting
}

// configPath is the file to read: --config, else VMR_COMPANION_CONFIG,
// else the system file when it exists. named says it was asked for.
func (c *command) configPath(root *cobra.Command, env map[string]string) (path string, named bool, err error) {
	if f := root.PersistentFlags().Lookup("config"); f != nil && f.Changed {
		return f.Value.String(), true, nil
	}
	if p := env[EnvConfig]; p != "" {
		return p, true, nil
	}
	p := c.cfg.ConfigFile
	if p == "" {
		return "", false, nil
	}
	if _, err := os.Stat(p); errors.Is(err, os.ErrNotExist) {
		return "", false, nil
	} else if errors.Is(err, fs.ErrPermission) {
		return "", false, fmt.Errorf("%s: %s", p, permissionHint(err))
	} else if err != nil {
		return "", false, fmt.Errorf("%s: %w", p, err)
	}
	return p, false, nil
}

// fresh builds a second command tree, whose flags check and config check
// may set without touching the command that runs.
func (c *command) fresh() *cobra.Command {
	return (&command{cfg: c.cfg, ctx: c.ctx}).root()
}

// loadConfig finds, reads and checks the config file against a fresh
// tree. The file is nil when there is none or it cannot be read; when it
// has problems it holds the values that had none (for config check).
func (c *command) loadConfig(root *cobra.Command, env map[string]string) (st configState, file *configFile, warnings []string, probs []problem) {
	st.env = env
	path, named, err := c.configPath(root, env)
	if err != nil {
		return st, nil, nil, []problem{{Message: err.Error()}}
	}
	st.path, st.named = path, named
	if path == "" {
		return st, nil, nil, nil
	}
	file, warnings, probs = readConfigFile(path)
	if len(probs) > 0 {
		return st, nil, warnings, probs
	}
	return st, file, warnings, file.check(c.fresh())
}

// configure is the root's PersistentPreRunE: before any command runs, the
// flags not given on its command line take their values from the
// environment, else the config file. Any problem stops the command.
func (c *command) configure(cmd *cobra.Command) error {
	if skipsConfig(cmd) {
		return nil
	}
	st, file, warnings, probs := c.loadConfig(cmd.Root(), environment())
	if len(probs) == 0 {
		st.settings, probs = resolve(cmd, layers{env: st.env, file: file})
	}
	// Said after resolving, so that the log's format and level from the
	// file or the environment apply to the warnings too.
	for _, w := range warnings {
		c.logs.warn(cmd.ErrOrStderr(), w)
	}
	if len(probs) > 0 {
		return usageError{configError(probs)}
	}
	c.conf = st
	return nil
}

// skipsConfig: help, completion and version work whatever the
// configuration, and config check reads it itself to report on it.
func skipsConfig(cmd *cobra.Command) bool {
	path := commandPath(cmd)
	if len(path) == 0 {
		return false
	}
	switch path[0] {
	case "help", "completion", "version", "config":
		return true
	}
	return false
}

// configError lists every problem of the configuration.
type configError []problem

func (e configError) Error() string {
	var b strings.Builder
	b.WriteString("the configuration is not valid, so nothing was started:")
	for _, p := range e {
		b.WriteString("\n  " + p.String())
	}
	b.WriteString("\n(see: vmr-companion config check)")
	return b.String()
}

func (c *command) configCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "config",
		Short: "The config file and environment variables",
		Long: `The settings of every command (data-dir, secrets, log-format, …) and the
flags of serve and scheduler run can also be set by an environment
variable, VMR_COMPANION_ and the flag's name in capitals with dashes as
underscores (--metrics-listen: VMR_COMPANION_METRICS_LISTEN). Every flag of
every command can be set in a config file: --config FILE, or
VMR_COMPANION_CONFIG` + orSystemFile(c.cfg.ConfigFile) + `. A flag on the command
line wins over the environment, which wins over the file. Secrets, and
flags that confirm something once (--yes, --forget, --delete-key, --clear…),
are never set there.

The file is TOML. The settings of every command (data-dir, secrets,
secrets-key-file) are at the top; each command's own are in a table named
after it, with the flag names as keys:

  data-dir = "/var/lib/vmr-companion"
  secrets = "encrypted"

  [serve]
  listen = "0.0.0.0:443"
  reservation-rate = 30

  [scheduler.run]
  integration = "Contoso"

Secrets never go in the file or the environment: keep them with
vmr-companion secrets.`,
	}
	cmd.AddCommand(c.configCheckCmd())
	return cmd
}

func orNone(path string) string {
	if path == "" {
		return "no file"
	}
	return path
}

// orSystemFile completes "the config file is --config or $VMR_COMPANION_CONFIG"
// with this build's own file, when it has one.
func orSystemFile(path string) string {
	if path == "" {
		return ""
	}
	return ", or else " + path + " when it exists"
}

// checkReport is what config check prints with --json.
type checkReport struct {
	Valid    bool      `json:"valid"`
	Command  string    `json:"command"`
	File     string    `json:"file"`
	Settings []setting `json:"settings"`
	Problems []problem `json:"problems"`
	Warnings []string  `json:"warnings"`
}

func (c *command) configCheckCmd() *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "check [COMMAND...]",
		Short: "Check the config file and environment, and show each setting of a command (default serve) and where it comes from",
		Example: `  vmr-companion config check
  vmr-companion config check scheduler run --json
  vmr-companion --config ./test.toml config check`,
		Args: cobra.ArbitraryArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(args) == 0 {
				args = []string{"serve"}
			}
			rep, err := c.checkConfig(cmd.Root(), args)
			if err != nil {
				return err
			}
			if asJSON {
				if err := writeJSON(cmd.OutOrStdout(), rep); err != nil {
					return err
				}
			} else {
				printCheck(cmd.OutOrStdout(), rep, c.cfg.ConfigFile)
			}
			if !rep.Valid {
				return fmt.Errorf("the configuration is not valid: %d problem(s)", len(rep.Problems))
			}
			return nil
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print JSON")
	return cmd
}

// checkConfig resolves the settings of the command args names on a fresh
// tree, as it would run now, collecting every problem.
func (c *command) checkConfig(root *cobra.Command, args []string) (checkReport, error) {
	tree := c.fresh()
	target, rest, err := tree.Find(args)
	if err != nil || len(rest) > 0 || target == tree {
		return checkReport{}, usageError{fmt.Errorf("%q is not a command (see: vmr-companion --help)", strings.Join(args, " "))}
	}
	env := environment()
	st, file, warnings, probs := c.loadConfig(root, env)
	// Settings of every command given on this command line
	// (vmr-companion --data-dir X config check) count as given to target.
	cmdLine := map[string]string{}
	root.PersistentFlags().VisitAll(func(f *pflag.Flag) {
		if f.Changed && !unconfigurable(f.Name) {
			cmdLine[f.Name] = f.Value.String()
		}
	})
	settings, more := resolve(target, layers{env: env, file: file, cmdLine: cmdLine})
	probs = append(probs, more...)
	warnings = append(warnings, unknownVariables(tree, env)...)
	rep := checkReport{Valid: len(probs) == 0, Command: strings.Join(commandPath(target), " "), File: st.path,
		Settings: settings, Problems: probs, Warnings: warnings}
	if rep.Problems == nil {
		rep.Problems = []problem{}
	}
	if rep.Warnings == nil {
		rep.Warnings = []string{}
	}
	for i := range rep.Settings {
		rep.Settings[i].Value = rep.Settings[i].shown()
	}
	return rep, nil
}

// unknownVariables warns of VMR_COMPANION_ variables no flag of any
// command reads: most likely a typing mistake.
func unknownVariables(root *cobra.Command, env map[string]string) []string {
	known := map[string]bool{EnvConfig: true}
	var walk func(*cobra.Command)
	walk = func(cmd *cobra.Command) {
		for _, s := range settingsOf(cmd) {
			known[s.Env] = true
		}
		for _, sub := range cmd.Commands() {
			walk(sub)
		}
	}
	walk(root)
	var warnings []string
	for k := range env {
		if !known[k] {
			warnings = append(warnings, fmt.Sprintf("%s is set, but no command reads it (each flag's variable is VMR_COMPANION_ and its name, like VMR_COMPANION_DATA_DIR)", k))
		}
	}
	sort.Strings(warnings)
	return warnings
}

// printCheck prints config check's report; system is the file read when
// none is named.
func printCheck(w io.Writer, rep checkReport, system string) {
	file := rep.File
	if file == "" {
		file = "none"
		if system != "" {
			file += " (" + system + " does not exist)"
		}
	}
	fmt.Fprintf(w, "Config file: %s\n", file)
	fmt.Fprintf(w, "Settings of vmr-companion %s:\n", rep.Command)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	for _, s := range rep.Settings {
		from := s.Source
		if s.Where != "" {
			from += " " + s.Where
		}
		value := s.Value
		if value == "" {
			value = `""`
		}
		fmt.Fprintf(tw, "  %s\t%s\t%s\n", s.Key, value, from)
	}
	tw.Flush()
	for _, warning := range rep.Warnings {
		fmt.Fprintln(w, "Warning:", warning)
	}
	if rep.Valid {
		fmt.Fprintln(w, "The configuration is valid.")
		return
	}
	fmt.Fprintf(w, "%d problem(s):\n", len(rep.Problems))
	for _, p := range rep.Problems {
		fmt.Fprintln(w, "  "+p.String())
	}
}
