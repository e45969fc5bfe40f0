package calendar

import (
	"net/url"
	"strings"
	"sync"
)

// TokenPrefix starts the token every single-use joining instructions body
// carries: "vmr-companion:<alias uuid>" (addinhost.TokenPrefix).
const TokenPrefix = "vmr-companion:"

// webPath is the path of the web join link our templates write:
// https://<addin_server_domain>/webapp/m/<alias>.
const webPath = "/webapp/m/"

// Detector recognises this deployment's VMRs in a meeting's location,
// description or body: a known alias as a whole token (also as sip:alias
// or pexip:alias), a web join link https://<web domain>/webapp/m/<alias>,
// or a token vmr-companion:<uuid>. Aliases are matched case-insensitively.
// Aliases without a letter (numeric dial-in aliases) are not matched
// alone: room and phone numbers would look the same.
type Detector struct {
	// Aliases are every known alias: scheduled (single-use) and personal.
	Aliases []string
	// WebDomains are the domains that serve the web join link (each
	// integration's addin_server_domain); the first one builds WebURL for
	// an alias found without a link.
	WebDomains []string
	// Tokens maps a reservation's alias uuid to its alias, for
	// vmr-companion:<uuid> tokens.
	Tokens map[string]string
	// AliasDomains maps an alias to the web domain of its integration,
	// when it differs from WebDomains[0].
	AliasDomains map[string]string

	once         sync.Once
	aliases      map[string]string // lower case -> as given
	domains      map[string]bool
	tokens       map[string]string // lower-case uuid -> alias
	aliasDomains map[string]string // lower-case alias -> domain
}

func (d *Detector) index() {
	d.once.Do(func() {
		d.aliases = make(map[string]string, len(d.Aliases))
		for _, a := range d.Aliases {
			a = strings.TrimSpace(a)
			if a != "" && hasLetter(a) {
				d.aliases[strings.ToLower(a)] = a
			}
		}
		d.domains = map[string]bool{}
		for _, w := range d.WebDomains {
			if w = normalDomain(w); w != "" {
				d.domains[w] = true
			}
		}
		d.tokens = make(map[string]string, len(d.Tokens))
		for k, v := range d.Tokens {
			d.tokens[strings.ToLower(strings.TrimSpace(k))] = v
		}
		d.aliasDomains = make(map[string]string, len(d.AliasDomains))
		for k, v := range d.AliasDomains {
			if v = normalDomain(v); v != "" {
				d.aliasDomains[strings.ToLower(k)] = v
				d.domains[v] = true
			}
		}
	})
}

// Detect returns how to join the first VMR of this deployment named in
// texts, nil when there is none. A web join link wins over a bare alias,
// which wins over a token.
func (d *Detector) Detect(texts ...string) *VideoLink {
	if d == nil {
		return nil
	}
	d.index()
	var byAlias, byToken *VideoLink
	for _, text := range texts {
		if text == "" {
			continue
		}
		lower := strings.ToLower(text)
		if link := d.webLink(lower); link != nil {
			return link
		}
		if byAlias == nil {
			byAlias = d.aliasIn(lower)
		}
		if byToken == nil {
			byToken = d.tokenIn(lower)
		}
	}
	if byAlias != nil {
		return byAlias
	}
	return byToken
}

// webLink finds https://<known domain>/webapp/m/<alias> in lower.
func (d *Detector) webLink(lower string) *VideoLink {
	for rest := lower; ; {
		i := strings.Index(rest, webPath)
		if i < 0 {
			return nil
		}
		before, after := rest[:i], rest[i+len(webPath):]
		rest = after
		host := before[strings.LastIndexAny(before, "/ \t\r\n\"'<>(")+1:]
		if !strings.HasSuffix(before, "//"+host) || !strings.HasSuffix(strings.TrimSuffix(before, "//"+host), "https:") {
			continue
		}
		if !d.domains[normalDomain(host)] {
			continue
		}
		end := strings.IndexAny(after, "?#/ \t\r\n\"'<>)")
		if end < 0 {
			end = len(after)
		}
		raw := strings.TrimRight(after[:end], ".,;")
		alias, err := url.PathUnescape(raw)
		if err != nil || alias == "" {
			continue
		}
		if known, ok := d.aliases[alias]; ok {
			alias = known
		}
		return d.link(alias, normalDomain(host))
	}
}

// aliasIn finds a known alias as a whole token in lower.
func (d *Detector) aliasIn(lower string) *VideoLink {
	if len(d.aliases) == 0 {
		return nil
	}
	for _, tok := range tokens(lower) {
		if alias, ok := d.aliases[tok]; ok {
			return d.link(alias, "")
		}
	}
	return nil
}

// tokenIn finds vmr-companion:<uuid> in lower.
func (d *Detector) tokenIn(lower string) *VideoLink {
	i := strings.Index(lower, TokenPrefix)
	if i < 0 {
		return nil
	}
	id := lower[i+len(TokenPrefix):]
	if len(id) < 36 {
		return nil
	}
	id = id[:36]
	if !isUUID(id) {
		return nil
	}
	alias := d.tokens[id]
	if alias == "" {
		return &VideoLink{}
	}
	return d.link(alias, "")
}

func (d *Detector) link(alias, domain string) *VideoLink {
	if domain == "" {
		domain = d.aliasDomains[strings.ToLower(alias)]
	}
	if domain == "" && len(d.WebDomains) > 0 {
		domain = normalDomain(d.WebDomains[0])
	}
	l := &VideoLink{Alias: alias, SIPURI: "sip:" + alias}
	if domain != "" {
		l.WebURL = "https://" + domain + webPath + url.PathEscape(alias)
	}
	return l
}

// tokens splits text into alias-like words: letters, digits and . _ - + @
// (a trailing dot ends a sentence, not an alias). "sip:a@b" gives "sip"
// and "a@b".
func tokens(text string) []string {
	var out []string
	start := -1
	for i := 0; i <= len(text); i++ {
		if i < len(text) && isAliasByte(text[i]) {
			if start < 0 {
				start = i
			}
			continue
		}
		if start >= 0 {
			if tok := strings.TrimRight(text[start:i], ".-"); tok != "" {
				out = append(out, tok)
			}
			start = -1
		}
	}
	return out
}

func isAliasByte(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '.' || c == '_' || c == '-' || c == '+' || c == '@' || c >= 0x80
}

func hasLetter(s string) bool {
	for _, r := range s {
		if r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= 0x80 {
			return true
		}
	}
	return false
}

func normalDomain(d string) string {
	d = strings.ToLower(strings.TrimSpace(d))
	d = strings.TrimPrefix(strings.TrimPrefix(d, "https://"), "http://")
	return strings.TrimSuffix(strings.TrimSuffix(d, "/"), ".")
}

func isUUID(s string) bool {
	if len(s) != 36 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch i {
		case 8, 13, 18, 23:
			if c != '-' {
				return false
			}
		default:
			if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f') {
				return false
			}
		}
	}
	return true
}
