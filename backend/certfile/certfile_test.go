package certfile_test

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptrace"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"vmr-companion/backend/certfile"
	"vmr-companion/backend/testtls"
)

const serverName = "vmr.example.com"

// serve runs an HTTPS server on loopback with the loader's certificates,
// as the add-in host does.
func serve(t *testing.T, l *certfile.Loader) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "ok") })}
	go srv.Serve(tls.NewListener(ln, &tls.Config{MinVersion: tls.VersionTLS12, GetCertificate: l.GetCertificate}))
	t.Cleanup(func() { srv.Close() })
	return "https://" + ln.Addr().String() + "/"
}

// client trusts the test CA only and asks for serverName, keeping its
// connection alive between requests.
func client(ca *testtls.CA) *http.Client {
	return &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: ca.Pool, ServerName: serverName}}}
}

// get fetches url and says which certificate answered and whether the
// connection was one already open.
func get(t *testing.T, c *http.Client, url string) (served *x509.Certificate, reused bool) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, url, nil)
	req = req.WithContext(httptrace.WithClientTrace(req.Context(), &httptrace.ClientTrace{
		GotConn: func(info httptrace.GotConnInfo) { reused = info.Reused },
	}))
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if body, _ := io.ReadAll(resp.Body); string(body) != "ok" {
		t.Fatalf("body %q", body)
	}
	return resp.TLS.PeerCertificates[0], reused
}

func same(a, b *x509.Certificate) bool { return a.SerialNumber.Cmp(b.SerialNumber) == 0 }

func TestOpen(t *testing.T) {
	ca := testtls.NewCA(t, "Test ACME CA")
	t.Run("a good pair is served, with its chain", func(t *testing.T) {
		p := newPair(t)
		good := ca.Valid(t, serverName)
		p.write(t, withChain(good, ca))
		l, err := certfile.Open(p.cert, p.key, certfile.Options{})
		if err != nil {
			t.Fatal(err)
		}
		served, _ := get(t, client(ca), serve(t, l))
		if !same(served, good.Leaf) || !same(l.Leaf(), good.Leaf) || len(l.Certificate().Certificate) != 2 {
			t.Fatalf("served %v", served.Subject)
		}
		if c, k := l.Files(); c != p.cert || k != p.key {
			t.Fatalf("files %s %s", c, k)
		}
	})
	t.Run("a key that is not the certificate's is refused", func(t *testing.T) {
		p := newPair(t)
		p.writeCert(t, ca.Valid(t, serverName))
		p.writeKey(t, ca.Valid(t, serverName))
		if _, err := certfile.Open(p.cert, p.key, certfile.Options{}); !errors.Is(err, certfile.ErrMismatch) {
			t.Fatalf("%v", err)
		}
	})
	t.Run("an expired certificate is refused", func(t *testing.T) {
		p := newPair(t)
		p.write(t, ca.Leaf(t, time.Now().Add(-48*time.Hour), time.Now().Add(-time.Hour), serverName))
		if _, err := certfile.Open(p.cert, p.key, certfile.Options{}); !errors.Is(err, certfile.ErrValidity) || !strings.Contains(err.Error(), "expired") {
			t.Fatalf("%v", err)
		}
	})
}

// TestReloadKeepsOpenConnections renews the pair by rename, as certbot
// does, and reloads: the open keep-alive connection goes on with the old
// certificate, and a new connection gets the new one.
func TestReloadKeepsOpenConnections(t *testing.T) {
	ca := testtls.NewCA(t, "Test ACME CA")
	clk := newClock()
	p := newPair(t)
	old := ca.Valid(t, serverName)
	p.write(t, old)
	var log logBuffer
	l, err := certfile.Open(p.cert, p.key, certfile.Options{Now: clk.Now, Logger: log.Logger()})
	if err != nil {
		t.Fatal(err)
	}
	url := serve(t, l)
	kept := client(ca)
	if served, _ := get(t, kept, url); !same(served, old.Leaf) {
		t.Fatal("not the first certificate")
	}

	renewed := rsaLeaf(t, ca, serverName) // another key type, as a reissue may bring
	p.write(t, renewed)
	if err := l.Reload(); err != nil {
		t.Fatal(err)
	}
	if !same(l.Leaf(), renewed.Leaf) || log.Count("certificate re-read") != 1 {
		t.Fatalf("leaf %v; log:\n%s", l.Leaf().SerialNumber, log.String())
	}
	served, reused := get(t, kept, url)
	if !reused || !same(served, old.Leaf) {
		t.Fatalf("the open connection: reused %v, old certificate %v", reused, same(served, old.Leaf))
	}
	served, reused = get(t, client(ca), url)
	if reused || !same(served, renewed.Leaf) {
		t.Fatalf("a new connection: reused %v, new certificate %v", reused, same(served, renewed.Leaf))
	}
}

