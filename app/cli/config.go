package cli

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"runtime"
	"sort"
	"strings"

	"github.com/pelletier/go-toml/v2"
	"github.com/pelletier/go-toml/v2/unstable"
)

// The config file: TOML, settings of every command at the top, each
// command's own in a table named after its path ([serve],
// [scheduler.run]); keys are the flag names. See docs/admin-guide.md,
// "Config file".

// EnvConfig names the config file, like --config.
const EnvConfig = envPrefix + "CONFIG"

// envPrefix starts the environment variable of every flag:
// VMR_COMPANION_ + the flag's name in capitals, dashes as underscores.
const envPrefix = "VMR_COMPANION_"

// maxConfigBytes bounds the config file: a file named by mistake (a log,
// /dev/zero) must not fill memory. A real one is a few kilobytes.
const maxConfigBytes = 1 << 20

// SystemConfigFile is the config file read when --config and
// VMR_COMPANION_CONFIG name none and it exists: /etc/vmr-companion/config.toml
// on Linux and other Unix systems, none on Windows (settings there come
// from flags and the environment).
func SystemConfigFile() string {
	if runtime.GOOS == "windows" {
		return ""
	}
	return "/etc/vmr-companion/config.toml"
}

// envName is the environment variable of a flag.
func envName(flag string) string {
	return envPrefix + strings.ToUpper(strings.ReplaceAll(flag, "-", "_"))
}

// problem is one thing wrong with the configuration: where (file:line,
// or an environment variable) and what.
type problem struct {
	Where   string `json:"where"`
	Message string `json:"message"`
	line    int
}

func (p problem) String() string {
	if p.Where == "" {
		return p.Message
	}
	return p.Where + ": " + p.Message
}

// configFile is a parsed config file: its values by dotted key
// ("data-dir", "serve.listen") with the line each is on.
type configFile struct {
	path string
	doc  map[string]any
	// lines maps a key path (parts joined by keySep) to its line.
	lines map[string]int
	// values are the settings found by check, by dotted key.
	values map[string]fileValue
}

type fileValue struct {
	value any
	line  int
}

// keySep joins key parts in configFile.lines: a byte no TOML key part
// (after unquoting) is expected to hold, so a quoted "a.b" stays apart from
// a.b.
const keySep = "\x00"

// where is "file:line" of a key path.
func (f *configFile) where(path []string) (string, int) {
	line := f.lines[strings.Join(path, keySep)]
	if line == 0 {
		return f.path, 0
	}
	return fmt.Sprintf("%s:%d", f.path, line), line
}

// readConfigFile reads and parses path, refusing what is not a regular
// file or is larger than maxConfigBytes. Problems with the file's
// ownership or mode come back as warnings.
func readConfigFile(path string) (f *configFile, warnings []string, probs []problem) {
	fail := func(format string, args ...any) (*configFile, []string, []problem) {
		return nil, warnings, []problem{{Where: path, Message: fmt.Sprintf(format, args...)}}
	}
	st, err := os.Stat(path)
	if errors.Is(err, os.ErrNotExist) {
		return fail("the config file does not exist: create it (see: vmr-companion config --help), or name another with --config or %s", EnvConfig)
	}
	if errors.Is(err, fs.ErrPermission) {
		return fail("%s", permissionHint(err))
	}
	if err != nil {
		return fail("reading the config file: %v", err)
	}
	// Checked before opening: opening a FIFO would wait for a writer.
	if !st.Mode().IsRegular() {
		return fail("the config file is not a regular file (%s)", st.Mode().Type())
	}
	warnings = append(warnings, looseConfigPermissions(path, st)...)
	file, err := os.Open(path)
	if errors.Is(err, fs.ErrPermission) {
		return fail("%s", permissionHint(err))
	}
	if err != nil {
		return fail("reading the config file: %v", err)
	}
	defer file.Close()
	data, err := io.ReadAll(io.LimitReader(file, maxConfigBytes+1))
	if err != nil {
		return fail("reading the config file: %v", err)
	}
	if len(data) > maxConfigBytes {
		return fail("the config file is larger than %d KiB: it holds settings only, a few lines each", maxConfigBytes>>10)
	}
	f, probs = parseConfig(path, data)
	return f, warnings, probs
}

// parseConfig parses a config file's TOML; the keys are checked against
// the commands by check.
func parseConfig(path string, data []byte) (*configFile, []problem) {
	f := &configFile{path: path, lines: map[string]int{}, values: map[string]fileValue{}}
	if err := toml.Unmarshal(data, &f.doc); err != nil {
		var derr *toml.DecodeError
		if errors.As(err, &derr) {
			row, _ := derr.Position()
			return nil, []problem{{Where: fmt.Sprintf("%s:%d", path, row), Message: "not valid TOML: " + derr.Error(), line: row}}
		}
		return nil, []problem{{Where: path, Message: "not valid TOML: " + err.Error()}}
	}
	f.lines = keyLines(data)
	return f, nil
}

// maxKeyDepth bounds the key paths keyLines records: commands are at most
// three words deep, then the setting.
const maxKeyDepth = 8

// keyLines finds the line of every key and table header: go-toml's decoder
// gives values without positions, its parser positions without values.
func keyLines(data []byte) map[string]int {
	// Line starts, searched instead of counting from the start for each
	// key (the parser's Shape does that: quadratic on a long file).
	starts := []int{0}
	for i, b := range data {
		if b == '\n' {
			starts = append(starts, i+1)
		}
	}
	lineOf := func(offset uint32) int {
		return sort.Search(len(starts), func(i int) bool { return starts[i] > int(offset) })
	}
	lines := map[string]int{}
	record := func(path []string, n *unstable.Node) {
		// Settings sit at most a few tables deep; a longer dotted key is
		// wrong at a shallower part, which check names. Stopping here
		// keeps a hostile a.b.c.… key from costing its length squared.
		if len(path) > maxKeyDepth {
			return
		}
		k := strings.Join(path, keySep)
		if _, ok := lines[k]; !ok {
			lines[k] = lineOf(n.Raw.Offset)
		}
	}
	// keyValue records a key = value (its dotted parts and, in an inline
	// table, the keys inside) under table.
	var keyValue func(table []string, kv *unstable.Node)
	keyValue = func(table []string, kv *unstable.Node) {
		path := append([]string(nil), table...)
		it := kv.Key()
		for it.Next() && len(path) <= maxKeyDepth {
			path = append(path, string(it.Node().Data))
			record(path, it.Node())
		}
		if v := kv.Value(); v.Kind == unstable.InlineTable {
			children := v.Children()
			for children.Next() {
				if c := children.Node(); c.Kind == unstable.KeyValue {
					keyValue(path, c)
				}
			}
		}
	}
	var p unstable.Parser
	p.Reset(data)
	var table []string
	for p.NextExpression() {
		e := p.Expression()
		switch e.Kind {
		case unstable.Table, unstable.ArrayTable:
			table = table[:0]
			it := e.Key()
			for it.Next() && len(table) <= maxKeyDepth {
				table = append(table, string(it.Node().Data))
				record(table, it.Node())
			}
		case unstable.KeyValue:
			keyValue(table, e)
		}
	}
	return lines
}

// permissionHint says what to do when the config file may not be read:
// the server package's is the service's (root:vmr-companion 0640).
func permissionHint(err error) string {
	return fmt.Sprintf("reading the config file: %v: run the command as the service's user (sudo -u vmr-companion, or as root), or name a file you may read with --config", err)
}
