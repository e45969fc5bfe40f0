package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"vmr-companion/app/wire"
	"vmr-companion/backend/secrets"
	"vmr-companion/backend/secrets/secretstest"
	"vmr-companion/backend/store"
)

// runConfig runs the command line as main does, with system as the
// config file read when none is named, and without the --data-dir that
// run adds (so the configuration can set it).
func runConfig(t *testing.T, system string, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errOut bytes.Buffer
	cfg := testConfig(t, "", &out, &errOut)
	cfg.ConfigFile = system
	code = Main(context.Background(), args, cfg)
	return code, out.String(), errOut.String()
}

// clearEnv unsets every VMR_COMPANION_ variable for the test, so the
// environment the tests run in cannot change what they see.
func clearEnv(t *testing.T) {
	t.Helper()
	for k := range environment() {
		t.Setenv(k, "")
	}
}

func writeConfig(t *testing.T, text string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "config.toml")
	if err := os.WriteFile(path, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// checkJSON runs config check --json and decodes its report.
func checkJSON(t *testing.T, system string, args ...string) (int, checkReport, string) {
	t.Helper()
	code, out, errOut := runConfig(t, system, append(args, "--json")...)
	var rep checkReport
	if err := json.Unmarshal([]byte(out), &rep); err != nil {
		t.Fatalf("config check --json printed no report (%v): %s %s", err, out, errOut)
	}
	return code, rep, errOut
}

func settingOf(t *testing.T, rep checkReport, key string) setting {
	t.Helper()
	for _, s := range rep.Settings {
		if s.Key == key {
			return s
		}
	}
	t.Fatalf("no setting %s in %+v", key, rep.Settings)
	return setting{}
}

func TestEnvironmentVariableNames(t *testing.T) {
	// The variables that existed before the config file keep their names.
	for flag, want := range map[string]string{"data-dir": store.EnvDataDir, "secrets": wire.EnvSecrets,
		"secrets-key-file": wire.EnvSecretsKeyFile, "metrics-listen": "VMR_COMPANION_METRICS_LISTEN", "config": EnvConfig} {
		if got := envName(flag); got != want {
			t.Errorf("envName(%q) = %s, want %s", flag, got, want)
		}
	}
}

// A flag on the command line wins over the environment, which wins over
// the file, which wins over the default: for a setting of every command
// (secrets) and one of serve (reservation-ttl). Each command here stops at
// its first check of the value, and names it.
func TestConfigPrecedence(t *testing.T) {
	clearEnv(t)
	secretstest.MockInit()
	dir := t.TempDir()
	path := writeConfig(t, `
secrets = "from-file"
[serve]
reservation-ttl = "10s"
`)
	tests := []struct {
		name        string
		env         string
		flag        []string
		wantSecrets string
		wantTTL     string
	}{
		{name: "the file wins over the default", wantSecrets: "from-file", wantTTL: "10s"},
		{name: "the environment wins over the file", env: "from-env", wantSecrets: "from-env", wantTTL: "20s"},
		{name: "a flag wins over the environment", env: "from-env", flag: []string{"--secrets", "from-flag"}, wantSecrets: "from-flag", wantTTL: "30s"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Setenv(wire.EnvSecrets, tt.env)
			ttl := ""
			if tt.env != "" {
				ttl = "20s"
			}
			t.Setenv("VMR_COMPANION_RESERVATION_TTL", ttl)
			args := append([]string{"--config", path, "--data-dir", dir}, tt.flag...)
			code, _, errOut := runConfig(t, "", append(args, "integrations", "list")...)
			if code != 1 || !strings.Contains(errOut, `unknown secrets backend "`+tt.wantSecrets+`"`) {
				t.Errorf("secrets: code %d: %s", code, errOut)
			}
			serveArgs := append(args, "serve", "--metrics-listen", "127.0.0.1:0")
			if len(tt.flag) > 0 {
				serveArgs = append(serveArgs, "--reservation-ttl", "30s")
			}
			code, _, errOut = runConfig(t, "", serveArgs...)
			if code != 2 || !strings.Contains(errOut, "--reservation-ttl must be at least 1m, not "+tt.wantTTL) {
				t.Errorf("reservation-ttl: code %d: %s", code, errOut)
			}
		})
	}

	t.Run("config check says where each value came from", func(t *testing.T) {
		t.Setenv(wire.EnvSecrets, "")
		t.Setenv("VMR_COMPANION_RESERVATION_RATE", "7")
		// "from-file" is no backend, but config check knows only what
		// each flag takes: the command says the rest.
		code, rep, _ := checkJSON(t, "", "--config", path, "--data-dir", dir, "config", "check", "serve")
		if code != 0 || !rep.Valid {
			t.Fatalf("code %d: %+v", code, rep)
		}
		for key, want := range map[string]setting{
			"data-dir":               {Value: dir, Source: fromFlag},
			"secrets":                {Value: "from-file", Source: fromFile, Where: path + ":2"},
			"serve.reservation-ttl":  {Value: "10s", Source: fromFile, Where: path + ":4"},
			"serve.reservation-rate": {Value: "7", Source: fromEnv, Where: "VMR_COMPANION_RESERVATION_RATE"},
			"serve.listen":           {Value: "127.0.0.1:3443", Source: fromDefault},
		} {
			got := settingOf(t, rep, key)
			if got.Value != want.Value || got.Source != want.Source || got.Where != want.Where {
				t.Errorf("%s = %q from %s %s, want %q from %s %s", key, got.Value, got.Source, got.Where, want.Value, want.Source, want.Where)
			}
		}
	})
}

