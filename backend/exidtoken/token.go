package exidtoken

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"math"
	"net"
	"net/url"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// maxTokenBytes bounds what an outsider can make us decode: Exchange's
// tokens are about 1 KB.
const maxTokenBytes = 16 << 10

// maxURLBytes bounds amurl.
const maxURLBytes = 1024

// appctxVersion is the only appctx version Exchange issues ("Inside the
// Exchange identity token").
const appctxVersion = "ExIdTok.V1"

// token is a decoded, not yet verified, identity token.
type token struct {
	header    header
	claims    claims
	ctx       appctx
	signed    string // header.payload, what the signature covers
	signature []byte
	nbf, exp  time.Time
}

type header struct {
	Typ  string          `json:"typ"`
	Alg  string          `json:"alg"`
	X5t  string          `json:"x5t"`
	Crit json.RawMessage `json:"crit"`
}

type claims struct {
	Aud    json.RawMessage `json:"aud"`
	Iss    string          `json:"iss"`
	Nbf    json.RawMessage `json:"nbf"`
	Exp    json.RawMessage `json:"exp"`
	Appctx json.RawMessage `json:"appctx"`
}

// appctx is the claim Exchange adds: a JSON object serialised into a
// JSON string.
type appctx struct {
	MsExchUID string `json:"msexchuid"`
	Version   string `json:"version"`
	AmURL     string `json:"amurl"`
}

func refused(check, format string, args ...any) *RefusedError {
	return &RefusedError{Check: check, Detail: fmt.Sprintf(format, args...)}
}

// parse decodes raw and checks its header and the shape of its claims;
// the times, the audience, amurl and the signature are checked by the
// caller.
func parse(raw string) (*token, error) {
	raw = strings.TrimSpace(raw)
	if raw == "" {
		return nil, refused("format", "no token was sent; the add-in must send getUserIdentityTokenAsync's token as Authorization: Bearer <token>")
	}
	if len(raw) > maxTokenBytes {
		return nil, refused("format", "the token is %d bytes, more than the %d an Exchange identity token can be", len(raw), maxTokenBytes)
	}
	parts := strings.Split(raw, ".")
	if len(parts) != 3 {
		return nil, refused("format", "the token has %d dot-separated parts instead of 3 (header.payload.signature); is it an Exchange identity token?", len(parts))
	}
	var t token
	headerJSON, err := decodePart(parts[0])
	if err != nil {
		return nil, refused("format", "the token's header is not base64url: %v", err)
	}
	if err := decodeObject(headerJSON, &t.header); err != nil {
		return nil, refused("format", "the token's header is not a JSON object: %v", err)
	}
	payloadJSON, err := decodePart(parts[1])
	if err != nil {
		return nil, refused("format", "the token's payload is not base64url: %v", err)
	}
	if err := decodeObject(payloadJSON, &t.claims); err != nil {
		return nil, refused("format", "the token's payload is not a JSON object: %v", err)
	}
	if t.signature, err = decodePart(parts[2]); err != nil {
		return nil, refused("format", "the token's signature is not base64url: %v", err)
	}
	t.signed = parts[0] + "." + parts[1]

	h := t.header
	if !strings.EqualFold(h.Typ, "JWT") {
		return nil, refused("typ", "the token's header has typ %s, not JWT; Exchange identity tokens are JWTs", clip(h.Typ))
	}
	// Only RS256: "none" and HS256 are the classic ways to have a
	// forged token accepted, and Exchange signs with RSA.
	if h.Alg != "RS256" {
		return nil, refused("alg", "the token is signed with %s; Exchange identity tokens are signed with RS256, and nothing else is accepted", clip(h.Alg))
	}
	if h.X5t == "" {
		return nil, refused("x5t", "the token's header names no signing key (x5t)")
	}
	if len(h.X5t) > 128 || strings.TrimRight(h.X5t, base64Chars) != "" {
		return nil, refused("x5t", "the token's x5t %s is not a base64 thumbprint", clip(h.X5t))
	}
	// RFC 7515, 4.1.11: extensions we do not understand must not be ignored.
	if len(h.Crit) > 0 {
		return nil, refused("crit", "the token's header lists critical extensions (crit), which Exchange identity tokens do not use")
	}

	if t.nbf, err = numericDate(t.claims.Nbf); err != nil {
		return nil, refused("nbf", "the token's nbf %v", err)
	}
	if t.exp, err = numericDate(t.claims.Exp); err != nil {
		return nil, refused("exp", "the token's exp %v", err)
	}
	if t.ctx, err = decodeAppctx(t.claims.Appctx); err != nil {
		return nil, err
	}
	return &t, nil
}

