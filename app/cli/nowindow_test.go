package cli

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"vmr-companion/app/wire"
)

// The server build (main_server.go) sets NoWindow: no command answers it
// without opening anything, and the commands work as in the desktop build.
func TestNoWindowAnswersBeforeOpeningAnything(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "data")
	noWindow := errors.New("this is the server build: it has no window")
	run := func(args ...string) (int, string, string) {
		var out, errOut bytes.Buffer
		code := Main(context.Background(), append([]string{"--data-dir", dir}, args...), Config{
			Version: "test",
			Open: func(context.Context, string) (*wire.Services, error) {
				t.Fatal("no command must not open the data folder in a build without a window")
				return nil, nil
			},
			Window:   func(*wire.Services) error { t.Fatal("the window must not open"); return nil },
			NoWindow: noWindow,
			Stdin:    strings.NewReader(""),
			Stdout:   &out,
			Stderr:   &errOut,
		})
		return code, out.String(), errOut.String()
	}

	t.Run("no command exits 1 with the build's message", func(t *testing.T) {
		code, _, errOut := run()
		if code != exitError || !strings.Contains(errOut, noWindow.Error()) {
			t.Fatalf("code %d, stderr %q", code, errOut)
		}
		if _, err := os.Stat(dir); !errors.Is(err, os.ErrNotExist) {
			t.Fatalf("the data folder was touched: %v", err)
		}
	})

	t.Run("the commands still run", func(t *testing.T) {
		code, out, errOut := run("version")
		if code != exitOK || !strings.Contains(out, "vmr-companion test") {
			t.Fatalf("code %d, out %q, stderr %q", code, out, errOut)
		}
	})
}
