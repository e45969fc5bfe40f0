//go:build webkit2_41

package desktop

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"
)

// The frontend's fakes play back what the bound services really answer:
// TestGolden runs named scenarios against the real services and compares
// each answer with frontend/src/test/golden/<scenario>.json. `make golden`
// (go test -run TestGolden -update, or VMR_GOLDEN_UPDATE=1) rewrites them.
var updateGolden = flag.Bool("update", false, "rewrite the frontend's golden responses")

const (
	goldenDir    = "../../frontend/src/test/golden"
	fixturesFile = "../../frontend/src/test/fakes/fixtures.json"
	// What volatile values become, so the files only change with behaviour.
	goldenTime = "2025-11-20T09:30:00Z"
	goldenHome = "/home/admin"
)

var uuidPattern = regexp.MustCompile(`[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}`)

// volatileTimes are the keys whose values are the wall clock of the run.
var volatileTimes = map[string]bool{"created_at": true, "updated_at": true, "time": true, "last_pull": true, "last_push": true}

// goldenRecorder collects one JSON document per scenario, with UUIDs,
// timestamps and temporary paths replaced by stable stand-ins.
type goldenRecorder struct {
	t     *testing.T
	files map[string][]byte
	uuids map[string]string
	// replace holds volatile strings (temporary folders, ports) and what
	// the goldens show instead, newest first.
	replace []string
}

func newGoldenRecorder(t *testing.T) *goldenRecorder {
	return &goldenRecorder{t: t, files: map[string][]byte{}, uuids: map[string]string{}}
}

// hidePath makes dir (a t.TempDir) appear as goldenHome in every answer.
func (g *goldenRecorder) hidePath(dir string) { g.show(dir, goldenHome) }

// show makes a volatile value (such as a free port's address) appear as
// stable in every answer recorded after; the latest wins, should a port
// come round again.
func (g *goldenRecorder) show(volatile, stable string) {
	g.replace = append([]string{volatile, stable}, g.replace...)
}

// record stores what one binding call answered: its result, or the Problem
// the window's ErrorFormatter makes of its error. args are what the window
// sent, for the reader and for fakes that look answers up by input; leave
// secret values out of them.
func (g *goldenRecorder) record(scenario, binding string, args []any, result any, err error) {
	g.t.Helper()
	doc := map[string]any{"scenario": scenario, "binding": binding}
	if args != nil {
		doc["args"] = args
	}
	if err != nil {
		doc["problem"] = FormatError(err)
	} else {
		doc["result"] = result
	}
	g.save(scenario, doc)
}

// save stores doc, normalised, as <scenario>.json.
func (g *goldenRecorder) save(scenario string, doc any) {
	g.t.Helper()
	name := strings.ReplaceAll(scenario, " ", "-") + ".json"
	if _, dup := g.files[name]; dup {
		g.t.Fatalf("golden scenario %q recorded twice", scenario)
	}
	data, err := json.Marshal(doc)
	if err != nil {
		g.t.Fatalf("%s: %v", scenario, err)
	}
	var tree any
	if err := json.Unmarshal(data, &tree); err != nil {
		g.t.Fatal(err)
	}
	out, err := json.MarshalIndent(g.normalise("", tree), "", "  ")
	if err != nil {
		g.t.Fatal(err)
	}
	g.files[name] = append(out, '\n')
}

func (g *goldenRecorder) normalise(key string, v any) any {
	switch v := v.(type) {
	case map[string]any:
		// In key order, so UUIDs are numbered the same way every run.
		keys := make([]string, 0, len(v))
		for k := range v {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		out := make(map[string]any, len(v))
		for _, k := range keys {
			out[uuidPattern.ReplaceAllStringFunc(k, g.stableUUID)] = g.normalise(k, v[k])
		}
		return out
	case []any:
		for i, x := range v {
			v[i] = g.normalise("", x)
		}
		return v
	case string:
		if volatileTimes[key] && v != "" {
			return goldenTime
		}
		v = strings.NewReplacer(g.replace...).Replace(v)
		return uuidPattern.ReplaceAllStringFunc(v, g.stableUUID)
	}
	return v
}

// stableUUID numbers UUIDs in the order the scenarios first show them.
func (g *goldenRecorder) stableUUID(u string) string {
	if s, ok := g.uuids[u]; ok {
		return s
	}
	s := fmt.Sprintf("00000000-0000-4000-8000-%012d", len(g.uuids)+1)
	g.uuids[u] = s
	return s
}

// finish writes the files with -update, or fails on any difference from
// the committed ones (a changed, missing or left-over file).
func (g *goldenRecorder) finish() {
	g.t.Helper()
	update := *updateGolden || os.Getenv("VMR_GOLDEN_UPDATE") == "1"
	old, _ := filepath.Glob(filepath.Join(goldenDir, "*.json"))
	if update {
		if err := os.MkdirAll(goldenDir, 0o755); err != nil {
			g.t.Fatal(err)
		}
		for _, f := range old {
			if _, keep := g.files[filepath.Base(f)]; !keep {
				os.Remove(f)
			}
		}
		for name, data := range g.files {
			if err := os.WriteFile(filepath.Join(goldenDir, name), data, 0o644); err != nil {
				g.t.Fatal(err)
			}
		}
		return
	}
	var stale []string
	for _, f := range old {
		if _, ok := g.files[filepath.Base(f)]; !ok {
			stale = append(stale, filepath.Base(f))
		}
	}
	sort.Strings(stale)
	if len(stale) > 0 {
		g.t.Errorf("golden files no scenario writes: %v: run make golden", stale)
	}
	names := make([]string, 0, len(g.files))
	for name := range g.files {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		have, err := os.ReadFile(filepath.Join(goldenDir, name))
		if err != nil {
			g.t.Errorf("%s: %v: run make golden", name, err)
			continue
		}
		if !bytes.Equal(have, g.files[name]) {
			g.t.Errorf("frontend/src/test/golden/%s differs from what the services answer now: run make golden\nwant:\n%s", name, g.files[name])
		}
	}
}

// TestGolden records every scenario; each group is in its own file.
func TestGolden(t *testing.T) {
	g := newGoldenRecorder(t)
	goldenIntegrations(t, g)
	goldenTemplates(t, g)
	goldenScheduler(t, g)
	goldenVMRScenarios(t, g)
	goldenUser(t, g)
	goldenHost(t, g)
	goldenInfinity(t, g)
	if t.Failed() {
		return
	}
	g.finish()
}