// VMR_COMPANION_DATA_DIR, VMR_COMPANION_SECRETS and
// VMR_COMPANION_SECRETS_KEY_FILE work as they did before the config file,
// now through the one mechanism every flag has.
func TestEarlierVariablesStillWork(t *testing.T) {
	clearEnv(t)
	secretstest.MockInitWithError(secrets.ErrNotFound)
	dir := filepath.Join(t.TempDir(), "data")
	keyFile := filepath.Join(t.TempDir(), "key")
	if _, err := secrets.CreateKeyFile(keyFile); err != nil {
		t.Fatal(err)
	}
	t.Setenv(store.EnvDataDir, dir)
	t.Setenv(wire.EnvSecrets, "encrypted")
	t.Setenv(wire.EnvSecretsKeyFile, keyFile)
	code, out, errOut := runConfig(t, "", "secrets", "status", "--json")
	if code != 0 {
		t.Fatalf("code %d: %s %s", code, out, errOut)
	}
	if !strings.Contains(out, `"encrypted"`) {
		t.Errorf("the backend is not the encrypted one: %s", out)
	}
	if _, err := os.Stat(filepath.Join(dir, store.FileName)); err != nil {
		t.Errorf("the database is not in %s: %v", dir, err)
	}
}

func TestConfigProblems(t *testing.T) {
	clearEnv(t)
	secretstest.MockInit()
	dir := t.TempDir()
	serve := func(t *testing.T, text string) string {
		t.Helper()
		code, _, errOut := runConfig(t, "", "--config", writeConfig(t, text), "--data-dir", dir, "serve", "--metrics-listen", "127.0.0.1:0")
		if code != 2 || !strings.Contains(errOut, "nothing was started") {
			t.Fatalf("serve started or failed otherwise: code %d: %s", code, errOut)
		}
		return errOut
	}
	tests := []struct {
		name, text string
		want       []string
	}{
		{"an unknown key is named with its line and what the table takes", "\n[serve]\nlisten = \"127.0.0.1:0\"\nlistne = \"x\"\n",
			[]string{`config.toml:4: unknown setting "listne" in [serve]`, "listen, metrics-listen"}},
		{"a table that is no command is named", "[servee]\nlisten = 1\n",
			[]string{`config.toml:1: [servee] is not a command`}},
		{"a wrong type says what the setting takes", "[serve]\nreservation-rate = \"ten\"\n",
			[]string{`config.toml:2: reservation-rate takes a whole number, like 60, not text`}},
		{"a value the flag refuses gives the flag's reason", "[serve]\nreservation-ttl = \"soon\"\n",
			[]string{`config.toml:2: "soon" is not a value reservation-ttl takes`}},
		{"a secret is refused and points to the secrets command", "[vmrs.create]\npin = \"1234\"\n",
			[]string{`config.toml:2: --pin is a secret`, "vmr-companion secrets"}},
		{"a setting of every command in a table is sent to the top", "[serve]\ndata-dir = \"/srv\"\n",
			[]string{`config.toml:2: data-dir is a setting of every command: write it at the top of the file`}},
		{"the file cannot name another", "config = \"/etc/other.toml\"\n",
			[]string{`config.toml:1: the config file cannot name another`}},
		{"broken TOML gives its line", "[serve]\nlisten = \"x\nauth = 1\n",
			[]string{`config.toml:2: not valid TOML`}},
		{"every problem is listed, not only the first", "[serve]\nlistne = 1\nauth = 2\n",
			[]string{`config.toml:2: unknown setting "listne"`, `config.toml:3: auth takes text`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			errOut := serve(t, tt.text)
			for _, want := range tt.want {
				if !strings.Contains(errOut, want) {
					t.Errorf("the error lacks %q:\n%s", want, errOut)
				}
			}
		})
	}

	t.Run("a secret in the environment is refused", func(t *testing.T) {
		t.Setenv("VMR_COMPANION_PIN", "1234")
		code, _, errOut := runConfig(t, "", "--data-dir", dir, "vmrs", "create", "--name", "Room")
		if code != 2 || !strings.Contains(errOut, "VMR_COMPANION_PIN: --pin is a secret") || strings.Contains(errOut, "1234") {
			t.Fatalf("code %d: %s", code, errOut)
		}
	})

	t.Run("a variable with a value its flag refuses is named", func(t *testing.T) {
		t.Setenv("VMR_COMPANION_RESERVATION_RATE", "many")
		code, _, errOut := runConfig(t, "", "--data-dir", dir, "serve", "--metrics-listen", "127.0.0.1:0")
		if code != 2 || !strings.Contains(errOut, `VMR_COMPANION_RESERVATION_RATE: "many" is not a value --reservation-rate takes`) {
			t.Fatalf("code %d: %s", code, errOut)
		}
	})

	t.Run("a file named with --config or the environment must exist", func(t *testing.T) {
		missing := filepath.Join(t.TempDir(), "nope.toml")
		code, _, errOut := runConfig(t, "", "--config", missing, "--data-dir", dir, "vmrs", "list")
		if code != 2 || !strings.Contains(errOut, missing+": the config file does not exist") {
			t.Fatalf("--config: code %d: %s", code, errOut)
		}
		t.Setenv(EnvConfig, missing)
		code, _, errOut = runConfig(t, "", "--data-dir", dir, "vmrs", "list")
		if code != 2 || !strings.Contains(errOut, missing+": the config file does not exist") {
			t.Fatalf("%s: code %d: %s", EnvConfig, code, errOut)
		}
	})

	t.Run("a file larger than 1 MiB is refused", func(t *testing.T) {
		big := "# " + strings.Repeat("x", maxConfigBytes) + "\n"
		code, _, errOut := runConfig(t, "", "--config", writeConfig(t, big), "--data-dir", dir, "vmrs", "list")
		if code != 2 || !strings.Contains(errOut, "larger than 1024 KiB") {
			t.Fatalf("code %d: %s", code, errOut)
		}
	})

	t.Run("a folder is no config file", func(t *testing.T) {
		code, _, errOut := runConfig(t, "", "--config", t.TempDir(), "--data-dir", dir, "vmrs", "list")
		if code != 2 || !strings.Contains(errOut, "not a regular file") {
			t.Fatalf("code %d: %s", code, errOut)
		}
	})

	t.Run("a file everyone may write is warned about", func(t *testing.T) {
		path := writeConfig(t, "[vmrs.list]\njson = true\n")
		if err := os.Chmod(path, 0o666); err != nil {
			t.Fatal(err)
		}
		code, out, errOut := runConfig(t, "", "--config", path, "--data-dir", dir, "vmrs", "list")
		if code != 0 || !strings.Contains(errOut, "warning: "+path+" is writable by every user") {
			t.Fatalf("code %d: %s", code, errOut)
		}
		if strings.TrimSpace(out) != "[]" {
			t.Errorf("json = true from the file was not applied: %q", out)
		}
	})
}