// TestHalfWrittenRenewal: the certificate is replaced before the key.
// The old pair goes on being served, the failure is logged once however
// often it is seen, and the pair is taken once the key follows.
func TestHalfWrittenRenewal(t *testing.T) {
	ca := testtls.NewCA(t, "Test ACME CA")
	clk := newClock()
	p := newPair(t)
	old := ca.Valid(t, serverName)
	p.write(t, old)
	var log logBuffer
	l, err := certfile.Open(p.cert, p.key, certfile.Options{Now: clk.Now, CheckEvery: time.Minute, Logger: log.Logger()})
	if err != nil {
		t.Fatal(err)
	}
	url := serve(t, l)

	renewed := ca.Valid(t, serverName)
	p.writeCert(t, renewed)
	if err := l.Reload(); !errors.Is(err, certfile.ErrMismatch) {
		t.Fatalf("reload: %v", err)
	}
	for range 3 { // the certificate written again, and each look finds the pair half written
		p.writeCert(t, renewed)
		clk.Add(time.Minute)
		if served, _ := get(t, client(ca), url); !same(served, old.Leaf) {
			t.Fatal("the half-written pair was served")
		}
	}
	if n := log.Count("cannot be used"); n != 1 {
		t.Fatalf("warned %d times:\n%s", n, log.String())
	}
	if !strings.Contains(log.String(), "half written") {
		t.Fatalf("the warning does not say why:\n%s", log.String())
	}

	p.writeKey(t, renewed)
	clk.Add(time.Minute)
	if served, _ := get(t, client(ca), url); !same(served, renewed.Leaf) {
		t.Fatal("the completed renewal was not taken at the next look")
	}

	t.Run("a new failure after a success is logged again", func(t *testing.T) {
		p.writeKey(t, old)
		clk.Add(time.Minute)
		if served, _ := get(t, client(ca), url); !same(served, renewed.Leaf) {
			t.Fatal("the broken pair was served")
		}
		if n := log.Count("cannot be used"); n != 2 {
			t.Fatalf("warned %d times:\n%s", n, log.String())
		}
	})
}

// TestChangeSeenThroughTheClock: handshakes look at the files once per
// CheckEvery of the injected clock, and no sooner.
func TestChangeSeenThroughTheClock(t *testing.T) {
	ca := testtls.NewCA(t, "Test ACME CA")
	clk := newClock()
	p := newPair(t)
	old := ca.Valid(t, serverName)
	p.write(t, old)
	l, err := certfile.Open(p.cert, p.key, certfile.Options{Now: clk.Now, CheckEvery: 30 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	url := serve(t, l)
	renewed := ca.Valid(t, serverName)
	p.write(t, renewed)

	clk.Add(29 * time.Second)
	if served, _ := get(t, client(ca), url); !same(served, old.Leaf) {
		t.Fatal("the files were looked at before CheckEvery passed")
	}
	clk.Add(time.Second)
	if served, _ := get(t, client(ca), url); !same(served, renewed.Leaf) {
		t.Fatal("the renewal was not seen once CheckEvery passed")
	}

	t.Run("Leaf looks at the files too, for metrics without clients", func(t *testing.T) {
		again := ca.Valid(t, serverName)
		p.write(t, again)
		clk.Add(30 * time.Second)
		if !same(l.Leaf(), again.Leaf) {
			t.Fatal("Leaf did not see the renewal")
		}
	})
	t.Run("files removed for a while leave the pair served", func(t *testing.T) {
		current := l.Leaf()
		if err := os.Rename(p.cert, p.cert+".gone"); err != nil {
			t.Fatal(err)
		}
		clk.Add(30 * time.Second)
		if served, _ := get(t, client(ca), url); !same(served, current) {
			t.Fatal("another certificate was served")
		}
		back := ca.Valid(t, serverName)
		p.write(t, back)
		clk.Add(30 * time.Second)
		if served, _ := get(t, client(ca), url); !same(served, back.Leaf) {
			t.Fatal("the files were not taken when they came back")
		}
	})
	t.Run("an expired renewal is not taken", func(t *testing.T) {
		current := l.Leaf()
		p.write(t, ca.Leaf(t, time.Now().Add(-48*time.Hour), time.Now().Add(-time.Hour), serverName))
		clk.Add(30 * time.Second)
		if served, _ := get(t, client(ca), url); !same(served, current) {
			t.Fatal("the expired certificate was served")
		}
		if err := l.Reload(); !errors.Is(err, certfile.ErrValidity) {
			t.Fatalf("reload: %v", err)
		}
	})
}

// TestConcurrentHandshakesAndReloads: handshakes, scrapes and reloads at
// once (run with -race) always get a whole pair that was written.
func TestConcurrentHandshakesAndReloads(t *testing.T) {
	ca := testtls.NewCA(t, "Test ACME CA")
	clk := newClock()
	p := newPair(t)
	pairs := []tls.Certificate{ca.Valid(t, serverName)}
	p.write(t, pairs[0])
	l, err := certfile.Open(p.cert, p.key, certfile.Options{Now: clk.Now, CheckEvery: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	for range 10 {
		pairs = append(pairs, ca.Valid(t, serverName))
	}
	known := func(c *x509.Certificate) bool {
		for _, p := range pairs {
			if same(c, p.Leaf) {
				return true
			}
		}
		return false
	}
	var wg sync.WaitGroup
	bad := make(chan string, 8)
	for range 8 {
		wg.Go(func() {
			for range 300 {
				c, err := l.GetCertificate(&tls.ClientHelloInfo{})
				if err != nil || c == nil || !known(c.Leaf) || !known(l.Leaf()) {
					bad <- "an unknown or missing certificate was served"
					return
				}
				clk.Add(100 * time.Millisecond)
			}
		})
	}
	for _, next := range pairs[1:] {
		p.write(t, next)
		if err := l.Reload(); err != nil {
			t.Fatal(err)
		}
	}
	wg.Wait()
	close(bad)
	for msg := range bad {
		t.Fatal(msg)
	}
	if !same(l.Leaf(), pairs[len(pairs)-1].Leaf) {
		t.Fatal("the last pair written is not served")
	}
}
