package scheduler

import (
	"html"
	"regexp"
	"strings"
)

// The token the add-in puts into a meeting body: "vmr-companion:<alias uuid>",
// or "vmr-companion:pending" with the placeholder text when no alias could
// be reserved (see backend/addinhost).
const (
	tokenPrefix      = "vmr-companion:"
	placeholderToken = tokenPrefix + "pending"
)

// Outlook rewraps HTML bodies: it breaks lines, splits text into spans,
// turns spaces into &nbsp; and may soft-hyphenate. The token is looked for
// in the text with every tag and all white space removed.
var (
	tagPattern   = regexp.MustCompile(`(?s)<!--.*?-->|<[^>]*>`)
	uuidAfter    = regexp.MustCompile(`(?i)vmr-companion:([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})`)
	spaceRemover = strings.NewReplacer(" ", "", "\t", "", "\r", "", "\n", "", "\u00a0", "", "\u00ad", "", "\u200b", "")
)

// bodyText is the body reduced to its characters: no tags, no entities, no
// white space.
func bodyText(body string) string {
	if strings.Contains(body, "<") {
		// Styles and scripts hold no text a reader sees.
		body = dropBlocks(body, "style")
		body = dropBlocks(body, "script")
		body = tagPattern.ReplaceAllString(body, "")
	}
	return spaceRemover.Replace(html.UnescapeString(body))
}

// dropBlocks removes every <tag ...>...</tag> block, matching the tag in
// any case.
func dropBlocks(body, tag string) string {
	// Only ASCII letters are folded, so positions in lower are positions in
	// body: full Unicode lower-casing changes byte lengths (Ⱥ → ⱥ grows,
	// invalid UTF-8 becomes U+FFFD) and slicing body with them panics.
	lower := lowerASCII(body)
	var b strings.Builder
	for {
		i := strings.Index(lower, "<"+tag)
		if i < 0 {
			break
		}
		j := strings.Index(lower[i:], "</"+tag+">")
		if j < 0 {
			break
		}
		b.WriteString(body[:i])
		end := i + j + len("</"+tag+">")
		body, lower = body[end:], lower[end:]
	}
	b.WriteString(body)
	return b.String()
}

// lowerASCII lower-cases the ASCII letters of s and leaves every other
// byte alone, so that the result has the same length and byte offsets.
func lowerASCII(s string) string {
	for i := 0; i < len(s); i++ {
		if c := s[i]; 'A' <= c && c <= 'Z' {
			b := []byte(s)
			for j := i; j < len(b); j++ {
				if c := b[j]; 'A' <= c && c <= 'Z' {
					b[j] = c + 'a' - 'A'
				}
			}
			return string(b)
		}
	}
	return s
}

// findToken returns the alias uuid the body carries, and whether the body
// holds the placeholder instead.
func findToken(bodies ...string) (uuid string, placeholder bool) {
	for _, body := range bodies {
		if body == "" {
			continue
		}
		text := bodyText(body)
		if m := uuidAfter.FindStringSubmatch(text); m != nil {
			return lowerASCII(m[1]), false
		}
		if strings.Contains(lowerASCII(text), placeholderToken) {
			placeholder = true
		}
	}
	return "", placeholder
}
