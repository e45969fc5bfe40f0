package templates

import (
	"errors"
	"fmt"
	"testing"
)

func TestCache(t *testing.T) {
	t.Run("the same source is parsed once and reused", func(t *testing.T) {
		e := NewUntimed()
		a, err := e.compile("conference_name_template", "{{ subject }}")
		if err != nil {
			t.Fatal(err)
		}
		b, _ := e.compile("conference_subject_template", "{{ subject }}")
		if a != b {
			t.Error("two text fields with the same source got two parsed templates")
		}
		if n := e.cache.len(); n != 1 {
			t.Errorf("cache holds %d entries, want 1", n)
		}
	})

	t.Run("HTML and text templates with the same source are cached apart", func(t *testing.T) {
		e := NewUntimed()
		a, _ := e.compile("conference_name_template", "{{ subject }}")
		b, _ := e.compile("meeting_instructions_template", "{{ subject }}")
		if a == b {
			t.Error("an HTML template reused a text template's parse")
		}
	})

	t.Run("a cached syntax error names the field it was checked for", func(t *testing.T) {
		e := NewUntimed()
		_, err1 := e.compile("conference_name_template", "{{ x|nope }}")
		_, err2 := e.compile("conference_subject_template", "{{ x|nope }}")
		var s1, s2 *SyntaxError
		if !errors.As(err1, &s1) || !errors.As(err2, &s2) {
			t.Fatalf("errors %v, %v", err1, err2)
		}
		if s1.Field != "conference_name_template" || s2.Field != "conference_subject_template" {
			t.Errorf("fields %q, %q", s1.Field, s2.Field)
		}
		if e.cache.len() != 1 {
			t.Errorf("cache holds %d entries, want 1", e.cache.len())
		}
	})

	t.Run("the cache keeps only the most recently used entries", func(t *testing.T) {
		e := NewUntimed()
		e.cache = newLRU(3)
		first, _ := e.compile("conference_name_template", "0")
		for i := 1; i <= 3; i++ {
			if _, err := e.compile("conference_name_template", fmt.Sprint(i)); err != nil {
				t.Fatal(err)
			}
		}
		if n := e.cache.len(); n != 3 {
			t.Errorf("cache holds %d entries, want 3", n)
		}
		again, _ := e.compile("conference_name_template", "0")
		if again == first {
			t.Error("the least recently used entry was not evicted")
		}
		// "2" and "3" are still cached; using "2" keeps it over "3".
		two, _ := e.compile("conference_name_template", "2")
		if _, ok := e.cache.get(cacheKey{KindText, "2"}); !ok || two == nil {
			t.Error("a recent entry was evicted")
		}
	})
}