func TestSystemConfigFile(t *testing.T) {
	clearEnv(t)
	secretstest.MockInit()
	dir := t.TempDir()
	system := filepath.Join(t.TempDir(), "config.toml")

	t.Run("is not needed", func(t *testing.T) {
		code, out, errOut := runConfig(t, system, "--data-dir", dir, "vmrs", "list")
		if code != 0 || strings.TrimSpace(out) == "[]" {
			t.Fatalf("code %d: %s %s", code, out, errOut)
		}
	})
	t.Run("is read when it exists", func(t *testing.T) {
		if err := os.WriteFile(system, []byte("[vmrs.list]\njson = true\n"), 0o644); err != nil {
			t.Fatal(err)
		}
		code, out, errOut := runConfig(t, system, "--data-dir", dir, "vmrs", "list")
		if code != 0 || strings.TrimSpace(out) != "[]" {
			t.Fatalf("code %d: %q %s", code, out, errOut)
		}
	})
	t.Run("gives way to --config", func(t *testing.T) {
		other := writeConfig(t, "")
		code, rep, _ := checkJSON(t, system, "--config", other, "config", "check", "vmrs", "list")
		if code != 0 || rep.File != other || settingOf(t, rep, "vmrs.list.json").Source != fromDefault {
			t.Fatalf("code %d: %+v", code, rep)
		}
	})
}

