package infinity

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"vmr-companion/backend/secrets"
)

// TokenPath is Infinity's OAuth2 token endpoint on the Management Node.
const TokenPath = "/oauth/token/"

// AssertionType is the client_assertion_type of a private-key JWT.
const AssertionType = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"

// authenticator sets a request's Authorization header; forget drops a
// cached credential after Infinity refused it.
type authenticator interface {
	apply(ctx context.Context, req *http.Request) error
	forget()
}

type basicAuth struct {
	user string
	pass secrets.Secret
}

func (b basicAuth) apply(_ context.Context, req *http.Request) error {
	req.SetBasicAuth(b.user, b.pass.Reveal())
	return nil
}

func (basicAuth) forget() {}

// oauth holds the client's key and the cached access token.
type oauth struct {
	c        *Client
	clientID string
	key      *ecdsa.PrivateKey

	mu      sync.Mutex
	token   secrets.Secret
	expires time.Time
}

func newOAuth(c *Client, clientID string, keyPEM secrets.Secret) (*oauth, error) {
	key, err := ParseECKey(keyPEM)
	if err != nil {
		return nil, err
	}
	return &oauth{c: c, clientID: clientID, key: key}, nil
}

// ParseECKey reads an EC P-256 private key in PEM (SEC 1 "EC PRIVATE KEY"
// or PKCS #8 "PRIVATE KEY"), as Infinity shows it when the oauth2_client is
// made. Errors never quote the key.
func ParseECKey(keyPEM secrets.Secret) (*ecdsa.PrivateKey, error) {
	block, _ := pem.Decode([]byte(keyPEM.Reveal()))
	if block == nil {
		return nil, errors.New("infinity: the OAuth2 private key is not PEM: paste the whole key Infinity showed, from -----BEGIN to -----END")
	}
	var key *ecdsa.PrivateKey
	switch block.Type {
	case "EC PRIVATE KEY":
		k, err := x509.ParseECPrivateKey(block.Bytes)
		if err != nil {
			return nil, errors.New("infinity: the OAuth2 private key cannot be read as an EC key")
		}
		key = k
	case "PRIVATE KEY":
		k, err := x509.ParsePKCS8PrivateKey(block.Bytes)
		if err != nil {
			return nil, errors.New("infinity: the OAuth2 private key cannot be read as a PKCS #8 key")
		}
		ec, ok := k.(*ecdsa.PrivateKey)
		if !ok {
			return nil, errors.New("infinity: the OAuth2 private key is not an EC key (Infinity's clients use EC P-256)")
		}
		key = ec
	default:
		return nil, fmt.Errorf("infinity: the OAuth2 private key is a %q PEM block, not a private key", block.Type)
	}
	if key.Curve != elliptic.P256() {
		return nil, errors.New("infinity: the OAuth2 private key is not on curve P-256 (ES256 needs P-256)")
	}
	return key, nil
}

func (o *oauth) apply(ctx context.Context, req *http.Request) error {
	tok, err := o.get(ctx)
	if err != nil {
		return err
	}
	req.Header.Set("Authorization", "Bearer "+tok.Reveal())
	return nil
}

func (o *oauth) forget() {
	o.mu.Lock()
	o.token, o.expires = secrets.Secret{}, time.Time{}
	o.mu.Unlock()
}

// get returns the cached token, or a new one once the old is within a
// minute of expiring (a request in flight must not carry a dead token).
func (o *oauth) get(ctx context.Context) (secrets.Secret, error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	if !o.token.IsZero() && o.c.now().Before(o.expires.Add(-time.Minute)) {
		return o.token, nil
	}
	tok, life, err := o.fetch(ctx)
	if err != nil {
		return secrets.Secret{}, err
	}
	o.token, o.expires = tok, o.c.now().Add(life)
	return tok, nil
}

func (o *oauth) tokenURL() string { return o.c.base.String() + TokenPath }

func (o *oauth) fetch(ctx context.Context) (secrets.Secret, time.Duration, error) {
	form := func() (url.Values, error) {
		assertion, err := SignAssertion(o.key, o.clientID, o.tokenURL(), o.c.now())
		return url.Values{"grant_type": {"client_credentials"}, "client_assertion_type": {AssertionType},
			"client_assertion": {assertion}}, err
	}
	var answer struct {
		AccessToken string  `json:"access_token"`
		TokenType   string  `json:"token_type"`
		ExpiresIn   float64 `json:"expires_in"`
	}
	_, err := o.c.send(ctx, call{method: http.MethodPost, path: TokenPath, form: form, noAuth: true,
		resource: "oauth token", retryPost: true}, &answer)
	var ae *AuthError
	if errors.As(err, &ae) || isStatus(err, http.StatusBadRequest) {
		return secrets.Secret{}, 0, fmt.Errorf("infinity: Infinity refused the OAuth2 client %s: check the client id, that its private key is the one Infinity showed for it, and that this computer's clock is right: %w", o.clientID, err)
	}
	if err != nil {
		return secrets.Secret{}, 0, err
	}
	if answer.AccessToken == "" || !strings.EqualFold(answer.TokenType, "bearer") {
		return secrets.Secret{}, 0, fmt.Errorf("infinity: the token endpoint answered without a bearer access token (token_type %q)", truncate(answer.TokenType, 40))
	}
	life := time.Duration(answer.ExpiresIn * float64(time.Second))
	if life <= 0 || life > 24*time.Hour {
		life = 5 * time.Minute // unknown lifetime: ask again soon rather than use a dead token
	}
	return secrets.New(answer.AccessToken), life, nil
}

// SignAssertion makes the private-key JWT of the token request: ES256,
// iss = sub = clientID, aud = tokenURL, iat = now, exp = now + 5 minutes and
// a random jti.
func SignAssertion(key *ecdsa.PrivateKey, clientID, tokenURL string, now time.Time) (string, error) {
	jti := make([]byte, 16)
	if _, err := io.ReadFull(rand.Reader, jti); err != nil {
		return "", fmt.Errorf("infinity: no randomness for the JWT id: %w", err)
	}
	header, _ := json.Marshal(map[string]string{"alg": "ES256", "typ": "JWT"})
	claims, _ := json.Marshal(map[string]any{"iss": clientID, "sub": clientID, "aud": tokenURL,
		"iat": now.Unix(), "exp": now.Add(5 * time.Minute).Unix(), "jti": hex.EncodeToString(jti)})
	enc := base64.RawURLEncoding
	signing := enc.EncodeToString(header) + "." + enc.EncodeToString(claims)
	sum := sha256.Sum256([]byte(signing))
	r, s, err := ecdsa.Sign(rand.Reader, key, sum[:])
	if err != nil {
		return "", fmt.Errorf("infinity: signing the JWT: %w", err)
	}
	// JWS wants r||s, each 32 bytes big-endian, not ASN.1.
	sig := make([]byte, 64)
	r.FillBytes(sig[:32])
	s.FillBytes(sig[32:])
	return signing + "." + enc.EncodeToString(sig), nil
}
