package infinitytest

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"encoding/pem"
	"math/big"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// AssertionType is the client_assertion_type Infinity expects.
const AssertionType = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"

// AddOAuthClient registers an oauth2_client with a new EC P-256 key and
// returns the private key's PEM, as Infinity shows it once.
func (s *Server) AddOAuthClient(clientID string) string {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		panic(err)
	}
	der, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		panic(err)
	}
	s.mu.Lock()
	s.clients[clientID] = &key.PublicKey
	s.mu.Unlock()
	return string(pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: der}))
}

// ExpireTokens makes every access token issued so far invalid.
func (s *Server) ExpireTokens() {
	s.mu.Lock()
	defer s.mu.Unlock()
	clear(s.tokens)
}

// TokenURL is the audience a client's JWT must name.
func (s *Server) TokenURL() string { return s.URL + "/oauth/token/" }

// token is POST /oauth/token/: client credentials with a private-key JWT.
func (s *Server) token(w http.ResponseWriter, r *http.Request, body []byte) {
	if r.Method != http.MethodPost {
		writeJSON(w, http.StatusMethodNotAllowed, map[string]string{"error": "invalid_request"})
		return
	}
	form, err := url.ParseQuery(string(body))
	if err != nil || form.Get("grant_type") != "client_credentials" || form.Get("client_assertion_type") != AssertionType {
		writeJSON(w, http.StatusBadRequest, map[string]string{"error": "invalid_request",
			"error_description": "grant_type client_credentials with a jwt-bearer client_assertion is required"})
		return
	}
	if why := s.verifyAssertion(form.Get("client_assertion")); why != "" {
		writeJSON(w, http.StatusUnauthorized, map[string]string{"error": "invalid_client", "error_description": why})
		return
	}
	b := make([]byte, 24)
	_, _ = rand.Read(b)
	tok := hex.EncodeToString(b)
	s.mu.Lock()
	s.tokens[tok] = s.opts.Now().Add(s.opts.TokenLifetime)
	s.mu.Unlock()
	writeJSON(w, http.StatusOK, map[string]any{"access_token": tok, "token_type": "Bearer",
		"expires_in": int(s.opts.TokenLifetime / time.Second)})
}

// verifyAssertion checks the JWT: ES256, iss = sub = a registered client,
// aud = the token URL, not expired, not issued in the future, a jti not
// seen before, and the signature against the client's public key. It
// returns why it is refused, or "".
func (s *Server) verifyAssertion(jwt string) string {
	parts := strings.Split(jwt, ".")
	if len(parts) != 3 {
		return "the assertion is not a JWT"
	}
	dec := base64.RawURLEncoding
	var header struct{ Alg string }
	var claims struct {
		Iss, Sub, Jti string
		Aud           any
		Iat, Exp      int64
	}
	hb, err1 := dec.DecodeString(parts[0])
	cb, err2 := dec.DecodeString(parts[1])
	sig, err3 := dec.DecodeString(parts[2])
	if err1 != nil || err2 != nil || err3 != nil || json.Unmarshal(hb, &header) != nil || json.Unmarshal(cb, &claims) != nil {
		return "the assertion cannot be decoded"
	}
	if header.Alg != "ES256" {
		return "the assertion must be signed ES256"
	}
	s.mu.Lock()
	pub, ok := s.clients[claims.Iss]
	seen := s.jtis[claims.Jti]
	s.mu.Unlock()
	now := s.opts.Now().Unix()
	switch {
	case !ok || claims.Sub != claims.Iss:
		return "unknown client (iss and sub must both be the client id)"
	case !audience(claims.Aud, s.TokenURL()):
		return "aud must be the token endpoint's URL"
	case claims.Exp <= now:
		return "the assertion has expired"
	case claims.Iat > now+60:
		return "the assertion is issued in the future"
	case claims.Jti == "" || seen:
		return "jti is missing or was used before"
	case len(sig) != 64:
		return "the signature is not an ES256 signature"
	}
	sum := sha256.Sum256([]byte(parts[0] + "." + parts[1]))
	if !ecdsa.Verify(pub, sum[:], new(big.Int).SetBytes(sig[:32]), new(big.Int).SetBytes(sig[32:])) {
		return "the signature does not verify with the client's public key"
	}
	s.mu.Lock()
	s.jtis[claims.Jti] = true
	s.mu.Unlock()
	return ""
}

// audience accepts aud as a string or a list holding want.
func audience(aud any, want string) bool {
	switch a := aud.(type) {
	case string:
		return a == want
	case []any:
		for _, e := range a {
			if e == want {
				return true
			}
		}
	}
	return false
}
