// Command tsgen writes the frontend's copy of the Go contract: the
// TypeScript types of what the backend sends (frontend/src/lib/contract.gen.ts),
// the integration schema and defaults the tests' fake backend serves
// (frontend/src/test/fakes/fixtures.json), every error code the window
// translates with its parameters (frontend/src/lib/i18n/codes.gen.json: the
// i18n test fails for a code without an English or German text) and the
// pane's default texts (frontend/src/addin/pane-defaults.gen.json). `make bindings` runs it after
// `wails generate module`; with -check it writes nothing and fails when the
// files on disk differ from what it would write.
//
//	go run ./scripts/tsgen [-root .] [-check]
package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"vmr-companion/backend/integration"
	"vmr-companion/backend/problem"
)

// The generated files, relative to the repository root.
const (
	contractPath = "frontend/src/lib/contract.gen.ts"
	fixturesPath = "frontend/src/test/fakes/fixtures.json"
	codesPath    = "frontend/src/lib/i18n/codes.gen.json"
	panePath     = "frontend/src/addin/pane-defaults.gen.json"
)

func main() {
	root := flag.String("root", ".", "the repository root")
	check := flag.Bool("check", false, "compare with the files on disk instead of writing them")
	flag.Parse()
	files, err := render(contract())
	if err == nil {
		if *check {
			err = Check(*root, files)
		} else {
			err = write(*root, files)
		}
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}

// render produces every generated file: path → content.
func render(c Contract) (map[string][]byte, error) {
	ts, err := Generate(c)
	if err != nil {
		return nil, err
	}
	fixtures, err := Fixtures()
	if err != nil {
		return nil, err
	}
	codes, err := indented(problem.Codes())
	if err != nil {
		return nil, err
	}
	pane, err := indented(integration.PaneDefaults())
	if err != nil {
		return nil, err
	}
	return map[string][]byte{contractPath: ts, fixturesPath: fixtures, codesPath: codes, panePath: pane}, nil
}

// indented is v as indented JSON with a final newline.
func indented(v any) ([]byte, error) {
	b, err := json.MarshalIndent(v, "", "  ")
	return append(b, '\n'), err
}

// Fixtures is the schema and defaults the frontend's fake backend serves.
func Fixtures() ([]byte, error) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetIndent("", "  ")
	err := enc.Encode(map[string]any{"schema": integration.Describe(), "defaults": integration.Defaults()})
	return b.Bytes(), err
}

func write(root string, files map[string][]byte) error {
	for _, p := range sortedKeys(files) {
		if err := os.WriteFile(filepath.Join(root, p), files[p], 0o644); err != nil {
			return err
		}
	}
	return nil
}

// ErrStale is Check's answer when a generated file is not what Go says.
var ErrStale = errors.New("generated files differ from what is committed: run make bindings and commit")

// Check compares the generated files with those under root and names each
// one that differs, with its first differing line.
func Check(root string, files map[string][]byte) error {
	var stale []string
	for _, p := range sortedKeys(files) {
		have, err := os.ReadFile(filepath.Join(root, p))
		if err != nil {
			stale = append(stale, p+": "+err.Error())
			continue
		}
		if d := firstDifference(have, files[p]); d != "" {
			stale = append(stale, p+": "+d)
		}
	}
	if len(stale) > 0 {
		return fmt.Errorf("%w\n  %s", ErrStale, strings.Join(stale, "\n  "))
	}
	return nil
}

// firstDifference describes the first line where have and want part, or "".
func firstDifference(have, want []byte) string {
	if bytes.Equal(have, want) {
		return ""
	}
	h, w := strings.Split(string(have), "\n"), strings.Split(string(want), "\n")
	for i := 0; ; i++ {
		switch {
		case i >= len(h):
			return fmt.Sprintf("line %d: missing %q", i+1, w[i])
		case i >= len(w):
			return fmt.Sprintf("line %d: unexpected %q", i+1, h[i])
		case h[i] != w[i]:
			return fmt.Sprintf("line %d: has %q, Go says %q", i+1, h[i], w[i])
		}
	}
}

func sortedKeys(m map[string][]byte) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}
