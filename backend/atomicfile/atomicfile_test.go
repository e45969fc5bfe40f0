package atomicfile

import (
	"errors"
	"os"
	"path/filepath"
	"testing"
)

func TestWrite(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "out.json")
	t.Run("a new file gets the data and the mode", func(t *testing.T) {
		if err := Write(path, []byte("one"), 0o600); err != nil {
			t.Fatal(err)
		}
		info, _ := os.Stat(path)
		data, _ := os.ReadFile(path)
		if string(data) != "one" || info.Mode().Perm() != 0o600 {
			t.Fatalf("got %q, mode %v", data, info.Mode().Perm())
		}
	})
	t.Run("an existing file is replaced whole and no temporary file is left", func(t *testing.T) {
		if err := Write(path, []byte("two"), 0o644); err != nil {
			t.Fatal(err)
		}
		entries, _ := os.ReadDir(dir)
		data, _ := os.ReadFile(path)
		if string(data) != "two" || len(entries) != 1 {
			t.Fatalf("got %q and %d entries", data, len(entries))
		}
	})
	t.Run("a missing folder is an error that names the file", func(t *testing.T) {
		err := Write(filepath.Join(dir, "nope", "x"), []byte("x"), 0o600)
		if err == nil {
			t.Fatal("no error")
		}
	})
}

func TestCreateNew(t *testing.T) {
	path := filepath.Join(t.TempDir(), "key")
	if err := CreateNew(path, []byte("one"), 0o600); err != nil {
		t.Fatal(err)
	}
	info, _ := os.Stat(path)
	if data, _ := os.ReadFile(path); string(data) != "one" || info.Mode().Perm() != 0o600 {
		t.Fatalf("got %q, mode %v", data, info.Mode().Perm())
	}
	if err := CreateNew(path, []byte("two"), 0o600); !errors.Is(err, os.ErrExist) {
		t.Fatalf("over an existing file: %v", err)
	}
	if data, _ := os.ReadFile(path); string(data) != "one" {
		t.Fatalf("the existing file became %q", data)
	}
}
