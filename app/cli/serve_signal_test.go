//go:build !windows

package cli

import (
	"bufio"
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"os/signal"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"vmr-companion/app/wire/wiretest"
	"vmr-companion/backend/ews/ewstest"
	"vmr-companion/backend/secrets/secretstest"
	"vmr-companion/backend/testtls"
)

// childDir names the data folder of TestServeChild, which runs only as
// the child process of TestServeStopsOnSIGTERM.
const childDir = "VMR_COMPANION_TEST_SERVE_CHILD"

// exchangeHeld is what the child prints once its fake Exchange holds a
// pass in the middle (its mailbox lease taken).
const exchangeHeld = "TEST: Exchange holds the pass"

// TestServeStopsOnSIGTERM runs serve as a real process, sends SIGTERM
// while a worker is in the middle of a pass, and checks that serve lets
// the pass finish, gives the mailbox lease back and exits 0.
func TestServeStopsOnSIGTERM(t *testing.T) {
	// The child runs with -test.run=^TestServeChild$, so this test never
	// runs inside it.
	dir := t.TempDir()
	cmd := exec.Command(os.Args[0], "-test.run=^TestServeChild$", "-test.count=1")
	cmd.Env = append(os.Environ(), childDir+"="+dir)
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var stderr strings.Builder
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	var output strings.Builder
	var outMu sync.Mutex
	lines := make(chan string, 64)
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			outMu.Lock()
			output.WriteString(sc.Text() + "\n")
			outMu.Unlock()
			lines <- sc.Text()
		}
		close(lines)
		exited <- cmd.Wait()
	}()
	// A generous bound: it fails the test only when serve hangs.
	hung := time.After(2 * time.Minute)
	dump := func() string {
		outMu.Lock()
		defer outMu.Unlock()
		return output.String() + stderr.String()
	}
	metricsAt := regexp.MustCompile(`Health and metrics: http://(\S+)/readyz`)
	var metricsAddr string
	held, ready := false, false
	// wait reads serve's output until done says it has what it waits for.
	wait := func(what string, done func() bool) {
		for !done() {
			select {
			case line, ok := <-lines:
				if !ok {
					t.Fatalf("serve ended while waiting for %s:\n%s", what, dump())
				}
				if m := metricsAt.FindStringSubmatch(line); m != nil {
					metricsAddr = m[1]
				}
				held = held || strings.Contains(line, exchangeHeld)
				ready = ready || strings.Contains(line, "Press Ctrl+C to stop.")
			case <-hung:
				cmd.Process.Kill()
				t.Fatalf("serve hung waiting for %s:\n%s", what, dump())
			}
		}
	}
	wait("its worker", func() bool { return metricsAddr != "" && held && ready })

	// Without a config file SIGHUP has nothing to re-read, and serve keeps running.
	if err := cmd.Process.Signal(syscall.SIGHUP); err != nil {
		t.Fatal(err)
	}
	wait("SIGHUP's answer", func() bool { return strings.Contains(dump(), "SIGHUP: no config file to re-read") })
	resp, err := http.Get("http://" + metricsAddr + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if !strings.Contains(string(body), `vmr_companion_scheduler_lease_held{integration="Contoso"} 1`) {
		t.Fatalf("the lease is not held during the pass:\n%s", body)
	}

	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	go func() {
		for range lines {
		}
	}()
	select {
	case err := <-exited:
		if err != nil {
			t.Fatalf("serve did not exit 0 after SIGTERM: %v\n%s", err, dump())
		}
	case <-hung:
		cmd.Process.Kill()
		t.Fatalf("serve hung after SIGTERM:\n%s", dump())
	}
	if !strings.Contains(dump(), "Stopping") {
		t.Errorf("serve did not say it was stopping:\n%s", dump())
	}

	secretstest.MockInit()
	svc := wiretest.Open(t, dir)
	st, err := svc.Scheduler.Status(context.Background(), "Contoso")
	if err != nil {
		t.Fatal(err)
	}
	if st.Lease != nil {
		t.Fatalf("the mailbox lease was not given back: %+v", st.Lease)
	}
	if st.LastSync.IsZero() {
		t.Error("the pass under way did not finish (no sync recorded)")
	}
}

// TestServeChild is serve as TestServeStopsOnSIGTERM runs it: an
// integration on a fake Exchange that holds the first mailbox read until
// the process is told to stop. It is TestServeStopsOnSIGTERM's child
// process (the test binary run again with -test.run=^TestServeChild$ and
// childDir set); in the ordinary run it has nothing to do and skips.
func TestServeChild(t *testing.T) {
	dir := os.Getenv(childDir)
	if dir == "" {
		t.Skip("runs only as TestServeStopsOnSIGTERM's child process")
	}
	secretstest.MockInit()
	stop := make(chan os.Signal, 1)
	signal.Notify(stop, syscall.SIGTERM)
	released := make(chan struct{})
	go func() { <-stop; close(released) }()
	fake := ewstest.New("room@contoso.com")
	var once sync.Once
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		if strings.Contains(string(body), "SyncFolderItems") {
			once.Do(func() {
				os.Stdout.WriteString(exchangeHeld + "\n")
				select {
				case <-released:
				case <-r.Context().Done():
				}
			})
		}
		r.Body = io.NopCloser(strings.NewReader(string(body)))
		fake.ServeHTTP(w, r)
	}))
	defer srv.Close()
	ex := &wiretest.Exchange{Fake: fake, URL: srv.URL + "/EWS/Exchange.asmx", CAFile: testtls.WritePEM(t, srv.Certificate())}
	if code, _, stderr := run(t, dir, ex.Integration("room@contoso.com"), "integrations", "create", "-f", "-"); code != 0 {
		t.Fatalf("create: %s", stderr)
	}
	code, _, errOut := runWith(context.Background(), os.Stdout, t, dir, "", "serve", "--listen", "127.0.0.1:0", "--allow-shared-host",
		"--metrics-listen", "127.0.0.1:0")
	os.Stdout.WriteString(errOut)
	os.Exit(code)
}
