package cli

import (
	"bytes"
	"context"
	"regexp"
	"sync"
	"testing"

	"vmr-companion/backend/integration"
	"vmr-companion/backend/oauth/oauthtest"
	"vmr-companion/backend/secrets"
	"vmr-companion/backend/store"
)

// lineWriter hands each complete line to onLine as the command writes it,
// so a test can act on a device code while the command waits.
type lineWriter struct {
	mu     sync.Mutex
	all    bytes.Buffer
	buf    []byte
	onLine func(string)
}

func (w *lineWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.all.Write(p)
	w.buf = append(w.buf, p...)
	for {
		i := bytes.IndexByte(w.buf, '\n')
		if i < 0 {
			return len(p), nil
		}
		line := string(w.buf[:i])
		w.buf = w.buf[i+1:]
		if w.onLine != nil {
			w.onLine(line)
		}
	}
}

func (w *lineWriter) String() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.all.String()
}

// runUser runs a sign-in command as Main does, on the data directory's
// store and the in-memory keyring, with stdout going to out as it comes.
func runUser(t *testing.T, dataDir string, out *lineWriter, args ...string) (code int, stderr string) {
	t.Helper()
	code, _, stderr = runWith(context.Background(), out, t, dataDir, "", args...)
	return code, stderr
}

var deviceCodeLine = regexp.MustCompile(`enter the code (\S+)`)

// approving is a stdout that approves the device code as soon as the
// command shows it, as the user would on their phone.
func approving(t *testing.T, op *oauthtest.OP) (*lineWriter, <-chan error) {
	done := make(chan error, 1)
	return &lineWriter{onLine: func(line string) {
		if m := deviceCodeLine.FindStringSubmatch(line); m != nil {
			go func() { done <- op.ApproveDevice(m[1], true) }()
		}
	}}, done
}

func mustUUID(t *testing.T, dir string) string {
	t.Helper()
	st, err := store.OpenDir(context.Background(), dir)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	in, err := integration.NewService(st.Integrations(), secrets.NewUncheckedKeychain(0)).Get(context.Background(), "Contoso")
	if err != nil {
		t.Fatal(err)
	}
	return in.UUID
}
