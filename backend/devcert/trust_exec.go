//go:build linux || darwin

package devcert

import (
	"bytes"
	"context"
	"crypto/x509"
	"fmt"
	"os"
	"os/exec"
	"strings"
)

// Helpers of the trust stores that run command-line tools (NSS certutil,
// update-ca-certificates, macOS security); Windows uses crypt32 instead.

// homeDir is opts.Home or the user's home directory ("" if unknown).
func (opts TrustOptions) homeDir() string {
	if opts.Home != "" {
		return opts.Home
	}
	home, _ := os.UserHomeDir()
	return home
}

// nickname is the name the CA is installed under: its common name, which
// ends in a short fingerprint of its key, so generations never collide.
func nickname(ca *x509.Certificate) string { return ca.Subject.CommonName }

func fileExists(path string) bool {
	_, err := os.Stat(path)
	return err == nil
}

// run runs a trust-store tool and returns its standard output. The error
// carries the tool's own message (trimmed); no tool here ever sees the CA
// key, so its output holds nothing secret.
func run(ctx context.Context, stdin []byte, name string, args ...string) ([]byte, error) {
	cmd := exec.CommandContext(ctx, name, args...)
	if stdin != nil {
		cmd.Stdin = bytes.NewReader(stdin)
	}
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		msg := strings.TrimSpace(stderr.String())
		if msg == "" {
			msg = strings.TrimSpace(stdout.String())
		}
		if len(msg) > 300 {
			msg = msg[:300] + "..."
		}
		if msg != "" {
			return stdout.Bytes(), fmt.Errorf("%s %s: %w: %s", name, args[0], err, msg)
		}
		return stdout.Bytes(), fmt.Errorf("%s %s: %w", name, args[0], err)
	}
	return stdout.Bytes(), nil
}
