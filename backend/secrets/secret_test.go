package secrets

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"log/slog"
	"strings"
	"testing"
)

const plain = "hunter2-Pässwort-🔑"

// leaks reports whether out contains the plaintext in any obvious encoding.
func leaks(out string) bool {
	lower := strings.ToLower(out)
	return strings.Contains(out, plain) ||
		strings.Contains(out, "hunter2") ||
		strings.Contains(lower, hex.EncodeToString([]byte(plain))) ||
		strings.Contains(lower, hex.EncodeToString([]byte("hunter2"))) ||
		strings.Contains(out, fmt.Sprintf("%q", plain)[1:10])
}

type exported struct {
	Name   string
	Pw     Secret
	PwPtr  *Secret
	Tokens []Secret
	ByName map[string]Secret
}

// unexported fields are printed by fmt through reflection, bypassing
// Format and String; the value must stay out of reach there too.
type unexported struct {
	name  string
	pw    Secret
	pwPtr *Secret
	list  []Secret
}

type embedding struct {
	Secret
	Label string
}

func values() map[string]any {
	s := New(plain)
	sp := &s
	return map[string]any{
		"a bare secret":               s,
		"a pointer to a secret":       sp,
		"a pointer to a pointer":      &sp,
		"a slice of secrets":          []Secret{s, s},
		"an array of secrets":         [2]Secret{s, s},
		"a slice of pointers":         []*Secret{sp},
		"a map of secrets":            map[string]Secret{"pw": s},
		"a map keyed by secrets":      map[Secret]string{s: "x"},
		"a map of pointers":           map[string]*Secret{"pw": sp},
		"a struct with exported ones": exported{Name: "n", Pw: s, PwPtr: sp, Tokens: []Secret{s}, ByName: map[string]Secret{"a": s}},
		"a pointer to such a struct":  &exported{Pw: s, PwPtr: sp},
		"a struct with unexported":    unexported{name: "n", pw: s, pwPtr: sp, list: []Secret{s}},
		"a pointer to unexported":     &unexported{pw: s, pwPtr: sp, list: []Secret{s}},
		"a struct embedding a secret": embedding{Secret: s, Label: "l"},
		"an interface slice":          []any{s, sp, exported{Pw: s}},
		"an anonymous struct":         struct{ P Secret }{s},
	}
}

func TestSecretIsRedactedByFmt(t *testing.T) {
	verbs := []string{
		"%v", "%+v", "%#v", "%s", "%q", "%x", "%X", "% x", "%#x", "%d", "%o", "%b",
		"%c", "%U", "%e", "%f", "%g", "%t", "%p", "%10s", "%-10s", "%10v", "%.3s", "%08d",
	}
	for name, v := range values() {
		for _, verb := range verbs {
			t.Run(name+" printed with "+verb+" does not show the value", func(t *testing.T) {
				if out := fmt.Sprintf(verb, v); leaks(out) {
					t.Fatalf("Sprintf(%q) leaked: %s", verb, out)
				}
			})
		}
		t.Run(name+" printed by Sprint and Sprintln does not show the value", func(t *testing.T) {
			if out := fmt.Sprint(v) + fmt.Sprintln(v, v); leaks(out) {
				t.Fatalf("leaked: %s", out)
			}
		})
	}
}

func TestSecretFormatsAsRedacted(t *testing.T) {
	s := New(plain)
	tests := []struct {
		format string
		want   string
	}{
		{"%v", "[redacted]"},
		{"%+v", "[redacted]"},
		{"%#v", "[redacted]"},
		{"%s", "[redacted]"},
		{"%q", "[redacted]"},
		{"%x", "[redacted]"},
		{"%X", "[redacted]"},
		{"%d", "[redacted]"},
		{"%14s", "    [redacted]"},
		{"%-14s|", "[redacted]    |"},
		{"%3s", "[redacted]"},
		{"%v", "[redacted]"},
	}
	for _, tt := range tests {
		t.Run("formatting with "+tt.format+" gives "+tt.want, func(t *testing.T) {
			if got := fmt.Sprintf(tt.format, s); got != tt.want {
				t.Fatalf("got %q, want %q", got, tt.want)
			}
		})
	}
	t.Run("String and GoString give [redacted]", func(t *testing.T) {
		if s.String() != "[redacted]" || s.GoString() != "[redacted]" {
			t.Fatalf("got %q and %q", s.String(), s.GoString())
		}
	})
	t.Run("the zero secret also prints as [redacted]", func(t *testing.T) {
		if got := fmt.Sprint(Secret{}); got != "[redacted]" {
			t.Fatalf("got %q", got)
		}
	})
}

