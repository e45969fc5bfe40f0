package integration

import (
	"bytes"
	"encoding/json"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// TestPaneDefaults: every addin_pane_* field has a default in every
// language, and a new integration carries the English ones.
func TestPaneDefaults(t *testing.T) {
	var want []string
	for name := range jsonIndex {
		if strings.HasPrefix(name, "addin_pane_") {
			want = append(want, name)
		}
	}
	slices.Sort(want)
	in := Defaults()
	for lang, texts := range PaneDefaults() {
		if got := slices.Sorted(maps.Keys(texts)); !slices.Equal(got, want) {
			t.Errorf("%s has texts for %q, want %q", lang, got, want)
		}
		for k, v := range texts {
			if strings.TrimSpace(v) == "" {
				t.Errorf("%s.%s is empty", lang, k)
			}
		}
	}
	for k, v := range PaneDefaults()["en"] {
		if got := fieldValue(in, k).String(); got != v {
			t.Errorf("Defaults().%s = %q, want %q", k, got, v)
		}
	}
}

// TestPaneDefaultsFile keeps the pane's copy (frontend/src/addin/
// pane-defaults.gen.json) equal to paneTexts; UPDATE_GENERATED=1 rewrites it.
func TestPaneDefaultsFile(t *testing.T) {
	want, err := json.MarshalIndent(PaneDefaults(), "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	want = append(want, '\n')
	path := filepath.Join("..", "..", "frontend", "src", "addin", "pane-defaults.gen.json")
	if os.Getenv("UPDATE_GENERATED") == "1" {
		if err := os.WriteFile(path, want, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	got, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Fatalf("%s is out of date: run UPDATE_GENERATED=1 go test ./backend/integration/ -run PaneDefaultsFile", path)
	}
}