func TestConfigCheck(t *testing.T) {
	clearEnv(t)
	secretstest.MockInit()
	path := writeConfig(t, `# The server's settings.
data-dir = "/var/lib/vmr-companion"
secrets = "encrypted"

[serve]
listen = "0.0.0.0:443"
placeholder-limit = 5

[scheduler.run]
integration = "Contoso"
`)
	t.Run("prints each setting of serve with its value and source", func(t *testing.T) {
		t.Setenv("VMR_COMPANION_METRICS_LISTEN", "off")
		code, out, errOut := runConfig(t, "", "--config", path, "config", "check")
		if code != 0 {
			t.Fatalf("code %d: %s %s", code, out, errOut)
		}
		for _, want := range []string{
			"Config file: " + path,
			"Settings of vmr-companion serve:",
			`serve\.listen +0\.0\.0\.0:443 +file ` + regexp.QuoteMeta(path) + `:6`,
			`secrets +encrypted +file ` + regexp.QuoteMeta(path) + `:3`,
			`serve\.metrics-listen +off +env VMR_COMPANION_METRICS_LISTEN`,
			`serve\.reservation-rate +60 +default`,
			"The configuration is valid.",
		} {
			if !regexp.MustCompile(want).MatchString(out) {
				t.Errorf("the report lacks %q:\n%s", want, out)
			}
		}
	})
	t.Run("takes another command and prints JSON", func(t *testing.T) {
		code, rep, _ := checkJSON(t, "", "--config", path, "config", "check", "scheduler", "run")
		if code != 0 || !rep.Valid || rep.Command != "scheduler run" || len(rep.Problems) != 0 {
			t.Fatalf("code %d: %+v", code, rep)
		}
		if s := settingOf(t, rep, "scheduler.run.integration"); s.Value != "Contoso" || s.Where != path+":10" || s.Env != "VMR_COMPANION_INTEGRATION" {
			t.Errorf("integration: %+v", s)
		}
		if s := settingOf(t, rep, "data-dir"); s.Value != "/var/lib/vmr-companion" {
			t.Errorf("data-dir: %+v", s)
		}
	})
	t.Run("shows a secret only as set", func(t *testing.T) {
		t.Setenv("VMR_COMPANION_SECRET", "password")
		code, rep, _ := checkJSON(t, "", "--config", path, "config", "check", "integrations", "create")
		if code != 1 || rep.Valid || len(rep.Problems) != 1 || rep.Problems[0].Where != "VMR_COMPANION_SECRET" {
			t.Fatalf("code %d: %+v", code, rep)
		}
		if s := settingOf(t, rep, "integrations.create.secret"); !s.Secret || s.Value == "[password]" {
			t.Errorf("secret: %+v", s)
		}
	})
	t.Run("lists every problem and exits 1", func(t *testing.T) {
		bad := writeConfig(t, "[serve]\nlistne = 1\nreservation-rate = true\n[nothing]\n")
		code, out, errOut := runConfig(t, "", "--config", bad, "config", "check")
		if code != 1 || !strings.Contains(out, "3 problem(s):") || !strings.Contains(errOut, "not valid") {
			t.Fatalf("code %d: %s %s", code, out, errOut)
		}
		for _, want := range []string{bad + ":2: unknown setting", bad + ":3: reservation-rate takes a whole number", bad + ":4: [nothing] is not a command"} {
			if !strings.Contains(out, want) {
				t.Errorf("the report lacks %q:\n%s", want, out)
			}
		}
	})
	t.Run("warns of a variable no command reads", func(t *testing.T) {
		t.Setenv("VMR_COMPANION_LISTNE", "x")
		_, rep, _ := checkJSON(t, "", "--config", path, "config", "check")
		if len(rep.Warnings) != 1 || !strings.Contains(rep.Warnings[0], "VMR_COMPANION_LISTNE is set, but no command reads it") {
			t.Fatalf("warnings %q", rep.Warnings)
		}
	})
	t.Run("refuses what is not a command", func(t *testing.T) {
		if code, _, errOut := runConfig(t, "", "config", "check", "servee"); code != 2 || !strings.Contains(errOut, `"servee" is not a command`) {
			t.Fatalf("code %d: %s", code, errOut)
		}
	})
}

