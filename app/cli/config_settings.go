package cli

import (
	"errors"
	"fmt"
	"os"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
)

// Where a setting's value came from, most important first: a flag on the
// command line, the environment, the config file, the flag's default.
const (
	fromFlag    = "flag"
	fromEnv     = "env"
	fromFile    = "file"
	fromDefault = "default"
)

// setting is one flag of a command, resolved.
type setting struct {
	// Key is the setting's name in the config file: "data-dir" at the
	// top, "serve.listen" in [serve].
	Key  string `json:"key"`
	Flag string `json:"flag"`
	// Env is its environment variable; empty when the environment cannot
	// set it (a secret, or a flag named like a setting of every command).
	Env    string `json:"env,omitempty"`
	Value  string `json:"value"`
	Source string `json:"source"`
	// Where is the file:line or the variable of the value, when it came
	// from there.
	Where  string `json:"where,omitempty"`
	Secret bool   `json:"secret,omitempty"`
	flag   *pflag.Flag
}

// shown is the value as printed: a secret's only as "(set)".
func (s setting) shown() string {
	if s.Secret && s.Value != "" && s.Value != "[]" {
		return "(set)"
	}
	return s.Value
}

// secretFlags are flags whose value is, or names, a secret: they never
// come from the config file or the environment (files and environments
// are copied, logged and backed up) but from a prompt, standard input or
// `vmr-companion secrets`.
var secretFlags = map[string]bool{"secret": true, "clear-secret": true, "pin": true, "guest-pin": true}

func isSecretFlag(name string) bool {
	return secretFlags[name] || strings.Contains(name, "password") || strings.Contains(name, "token")
}

// oneOff flags confirm or undo something once (delete without asking,
// forget a connection, remove a key): a file or a variable that said so
// would say it for every later run, so they come from the command line.
func oneOff(name string) bool {
	return name == "yes" || name == "forget" || name == "delete-key" || name == "clear" || strings.HasPrefix(name, "clear-")
}

// envCommands are the commands whose own flags the environment sets too:
// the long-running ones a service manager starts. A variable is seen by
// every command that reads it, so one set for serve (VMR_COMPANION_NAME,
// say) must not rename a VMR in the next `vmrs update`; other commands
// take their own settings from the command line or their config table.
var envCommands = map[string]bool{"serve": true, "scheduler run": true}

// unconfigurable flags are left to the command line: help, and config,
// which names the file itself.
func unconfigurable(name string) bool { return name == "help" || name == "config" }

// commandPath is cmd's path below the root: ["scheduler", "run"].
func commandPath(cmd *cobra.Command) []string {
	var path []string
	for c := cmd; c.HasParent(); c = c.Parent() {
		path = append([]string{c.Name()}, path...)
	}
	return path
}

// settingsOf lists the settings of cmd: those of every command (the
// root's persistent flags), then its own flags.
func settingsOf(cmd *cobra.Command) []setting {
	root := cmd.Root()
	var list []setting
	root.PersistentFlags().VisitAll(func(f *pflag.Flag) {
		if unconfigurable(f.Name) {
			return
		}
		s := setting{Key: f.Name, Flag: "--" + f.Name, Env: envName(f.Name), Secret: isSecretFlag(f.Name), flag: f}
		list = append(list, s)
	})
	if cmd == root {
		return list
	}
	prefix := strings.Join(commandPath(cmd), ".") + "."
	withEnv := envCommands[strings.Join(commandPath(cmd), " ")]
	cmd.LocalFlags().VisitAll(func(f *pflag.Flag) {
		if unconfigurable(f.Name) || oneOff(f.Name) {
			return
		}
		s := setting{Key: prefix + f.Name, Flag: "--" + f.Name, Secret: isSecretFlag(f.Name), flag: f}
		// A flag named like a setting of every command (infinity push
		// --secrets) leaves the variable to that setting.
		// A secret's variable is looked at by every command, only to be
		// refused: a secret in the environment is a mistake to report.
		if (withEnv || s.Secret) && root.PersistentFlags().Lookup(f.Name) == nil {
			s.Env = envName(f.Name)
		}
		list = append(list, s)
	})
	return list
}

// layers are the sources of settings besides the command line.
type layers struct {
	env  map[string]string
	file *configFile // nil: none
	// cmdLine holds values given on another tree's command line (config
	// check and SIGHUP resolve on a fresh tree), by key.
	cmdLine map[string]string
}

