package manifest

import (
	"math/rand/v2"
	"strings"
	"testing"
	"unicode/utf8"
)

func TestClean(t *testing.T) {
	tests := []struct {
		name, in, want string
	}{
		{"plain text stays as it is", "Add a VMR", "Add a VMR"},
		{"markup characters are kept for the encoder to escape", `<b>&"'</b>`, `<b>&"'</b>`},
		{"line breaks and tabs become single spaces", "Add\r\n a\tVMR\u2028now", "Add a VMR now"},
		{"leading and trailing white space is trimmed", " \n Add \t", "Add"},
		{"control characters are dropped", "A\x00d\x1bd\x7f\u0085", "Add"},
		{"characters XML 1.0 forbids are dropped", "A\uFFFEd\uFFFFd", "Add"},
		{"bytes that are not UTF-8 become the replacement character", "A\xffd", "A\uFFFDd"},
		{"no-break spaces are kept", "10\u00a0min", "10\u00a0min"},
		{"emoji and right-to-left text are kept", "👨\u200d👩\u200d👧 שלום", "👨\u200d👩\u200d👧 שלום"},
		{"white space only becomes empty", " \t\n ", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := clean(tt.in); got != tt.want {
				t.Errorf("clean(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

func TestFit(t *testing.T) {
	family := "👨\u200d👩\u200d👧\u200d👦" // 7 runes, 11 UTF-16 units
	tests := []struct {
		name string
		in   string
		max  int
		want string
	}{
		{"a text within the limit is unchanged", "Add a VMR", 9, "Add a VMR"},
		{"a longer text is cut and ends with an ellipsis", "Add a VMR now", 8, "Add a V…"},
		{"a space before the ellipsis is dropped", "Add a VMR now", 7, "Add a…"},
		{"a 250-character label fits a short string of 125", strings.Repeat("a", 250), 125, strings.Repeat("a", 124) + "…"},
		{"characters outside the BMP count two units", strings.Repeat("😀", 10), 9, "😀😀😀😀…"},
		{"a ZWJ emoji sequence is kept whole or dropped whole", "ab" + family, 12, "ab…"},
		{"a ZWJ emoji sequence that fits is kept", "ab" + family + "cd", 14, "ab" + family + "…"},
		{"a flag's two regional indicators stay together", "🇳🇴🇩🇪🇸🇪", 8, "🇳🇴…"},
		{"a skin-tone modifier stays with its emoji", "a👍🏽b", 5, "a…"},
		{"a combining accent stays with its letter", "caf" + "e\u0301" + "s", 5, "caf…"},
		{"right-to-left text is cut between letters", "שלום עולם", 6, "שלום…"},
		{"a single character longer than the limit is cut between runes", "Z" + strings.Repeat("\u0301", 20), 5, "Z\u0301\u0301\u0301…"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := fit(tt.in, tt.max)
			if got != tt.want {
				t.Errorf("fit(%q, %d) = %q, want %q", tt.in, tt.max, got, tt.want)
			}
			if n := units(got); n > tt.max {
				t.Errorf("fit(%q, %d) has %d units", tt.in, tt.max, n)
			}
		})
	}
}

func TestFitSuffixKeepsTheSuffix(t *testing.T) {
	got := fitSuffix(strings.Repeat("n", 250), devNameSuffix, xmlShortMax)
	want := strings.Repeat("n", 118) + "…" + " (dev)"
	if got != want {
		t.Errorf("fitSuffix = %q, want %q", got, want)
	}
	if n := units(got); n != xmlShortMax {
		t.Errorf("fitSuffix has %d units, want %d", n, xmlShortMax)
	}
}

// Whatever the text, fit returns valid UTF-8 within the limit that is the
// text itself, or a prefix of it followed by the ellipsis.
func TestFitOnPseudoRandomTexts(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 7))
	for i := range 3000 {
		in := clean(randomText(r, 400))
		max := []int{30, 32, 64, 80, 100, 125, 250}[i%7]
		got := fit(in, max)
		switch {
		case !utf8.ValidString(got):
			t.Fatalf("fit(%q, %d) = %q is not UTF-8", in, max, got)
		case units(got) > max:
			t.Fatalf("fit(%q, %d) = %q has %d units", in, max, got, units(got))
		case got == in:
		case !strings.HasSuffix(got, ellipsis) || !strings.HasPrefix(in, strings.TrimSuffix(got, ellipsis)):
			t.Fatalf("fit(%q, %d) = %q is not a prefix and an ellipsis", in, max, got)
		case units(in) <= max:
			t.Fatalf("fit(%q, %d) = %q cut a text that fitted", in, max, got)
		}
	}
}