const base64Chars = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_+/="

// decodePart decodes one part of a compact JWS: base64url without padding
// (RFC 7515, 2), though trailing padding is tolerated. Strict: one token
// has one spelling (the last character's unused bits are zero).
func decodePart(s string) ([]byte, error) {
	return base64.RawURLEncoding.Strict().DecodeString(strings.TrimRight(s, "="))
}

// decodeObject unmarshals a JSON object, and nothing else, into v.
func decodeObject(data []byte, v any) error {
	if d := bytes.TrimSpace(data); len(d) == 0 || d[0] != '{' {
		return fmt.Errorf("it does not start with {")
	}
	if err := json.Unmarshal(data, v); err != nil {
		return fmt.Errorf("%s", clip(err.Error()))
	}
	return nil
}

// numericDate reads a JWT NumericDate (RFC 7519, 2): seconds since the
// epoch, as a JSON number.
func numericDate(raw json.RawMessage) (time.Time, error) {
	if len(raw) == 0 || string(raw) == "null" {
		return time.Time{}, fmt.Errorf("is missing")
	}
	if raw[0] == '"' || raw[0] == '{' || raw[0] == '[' {
		return time.Time{}, fmt.Errorf("is not a number of seconds")
	}
	var n json.Number
	if err := json.Unmarshal(raw, &n); err != nil {
		return time.Time{}, fmt.Errorf("is not a number of seconds")
	}
	f, err := strconv.ParseFloat(n.String(), 64)
	// Up to the year 5138: beyond is no date Exchange writes, and it keeps
	// the conversion below exact enough and far from overflow.
	if err != nil || math.IsNaN(f) || f < 0 || f > 1e11 {
		return time.Time{}, fmt.Errorf("%s is not a date", clip(n.String()))
	}
	sec, frac := math.Modf(f)
	return time.Unix(int64(sec), int64(frac*1e9)).UTC(), nil
}

// decodeAppctx reads appctx: a JSON string holding a JSON object.
func decodeAppctx(raw json.RawMessage) (appctx, error) {
	var c appctx
	if len(raw) == 0 || string(raw) == "null" {
		return c, refused("appctx", "the token has no appctx claim; is it an Exchange identity token (getUserIdentityTokenAsync) and not another kind of token?")
	}
	var s string
	if err := json.Unmarshal(raw, &s); err != nil {
		return c, refused("appctx", "the token's appctx is not a JSON string holding an object, as Exchange writes it")
	}
	if err := decodeObject([]byte(s), &c); err != nil {
		return c, refused("appctx", "the token's appctx does not hold a JSON object: %v", err)
	}
	if c.Version != appctxVersion {
		return c, refused("version", "the token's appctx version is %s; only %s is understood", clip(c.Version), appctxVersion)
	}
	if c.MsExchUID == "" {
		return c, refused("appctx", "the token's appctx has no msexchuid (the user's Exchange id)")
	}
	if c.AmURL == "" {
		return c, refused("appctx", "the token's appctx has no amurl (the URL of Exchange's authentication metadata)")
	}
	return c, nil
}

// audience returns aud, which Exchange writes as one string.
func (t *token) audience() (string, error) {
	var aud string
	if err := json.Unmarshal(t.claims.Aud, &aud); err != nil || aud == "" {
		return "", refused("aud", "the token names no audience (aud), or not as one URL")
	}
	return aud, nil
}

// matchAudience finds aud among want, compared as the same page: query
// string ignored (the pane's URL carries ?integration=...), scheme and host
// case-insensitive, default port implied, path exact (a trailing "/" is
// another page on most servers).
func matchAudience(aud string, want []string) bool {
	a, ok := pageOf(aud)
	if !ok {
		return false
	}
	for _, w := range want {
		if b, ok := pageOf(w); ok && a == b {
			return true
		}
	}
	return false
}

func pageOf(s string) (string, bool) {
	u, err := url.Parse(strings.TrimSpace(s))
	if err != nil || u.Host == "" || u.User != nil {
		return "", false
	}
	scheme := strings.ToLower(u.Scheme)
	host := strings.ToLower(u.Hostname())
	port := u.Port()
	if (scheme == "https" && port == "443") || (scheme == "http" && port == "80") {
		port = ""
	}
	if port != "" {
		host = net.JoinHostPort(host, port)
	} else if strings.Contains(host, ":") {
		host = "[" + host + "]"
	}
	return scheme + "://" + host + u.EscapedPath() + fragmentOf(u), true
}

func fragmentOf(u *url.URL) string {
	if u.Fragment == "" {
		return ""
	}
	return "#" + u.EscapedFragment()
}

