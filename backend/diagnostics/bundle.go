package diagnostics

import (
	"encoding/json"
	"fmt"
	"io"
	"regexp"
	"strings"
	"time"

	"vmr-companion/backend/integration"
	"vmr-companion/backend/secrets"
)

// Bundle is what an admin sends to support: the report, the integration
// (never its secrets), and a log excerpt, all redacted when written.
type Bundle struct {
	Report      *Report        `json:"report"`
	Integration map[string]any `json:"integration"`
	Log         []string       `json:"log"`
	Version     string         `json:"version"`
	GeneratedAt time.Time      `json:"generated_at"`

	known []string // secret values to cut out wherever they appear
}

// NewBundle gathers a bundle. The integration is copied as its JSON fields;
// secret fields are not among them, and anything else that looks like a
// secret is redacted by WriteJSON.
func NewBundle(r *Report, in *integration.Integration, log []string, version string) *Bundle {
	b := &Bundle{Report: r, Log: append([]string(nil), log...), Version: version, GeneratedAt: time.Now().UTC()}
	if in != nil {
		data, err := json.Marshal(in)
		if err == nil {
			_ = json.Unmarshal(data, &b.Integration)
		}
	}
	return b
}

// Redact adds secret values (the integration's password, client secret...)
// that WriteJSON cuts out wherever they appear, whatever their context.
func (b *Bundle) Redact(known ...secrets.Secret) {
	for _, s := range known {
		if v := s.Reveal(); len(v) >= 4 { // shorter values would blank out ordinary text
			b.known = append(b.known, v)
		}
	}
}

// WriteJSON writes the bundle as indented JSON with every string redacted:
// Authorization and cookie headers, Bearer tokens, password=, client_secret=,
// refresh_token= and similar parameters, passwords in URLs, JSON web tokens,
// and the values given to Redact.
func (b *Bundle) WriteJSON(w io.Writer) error {
	var doc any
	data, err := json.Marshal(b)
	if err != nil {
		return fmt.Errorf("diagnostics: encoding the bundle: %w", err)
	}
	if err := json.Unmarshal(data, &doc); err != nil {
		return fmt.Errorf("diagnostics: encoding the bundle: %w", err)
	}
	doc = b.redactValue("", doc)
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false) // templates stay readable
	if err := enc.Encode(doc); err != nil {
		return fmt.Errorf("diagnostics: writing the bundle: %w", err)
	}
	return nil
}

// redactValue walks decoded JSON, redacting every string and every value
// under a key that names a secret.
func (b *Bundle) redactValue(key string, v any) any {
	switch x := v.(type) {
	case string:
		if secretKey(key) && x != "" {
			return redacted
		}
		return b.RedactText(x)
	case []any:
		for i := range x {
			x[i] = b.redactValue(key, x[i])
		}
		return x
	case map[string]any:
		for k, val := range x {
			x[k] = b.redactValue(k, val)
		}
		return x
	}
	return v
}

const redacted = "[redacted]"

// secretKey tells JSON keys whose values are secret: the integration's
// secret fields, and names that say so.
func secretKey(k string) bool {
	if k == "secrets_stored" { // names of the stored secrets, not values
		return false
	}
	// oauth_state guards the service account's OAuth sign-in in progress.
	if integration.IsSecret(k) || k == "oauth_state" {
		return true
	}
	k = strings.ToLower(k)
	for _, s := range []string{"password", "secret", "token", "authorization", "cookie"} {
		if strings.Contains(k, s) && !strings.HasSuffix(k, "_endpoint") && !strings.HasSuffix(k, "_url") {
			return true
		}
	}
	return false
}

// Patterns of secrets in free text. Each keeps its label and replaces the value.
var textPatterns = []struct {
	re   *regexp.Regexp
	repl string
}{
	// Whole header values: the scheme says little, the rest is the credential.
	{regexp.MustCompile(`(?i)\b((?:proxy-)?authorization|cookie|set-cookie)(\s*[:=]\s*)[^\r\n]*`), "${1}${2}" + redacted},
	// key=value and "key": "value", for keys that end in a secret word.
	{regexp.MustCompile(`(?i)("?\b[a-z0-9_\-]*(?:password|passwd|pwd|secret|token|api_?key|assertion)"?)(\s*[:=]\s*)("(?:[^"\\]|\\.)*"|'[^']*'|[^\s&,;"')]+)`), "${1}${2}" + redacted},
	// user:password@ in URLs.
	{regexp.MustCompile(`(?i)\b([a-z][a-z0-9+.\-]*://[^\s/:@]*):[^\s/@]*@`), "${1}:" + redacted + "@"},
	// JSON web tokens, wherever they are.
	{regexp.MustCompile(`\beyJ[A-Za-z0-9_\-]+\.[A-Za-z0-9_\-]+\.[A-Za-z0-9_\-]*`), redacted},
}

// RedactText removes anything that looks like a secret from s, and the
// values given to Redact.
func (b *Bundle) RedactText(s string) string {
	for _, v := range b.known {
		s = strings.ReplaceAll(s, v, redacted)
	}
	for _, p := range textPatterns {
		s = p.re.ReplaceAllString(s, p.repl)
	}
	return schemeToken.ReplaceAllStringFunc(s, func(m string) string {
		sub := schemeToken.FindStringSubmatch(m)
		if !looksLikeToken(sub[3]) {
			return m
		}
		return sub[1] + sub[2] + redacted
	})
}

// schemeToken is an HTTP authentication scheme and what follows it, which
// is a credential when it looks like one ("NTLM TlRMTVNT...", not "NTLM
// authenticates").
var schemeToken = regexp.MustCompile(`(?i)\b(bearer|basic|ntlm|negotiate)(\s+)([A-Za-z0-9\-._~+/]+=*)`)

// looksLikeToken tells base64 and token text from a word: long enough, and
// with a digit, a symbol, or a capital letter after the first character.
func looksLikeToken(s string) bool {
	if len(s) < 8 {
		return false
	}
	for i, r := range s {
		switch {
		case r >= '0' && r <= '9', strings.ContainsRune("+/=-._~", r):
			return true
		case i > 0 && r >= 'A' && r <= 'Z':
			return true
		}
	}
	return false
}
