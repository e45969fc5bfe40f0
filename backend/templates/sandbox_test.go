package templates

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
)

func TestSandbox(t *testing.T) {
	env := newEnvironment()
	t.Run("the loader refuses every path but the template itself", func(t *testing.T) {
		l := noFiles{source: "x"}
		for _, path := range []string{"/etc/passwd", "../go.mod", "base.html", ""} {
			if _, err := l.Read(path); !errors.Is(err, errNoFiles) {
				t.Errorf("Read(%q) = %v", path, err)
			}
			if _, err := l.Resolve(path); !errors.Is(err, errNoFiles) {
				t.Errorf("Resolve(%q) = %v", path, err)
			}
			if _, err := l.Inherit(path); !errors.Is(err, errNoFiles) {
				t.Errorf("Inherit(%q) = %v", path, err)
			}
		}
	})
	t.Run("the environment has no file-loading tags even if Check were bypassed", func(t *testing.T) {
		for _, tag := range []string{"include", "import", "from", "extends", "macro", "autoescape", "filter"} {
			if env.ControlStructures.Exists(tag) {
				t.Errorf("tag %q is registered", tag)
			}
		}
	})
	t.Run("the environment has no safe or escape filter", func(t *testing.T) {
		for _, f := range []string{"safe", "e", "escape", "forceescape", "tojson", "urlize"} {
			if env.Filters.Exists(f) {
				t.Errorf("filter %q is registered", f)
			}
		}
	})
	t.Run("every allowed filter is registered", func(t *testing.T) {
		for f := range allowedFilters {
			if !env.Filters.Exists(f) {
				t.Errorf("filter %q is missing", f)
			}
		}
	})
}

func TestCacheUnderConcurrency(t *testing.T) {
	e := NewUntimed()
	e.cache = newLRU(2) // smaller than the working set, so entries churn
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 40 {
				k := (g + i) % 5
				src := fmt.Sprintf("{{ subject }} #%d", k)
				out, err := e.Render(context.Background(), "conference_name_template", src, map[string]any{"subject": "s"})
				if err != nil && !errors.Is(err, ErrRenderTimeout) {
					t.Error(err)
					return
				}
				if err == nil && out != fmt.Sprintf("s #%d", k) {
					t.Errorf("rendered %q", out)
					return
				}
			}
		}()
	}
	wg.Wait()
	t.Run("an evicting cache still renders every template correctly", func(t *testing.T) {
		if n := e.cache.len(); n > 2 {
			t.Errorf("cache grew to %d entries", n)
		}
	})
}