// resolve gives every setting of cmd not set on the command line its
// value from the environment, else the file (which check has read), else
// leaves its default. Each value goes through the flag's own parsing.
func resolve(cmd *cobra.Command, l layers) ([]setting, []problem) {
	list := settingsOf(cmd)
	var probs []problem
	for i := range list {
		s := &list[i]
		f := s.flag
		env, inEnv := l.env[s.Env]
		fv, inFile := fileValue{}, false
		if l.file != nil {
			fv, inFile = l.file.values[s.Key]
		}
		cmdValue, onCmdLine := l.cmdLine[s.Key]
		switch {
		case f.Changed:
			s.Source = fromFlag
		case onCmdLine:
			s.Source = fromFlag
			if err := f.Value.Set(cmdValue); err != nil {
				probs = append(probs, problem{Where: s.Flag, Message: err.Error()})
			}
		case s.Secret && (inEnv || inFile):
			// check has said so for the file.
			if inEnv {
				probs = append(probs, problem{Where: s.Env, Message: secretRefusal(s.Flag)})
			}
		case inEnv && s.Env != "":
			s.Source, s.Where = fromEnv, s.Env
			if err := f.Value.Set(env); err != nil {
				probs = append(probs, problem{Where: s.Env, Message: fmt.Sprintf("%q is not a value %s takes: %v", env, s.Flag, err)})
			}
		case inFile:
			s.Source, s.Where = fromFile, fmt.Sprintf("%s:%d", l.file.path, fv.line)
			if err := setFromTOML(f, fv.value); err != nil {
				probs = append(probs, problem{Where: s.Where, Message: err.Error(), line: fv.line})
			}
		default:
			s.Source = fromDefault
		}
		if s.Source == fromEnv || s.Source == fromFile {
			// Commands that ask whether a flag was given see a
			// configured one as given.
			f.Changed = true
		}
		s.Value = f.Value.String()
	}
	return list, probs
}

func secretRefusal(flag string) string {
	return fmt.Sprintf("%s is a secret, and secrets are never read from the environment or the config file: give it at the prompt, or keep it with vmr-companion secrets (see: vmr-companion secrets --help)", flag)
}

// check reads the whole file against the commands of root (a fresh tree:
// values are set on its flags to test them): every table must be a
// command, every key a flag of it, every value one the flag takes. The
// values found are kept for resolve.
func (f *configFile) check(root *cobra.Command) []problem {
	var probs []problem
	f.values = map[string]fileValue{}
	f.checkTable(root, nil, f.doc, &probs)
	sort.SliceStable(probs, func(i, j int) bool { return probs[i].line < probs[j].line })
	return probs
}

