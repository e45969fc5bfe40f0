package ews_test

import (
	"context"
	"errors"
	"net"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"vmr-companion/backend/ews"
	"vmr-companion/backend/ews/ewstest"
)

func TestRetries(t *testing.T) {
	ctx := context.Background()
	t.Run("busy is retried after the server's BackOffMilliseconds", func(t *testing.T) {
		s, c, sl := fakeClient(t)
		s.FailNext("SyncFolderItems", 2, ewstest.Failure{Status: 500, Code: "ErrorServerBusy", BackOff: 1500 * time.Millisecond})
		if _, err := c.SyncFolderItems(ctx, ews.Inbox, "", 10); err != nil {
			t.Fatal(err)
		}
		if got := sl.all(); len(got) != 2 || got[0] != 1500*time.Millisecond || got[1] != 1500*time.Millisecond {
			t.Errorf("slept %v, want the server's 1.5s twice", got)
		}
		if n := s.RequestCount("SyncFolderItems"); n != 3 {
			t.Errorf("%d requests, want 3", n)
		}
		s.CheckRequests(t)
	})
	t.Run("busy as a response message is retried too", func(t *testing.T) {
		s, c, sl := fakeClient(t)
		s.FailNext("GetFolder", 1, ewstest.Failure{Code: "ErrorServerBusy", BackOff: 250 * time.Millisecond})
		if _, err := c.GetFolder(ctx, ews.Inbox); err != nil {
			t.Fatal(err)
		}
		if got := sl.all(); len(got) != 1 || got[0] != 250*time.Millisecond {
			t.Errorf("slept %v", got)
		}
	})
	t.Run("a 500 then success backs off with jitter below the base delay", func(t *testing.T) {
		s, c, sl := fakeClient(t)
		id := s.SendRequest(meeting("m"))
		s.FailNext("GetItem", 1, ewstest.Failure{Status: 500})
		res, err := c.GetItems(ctx, []ews.ItemID{id})
		if err != nil || res[0].Err != nil {
			t.Fatal(err, res)
		}
		if got := sl.all(); len(got) != 1 || got[0] < 0 || got[0] > 500*time.Millisecond {
			t.Errorf("slept %v, want one wait in [0, 500ms]", got)
		}
	})
	t.Run("delays grow exponentially up to MaxDelay, and the attempts are bounded", func(t *testing.T) {
		s, c, sl := newFakeWith(t, func(cfg *ews.Config) {
			cfg.Retry = ews.RetryPolicy{MaxAttempts: 6, BaseDelay: time.Second, MaxDelay: 3 * time.Second}
		})
		s.FailNext("GetFolder", 10, ewstest.Failure{Status: 503})
		_, err := c.GetFolder(ctx, ews.Inbox)
		if !ews.IsTransient(err) {
			t.Fatalf("err = %v, want transient", err)
		}
		ceilings := []time.Duration{time.Second, 2 * time.Second, 3 * time.Second, 3 * time.Second, 3 * time.Second}
		got := sl.all()
		if len(got) != len(ceilings) {
			t.Fatalf("slept %v, want %d waits", got, len(ceilings))
		}
		for i, d := range got {
			if d < 0 || d > ceilings[i] {
				t.Errorf("wait %d = %v, above %v", i, d, ceilings[i])
			}
		}
		if n := s.RequestCount("GetFolder"); n != 6 {
			t.Errorf("%d attempts, want 6", n)
		}
	})
	t.Run("exhausted busy retries return the error with its back-off", func(t *testing.T) {
		s, c, _ := fakeClient(t)
		s.FailNext("GetFolder", 10, ewstest.Failure{Status: 500, Code: "ErrorServerBusy", BackOff: time.Minute})
		_, err := c.GetFolder(ctx, ews.Inbox)
		var ee *ews.Error
		if !errors.As(err, &ee) || ee.BackOff != time.Minute || !ews.IsTransient(err) || s.RequestCount("GetFolder") != 4 {
			t.Errorf("err = %v after %d requests", err, s.RequestCount("GetFolder"))
		}
	})
	t.Run("401 is returned at once", func(t *testing.T) {
		s, c, sl := fakeClient(t)
		s.FailNext("GetFolder", 1, ewstest.Failure{Status: 401})
		_, err := c.GetFolder(ctx, ews.Inbox)
		if !ews.IsAuth(err) || ews.IsTransient(err) || len(sl.all()) != 0 || s.RequestCount("GetFolder") != 1 {
			t.Errorf("err = %v, sleeps %v, requests %d", err, sl.all(), s.RequestCount("GetFolder"))
		}
		if !strings.Contains(err.Error(), "credentials") {
			t.Errorf("error does not say what to check: %v", err)
		}
	})
	t.Run("impersonation denied is an auth error, not retried", func(t *testing.T) {
		s, c, sl := fakeClient(t)
		s.FailNext("SyncFolderItems", 1, ewstest.Failure{Code: "ErrorImpersonateUserDenied"})
		_, err := c.SyncFolderItems(ctx, ews.Inbox, "", 1)
		if !ews.IsAuth(err) || len(sl.all()) != 0 || !strings.Contains(err.Error(), "ApplicationImpersonation") {
			t.Errorf("err = %v", err)
		}
	})
	t.Run("an answer is not resent after an unclear failure", func(t *testing.T) {
		s, c, sl := fakeClient(t)
		id := s.SendRequest(meeting("once"))
		s.FailNext("CreateItem", 1, ewstest.Failure{Status: 500})
		err := c.Respond(ctx, ews.Response{Kind: ews.Accept, To: id, Key: "k"})
		if err == nil || s.RequestCount("CreateItem") != 1 || len(sl.all()) != 0 {
			t.Errorf("err = %v after %d requests", err, s.RequestCount("CreateItem"))
		}
	})
	t.Run("an answer is resent when Exchange said busy", func(t *testing.T) {
		s, c, sl := fakeClient(t)
		id := s.SendRequest(meeting("busy"))
		s.FailNext("CreateItem", 1, ewstest.Failure{Code: "ErrorServerBusy", BackOff: 10 * time.Millisecond})
		s.FailNext("UpdateItem", 1, ewstest.Failure{Status: 500, Code: "ErrorServerBusy"})
		if err := c.Respond(ctx, ews.Response{Kind: ews.Tentative, To: id, Key: "k2"}); err != nil {
			t.Fatal(err)
		}
		if len(s.Responses()) != 1 || s.RequestCount("CreateItem") != 2 || s.RequestCount("UpdateItem") != 2 || len(sl.all()) != 2 {
			t.Errorf("responses %v, requests %d+%d, sleeps %v", s.Responses(), s.RequestCount("CreateItem"), s.RequestCount("UpdateItem"), sl.all())
		}
	})
	t.Run("a cancelled context stops the retries", func(t *testing.T) {
		s := ewstest.New(room)
		cctx, cancel := context.WithCancel(ctx)
		c, _, _ := newClient(t, s, func(cfg *ews.Config) {
			cfg.Sleep = func(ctx context.Context, d time.Duration) error { cancel(); return ctx.Err() }
		})
		s.FailNext("GetFolder", 5, ewstest.Failure{Status: 502})
		_, err := c.GetFolder(cctx, ews.Inbox)
		if err == nil || s.RequestCount("GetFolder") != 1 {
			t.Errorf("err = %v after %d requests", err, s.RequestCount("GetFolder"))
		}
	})
}

