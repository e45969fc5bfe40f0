package cli

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"

	"vmr-companion/backend/secrets/secretstest"
	"vmr-companion/backend/store"
	"vmr-companion/backend/store/storetest"
)

const policyPassword = "Pol1cy-pässword"

func TestPolicyCredentials(t *testing.T) {
	secretstest.MockInit()
	dir := t.TempDir()
	status := func() map[string]any {
		t.Helper()
		code, out, errOut := run(t, dir, "", "policy", "status", "--json")
		var st map[string]any
		if code != 0 || json.Unmarshal([]byte(out), &st) != nil {
			t.Fatalf("policy status: %d %s %s", code, out, errOut)
		}
		return st
	}
	if st := status(); st["ready"] != false || !strings.Contains(st["problem"].(string), "policy credentials --username") {
		t.Fatalf("before any credentials: %v", st)
	}

	for _, c := range []struct {
		name  string
		stdin string
		args  []string
		code  int
		want  string
	}{
		{"neither --username nor --clear", "", nil, 2, "--username NAME"},
		{"both", "", []string{"--username", "x", "--clear"}, 2, "--username NAME"},
		{"a username with a colon", "", []string{"--username", "a:b"}, 2, "':'"},
		{"no password on standard input", "", []string{"--username", "infinity"}, 1, "expected one line"},
		{"an empty password", "\n", []string{"--username", "infinity"}, 1, "password must be"},
	} {
		t.Run(c.name+" is refused", func(t *testing.T) {
			code, _, errOut := run(t, dir, c.stdin, append([]string{"policy", "credentials"}, c.args...)...)
			if code != c.code || !strings.Contains(errOut, c.want) {
				t.Fatalf("code %d: %s", code, errOut)
			}
			if st := status(); st["ready"] != false {
				t.Fatalf("a refused command set credentials: %v", st)
			}
		})
	}

	t.Run("set: the username in the database, the password only in the keychain", func(t *testing.T) {
		code, out, errOut := run(t, dir, policyPassword+"\n", "policy", "credentials", "--username", "infinity")
		if code != 0 || !strings.Contains(out, "Restart serve") {
			t.Fatalf("code %d: %s %s", code, out, errOut)
		}
		st := status()
		if st["ready"] != true || st["username"] != "infinity" || st["password_set"] != true {
			t.Fatalf("status %v", st)
		}
		_, text, _ := run(t, dir, "", "policy", "status")
		if strings.Contains(text, policyPassword) || !strings.Contains(text, "set (in the keychain)") {
			t.Fatalf("status shows:\n%s", text)
		}
		if files := storetest.FilesHolding(t, filepath.Join(dir, store.FileName), policyPassword); len(files) != 0 {
			t.Fatalf("the password is in %v", files)
		}
	})

	t.Run("clear", func(t *testing.T) {
		if code, _, errOut := run(t, dir, "", "policy", "credentials", "--clear"); code != 0 {
			t.Fatalf("code %d: %s", code, errOut)
		}
		if st := status(); st["ready"] != false || st["username"] != "" || st["password_set"] != false {
			t.Fatalf("after --clear: %v", st)
		}
	})
}

func TestPolicyCheck(t *testing.T) {
	secretstest.MockInit()
	dir := t.TempDir()
	code, out, errOut := run(t, dir, "", "policy", "check", "sip:nobody@example.com;transport=tls", "--json")
	var c map[string]any
	if code != 0 || json.Unmarshal([]byte(out), &c) != nil || c["action"] != "continue" || c["code"] != "policy_continue" {
		t.Fatalf("code %d: %s %s", code, out, errOut)
	}
	if code, _, errOut := run(t, dir, "", "policy", "check", "x", "--at", "tomorrow"); code != 2 || !strings.Contains(errOut, "RFC 3339") {
		t.Fatalf("a bad --at: %d %s", code, errOut)
	}
	if code, _, errOut := run(t, dir, "", "policy", "check", "a\x01b"); code != 1 || !strings.Contains(errOut, "control characters") {
		t.Fatalf("a control character: %d %s", code, errOut)
	}
}

// TestServeAnswersPolicyRequests: the policy is mounted on serve's real
// HTTPS host with the credentials set beforehand.
func TestServeAnswersPolicyRequests(t *testing.T) {
	secretstest.MockInit()
	dir := t.TempDir()
	if code, _, errOut := run(t, dir, "pw\n", contoso...); code != 0 {
		t.Fatalf("create: %s", errOut)
	}
	if code, _, errOut := run(t, dir, policyPassword+"\n", "policy", "credentials", "--username", "infinity"); code != 0 {
		t.Fatalf("credentials: %s", errOut)
	}

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	up := &onLine{line: "Press Ctrl+C to stop.", ready: make(chan struct{})}
	type result struct {
		code        int
		out, errOut string
	}
	done := make(chan result, 1)
	go func() {
		code, out, errOut := runWith(ctx, up, t, dir, "", "serve", "--listen", "127.0.0.1:0", "--allow-shared-host", "--metrics-listen", "127.0.0.1:0")
		done <- result{code, out, errOut}
	}()
	select {
	case <-up.ready:
	case r := <-done:
		t.Fatalf("serve stopped: %d %s %s", r.code, r.out, r.errOut)
	}
	base := regexp.MustCompile(`https://127\.0\.0\.1:\d+`).FindString(up.text())
	pem, err := os.ReadFile(filepath.Join(dir, "devcert", "ca.pem"))
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(pem)
	client := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}}}
	get := func(user, pass string) (int, string) {
		t.Helper()
		req, _ := http.NewRequest(http.MethodGet, base+"/policy/v1/service/configuration?local_alias=sip%3Anobody%40example.com&protocol=sip", nil)
		if user != "" {
			req.SetBasicAuth(user, pass)
		}
		resp, err := client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	if code, body := get("infinity", policyPassword); code != 200 || body != `{"status":"success","action":"continue"}` {
		t.Fatalf("with the credentials: %d %s", code, body)
	}
	if code, _ := get("", ""); code != 401 {
		t.Fatalf("without credentials: %d", code)
	}
	if code, _ := get("infinity", "wrong"); code != 401 {
		t.Fatalf("with a wrong password: %d", code)
	}
	cancel()
	if r := <-done; r.code != 0 || strings.Contains(r.errOut, "refuses every request") {
		t.Fatalf("serve: %d %s", r.code, r.errOut)
	}
}

func TestServeWarnsWithoutPolicyCredentials(t *testing.T) {
	secretstest.MockInit()
	dir := t.TempDir()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	up := &onLine{line: "Press Ctrl+C to stop.", ready: make(chan struct{}), then: cancel}
	code, _, errOut := runWith(ctx, up, t, dir, "", "serve", "--listen", "127.0.0.1:0", "--allow-shared-host", "--metrics-listen", "127.0.0.1:0")
	if code != 0 || !strings.Contains(errOut, "vmr-companion policy credentials --username NAME") {
		t.Fatalf("code %d: %s", code, errOut)
	}
}

// onLine closes ready (and calls then) once the output holds line.
type onLine struct {
	line  string
	ready chan struct{}
	then  func()
	mu    sync.Mutex
	buf   strings.Builder
	once  sync.Once
}

func (o *onLine) Write(p []byte) (int, error) {
	o.mu.Lock()
	o.buf.Write(p)
	seen := strings.Contains(o.buf.String(), o.line)
	o.mu.Unlock()
	if seen {
		o.once.Do(func() {
			close(o.ready)
			if o.then != nil {
				o.then()
			}
		})
	}
	return len(p), nil
}

func (o *onLine) text() string {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.buf.String()
}
