//go:build nodemo

package cli

import (
	"strings"
	"testing"

	"vmr-companion/backend/secrets/secretstest"
)

// Run with: go test -tags nodemo ./app/cli/ -run TestServeDemo
func TestServeDemoIsNotInThisBuild(t *testing.T) {
	secretstest.MockInit()
	dir := t.TempDir()
	code, _, errOut := run(t, dir, "", "serve", "--demo", "--listen", "127.0.0.1:0")
	if code != 2 || !strings.Contains(errOut, "-tags nodemo") {
		t.Fatalf("code %d: %s", code, errOut)
	}
	if code, out, _ := run(t, dir, "", "serve", "--help"); code != 0 || !strings.Contains(out, "not in this build") {
		t.Fatalf("serve --help does not say the demo is not in this build:\n%s", out)
	}
}
