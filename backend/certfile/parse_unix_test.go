//go:build unix

package certfile_test

import (
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"vmr-companion/backend/certfile"
	"vmr-companion/backend/testtls"
)

func TestLoadRefusesAFIFOBeforeOpeningIt(t *testing.T) {
	ca := testtls.NewCA(t, "Test ACME CA")
	p := newPair(t)
	p.write(t, ca.Valid(t, "vmr.example.com"))
	fifo := filepath.Join(p.dir, "fifo")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Fatal(err)
	}
	// Opening a FIFO with no writer would block: this returns at once.
	if _, err := certfile.Load(p.cert, fifo, time.Now()); err == nil || !strings.Contains(err.Error(), "not a regular file") {
		t.Fatalf("%v", err)
	}
}
