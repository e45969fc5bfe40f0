package problem

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
)

// TestCodesFile keeps frontend/src/lib/i18n/codes.gen.json equal to the
// declared codes; the frontend's i18n test then fails for a code without an
// English or German text. UPDATE_GENERATED=1 rewrites the file.
func TestCodesFile(t *testing.T) {
	want, err := json.MarshalIndent(Codes(), "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	want = append(want, '\n')
	path := filepath.Join("..", "..", "frontend", "src", "lib", "i18n", "codes.gen.json")
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
		t.Fatalf("%s is out of date: run UPDATE_GENERATED=1 go test ./backend/problem/ and add the new codes' texts to en.ts and de.ts", path)
	}
}

func TestErrorfNamesParams(t *testing.T) {
	fe := TooLong.Errorf(Args("Name", 300, 250), "%s is %d characters long; the limit is %d", "Name", 300, 250)
	want := FieldError{Code: "too_long", Params: map[string]string{"label": "Name", "length": "300", "max": "250"},
		Message: "Name is 300 characters long; the limit is 250"}
	if fe.Code != want.Code || fe.Message != want.Message || len(fe.Params) != 3 ||
		fe.Params["label"] != "Name" || fe.Params["length"] != "300" || fe.Params["max"] != "250" {
		t.Fatalf("got %+v, want %+v", fe, want)
	}
	if fe := NeedsVMRKind.Errorf(nil, "enable one"); fe.Params != nil {
		t.Fatalf("a code without parameters sends none, got %v", fe.Params)
	}
}

func TestErrorfPanicsOnWrongParams(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Fatal("want a panic for a missing parameter")
		}
	}()
	TooLong.Errorf(Args("Name"), "x")
}
