package oauth

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"html"
	"net"
	"net/http"
	"sync/atomic"
	"time"
)

// callbackPath is where the browser is sent back to on the loopback port.
const callbackPath = "/callback"

type signInResult struct {
	session *Session
	err     error
}

// SignInBrowser signs the user in with the authorization code flow in the
// system browser. open shows the URL (the caller decides how); the answer
// comes back to a listener on 127.0.0.1 at a random port, opened for this
// sign-in only and closed before SignInBrowser returns (RFC 8252 7.3; the
// IP literal, not "localhost", as its section 8.3 recommends). PKCE with
// S256 (RFC 7636) binds the code to this app, state to this sign-in (RFC
// 6749 10.12), and the nonce the ID token to it (OIDC Core 3.1.2.1).
//
// It returns when the browser comes back, ctx ends or the provider's
// SignInTimeout passes: ErrConsentRefused when the user refused,
// ErrSignInTimedOut, or ErrBrowserUnavailable when open fails. Answers
// without this sign-in's state are refused and do not end it; if any came,
// the error of a sign-in that then ends unfinished also wraps
// ErrStateMismatch.
func (p *Provider) SignInBrowser(ctx context.Context, open func(url string) error) (*Session, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("oauth: opening a local port for the sign-in's answer: %w; check that local firewalls allow 127.0.0.1", err)
	}
	redirectURI := fmt.Sprintf("http://%s%s", ln.Addr(), callbackPath)
	authURL, pending, err := p.Start(redirectURI)
	if err != nil {
		ln.Close()
		return nil, err
	}

	ctx, cancel := context.WithTimeout(ctx, p.signInTimeout())
	defer cancel()

	results := make(chan signInResult, 1)
	var answered, forged atomic.Bool
	mux := http.NewServeMux()
	mux.HandleFunc("GET "+callbackPath, func(w http.ResponseWriter, r *http.Request) {
		// Any local process or web page can send a browser here. An answer
		// without this sign-in's state is not the provider's: refuse it
		// and keep waiting, so it can neither end nor take the sign-in.
		if !pending.Matches(r.URL.Query()) {
			forged.Store(true)
			writePage(w, http.StatusBadRequest, "This answer belongs to another sign-in and was ignored; finish the sign-in in the browser window VMR Companion opened. You can close this tab.")
			return
		}
		// The first answer decides; a later one (a reload, a second tab)
		// must not start another exchange.
		if !answered.CompareAndSwap(false, true) {
			writePage(w, http.StatusConflict, "This sign-in is already finished. You can close this tab.")
			return
		}
		var res signInResult
		res.session, res.err = p.Finish(ctx, pending, r.URL.Query())
		if res.err != nil {
			writePage(w, http.StatusBadRequest, "The sign-in did not work: "+res.err.Error()+" You can close this tab.")
		} else {
			writePage(w, http.StatusOK, "You are signed in to VMR Companion. You can close this tab.")
		}
		results <- res
	})
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	go srv.Serve(ln) //nolint:errcheck // Serve ends with ErrServerClosed when the sign-in ends.
	defer func() {
		// Let the page reach the browser, then close the port.
		sctx, scancel := context.WithTimeout(context.WithoutCancel(ctx), 2*time.Second)
		defer scancel()
		if srv.Shutdown(sctx) != nil {
			srv.Close()
		}
		// Serve may not have taken the listener yet, and then Shutdown
		// does not know it.
		ln.Close()
	}()

	if err := open(authURL); err != nil {
		return nil, fmt.Errorf("%w (%v)", ErrBrowserUnavailable, err)
	}
	select {
	case res := <-results:
		return res.session, res.err
	case <-ctx.Done():
		if forged.Load() {
			return nil, fmt.Errorf("%w (%w)", endedError(ctx), ErrStateMismatch)
		}
		return nil, endedError(ctx)
	}
}

// writePage answers the browser with our own short text, never the
// provider's markup.
func writePage(w http.ResponseWriter, status int, message string) {
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Cache-Control", "no-store")
	h.Set("Content-Security-Policy", "default-src 'none'")
	h.Set("Referrer-Policy", "no-referrer") // the URL holds the code
	h.Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(status)
	fmt.Fprintf(w, "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>VMR Companion sign-in</title></head>"+
		"<body><p>%s</p></body></html>\n", html.EscapeString(message))
}

// endedError says why a sign-in's context ended.
func endedError(ctx context.Context) error {
	if errors.Is(ctx.Err(), context.DeadlineExceeded) {
		return fmt.Errorf("%w (%w)", ErrSignInTimedOut, ctx.Err())
	}
	return fmt.Errorf("oauth: the sign-in was canceled: %w", ctx.Err())
}

func randomString() string {
	b := make([]byte, 32)
	rand.Read(b) // never fails (crypto/rand, Go 1.24+)
	return base64.RawURLEncoding.EncodeToString(b)
}
