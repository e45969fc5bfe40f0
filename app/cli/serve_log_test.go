package cli

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"vmr-companion/app/wire"
	"vmr-companion/app/wire/wiretest"
	"vmr-companion/backend/addinhost"
	"vmr-companion/backend/devcert"
	"vmr-companion/backend/sdnotify"
	"vmr-companion/backend/secrets/secretstest"
)

// Secrets the log tests send; none may reach the log.
const (
	logPolicyPassword = "policy-pw-5c1f0e"
	bearerToken       = "eyJhbGciOiJSUzI1NiJ9.bearer-secret-7d2a.c2lnbmF0dXJl"
	sessionToken      = "session-secret-91b3"
	queryToken        = "query-secret-44e8"
	codeSecret        = "code-secret-0a6d"
	wrongPassword     = "wrong-pw-63f2"
)

// notifySocket is a service manager's notification socket; NOTIFY_SOCKET
// names it until the test ends.
func notifySocket(t *testing.T) *net.UnixConn {
	t.Helper()
	dir, err := os.MkdirTemp("", "notify") // short: sun_path holds 108 bytes
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	path := filepath.Join(dir, "s")
	conn, err := net.ListenUnixgram("unixgram", &net.UnixAddr{Name: path, Net: "unixgram"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	t.Setenv(sdnotify.EnvSocket, path)
	return conn
}

// notification reads the next datagram; the deadline only ends a test
// whose serve hangs.
func notification(t *testing.T, conn *net.UnixConn) string {
	t.Helper()
	conn.SetReadDeadline(time.Now().Add(2 * time.Minute))
	buf := make([]byte, 4096)
	n, err := conn.Read(buf)
	if err != nil {
		t.Fatalf("serve sent no notification: %v", err)
	}
	return string(buf[:n])
}

// servedLog runs serve with args until requests has run against its URL
// (read from its STATUS= notification, after READY=1), then stops it, and
// returns what it wrote to standard output and standard error.
func servedLog(t *testing.T, dir string, requests func(base string, client *http.Client), args ...string) (stdout, stderr string) {
	t.Helper()
	conn := notifySocket(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	type result struct {
		code     int
		out, err string
	}
	done := make(chan result, 1)
	go func() {
		code, out, errOut := runWith(ctx, io.Discard, t, dir, "", append([]string{"serve", "--listen", "127.0.0.1:0",
			"--allow-shared-host", "--metrics-listen", "127.0.0.1:0"}, args...)...)
		done <- result{code, out, errOut}
	}()
	status := notification(t, conn)
	base, ok := strings.CutPrefix(status, "STATUS=serving ")
	if !ok {
		t.Fatalf("the first notification is %q, not the status line", status)
	}
	base, _, _ = strings.Cut(base, " ")
	if got := notification(t, conn); got != "READY=1" {
		t.Fatalf("got %q, want READY=1", got)
	}
	if os.Getenv(sdnotify.EnvSocket) != "" {
		t.Error("serve left NOTIFY_SOCKET in its environment for the processes it starts")
	}
	pem, err := os.ReadFile(filepath.Join(dir, "devcert", devcert.CertFile))
	if err != nil {
		t.Fatal(err)
	}
	roots := x509.NewCertPool()
	roots.AppendCertsFromPEM(pem)
	tr := &http.Transport{TLSClientConfig: &tls.Config{RootCAs: roots, MinVersion: tls.VersionTLS12}}
	defer tr.CloseIdleConnections()
	requests(base, &http.Client{Transport: tr, Timeout: time.Minute})
	cancel()
	for _, want := range []string{"STATUS=stopping: finishing the requests and decisions under way", "STOPPING=1"} {
		if got := notification(t, conn); got != want {
			t.Fatalf("got %q, want %q", got, want)
		}
	}
	r := <-done
	if r.code != 0 {
		t.Fatalf("serve exited %d:\n%s", r.code, r.err)
	}
	return r.out, r.err
}

// send makes one request and reads its answer whole.
func send(t *testing.T, client *http.Client, method, u string, header map[string]string, body string) *http.Response {
	t.Helper()
	req, err := http.NewRequest(method, u, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range header {
		req.Header.Set(k, v)
	}
	resp, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp
}

// jsonLines parses every line of log as a JSON object with time, level
// and msg, failing on any other line.
func jsonLines(t *testing.T, log string) []map[string]any {
	t.Helper()
	var records []map[string]any
	for line := range strings.SplitSeq(strings.TrimRight(log, "\n"), "\n") {
		var rec map[string]any
		if err := json.Unmarshal([]byte(line), &rec); err != nil {
			t.Fatalf("a log line is not one JSON object: %q", line)
		}
		for _, k := range []string{"time", "level", "msg"} {
			if _, ok := rec[k].(string); !ok {
				t.Fatalf("a log line has no %s: %q", k, line)
			}
		}
		records = append(records, rec)
	}
	return records
}

// TestServeJSONLogKeepsSecretsOut runs serve with --log-format json and
// sends it every kind of secret a client or an admin hands over: a
// bearer token, a personal VMR session, tokens in query strings, the
// policy's password (right and wrong), the service account's password
// at create. None may be in the log, and every line is one JSON object.
func TestServeJSONLogKeepsSecretsOut(t *testing.T) {
	secretstest.MockInit()
	dir := t.TempDir()
	ex := wiretest.NewExchange(t, "room@contoso.com")
	var log strings.Builder
	code, out, errOut := run(t, dir, ex.Integration("room@contoso.com"), "--log-format", "json", "integrations", "create", "-f", "-")
	if code != 0 {
		t.Fatalf("create: %s", errOut)
	}
	log.WriteString(errOut)
	printed := out
	code, out, errOut = run(t, dir, logPolicyPassword+"\n", "--log-format", "json", "policy", "credentials", "--username", "infinity")
	if code != 0 {
		t.Fatalf("policy credentials: %s", errOut)
	}
	log.WriteString(errOut)
	printed += out
	svc := wiretest.Open(t, dir)
	in, err := svc.Integrations.Get(context.Background(), "Contoso")
	if err != nil {
		t.Fatal(err)
	}
	svc.Close()

	var reservationID, problemID, policyID string
	out, errOut = servedLog(t, dir, func(base string, client *http.Client) {
		api := base + "/api/v1/integrations/" + in.UUID
		resp := send(t, client, http.MethodPost, api+"/reservations", map[string]string{"Authorization": "Bearer " + bearerToken,
			"X-VMR-User": "alex@contoso.com", "X-VMR-Session": sessionToken, "Content-Type": "application/json"}, `{"item_key": "compose-1"}`)
		reservationID = resp.Header.Get(addinhost.RequestIDHeader)
		send(t, client, http.MethodGet, api+"/pane?access_token="+queryToken, map[string]string{"X-VMR-Session": sessionToken}, "")
		send(t, client, http.MethodGet, api+"/personal-vmrs", map[string]string{"X-VMR-Session": sessionToken, "Authorization": "Bearer " + bearerToken}, "")
		send(t, client, http.MethodGet, base+"/signin/callback?code="+codeSecret+"&state="+queryToken, nil, "")
		resp = send(t, client, http.MethodGet, base+"/api/v1/nothing?token="+queryToken, nil, "")
		problemID = resp.Header.Get(addinhost.RequestIDHeader)
		policy := base + "/policy/v1/service/configuration?local_alias=" + url.QueryEscape("meet123@vc.contoso.com") + "&remote_alias=sip:alex@contoso.com"
		req, _ := http.NewRequest(http.MethodGet, policy, nil)
		req.SetBasicAuth("infinity", wrongPassword)
		if resp, err := client.Do(req); err != nil || resp.StatusCode != http.StatusUnauthorized {
			t.Fatalf("a wrong policy password: %v %v", resp, err)
		} else {
			resp.Body.Close()
		}
		req, _ = http.NewRequest(http.MethodGet, policy, nil)
		req.SetBasicAuth("infinity", logPolicyPassword)
		resp, err := client.Do(req)
		if err != nil || resp.StatusCode != http.StatusOK {
			t.Fatalf("the policy answer: %v %v", resp, err)
		}
		resp.Body.Close()
		policyID = resp.Header.Get(addinhost.RequestIDHeader)
	}, "--log-format", "json", "--auth", "integration")
	if out != "" {
		t.Errorf("with --log-format json serve printed to standard output:\n%s", out)
	}
	log.WriteString(errOut)
	for _, secret := range []string{wiretest.Password, logPolicyPassword, wrongPassword, bearerToken, "bearer-secret-7d2a",
		sessionToken, queryToken, codeSecret} {
		if strings.Contains(log.String()+printed, secret) {
			t.Errorf("the log holds the secret %q:\n%s", secret, log.String())
		}
	}
	records := jsonLines(t, log.String())
	find := func(msg, id string) bool {
		for _, rec := range records {
			if rec["msg"] == msg && rec["request_id"] == id {
				return true
			}
		}
		return false
	}
	if reservationID == "" || !find("request", reservationID) {
		t.Errorf("no request line for the reservation's X-Request-Id %q", reservationID)
	}
	if problemID == "" || !find("request", problemID) {
		t.Errorf("no request line for the problem's X-Request-Id %q", problemID)
	}
	if policyID == "" || !find("policy: not ours, left to Infinity", policyID) {
		t.Errorf("no policy answer line for its X-Request-Id %q", policyID)
	}
	for _, msg := range []string{"Add-in host running at", "Stopping: finishing"} {
		if !strings.Contains(log.String(), `"msg":"`+msg) {
			t.Errorf("serve's %q is not a log record", msg)
		}
	}
}

// TestServeTextLogCannotBeForged: what outsiders choose (a path with a
// newline and a terminal escape; header values cannot hold either, Go's
// server refuses them) stays inside its own quoted
// value in the text log; no line is made that is not a record.
func TestServeTextLogCannotBeForged(t *testing.T) {
	secretstest.MockInit()
	dir := t.TempDir()
	const forged = "\ntime=2026-01-01T00:00:00Z level=ERROR msg=forged \x1b[2J\x1b[31mred"
	_, errOut := servedLog(t, dir, func(base string, client *http.Client) {
		u := base + "/api/v1/" + url.PathEscape(forged)
		send(t, client, http.MethodGet, u, nil, "")
		send(t, client, http.MethodPost, base+"/api/v1/integrations/"+url.PathEscape(forged)+"/reservations",
			map[string]string{"X-VMR-User": "alex@contoso.com", "Content-Type": "application/json"}, `{"item_key": "\n\u001b[31m"}`)
	})
	checkTextLog(t, errOut)
	if !strings.Contains(errOut, `level=ERROR msg=forged \x1b[2J`) {
		t.Fatalf("the hostile path is not in the log, quoted:\n%s", errOut)
	}
}

// checkTextLog fails on any line of log that is not a record of the text
// handler or one of the lines serve prints for people, and on a raw
// escape.
func checkTextLog(t *testing.T, log string) {
	t.Helper()
	record := regexp.MustCompile(`^time=\S+ level=(DEBUG|INFO|WARN|ERROR) msg=`)
	for line := range strings.SplitSeq(strings.TrimRight(log, "\n"), "\n") {
		if strings.ContainsAny(line, "\x1b\r") {
			t.Errorf("a raw control character reached the log: %q", line)
		}
		if strings.Contains(line, "msg=forged") && !record.MatchString(line) {
			t.Errorf("a forged line: %q", line)
		}
		prose := strings.HasPrefix(line, "Stopping: ") || strings.HasPrefix(line, "Warning: ") || strings.HasPrefix(line, "NOTE: ")
		if !record.MatchString(line) && !prose {
			t.Errorf("a line that is not a record: %q", line)
		}
	}
}

// TestTextLogQuotesHostileValues checks the logger the flags build, on
// its own, with values outsiders choose in the message and the fields.
func TestTextLogQuotesHostileValues(t *testing.T) {
	var buf bytes.Buffer
	l := newLogging(&buf)
	hostile := []string{"a\nlevel=ERROR msg=forged", "\x1b]0;title\x07\x1b[31m", "a=b c=d", `"quoted"`, "\r\n\u2028\u0085"}
	for _, v := range hostile {
		l.logger().Info("request", "path", v, v, "key")
		l.logger().Info(v)
	}
	lines := strings.Split(strings.TrimRight(buf.String(), "\n"), "\n")
	if len(lines) != 2*len(hostile) {
		t.Fatalf("%d records made %d lines:\n%s", 2*len(hostile), len(lines), buf.String())
	}
	checkTextLog(t, buf.String())
	for _, line := range lines {
		if strings.Contains(line, "\u2028") || strings.Contains(line, "\u0085") {
			t.Errorf("a Unicode line break reached the log: %q", line)
		}
	}
}

func TestLogFlags(t *testing.T) {
	secretstest.MockInit()
	for _, args := range [][]string{
		{"--log-format", "xml", "version"},
		{"--log-level", "verbose", "version"},
		{"--log-level", "", "version"},
		{"version", "--log-format", "JSON\n"},
	} {
		code, _, errOut := run(t, t.TempDir(), "", args...)
		if code != exitUsage || !strings.Contains(errOut, "--log-") {
			t.Errorf("%q: code %d: %s", args, code, errOut)
		}
	}
	t.Run("a failing command's error is a JSON record in json format", func(t *testing.T) {
		code, _, errOut := run(t, t.TempDir(), "", "--log-format", "json", "integrations", "show", "Nobody")
		if code != exitError {
			t.Fatalf("code %d: %s", code, errOut)
		}
		recs := jsonLines(t, errOut)
		last := recs[len(recs)-1]
		if last["level"] != "ERROR" || last["exit_status"] != float64(exitError) {
			t.Fatalf("the error is %v", last)
		}
	})
	t.Run("--log-level warn leaves info out, debug lets it in", func(t *testing.T) {
		for level, want := range map[string]bool{"warn": false, "debug": true, "info": true} {
			var buf bytes.Buffer
			l := newLogging(&buf)
			if err := (levelFlag{&l.level}).Set(level); err != nil {
				t.Fatal(err)
			}
			l.logger().Info("an info record")
			if got := strings.Contains(buf.String(), "an info record"); got != want {
				t.Errorf("%s: info logged %v", level, got)
			}
		}
	})
}

// TestDecisionLogMatchesTheReply: the scheduling decision's log line names
// the transaction whose id the reply carries to Exchange (its key in Sent
// Items, and {{correlation_id}} in the reply templates), and a hostile
// meeting UID stays quoted in it.
func TestDecisionLogMatchesTheReply(t *testing.T) {
	secretstest.MockInit()
	dir := t.TempDir()
	ex := wiretest.NewExchange(t, "room@contoso.com")
	if code, _, stderr := run(t, dir, ex.Integration("room@contoso.com"), "integrations", "create", "-f", "-"); code != 0 {
		t.Fatalf("create: %s", stderr)
	}
	// The same records in both formats: JSON to read the fields, text to
	// check that the organizer's UID and subject forge no line.
	var buf, text bytes.Buffer
	cfg := wiretest.Config()
	cfg.Logger = slog.New(slog.NewMultiHandler(slog.NewJSONHandler(&lockedWriter{w: &buf}, nil), slog.NewTextHandler(&lockedWriter{w: &text}, nil)))
	ctx := context.Background()
	svc, err := wire.Open(ctx, dir, cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer svc.Close()
	in, err := svc.Integrations.Get(ctx, "Contoso")
	if err != nil {
		t.Fatal(err)
	}
	res, _, err := svc.Aliases.Reserve(ctx, in, "compose-1", "alex@contoso.com")
	if err != nil {
		t.Fatal(err)
	}
	ex.SendMeeting("log-meeting\ntime=x level=ERROR msg=forged \x1b[31m", "Review\nlevel=ERROR msg=forged \x1b[31m", time.Now().Add(48*time.Hour).Truncate(time.Hour), res.UUID)
	if sum, err := svc.Scheduler.RunOnce(ctx, "Contoso"); err != nil || sum.Decided != 1 || sum.Sent != 1 {
		t.Fatalf("pass: %+v %v", sum, err)
	}
	var tx, code string
	for _, rec := range jsonLines(t, buf.String()) {
		if rec["msg"] == "scheduling decision" {
			tx, _ = rec["transaction"].(string)
			code, _ = rec["code"].(string)
		}
	}
	checkTextLog(t, text.String())
	// (The mailbox's reading already replaced the escape with U+FFFD.)
	if !strings.Contains(text.String(), `uid="log-meeting\ntime=x level=ERROR msg=forged `) {
		t.Errorf("the decision's line does not quote the hostile UID:\n%s", text.String())
	}
	replies := ex.Fake.Responses()
	if tx == "" || len(replies) != 1 || replies[0].Key != tx+"/reply" {
		t.Fatalf("the decision's transaction %q is not the reply's key %+v:\n%s", tx, replies, buf.String())
	}
	// The calendar part cannot hold that UID, so the meeting is declined
	// with the general error, whose text shows the organizer the id.
	if code == "reject_general_error" && !strings.Contains(replies[0].BodyHTML, tx) {
		t.Errorf("the general error reply does not name %s: %s", tx, replies[0].BodyHTML)
	}
}

// TestServeNotifiesSystemd runs serve as systemd runs a Type=notify unit
// with a watchdog: READY=1 once it listens, WATCHDOG=1 while the store
// answers, and after the stop the keep-alive ends before STOPPING=1.
func TestServeNotifiesSystemd(t *testing.T) {
	secretstest.MockInit()
	conn := notifySocket(t)
	// 0.2 s: a ping every 0.1 s, each health check given as long, so the
	// test sees one soon even on a loaded machine (a check that overruns
	// only skips its ping).
	t.Setenv(sdnotify.EnvWatchdogUSec, "200000")
	t.Setenv(sdnotify.EnvWatchdogPID, strconv.Itoa(os.Getpid()))
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan int, 1)
	go func() {
		code, _, _ := runWith(ctx, io.Discard, t, t.TempDir(), "", "serve", "--listen", "127.0.0.1:0", "--allow-shared-host",
			"--metrics-listen", "127.0.0.1:0")
		done <- code
	}()
	if got := notification(t, conn); !strings.HasPrefix(got, "STATUS=serving https://127.0.0.1:") {
		t.Fatalf("got %q, want the status line", got)
	}
	if got := notification(t, conn); got != "READY=1" {
		t.Fatalf("got %q, want READY=1", got)
	}
	if got := notification(t, conn); got != "WATCHDOG=1" {
		t.Fatalf("got %q, want the watchdog's ping", got)
	}
	cancel()
	got := notification(t, conn)
	for got == "WATCHDOG=1" {
		got = notification(t, conn)
	}
	if got != "STATUS=stopping: finishing the requests and decisions under way" {
		t.Fatalf("got %q, want the stopping status", got)
	}
	if got := notification(t, conn); got != "STOPPING=1" {
		t.Fatalf("got %q after the stopping status, want STOPPING=1 (the watchdog has stopped)", got)
	}
	if code := <-done; code != 0 {
		t.Fatalf("serve exited %d", code)
	}
}