func (f *configFile) checkTable(cmd *cobra.Command, path []string, table map[string]any, probs *[]problem) {
	root := cmd.Root()
	keys := make([]string, 0, len(table))
	for k := range table {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	tableName := "the top of the file"
	if len(path) > 0 {
		tableName = "[" + strings.Join(path, ".") + "]"
	}
	for _, k := range keys {
		v := table[k]
		keyPath := append(append([]string(nil), path...), k)
		where, line := f.where(keyPath)
		add := func(format string, args ...any) {
			*probs = append(*probs, problem{Where: where, Message: fmt.Sprintf(format, args...), line: line})
		}
		sub := subcommand(cmd, k)
		if inner, ok := v.(map[string]any); ok {
			if sub == nil {
				add("[%s] is not a command: %s", strings.Join(keyPath, "."), commandsHint(cmd))
				continue
			}
			f.checkTable(sub, keyPath, inner, probs)
			continue
		}
		if list, ok := v.([]any); ok && len(list) > 0 {
			if _, isTable := list[0].(map[string]any); isTable {
				add("[[%s]] (an array of tables) is not a setting: write [%s] once", strings.Join(keyPath, "."), strings.Join(keyPath, "."))
				continue
			}
		}
		var fl *pflag.Flag
		if cmd == root {
			fl = root.PersistentFlags().Lookup(k)
		} else {
			fl = cmd.LocalFlags().Lookup(k)
		}
		switch {
		case k == "config" && cmd == root:
			add("the config file cannot name another: use --config or %s", EnvConfig)
			continue
		case fl == nil && sub != nil:
			add("%q is a command: write its settings in a [%s] table", k, strings.Join(keyPath, "."))
			continue
		case fl == nil && cmd != root && root.PersistentFlags().Lookup(k) != nil:
			add("%s is a setting of every command: write it at the top of the file, above the first [table]", k)
			continue
		case fl != nil && oneOff(k):
			add("--%s confirms or undoes something once, so it is never a setting: give it on the command line", k)
			continue
		case fl == nil || unconfigurable(k):
			add("unknown setting %q in %s: %s", k, tableName, settingsHint(cmd))
			continue
		case isSecretFlag(k):
			add("%s", secretRefusal("--"+k))
			continue
		}
		if err := setFromTOML(fl, v); err != nil {
			add("%s", err.Error())
			continue
		}
		f.values[strings.Join(keyPath, ".")] = fileValue{value: v, line: line}
	}
}

func subcommand(cmd *cobra.Command, name string) *cobra.Command {
	for _, c := range cmd.Commands() {
		if c.Name() == name {
			return c
		}
	}
	return nil
}

func commandsHint(cmd *cobra.Command) string {
	var names []string
	for _, c := range cmd.Commands() {
		names = append(names, c.Name())
	}
	if cmd.HasParent() {
		return fmt.Sprintf("%s has the commands %s", cmd.CommandPath(), strings.Join(names, ", "))
	}
	return "tables are named after commands, like [serve] or [scheduler.run]"
}

func settingsHint(cmd *cobra.Command) string {
	var names []string
	flags := cmd.LocalFlags()
	if !cmd.HasParent() {
		flags = cmd.PersistentFlags()
	}
	flags.VisitAll(func(f *pflag.Flag) {
		if !unconfigurable(f.Name) && !isSecretFlag(f.Name) {
			names = append(names, f.Name)
		}
	})
	if !cmd.HasParent() {
		return fmt.Sprintf("the top holds the settings of every command (%s); a command's own go in its table, like [serve]", strings.Join(names, ", "))
	}
	if len(names) == 0 {
		return cmd.CommandPath() + " has no settings"
	}
	return fmt.Sprintf("%s takes %s", cmd.CommandPath(), strings.Join(names, ", "))
}

// setFromTOML sets a flag from a TOML value of the type the flag takes,
// through the flag's own parsing.
func setFromTOML(f *pflag.Flag, v any) error {
	typ := f.Value.Type()
	if strings.HasSuffix(typ, "Slice") || strings.HasSuffix(typ, "Array") {
		list, ok := v.([]any)
		if !ok {
			return wrongType(f, "a list, like [\"a\", \"b\"]", v)
		}
		elem := strings.TrimSuffix(strings.TrimSuffix(typ, "Slice"), "Array")
		values := make([]string, 0, len(list))
		for _, e := range list {
			s, err := scalar(elem, e)
			if err != nil {
				return wrongType(f, "a list of "+err.Error(), e)
			}
			values = append(values, s)
		}
		if sv, ok := f.Value.(pflag.SliceValue); ok {
			return sv.Replace(values)
		}
		for _, s := range values {
			if err := f.Value.Set(s); err != nil {
				return fmt.Errorf("%s: %w", f.Name, err)
			}
		}
		return nil
	}
	s, err := scalar(typ, v)
	if err != nil {
		return wrongType(f, err.Error(), v)
	}
	if err := f.Value.Set(s); err != nil {
		return fmt.Errorf("%q is not a value %s takes: %w", s, f.Name, err)
	}
	return nil
}

// scalar is a TOML value as the text a flag of type typ parses; the
// error says what the type wants.
func scalar(typ string, v any) (string, error) {
	switch {
	case typ == "bool":
		if b, ok := v.(bool); ok {
			return strconv.FormatBool(b), nil
		}
		return "", errors.New("true or false")
	case strings.HasPrefix(typ, "int") || strings.HasPrefix(typ, "uint"):
		if n, ok := v.(int64); ok {
			return strconv.FormatInt(n, 10), nil
		}
		return "", errors.New("a whole number, like 60")
	case strings.HasPrefix(typ, "float"):
		switch n := v.(type) {
		case int64:
			return strconv.FormatInt(n, 10), nil
		case float64:
			return strconv.FormatFloat(n, 'g', -1, 64), nil
		}
		return "", errors.New("a number")
	case typ == "duration":
		if s, ok := v.(string); ok {
			return s, nil
		}
		return "", errors.New(`a duration in quotes, like "90s", "10m" or "24h"`)
	default:
		if s, ok := v.(string); ok {
			return s, nil
		}
		return "", errors.New(`text in quotes, like "…"`)
	}
}

func wrongType(f *pflag.Flag, want string, v any) error {
	return fmt.Errorf("%s takes %s, not %s", f.Name, want, tomlKind(v))
}

// tomlKind names a decoded TOML value's type for an error.
func tomlKind(v any) string {
	switch v.(type) {
	case string:
		return "text"
	case bool:
		return "true/false"
	case int64:
		return "a whole number"
	case float64:
		return "a number with a fraction"
	case []any:
		return "a list"
	case map[string]any:
		return "a table"
	case time.Time:
		return "a date and time"
	default:
		return "a date or time"
	}
}

// environment snapshots the variables that could set flags, once: SIGHUP
// re-reads the file, never the environment (it cannot change under a
// running process anyway). An empty variable counts as unset, as
// VMR_COMPANION_DATA_DIR and VMR_COMPANION_SECRETS always did.
func environment() map[string]string {
	env := map[string]string{}
	for _, kv := range os.Environ() {
		k, v, _ := strings.Cut(kv, "=")
		if strings.HasPrefix(k, envPrefix) && v != "" {
			env[k] = v
		}
	}
	return env
}