// hostPortOf is the host of one entry of an integration's domains (a bare
// domain "mail.contoso.com", one with a port, or a URL
// "https://mail.contoso.com/autodiscover/metadata/json/1") and the port
// it names ("" for none).
func hostPortOf(entry string) (host, port string) {
	e := strings.TrimSpace(entry)
	if strings.Contains(e, "://") {
		u, err := url.Parse(e)
		if err != nil {
			return "", ""
		}
		return normalHost(u.Hostname()), u.Port()
	}
	if i := strings.IndexAny(e, "/?#"); i >= 0 {
		e = e[:i]
	}
	if h, p, err := net.SplitHostPort(e); err == nil {
		e, port = h, p
	}
	return normalHost(strings.Trim(e, "[]")), port
}

func normalHost(h string) string {
	return strings.TrimSuffix(strings.ToLower(h), ".")
}

// MetadataPath is where Exchange publishes its authentication metadata; an
// amurl naming any other path, a query or a port the integration does not
// list is refused, so a token cannot make the host request whatever it
// likes from an Exchange server.
const MetadataPath = "/autodiscover/metadata/json/1"

// exchangeOnline are the hosts of Exchange Online, which serves every
// tenant: a token naming them could come from anyone's tenant, and
// Exchange Online no longer issues these tokens anyway.
var exchangeOnline = map[string]bool{"outlook.office365.com": true, "outlook.office.com": true, "outlook.live.com": true}

// metadataURL checks amurl before anything is fetched from it: https, on
// one of hosts (port 443 unless an entry names another), at Exchange's
// metadata path, with no user information, query or fragment. The answer
// is the URL in one spelling, so the cache keeps one entry per document.
func metadataURL(amurl string, hosts []string) (*url.URL, error) {
	// Exchange's is about 60 bytes; a long one would only fill logs and
	// errors.
	if len(amurl) > maxURLBytes {
		return nil, refused("amurl", "the token's metadata URL is %d bytes long, more than the %d accepted", len(amurl), maxURLBytes)
	}
	u, err := url.Parse(amurl)
	if err != nil || u.Scheme != "https" || u.Host == "" || u.User != nil || u.Opaque != "" {
		return nil, refused("amurl", "the token's metadata URL %s is not an absolute https URL", clip(amurl))
	}
	if !strings.EqualFold(u.EscapedPath(), MetadataPath) || u.RawQuery != "" || u.ForceQuery || u.Fragment != "" {
		return nil, refused("amurl", "the token's metadata URL %s is not Exchange's metadata document (https://<Exchange host>%s)", clip(amurl), MetadataPath)
	}
	host, port := normalHost(u.Hostname()), u.Port()
	if exchangeOnline[host] {
		return nil, refused("amurl", "the token comes from Exchange Online (%s), which serves every tenant and no longer issues Exchange identity tokens; use NAA_TOKEN for Exchange Online", clip(host))
	}
	var known []string
	for _, entry := range hosts {
		h, p := hostPortOf(entry)
		if h == "" {
			continue
		}
		if h == host && (port == "" || port == "443" || port == p) {
			canonical := &url.URL{Scheme: "https", Host: host, Path: MetadataPath}
			if port != "" && port != "443" {
				canonical.Host = net.JoinHostPort(host, port)
			}
			return canonical, nil
		}
		if p != "" {
			h = net.JoinHostPort(h, p)
		}
		known = append(known, clip(h))
	}
	if len(known) == 0 {
		return nil, refused("amurl", "the token's metadata URL %s cannot be checked: the integration lists no Exchange domains; add its host to domains if it is your Exchange server", clip(amurl))
	}
	return nil, refused("amurl", "the token's metadata URL %s is not on one of the integration's Exchange domains (%s); add its host to domains if it is your Exchange server (with its port, if not 443)",
		clip(amurl), strings.Join(known, ", "))
}

// clip makes a value from the token safe to show: at most 200 bytes, and
// quoted when it holds anything but printable ASCII without spaces.
func clip(s string) string {
	const max = 200
	cut := len(s) > max
	if cut {
		s = s[:max]
		for !utf8.ValidString(s) && len(s) > max-4 {
			s = s[:len(s)-1]
		}
	}
	plain := s != ""
	for i := 0; i < len(s); i++ {
		if s[i] <= ' ' || s[i] >= 0x7f || s[i] == '"' || s[i] == '\\' {
			plain = false
			break
		}
	}
	if !plain {
		s = strconv.QuoteToASCII(s)
	}
	if cut {
		s += "..."
	}
	return s
}
