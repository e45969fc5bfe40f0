package exidtoken_test

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strings"
	"testing"

	"vmr-companion/backend/exidtoken"
	"vmr-companion/backend/exidtoken/exidtokentest"
)

// FuzzValidate feeds the validator what anyone can send the add-in host
// as a Bearer token: it must never panic, never accept, and answer with a
// bounded refusal (or the metadata unavailable, for an amurl on the
// Exchange host that serves no document) that does not echo the token.
func FuzzValidate(f *testing.F) {
	fx := newFixture(f)
	ex := fx.ex
	// amurl's port is the sender's choice: the fuzzer's requests may reach
	// the fake and nothing else on this machine.
	tr := ex.Client().Transport.(*http.Transport)
	fake := strings.TrimPrefix(ex.URL, "https://")
	tr.DialContext = func(ctx context.Context, network, addr string) (net.Conn, error) {
		if addr != fake {
			return nil, fmt.Errorf("the fuzz test does not connect to %s", addr)
		}
		var d net.Dialer
		return d.DialContext(ctx, network, addr)
	}
	fx.want.Client = &http.Client{Transport: tr}
	// No seed is a valid token: a mutation must not be able to make one,
	// so every signed seed is signed by a key the fake does not publish.
	stranger := exidtokentest.NewKey(f, 2048)
	for _, seed := range []string{
		"",
		"...",
		"a.b.c",
		"eyJ0eXAiOiJKV1QifQ.e30.",
		ex.Token(exidtokentest.SignedBy(stranger)),
		ex.Token(exidtokentest.SignedBy(stranger), exidtokentest.X5t("AAAAAAAAAAAAAAAAAAAAAAAAAAA")),
		ex.Token(exidtokentest.SignedBy(stranger), exidtokentest.AMURL(ex.URL+"/owa/")),
		ex.Token(exidtokentest.SignedBy(stranger), exidtokentest.AppctxRaw(`"{\"version\":\"ExIdTok.V1\"}"`)),
		ex.Token(exidtokentest.Unsigned()),
		ex.Token(exidtokentest.HMAC(ex.CertDER())),
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		id, err := fx.v.Validate(context.Background(), raw, fx.want)
		if err == nil {
			t.Fatalf("accepted as %+v", id)
		}
		_, isRefused := errors.AsType[*exidtoken.RefusedError](err)
		_, isUnavailable := errors.AsType[*exidtoken.UnavailableError](err)
		if !isRefused && !isUnavailable {
			t.Fatalf("error %T %v", err, err)
		}
		msg := err.Error()
		if len(msg) > 2000 {
			t.Fatalf("an error of %d bytes", len(msg))
		}
		if len(raw) > 40 && strings.Contains(msg, raw) {
			t.Fatalf("the error %q holds the token", msg)
		}
		noSecrets(t, raw, msg)
	})
}