// The example that packaging ships as /etc/vmr-companion/config.toml is
// valid as it is, and with every setting uncommented.
func TestExampleConfig(t *testing.T) {
	clearEnv(t)
	data, err := os.ReadFile(filepath.Join("..", "..", "packaging", "server", "config.toml"))
	if err != nil {
		t.Fatal(err)
	}
	setting := regexp.MustCompile(`(?m)^# ?([a-z-]+ = .*)$`)
	table := regexp.MustCompile(`(?m)^# ?(\[[a-z.]+\])$`)
	uncommented := table.ReplaceAll(setting.ReplaceAll(data, []byte("$1")), []byte("$1"))
	for name, text := range map[string][]byte{"as shipped": data, "uncommented": uncommented} {
		t.Run(name, func(t *testing.T) {
			path := writeConfig(t, string(text))
			code, rep, _ := checkJSON(t, "", "--config", path, "config", "check")
			if code != 0 || !rep.Valid {
				t.Fatalf("code %d: %+v\n%s", code, rep.Problems, text)
			}
			if name == "uncommented" {
				for _, s := range rep.Settings {
					if s.Source != fromFile {
						t.Errorf("the example leaves out %s", s.Key)
					}
				}
			}
		})
	}
}

// FuzzConfigParse: whatever file an outsider hands in, reading and
// checking it ends in settings or problems, never a panic.
func FuzzConfigParse(f *testing.F) {
	for _, seed := range []string{
		"data-dir = \"/srv\"\n[serve]\nlisten = \"0.0.0.0:443\"\n",
		"[scheduler.run]\nonce = true\n",
		"serve = { listen = \"x\", reservation-rate = 3 }\n",
		"[[serve]]\nlisten = 1\n",
		"a.b.c.d = [1, [2], {x = 3}]\n",
		"[vmrs.create]\nalias = [\"a\", \"b\"]\npin = \"1\"\n",
		"\"quoted\\u0000key\" = 1979-05-27T07:32:00Z\n",
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		if len(data) > maxConfigBytes {
			return
		}
		file, probs := parseConfig("fuzz.toml", data)
		if file == nil {
			if len(probs) == 0 {
				t.Fatal("no file and no problem")
			}
			return
		}
		// Fresh trees: checking and resolving set their flags.
		file.check((&command{ctx: context.Background()}).root())
		tree := (&command{ctx: context.Background()}).root()
		for _, cmd := range []string{"serve", "vmrs"} {
			target, _, _ := tree.Find([]string{cmd})
			resolve(target, layers{file: file})
		}
	})
}

