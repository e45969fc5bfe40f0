package auth

import (
	"io"
	"net/http"

	"vmr-companion/backend/integration"
	"vmr-companion/backend/secrets"
)

// basicTransport adds HTTP Basic credentials (RFC 7617) to every request.
type basicTransport struct {
	username string
	password secrets.Secret
	base     http.RoundTripper
}

func (t *basicTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	if err := requireHTTPS(req, integration.AuthBasic); err != nil {
		return nil, err
	}
	r := req.Clone(req.Context())
	r.SetBasicAuth(t.username, t.password.Reveal())
	res, err := t.base.RoundTrip(r)
	if err != nil || res.StatusCode != http.StatusUnauthorized {
		return res, err
	}
	discard(res)
	return nil, &Error{Method: integration.AuthBasic, Status: res.StatusCode,
		Problem: "Basic authentication was refused (HTTP 401)",
		Advice: "check the service account's user name (user@domain or DOMAIN\\user) and password, and that Basic authentication is enabled on the EWS virtual directory " +
			"(Exchange Online has turned it off: use OAuth or app permissions there)" + offeredSchemes(res)}
}

// requireHTTPS refuses to send credentials in clear text.
func requireHTTPS(req *http.Request, method string) error {
	if req.URL.Scheme == "https" {
		return nil
	}
	return &Error{Method: method,
		Problem: "refusing to send " + method + " credentials over " + req.URL.Scheme + "://" + req.URL.Host,
		Advice:  "use the https:// address of the EWS endpoint"}
}

// offeredSchemes names the schemes the server asks for in a 401, as
// advice to pick a matching method.
func offeredSchemes(res *http.Response) string {
	schemes := challengeSchemes(res.Header)
	if len(schemes) == 0 {
		return ""
	}
	list := schemes[0]
	for _, s := range schemes[1:] {
		list += ", " + s
	}
	return "; the server offers: " + list
}

// discard drains and closes a response body so its connection can be
// reused (NTLM depends on that).
func discard(res *http.Response) {
	_, _ = io.Copy(io.Discard, io.LimitReader(res.Body, 1<<20))
	_ = res.Body.Close()
}
