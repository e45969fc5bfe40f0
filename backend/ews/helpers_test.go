package ews_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"vmr-companion/backend/ews"
	"vmr-companion/backend/ews/ewstest"
)

const room = "vmr-room@contoso.example"

var dan = ews.Mailbox{Name: "Dan Park", Email: "dpark@contoso.example"}

// sleeps records the client's waits instead of waiting.
type sleeps struct {
	mu sync.Mutex
	d  []time.Duration
}

func (s *sleeps) sleep(ctx context.Context, d time.Duration) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.d = append(s.d, d)
	return ctx.Err()
}

func (s *sleeps) all() []time.Duration {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]time.Duration(nil), s.d...)
}

// newClient returns a client for h served over TLS on 127.0.0.1.
func newClient(t *testing.T, h http.Handler, mutate func(*ews.Config)) (*ews.Client, *sleeps, *httptest.Server) {
	t.Helper()
	ts := httptest.NewTLSServer(h)
	t.Cleanup(ts.Close)
	sl := &sleeps{}
	cfg := ews.Config{URL: ts.URL + "/EWS/Exchange.asmx", HTTPClient: ts.Client(), Mailbox: room, Sleep: sl.sleep}
	if mutate != nil {
		mutate(&cfg)
	}
	c, err := ews.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return c, sl, ts
}

func fakeClient(t *testing.T) (*ewstest.Server, *ews.Client, *sleeps) {
	s := ewstest.New(room)
	c, sl, _ := newClient(t, s, nil)
	return s, c, sl
}

// fixture reads a file of shared/fixtures/ews.
func fixture(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(ewstest.SharedDir(t), "fixtures", "ews", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func meeting(uid string) ewstest.Meeting {
	start := time.Date(2030, 2, 3, 10, 0, 0, 0, time.UTC)
	return ewstest.Meeting{UID: uid, Subject: "Subject " + uid, Organizer: dan, Start: start, End: start.Add(time.Hour), TimeZone: "Romance Standard Time", BodyHTML: "<p>body</p>"}
}