// Hostile shapes near the size bound end in a problem, never a crash: deep
// nesting, a dotted key of many parts, a table header of many parts.
func TestHostileConfig(t *testing.T) {
	n := maxConfigBytes / 8
	for name, text := range map[string]string{
		"nested lists":         "a = " + strings.Repeat("[", n) + strings.Repeat("]", n) + "\n",
		"nested inline tables": "a = " + strings.Repeat("{b=", n/4) + "1" + strings.Repeat("}", n/4) + "\n",
		"a long dotted key":    "serve" + strings.Repeat(".a", n) + " = 1\n",
		"a long table name":    "[serve" + strings.Repeat(".a", n) + "]\n",
	} {
		t.Run(name, func(t *testing.T) {
			file, probs := parseConfig("hostile.toml", []byte(text))
			if file != nil {
				probs = file.check((&command{ctx: context.Background()}).root())
			}
			if len(probs) == 0 {
				t.Fatal("no problem found")
			}
			if !strings.HasPrefix(probs[0].Where, "hostile.toml:1") {
				t.Errorf("problem without its line: %s", probs[0])
			}
		})
	}
}

// A variable set for the service, or left in an admin's shell, must not
// change what another command does, and nothing confirms a deletion for
// every later run.
func TestConfigStaysWithItsCommand(t *testing.T) {
	clearEnv(t)
	secretstest.MockInit()
	dir := t.TempDir()
	if code, _, errOut := runConfig(t, "", "--data-dir", dir, "vmrs", "create", "--name", "Alice room", "--alias", "meet.alice@vc.example.com"); code != 0 {
		t.Fatalf("create: code %d: %s", code, errOut)
	}
	t.Setenv("VMR_COMPANION_NAME", "Bob room")
	t.Setenv("VMR_COMPANION_YES", "true")
	if code, _, errOut := runConfig(t, "", "--data-dir", dir, "vmrs", "update", "Alice room", "--description", "x"); code != 0 {
		t.Fatalf("update: code %d: %s", code, errOut)
	}
	code, _, errOut := runConfig(t, "", "--data-dir", dir, "vmrs", "delete", "Alice room")
	if code != 2 || !strings.Contains(errOut, "pass --yes") {
		t.Fatalf("delete without --yes: code %d: %s", code, errOut)
	}
	code, out, errOut := runConfig(t, "", "--data-dir", dir, "vmrs", "list")
	if code != 0 || !strings.Contains(out, "Alice room") || strings.Contains(out, "Bob room") {
		t.Fatalf("the VMR was renamed or deleted: code %d: %s %s", code, out, errOut)
	}

	path := writeConfig(t, "[vmrs.delete]\nyes = true\n")
	code, _, errOut = runConfig(t, "", "--config", path, "--data-dir", dir, "vmrs", "delete", "Alice room")
	if code != 2 || !strings.Contains(errOut, path+":2: --yes confirms or undoes something once") {
		t.Fatalf("yes in the file: code %d: %s", code, errOut)
	}
}
