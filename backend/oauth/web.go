package oauth

import (
	"context"
	"crypto/subtle"
	"errors"
	"fmt"
	"net/url"
	"unicode/utf8"

	"golang.org/x/oauth2"
)

// Pending is an authorization code sign-in that was started and waits for
// the provider's answer at its redirect URI: the state that binds the
// answer to it (RFC 6749 10.12), the PKCE verifier (RFC 7636) and the
// nonce the ID token must carry (OIDC Core 3.1.2.1). It holds no token;
// whoever serves the redirect URI keeps it until the answer comes.
type Pending struct {
	state, verifier, nonce, redirectURI string
}

// State is the sign-in's state parameter, by which a server that answers
// many sign-ins at one redirect URI finds this one.
func (pd *Pending) State() string { return pd.state }

// RedirectURI is where the provider sends the browser back.
func (pd *Pending) RedirectURI() string { return pd.redirectURI }

// Matches tells, in constant time, whether an answer carries this
// sign-in's state.
func (pd *Pending) Matches(answer url.Values) bool {
	return pd != nil && subtle.ConstantTimeCompare([]byte(answer.Get("state")), []byte(pd.state)) == 1
}

// Start begins an authorization code sign-in with PKCE (S256) whose answer
// comes to redirectURI: it returns the URL to send the user's browser to
// and the sign-in to Finish with the answer. The desktop's SignInBrowser
// and the add-in host's sign-in dialog both start here.
func (p *Provider) Start(redirectURI string) (authURL string, pending *Pending, err error) {
	if err := p.check(); err != nil {
		return "", nil, err
	}
	if p.AuthURL == "" {
		return "", nil, errors.New("oauth: the sign-in is not configured: the authorization endpoint is missing; set it in the integration's personal VMR settings")
	}
	pending = &Pending{state: randomString(), verifier: oauth2.GenerateVerifier(), nonce: randomString(), redirectURI: redirectURI}
	opts := append([]oauth2.AuthCodeOption{oauth2.S256ChallengeOption(pending.verifier), oauth2.SetAuthURLParam("nonce", pending.nonce)}, p.extraParams()...)
	return p.config(redirectURI).AuthCodeURL(pending.state, opts...), pending, nil
}

// maxProviderText bounds how much of a provider's error text is repeated:
// the answer arrives through the user's browser, so anyone can write it.
const maxProviderText = 200

// Finish checks the provider's answer at the redirect URI (RFC 6749 4.1.2:
// its query, or the form of a form_post answer) against a started sign-in
// and exchanges the code with the PKCE verifier; the ID token is verified
// (signature where the provider's keys are known, issuer, audience,
// expiry, nonce). An answer of another sign-in gives ErrStateMismatch; a
// refusal ErrConsentRefused.
func (p *Provider) Finish(ctx context.Context, pending *Pending, answer url.Values) (*Session, error) {
	switch {
	case !pending.Matches(answer):
		return nil, ErrStateMismatch
	case answer.Get("error") == "access_denied":
		return nil, ErrConsentRefused
	case answer.Get("error") != "":
		said := clip(answer.Get("error"))
		if d := answer.Get("error_description"); d != "" {
			said += ": " + clip(firstLine(d))
		}
		return nil, fmt.Errorf("oauth: the identity provider refused the sign-in (%s); try again, or show this message to your IT team", said)
	case answer.Get("code") == "":
		return nil, errors.New("oauth: the identity provider answered without an authorization code; try again, or show this message to your IT team")
	}
	return p.exchange(ctx, answer.Get("code"), pending.verifier, pending.redirectURI, pending.nonce)
}

// clip shortens a text from outside to maxProviderText bytes of valid UTF-8.
func clip(s string) string {
	if len(s) <= maxProviderText {
		return s
	}
	s = s[:maxProviderText]
	for !utf8.ValidString(s) {
		s = s[:len(s)-1]
	}
	return s + "…"
}
