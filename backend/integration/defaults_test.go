package integration

import (
	"maps"
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
