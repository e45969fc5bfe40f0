// Package generated keeps files that the frontend reads and Go writes
// (error codes, the pane's default texts) equal to what Go declares. Tests
// call Check; UPDATE_GENERATED=1 rewrites the files. Only tests import it.
package generated

import (
	"bytes"
	"encoding/json"
	"os"
	"testing"
)

// Check fails t when the file at path is not v as indented JSON; with
// UPDATE_GENERATED=1 in the environment it writes the file first.
func Check(t testing.TB, path string, v any) {
	t.Helper()
	want, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	want = append(want, '\n')
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
		t.Fatalf("%s is out of date: run UPDATE_GENERATED=1 go test on the package of %s", path, t.Name())
	}
}
