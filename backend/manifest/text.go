package manifest

import (
	"strings"
	"unicode"
	"unicode/utf16"
)

// Length limits. The XML ones come from OfficeAppBasicTypesV1_0.xsd and
// OfficeAppManifestV1_1.xsd (ShortString: 1–125 characters, LongString:
// 1–250); the JSON ones from the unified manifest's schema,
// MicrosoftTeams.schema.json v1.17 (name.short 30, name.full 100,
// description.short 80, description.full 4000, developer.name 32, ribbon
// labels and supertip titles 64, supertip descriptions 250).
const (
	xmlShortMax = 125
	xmlLongMax  = 250

	jsonNameShortMax    = 30
	jsonNameFullMax     = 100
	jsonDescShortMax    = 80
	jsonDescFullMax     = 4000
	jsonDeveloperMax    = 32
	jsonLabelMax        = 64
	jsonSupertipDescMax = 250
)

// ellipsis marks a text that was shortened to fit.
const ellipsis = "…"

// textLen is the length the limits above are checked against: UTF-16 code
// units. libxml2 and ajv count code points, .NET counts UTF-16 code units;
// a text is never longer in code points than in code units, so a text that
// fits by this count fits every validator.
func textLen(s string) int {
	n := 0
	for _, r := range s {
		n += utf16.RuneLen(r)
	}
	return n
}

// clean turns any text into one line fit for XML 1.0 and JSON: invalid UTF-8
// becomes U+FFFD; control characters and the non-characters U+FFFE and U+FFFF
// (not allowed in XML 1.0) are dropped; runs of white space, line breaks
// included, become one space; the result is trimmed. Non-breaking spaces are
// kept, since an admin puts them there on purpose.
func clean(s string) string {
	s = strings.ToValidUTF8(s, "\uFFFD")
	var b strings.Builder
	b.Grow(len(s))
	pendingSpace := false
	for _, r := range s {
		switch {
		case isBreakingSpace(r):
			pendingSpace = true
			continue
		case unicode.IsControl(r), r == 0xFFFE, r == 0xFFFF:
			continue
		}
		if pendingSpace && b.Len() > 0 {
			b.WriteByte(' ')
		}
		pendingSpace = false
		b.WriteRune(r)
	}
	return b.String()
}

func isBreakingSpace(r rune) bool {
	switch r {
	case '\u00A0', '\u2007', '\u202F': // no-break, figure and narrow no-break space
		return false
	}
	return unicode.IsSpace(r)
}

// fit shortens s to at most max UTF-16 code units (see textLen), ending it
// with an ellipsis when it had to be cut. It cuts only between user-perceived
// characters as far as a simple rule can tell: never inside a rune, and never
// before a combining mark, a variation selector, an emoji skin-tone modifier
// or tag character, around a zero-width joiner, or between the two regional
// indicators of a flag. Only when the first such character alone is too long
// does it fall back to cutting between runes. s must be the output of clean.
func fit(s string, max int) string {
	if textLen(s) <= max {
		return s
	}
	budget := max - textLen(ellipsis)
	used, cut := 0, 0
	prev := rune(-1)
	regional := 0 // regional indicators in a row, r included
	for i, r := range s {
		if isRegionalIndicator(r) {
			regional++
		} else {
			regional = 0
		}
		if prev < 0 || !joins(prev, r, regional) {
			// r starts a new character: everything before i is whole.
			if used > budget {
				break
			}
			cut = i
		}
		used += utf16.RuneLen(r)
		prev = r
	}
	if cut == 0 {
		used = 0
		for i, r := range s {
			if used+utf16.RuneLen(r) > budget {
				cut = i
				break
			}
			used += utf16.RuneLen(r)
		}
	}
	return strings.TrimRight(s[:cut], " ") + ellipsis
}

// fitSuffix fits s and suffix together into max, shortening only s.
func fitSuffix(s, suffix string, max int) string {
	return fit(s, max-textLen(suffix)) + suffix
}

const zeroWidthJoiner = '\u200D'

// joins reports whether r continues the character that prev belongs to.
// regional counts the regional indicators in a row ending with r.
func joins(prev, r rune, regional int) bool {
	switch {
	case prev == zeroWidthJoiner, r == zeroWidthJoiner:
		return true
	case unicode.In(r, unicode.Mn, unicode.Me, unicode.Mc, unicode.Variation_Selector):
		return true
	case r >= 0x1F3FB && r <= 0x1F3FF: // emoji skin-tone modifiers
		return true
	case r >= 0xE0020 && r <= 0xE007F: // emoji tag sequences (subdivision flags)
		return true
	case isRegionalIndicator(r) && regional%2 == 0: // second half of a flag
		return true
	}
	return false
}

func isRegionalIndicator(r rune) bool { return r >= 0x1F1E6 && r <= 0x1F1FF }
