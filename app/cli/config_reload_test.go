//go:build !windows

package cli

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"vmr-companion/app/wire/wiretest"
	"vmr-companion/backend/devcert"
	"vmr-companion/backend/secrets/secretstest"
)

// TestServeReloadsOnSIGHUP runs serve in this process with a config file,
// changes the file and sends SIGHUP: the reservation rate and the
// placeholder limit change at once (a second reservation in the minute is
// then refused), a changed listen address is named as needing a restart,
// and a file with a problem changes nothing.
func TestServeReloadsOnSIGHUP(t *testing.T) {
	clearEnv(t)
	secretstest.MockInit()
	dir := t.TempDir()
	ex := wiretest.NewExchange(t, "room@contoso.com")
	if code, _, stderr := run(t, dir, ex.Integration("room@contoso.com"), "integrations", "create", "-f", "-"); code != 0 {
		t.Fatalf("create: %s", stderr)
	}
	_, show, _ := run(t, dir, "", "integrations", "show", "Contoso", "--json")
	var in struct {
		UUID string `json:"uuid"`
	}
	if err := json.Unmarshal([]byte(show), &in); err != nil || in.UUID == "" {
		t.Fatalf("integrations show: %v %s", err, show)
	}
	path := writeConfig(t, `[serve]
listen = "127.0.0.1:0"
allow-shared-host = true
reservation-rate = 100
`)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	lines := make(chan string, 256)
	out := &lineWriter{onLine: func(line string) { lines <- line }}
	done := make(chan int, 1)
	go func() {
		code, _, stderr := runWith(ctx, out, t, dir, "", "--config", path, "serve", "--metrics-listen", "127.0.0.1:0")
		if code != 0 {
			t.Errorf("serve: code %d: %s", code, stderr)
		}
		done <- code
	}()
	// A generous bound: it fails the test only when serve hangs.
	hung := time.After(2 * time.Minute)
	waitFor := func(what string) string {
		t.Helper()
		for {
			select {
			case line := <-lines:
				if strings.Contains(line, what) {
					return line
				}
			case <-done:
				t.Fatalf("serve ended while waiting for %q:\n%s", what, out)
			case <-hung:
				t.Fatalf("serve hung waiting for %q:\n%s", what, out)
			}
		}
	}
	url := regexp.MustCompile(`https://\S+`).FindString(waitFor("Add-in host running at"))
	waitFor("Press Ctrl+C to stop.")

	pool := x509.NewCertPool()
	ca, err := os.ReadFile(filepath.Join(dir, "devcert", devcert.CertFile))
	if err != nil || !pool.AppendCertsFromPEM(ca) {
		t.Fatalf("the local CA: %v", err)
	}
	client := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}}}
	defer client.CloseIdleConnections()
	n := 0
	reserve := func(user string) int {
		t.Helper()
		n++
		req, _ := http.NewRequest(http.MethodPost, url+"/api/v1/integrations/"+in.UUID+"/reservations",
			strings.NewReader(fmt.Sprintf(`{"item_key": "item-%d"}`, n)))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("X-VMR-User", user)
		resp, err := client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	hangup := func(text string) {
		t.Helper()
		if err := os.WriteFile(path, []byte(text), 0o600); err != nil {
			t.Fatal(err)
		}
		if err := syscall.Kill(os.Getpid(), syscall.SIGHUP); err != nil {
			t.Fatal(err)
		}
	}
	for range 2 {
		if code := reserve("alice@contoso.com"); code != http.StatusCreated {
			t.Fatalf("reservation before the reload: %d", code)
		}
	}

	hangup(`[serve]
listen = "127.0.0.1:1"
allow-shared-host = true
reservation-rate = 1
placeholder-limit = 3
`)
	summary := waitFor("SIGHUP: re-read")
	if !strings.Contains(summary, "2 setting(s) applied, 1 need a restart") {
		t.Errorf("summary %q", summary)
	}
	for _, want := range []string{
		"SIGHUP: serve.reservation-rate is now 1 (file " + path + ":4)",
		"SIGHUP: serve.placeholder-limit is now 3 (file " + path + ":5)",
		"serve.listen changed in " + path + ": restart serve to apply",
	} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("serve did not say %q:\n%s", want, out)
		}
	}
	if first, second := reserve("bob@contoso.com"), reserve("bob@contoso.com"); first != http.StatusCreated || second != http.StatusTooManyRequests {
		t.Errorf("with a rate of 1: %d then %d, want 201 then 429", first, second)
	}

	hangup("[serve]\nreservation-rate = \"lots\"\n")
	line := waitFor("nothing was changed")
	if !strings.Contains(line, path+" has 1 problem(s)") || !strings.Contains(out.String(), path+":2: reservation-rate takes a whole number") {
		t.Errorf("the problem is not named:\n%s", out)
	}
	if first, second := reserve("carol@contoso.com"), reserve("carol@contoso.com"); first != http.StatusCreated || second != http.StatusTooManyRequests {
		t.Errorf("after a bad file the rate changed: %d then %d, want 201 then 429", first, second)
	}

	cancel()
	select {
	case <-done:
	case <-hung:
		t.Fatalf("serve did not stop:\n%s", out)
	}
}
