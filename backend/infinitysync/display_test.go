package infinitysync

import (
	"encoding/json"
	"strings"
	"testing"
)

// A diff shows what a field holds: markup as itself (a terminal shows it
// as text; the window decodes the JSON), numbers as written, long values
// cut.
func TestDisplayShowsValuesAsTheyAre(t *testing.T) {
	for raw, want := range map[string]string{
		`"<b>Kari's room</b> & co"`: `"<b>Kari's room</b> & co"`,
		`"\u003cscript\u003e"`:      `"<script>"`,
		`12345678901234567`:         `12345678901234567`,
		`["a.example.com","b"]`:     `["a.example.com","b"]`,
		`null`:                      `null`,
		`true`:                      `true`,
	} {
		if got := display(json.RawMessage(raw)); got != want {
			t.Errorf("display(%s) = %s, want %s", raw, got, want)
		}
	}
	if got := display(json.RawMessage(`"` + strings.Repeat("x", 500) + `"`)); len([]rune(got)) != 201 || !strings.HasSuffix(got, "…") {
		t.Errorf("a long value is %d runes", len([]rune(got)))
	}
	if display(nil) != "" {
		t.Error("no value is not empty")
	}
}
