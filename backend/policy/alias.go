package policy

import (
	"strings"
	"unicode/utf8"
)

// MaxParam bounds every query parameter the policy reads. Infinity's own
// aliases are at most 250 characters; anything much longer is not ours.
const MaxParam = 1024

// schemes are the URI schemes a Conferencing Node may put before an alias
// (sip:meet123@example.com); they are compared without case.
var schemes = []string{"sip", "sips", "h323", "tel", "rtmp", "rtmps", "mssip", "teams", "im", "pres"}

// dialled is a normalised alias: no scheme, no parameters, lower case,
// split at the last '@'.
type dialled struct {
	full   string // local@domain or local
	local  string
	domain string // "" when the caller dialled no domain
}

// garbage tells whether s cannot be an alias at all: invalid UTF-8 or
// control characters. Such a request gets 400, not a decision.
func garbage(s string) bool {
	if !utf8.ValidString(s) {
		return true
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c == 0x7f {
			return true
		}
	}
	return false
}

// normalize reads an alias as Infinity users dial it: an optional
// "Name <sip:…>" wrapper, a scheme, then local@domain with URI parameters
// (;transport=tls) and headers (?…) dropped. ok is false for an empty or
// over-long value; the caller has already refused garbage.
func normalize(s string) (d dialled, ok bool) {
	if len(s) > MaxParam {
		return d, false
	}
	s = strings.TrimSpace(s)
	if i := strings.LastIndexByte(s, '<'); i >= 0 {
		if j := strings.IndexByte(s[i:], '>'); j > 0 {
			s = s[i+1 : i+j]
		}
	}
	if i := strings.IndexByte(s, ':'); i > 0 {
		for _, sc := range schemes {
			if len(sc) == i && strings.EqualFold(s[:i], sc) {
				s = s[i+1:]
				break
			}
		}
	}
	if i := strings.IndexAny(s, ";?"); i >= 0 {
		s = s[:i]
	}
	s = strings.ToLower(strings.TrimSpace(s))
	if s == "" {
		return d, false
	}
	d.full, d.local = s, s
	if i := strings.LastIndexByte(s, '@'); i >= 0 {
		d.local, d.domain = s[:i], strings.TrimSuffix(s[i+1:], ".")
		if d.local == "" {
			return d, false
		}
		d.full = d.local + "@" + d.domain
	}
	return d, true
}

func allDigits(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// clean makes a caller-controlled value safe for the operations log and
// the process log: valid UTF-8, no control characters, bounded.
func clean(s string) string {
	if len(s) > 256 {
		s = s[:256]
	}
	s = strings.ToValidUTF8(s, "\uFFFD")
	return strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f {
			return '?'
		}
		return r
	}, s)
}