func newFakeWith(t *testing.T, mutate func(*ews.Config)) (*ewstest.Server, *ews.Client, *sleeps) {
	s := ewstest.New(room)
	c, sl, _ := newClient(t, s, mutate)
	return s, c, sl
}

// authFailure stands for an error type of the auth transports.
type authFailure struct{ reason string }

func (e *authFailure) Error() string { return "auth: " + e.reason }

type failingTransport struct {
	calls atomic.Int32
	err   error
}

func (f *failingTransport) RoundTrip(*http.Request) (*http.Response, error) {
	f.calls.Add(1)
	return nil, f.err
}

func TestTransportErrorsPassThrough(t *testing.T) {
	ctx := context.Background()
	ft := &failingTransport{err: &authFailure{"Kerberos is not supported yet; use NTLM or Basic"}}
	c, err := ews.New(ews.Config{URL: "https://exchange.contoso.example/EWS/Exchange.asmx", HTTPClient: &http.Client{Transport: ft}, Mailbox: room,
		Sleep: func(context.Context, time.Duration) error {
			t.Error("slept before retrying an auth transport error")
			return nil
		}})
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.GetFolder(ctx, ews.Inbox)
	var af *authFailure
	if !errors.As(err, &af) || ews.IsTransient(err) || ft.calls.Load() != 1 {
		t.Errorf("err = %v (%d calls); want the transport's own error, not transient, not retried", err, ft.calls.Load())
	}

	// A network failure is transient and reads retry it.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close() // nothing listens there now
	var slept int
	c, _ = ews.New(ews.Config{URL: "https://" + addr + "/EWS/Exchange.asmx", Mailbox: room,
		Sleep: func(context.Context, time.Duration) error { slept++; return nil }})
	_, err = c.GetFolder(ctx, ews.Inbox)
	if !ews.IsTransient(err) || slept != 3 || !strings.Contains(err.Error(), "cannot reach") {
		t.Errorf("refused connection: %v after %d sleeps", err, slept)
	}
	// ...but an answer is not resent after one.
	slept = 0
	err = c.Respond(ctx, ews.Response{Kind: ews.Accept, To: ews.ItemID{ID: "x"}})
	if err == nil || slept != 0 {
		t.Errorf("respond over a refused connection: %v after %d sleeps", err, slept)
	}
}