func TestSecretIsRedactedByJSON(t *testing.T) {
	for name, v := range values() {
		t.Run(name+" marshalled to JSON does not show the value", func(t *testing.T) {
			out, err := json.Marshal(v)
			if err != nil {
				// Unsupported shapes must fail, not leak.
				if leaks(err.Error()) {
					t.Fatalf("error leaked: %v", err)
				}
				return
			}
			if leaks(string(out)) {
				t.Fatalf("leaked: %s", out)
			}
		})
	}
	t.Run("a secret marshals to the JSON string [redacted]", func(t *testing.T) {
		out, err := json.Marshal(New(plain))
		if err != nil || string(out) != `"[redacted]"` {
			t.Fatalf("got %s, %v", out, err)
		}
	})
	t.Run("MarshalText gives [redacted]", func(t *testing.T) {
		out, err := New(plain).MarshalText()
		if err != nil || string(out) != "[redacted]" {
			t.Fatalf("got %s, %v", out, err)
		}
	})
}

func TestSecretIsRedactedBySlog(t *testing.T) {
	handlers := map[string]func(*bytes.Buffer) slog.Handler{
		"text": func(b *bytes.Buffer) slog.Handler { return slog.NewTextHandler(b, nil) },
		"json": func(b *bytes.Buffer) slog.Handler { return slog.NewJSONHandler(b, nil) },
	}
	for hname, mk := range handlers {
		for name, v := range values() {
			t.Run(name+" logged by the "+hname+" handler does not show the value", func(t *testing.T) {
				var buf bytes.Buffer
				log := slog.New(mk(&buf))
				log.Info("saving", "value", v)
				log.Info("saving", slog.Any("any", v), slog.Group("g", slog.Any("nested", v)))
				log.With("with", v).Warn("w", "x", fmt.Sprint(v))
				if leaks(buf.String()) {
					t.Fatalf("leaked: %s", buf.String())
				}
			})
		}
		t.Run("a secret logged by the "+hname+" handler appears as [redacted]", func(t *testing.T) {
			var buf bytes.Buffer
			slog.New(mk(&buf)).Info("m", "pw", New(plain))
			if !strings.Contains(buf.String(), "[redacted]") {
				t.Fatalf("no [redacted] in %s", buf.String())
			}
		})
	}
}

func TestSecretValue(t *testing.T) {
	tests := []struct {
		name   string
		s      Secret
		reveal string
		zero   bool
	}{
		{"a new secret reveals its value", New(plain), plain, false},
		{"an empty secret is zero", New(""), "", true},
		{"the zero value is zero", Secret{}, "", true},
		{"a single space is not zero", New(" "), " ", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.s.Reveal(); got != tt.reveal {
				t.Errorf("Reveal() = %q, want %q", got, tt.reveal)
			}
			if got := tt.s.IsZero(); got != tt.zero {
				t.Errorf("IsZero() = %v, want %v", got, tt.zero)
			}
		})
	}
}

func TestSecretUnmarshalJSON(t *testing.T) {
	tests := []struct {
		name    string
		input   string
		want    string
		wantErr bool
	}{
		{"a JSON string becomes the secret", `{"pw":"hunter2"}`, "hunter2", false},
		{"escaped unicode is decoded", `{"pw":"p\u00e4ss \ud83d\udd11"}`, "päss 🔑", false},
		{"null gives the zero secret", `{"pw":null}`, "", false},
		{"an absent field gives the zero secret", `{}`, "", false},
		{"a number is rejected", `{"pw":12345}`, "", true},
		{"an object is rejected", `{"pw":{"v":"hunter2"}}`, "", true},
		{"the [redacted] placeholder is rejected", `{"pw":"[redacted]"}`, "", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var in struct{ Pw Secret }
			err := json.Unmarshal([]byte(tt.input), &in)
			if tt.wantErr {
				if err == nil {
					t.Fatal("want an error")
				}
				if strings.Contains(err.Error(), "hunter2") || strings.Contains(err.Error(), "12345") {
					t.Fatalf("error echoes the input: %v", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got := in.Pw.Reveal(); got != tt.want {
				t.Fatalf("got %q, want %q", got, tt.want)
			}
		})
	}
}
