// Package storetest looks inside a store's files for tests that must prove a
// value never reached the disk in plaintext. It takes the database's path,
// not the store, so that the store's own tests can use it too.
package storetest

import (
	"bytes"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"testing"
)

// FilesHolding names which of the database file at path and its WAL hold s.
func FilesHolding(t testing.TB, path, s string) []string {
	t.Helper()
	var in []string
	for _, p := range []string{path, path + "-wal"} {
		data, err := os.ReadFile(p)
		if err != nil && !errors.Is(err, fs.ErrNotExist) {
			t.Fatal(err)
		}
		if bytes.Contains(data, []byte(s)) {
			in = append(in, filepath.Base(p))
		}
	}
	return in
}
