package auth

import (
	"context"
	"encoding/base64"
	"encoding/binary"
	"net/http"
	"strings"
	"sync"

	"github.com/Azure/go-ntlmssp"

	"vmr-companion/backend/integration"
	"vmr-companion/backend/secrets"
)

// ntlmTransport authenticates with NTLM (MS-NLMP) through go-ntlmssp. NTLM
// authenticates the TCP connection, not the request: the connection layer
// keeps connections (HTTP/1.1 keep-alive) so that one handshake serves the
// requests that follow on it.
type ntlmTransport struct {
	username string
	password secrets.Secret
	ntlm     ntlmssp.Negotiator
}

func newNTLMTransport(s Settings) *ntlmTransport {
	return &ntlmTransport{
		username: s.Username,
		password: s.Password,
		ntlm:     ntlmssp.Negotiator{RoundTripper: &handshakeRecorder{base: baseTransport(s, false)}},
	}
}

func (t *ntlmTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	// The NTLMv2 response can be cracked offline: never in clear text.
	if err := requireHTTPS(req, integration.AuthNTLM); err != nil {
		return nil, err
	}
	h := &handshake{}
	r := req.Clone(context.WithValue(req.Context(), handshakeKey{}, h))
	// The Negotiator takes the credentials from Basic auth of the request;
	// it removes the header before anything is sent.
	r.SetBasicAuth(t.username, t.password.Reveal())
	res, err := t.ntlm.RoundTrip(r)
	if err != nil || res.StatusCode != http.StatusUnauthorized {
		return res, err
	}
	discard(res)
	return nil, h.failure(res)
}

// handshakeKey carries the *handshake of one request through the
// Negotiator (which clones requests with their context).
type handshakeKey struct{}

// handshake records what went over the wire during one NTLM exchange.
type handshake struct {
	mu                sync.Mutex
	negotiateSent     bool // type 1 message
	challengeReceived bool // type 2 message in a 401
	authenticateSent  bool // type 3 message
	evidence          []string
}

// handshakeRecorder sits under the Negotiator and notes the NTLM messages
// and any Layer 7 evidence in the responses.
type handshakeRecorder struct{ base http.RoundTripper }

func (h *handshakeRecorder) RoundTrip(req *http.Request) (*http.Response, error) {
	rec, _ := req.Context().Value(handshakeKey{}).(*handshake)
	if rec == nil {
		return h.base.RoundTrip(req)
	}
	sent := ntlmMessageType(req.Header.Get("Authorization"))
	res, err := h.base.RoundTrip(req)
	rec.mu.Lock()
	defer rec.mu.Unlock()
	switch sent {
	case 1:
		rec.negotiateSent = true
	case 3:
		rec.authenticateSent = true
	}
	if err != nil {
		return res, err
	}
	if res.StatusCode == http.StatusUnauthorized {
		for _, v := range res.Header.Values("WWW-Authenticate") {
			if ntlmMessageType(v) == 2 {
				rec.challengeReceived = true
			}
		}
	}
	rec.evidence = appendNew(rec.evidence, layer7Evidence(res)...)
	return res, nil
}

// failure explains a 401 that ends the exchange.
func (h *handshake) failure(res *http.Response) *Error {
	h.mu.Lock()
	defer h.mu.Unlock()
	e := &Error{Method: integration.AuthNTLM, Status: res.StatusCode}
	switch {
	case h.authenticateSent:
		e.Problem = "NTLM authentication was refused: the server answered 401 to a complete NTLM handshake"
		if len(h.evidence) > 0 {
			e.Advice = "the responses show a Layer 7 (HTTP) proxy or load balancer between here and Exchange (" + strings.Join(h.evidence, "; ") + "). " +
				"NTLM authenticates the TCP connection, and a Layer 7 hop that does not keep each client connection on one server connection breaks it: " +
				"configure that load balancer or proxy as Layer 4 (TCP) passthrough, or connect to Exchange directly. If it already is, check the service account's user name, password and domain"
		} else {
			e.Advice = "check the service account's user name (user@domain or DOMAIN\\user), password and domain, and that the account is not locked. " +
				"If a load balancer or reverse proxy sits in front of Exchange: NTLM authenticates the TCP connection, so a Layer 7 (HTTP) load balancer or proxy that does not keep each client connection on one server breaks it: " +
				"configure it as Layer 4 (TCP) passthrough"
		}
	case h.negotiateSent && !h.challengeReceived:
		e.Problem = "NTLM authentication failed: the server answered the NTLM negotiate message without a challenge"
		e.Advice = "enable Windows authentication with the NTLM provider (not only Kerberos) on the EWS virtual directory, or choose the method the server offers" + offeredSchemes(res)
	default:
		e.Problem = "the EWS server does not offer NTLM authentication (HTTP 401)"
		e.Advice = "enable Windows authentication on the EWS virtual directory, or choose the method the server offers" + offeredSchemes(res)
	}
	if !h.authenticateSent && len(h.evidence) > 0 {
		e.Advice += " (signs of a Layer 7 proxy or load balancer in between: " + strings.Join(h.evidence, "; ") + ")"
	}
	return e
}

// ntlmMessageType returns the NTLM message type (1 negotiate, 2 challenge,
// 3 authenticate) in an Authorization or WWW-Authenticate value of the
// NTLM or Negotiate scheme, 0 if there is none. Negotiate may carry raw
// NTLM (what go-ntlmssp sends) or SPNEGO; only raw NTLM is recognised.
func ntlmMessageType(header string) uint32 {
	scheme, token, ok := strings.Cut(strings.TrimSpace(header), " ")
	if !ok || (!strings.EqualFold(scheme, "NTLM") && !strings.EqualFold(scheme, "Negotiate")) {
		return 0
	}
	msg, err := base64.StdEncoding.DecodeString(strings.TrimSpace(token))
	// MS-NLMP 2.2.1: Signature "NTLMSSP\0", then MessageType (4 bytes, LE).
	if err != nil || len(msg) < 12 || string(msg[:8]) != "NTLMSSP\x00" {
		return 0
	}
	return binary.LittleEndian.Uint32(msg[8:12])
}

// challengeSchemes lists the schemes of the WWW-Authenticate headers.
func challengeSchemes(h http.Header) []string {
	var out []string
	for _, v := range h.Values("WWW-Authenticate") {
		for _, part := range strings.Split(v, ",") {
			scheme, _, _ := strings.Cut(strings.TrimSpace(part), " ")
			// Parameters of a challenge (realm="x") follow commas too.
			if scheme == "" || strings.Contains(scheme, "=") {
				continue
			}
			out = appendNew(out, scheme)
		}
	}
	return out
}

func appendNew(list []string, items ...string) []string {
	for _, it := range items {
		found := false
		for _, have := range list {
			if have == it {
				found = true
				break
			}
		}
		if !found {
			list = append(list, it)
		}
	}
	return list
}