func TestAnUntrustedCertificateIsNotTransient(t *testing.T) {
	s := ewstest.New(room)
	_, _, ts := newClient(t, s, nil)
	c, err := ews.New(ews.Config{URL: ts.URL + "/EWS/Exchange.asmx", HTTPClient: &http.Client{}, Mailbox: room,
		Sleep: func(context.Context, time.Duration) error { t.Error("retried a certificate error"); return nil }})
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.GetFolder(context.Background(), ews.Inbox)
	if err == nil || ews.IsTransient(err) || !strings.Contains(err.Error(), "certificate") {
		t.Errorf("err = %v", err)
	}
}

func TestConfigIsChecked(t *testing.T) {
	for _, u := range []string{"http://exchange.contoso.example/EWS/Exchange.asmx", "exchange.contoso.example", "https://"} {
		if _, err := ews.New(ews.Config{URL: u}); err == nil {
			t.Errorf("New accepted %q", u)
		}
	}
	if _, err := ews.New(ews.Config{URL: "https://x.example/EWS/Exchange.asmx", Impersonate: true}); err == nil {
		t.Error("impersonation without a mailbox was accepted")
	}
	c, err := ews.New(ews.Config{URL: "https://x.example/EWS/Exchange.asmx", Mailbox: room})
	if err != nil || c.Mailbox() != room || c.As(dan.Email, true).Mailbox() != dan.Email || c.Mailbox() != room {
		t.Errorf("New/As/Mailbox: %v", err)
	}
	if _, err := c.SyncFolderItems(context.Background(), ews.Inbox, "", 513); err == nil {
		t.Error("maxChanges 513 accepted")
	}
	if err := c.Respond(context.Background(), ews.Response{Kind: "maybe", To: ews.ItemID{ID: "x"}}); err == nil {
		t.Error("unknown response kind accepted")
	}
}

func TestHeadersCarryTheMailbox(t *testing.T) {
	s := ewstest.New(room)
	c, _, _ := newClient(t, s, func(cfg *ews.Config) { cfg.Impersonate = true; cfg.UserAgent = "test-agent" })
	if _, err := c.GetFolder(context.Background(), ews.Inbox); err != nil {
		t.Fatal(err)
	}
	r := s.Requests()[0]
	for h, want := range map[string]string{"Content-Type": "text/xml; charset=utf-8", "X-AnchorMailbox": room, "User-Agent": "test-agent"} {
		if got := r.Header.Get(h); got != want {
			t.Errorf("%s = %q, want %q", h, got, want)
		}
	}
	for _, want := range []string{`<t:RequestServerVersion Version="Exchange2013_SP1"/>`, `<t:ExchangeImpersonation><t:ConnectingSID><t:PrimarySmtpAddress>` + room + `</t:PrimarySmtpAddress>`,
		`<t:DistinguishedFolderId Id="inbox"><t:Mailbox><t:EmailAddress>` + room + `</t:EmailAddress>`} {
		if !strings.Contains(string(r.Body), want) {
			t.Errorf("request lacks %s:\n%s", want, r.Body)
		}
	}
}

func TestDefaultAutodiscoverEndpoints(t *testing.T) {
	got := ews.DefaultAutodiscoverEndpoints("Room@Contoso.Example")
	want := []string{"https://autodiscover.contoso.example/autodiscover/autodiscover.svc", "https://contoso.example/autodiscover/autodiscover.svc"}
	if strings.Join(got, " ") != strings.Join(want, " ") {
		t.Errorf("got %v", got)
	}
	if ews.DefaultAutodiscoverEndpoints("nobody") != nil {
		t.Error("endpoints for a non-address")
	}
}

func TestAutodiscoverTriesEachEndpoint(t *testing.T) {
	s := ewstest.New(room)
	_, _, ts := newClient(t, s, nil)
	dead, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	deadURL := "https://" + dead.Addr().String() + "/autodiscover/autodiscover.svc"
	dead.Close()
	u, err := ews.Autodiscover(context.Background(), ts.Client(), room, []string{deadURL, "http://plain.example/x", ts.URL + "/autodiscover/autodiscover.svc"})
	if err != nil || u != ts.URL+"/EWS/Exchange.asmx" {
		t.Errorf("autodiscover = %q, %v", u, err)
	}
	_, err = ews.Autodiscover(context.Background(), ts.Client(), room, []string{deadURL})
	if err == nil || !strings.Contains(err.Error(), "enter the EWS URL by hand") {
		t.Errorf("all endpoints failing: %v", err)
	}
}
