package manifest

import (
	"encoding/json"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"strings"
	"testing"
	"unicode/utf16"
	"unicode/utf8"

	"vmr-companion/backend/integration"
)

const (
	testAddinID = "0f3b8c52-7d4e-4b8a-9d0e-2a6c1f5e9b21"
	testUUID    = "2b7c2f7e-1111-4222-8333-444455556666"
	testAppID   = "11111111-2222-3333-4444-555555555555"
)

// prodParams is a production manifest of a default integration.
func prodParams() Params {
	in := integration.Defaults()
	in.UUID = testUUID
	in.Name = "Contoso Office 365"
	in.AddinServerDomain = "addins.example.com"
	return Params{
		AddinID:     testAddinID,
		Version:     "1.0.3",
		BaseURL:     "https://addins.example.com",
		Integration: in,
	}
}

// devParams is the development variant of prodParams.
func devParams() Params {
	p := prodParams()
	p.Dev = true
	p.BaseURL = "https://127.0.0.1:3443"
	return p
}

// with returns a copy of p whose integration is a copy changed by edit.
func with(p Params, edit func(*integration.Integration)) Params {
	in := *p.Integration
	edit(&in)
	p.Integration = &in
	return p
}

func ptr(s string) *string { return &s }

// units counts UTF-16 code units without the package's own helper.
func units(s string) int { return len(utf16.Encode([]rune(s))) }

// Pieces the pseudo-random texts are made of: markup characters, emoji
// sequences, right-to-left scripts, combining marks, white space and control
// characters, bytes that are not UTF-8, and characters XML 1.0 forbids.
var textPieces = []string{
	"Video", "meeting", "VMR", "Pexip", " ", " ", "  ", "-", ".", "1",
	"&", "<", ">", `"`, "'", "&amp;", "]]>", "<!--", "-->", "<b>x</b>", "{{subject}}",
	"😀", "👨\u200d👩\u200d👧\u200d👦", "👍🏽", "🇳🇴", "🇩🇪", "🏴\U000E0067\U000E0062\U000E0073\U000E0063\U000E0074\U000E007F", "❤️", "🧑🏿\u200d💻",
	"שלום", "مرحبا بالعالم", "\u200f", "\u202e", "\u200e",
	"e\u0301", "Z\u0324\u0354\u0367\u0311\u0313", "ñ", "Å",
	"会議", "회의", "ビデオ会議",
	"\n", "\t", "\r\n", "\x00", "\x1b", "\x7f", "\u0085", "\u2028", "\u00a0", "\u3000",
	"\xff", "\xc3", "\xed\xa0\x80", "\uFFFE", "\uFFFF", "\U0010FFFF",
}

// randomText is a text of up to maxRunes runes, empty one time in five and
// white space only one time in twenty.
func randomText(r *rand.Rand, maxRunes int) string {
	switch r.IntN(20) {
	case 0, 1, 2, 3:
		return ""
	case 4:
		return " \n\t "
	}
	target := 1 + r.IntN(maxRunes)
	var b strings.Builder
	for utf8.RuneCountInString(b.String()) < target {
		b.WriteString(textPieces[r.IntN(len(textPieces))])
	}
	return b.String()
}

func randomGUID(r *rand.Rand) string {
	return fmt.Sprintf("%08x-%04x-%04x-%04x-%012x", r.Uint32(), r.Uint32()&0xffff, r.Uint32()&0xffff, r.Uint32()&0xffff, r.Uint64()&0xffffffffffff)
}

// randomParams is one pseudo-random integration, production or development.
func randomParams(r *rand.Rand) Params {
	in := integration.Defaults()
	in.UUID = randomGUID(r)
	in.AddinDisplayName = randomText(r, 250)
	in.AddinDescription = randomText(r, 250)
	in.AddinProviderName = randomText(r, 250)
	in.AddinButtonLabel = randomText(r, 250)
	in.AddinGroupLabel = randomText(r, 250)
	in.AddinSupertipTitle = randomText(r, 250)
	in.AddinSupertipDescription = randomText(r, 250)
	if r.IntN(10) == 0 {
		in.AddinDisplayName = strings.Repeat("Ω👍🏽&<", 300) // far beyond every limit
	}
	domains := []string{"addins.example.com", "vmr.contoso.co.uk", "a-b.example", "xn--bcher-kva.example"}
	in.AddinServerDomain = domains[r.IntN(len(domains))]
	switch r.IntN(3) {
	case 0:
		in.AddinAuthenticationMethod = integration.AddinAuthExchangeUserIDToken
	case 1:
		in.AddinAuthenticationMethod = integration.AddinAuthSSOToken
		in.AddinApplicationID = ptr(randomGUID(r))
	case 2:
		in.AddinAuthenticationMethod = integration.AddinAuthNAAToken
		in.AddinApplicationID = ptr(randomGUID(r))
	}
	p := Params{
		AddinID:     randomGUID(r),
		Version:     fmt.Sprintf("1.0.%d", r.IntN(100000)),
		BaseURL:     "https://" + in.AddinServerDomain,
		Integration: in,
	}
	if r.IntN(2) == 0 {
		p.Dev = true
		p.BaseURL = []string{"https://127.0.0.1:3443", "https://localhost:3443"}[r.IntN(2)]
		if r.IntN(3) == 0 {
			in.AddinServerDomain = ""
		}
	}
	if r.IntN(4) == 0 {
		p.IntegrationUUID = in.UUID + "&x=<y>" // must come out escaped
	}
	in.EnableMobileOnlineMeeting = r.IntN(3) != 0
	return p
}

// xmlProblems checks what the schema cannot: the document is well-formed
// for encoding/xml, every string resource and setting fits its limit, the
// resource ids of each VersionOverrides are unique, 1–32 characters, and
// every resid points at one of them.
func xmlProblems(doc []byte) []string {
	var problems []string
	type scope struct {
		defined   map[string]int
		used      []string
		resources int // depth inside Resources
	}
	var scopes []*scope
	shortOrLong := ""
	dec := xml.NewDecoder(strings.NewReader(string(doc)))
	for {
		tok, err := dec.Token()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return append(problems, "not well-formed: "+err.Error())
		}
		switch t := tok.(type) {
		case xml.StartElement:
			var cur *scope
			if len(scopes) > 0 {
				cur = scopes[len(scopes)-1]
			}
			switch t.Name.Local {
			case "VersionOverrides":
				scopes = append(scopes, &scope{defined: map[string]int{}})
				continue
			case "Resources":
				if cur != nil {
					cur.resources++
				}
			case "ShortStrings", "LongStrings":
				shortOrLong = t.Name.Local
			}
			attrs := map[string]string{}
			for _, a := range t.Attr {
				attrs[a.Name.Local] = a.Value
			}
			if v, ok := attrs["resid"]; ok && cur != nil {
				cur.used = append(cur.used, v)
			}
			if v, ok := attrs["id"]; ok && cur != nil && cur.resources > 0 {
				cur.defined[v]++
				if n := units(v); n < 1 || n > 32 {
					problems = append(problems, fmt.Sprintf("resource id %q has %d characters", v, n))
				}
			}
			if v, ok := attrs["DefaultValue"]; ok {
				limit := 2048
				switch {
				case t.Name.Local == "DisplayName", t.Name.Local == "String" && shortOrLong == "ShortStrings":
					limit = xmlShortMax
				case t.Name.Local == "Description", t.Name.Local == "String" && shortOrLong == "LongStrings":
					limit = xmlLongMax
				}
				if n := units(v); n < 1 || n > limit {
					problems = append(problems, fmt.Sprintf("%s %q has %d UTF-16 units, limit %d", t.Name.Local, v, n, limit))
				}
			}
		case xml.EndElement:
			switch t.Name.Local {
			case "VersionOverrides":
				cur := scopes[len(scopes)-1]
				scopes = scopes[:len(scopes)-1]
				for id, n := range cur.defined {
					if n != 1 {
						problems = append(problems, fmt.Sprintf("resource id %q defined %d times", id, n))
					}
				}
				for _, id := range cur.used {
					if cur.defined[id] == 0 {
						problems = append(problems, fmt.Sprintf("resid %q has no resource", id))
					}
				}
			case "Resources":
				if len(scopes) > 0 {
					scopes[len(scopes)-1].resources--
				}
			}
		}
	}
	var app struct {
		ProviderName string
	}
	if err := xml.Unmarshal(doc, &app); err != nil {
		problems = append(problems, "unmarshal: "+err.Error())
	} else if n := units(app.ProviderName); n < 1 || n > xmlShortMax {
		problems = append(problems, fmt.Sprintf("ProviderName has %d UTF-16 units", n))
	}
	return problems
}

// jsonProblems checks the JSON manifest's texts against the v1.17 schema's
// lengths, counted in UTF-16 units.
func jsonProblems(doc []byte) []string {
	if !json.Valid(doc) {
		return []string{"not valid JSON"}
	}
	var m jManifest
	if err := json.Unmarshal(doc, &m); err != nil {
		return []string{"unmarshal: " + err.Error()}
	}
	var problems []string
	check := func(what, s string, max int) {
		if n := units(s); n < 1 || n > max {
			problems = append(problems, fmt.Sprintf("%s %q has %d UTF-16 units, limit %d", what, s, n, max))
		}
	}
	check("name.short", m.Name.Short, jsonNameShortMax)
	check("name.full", m.Name.Full, jsonNameFullMax)
	check("description.short", m.Description.Short, jsonDescShortMax)
	check("description.full", m.Description.Full, jsonDescFullMax)
	check("developer.name", m.Developer.Name, jsonDeveloperMax)
	for _, e := range m.Extensions {
		for _, rb := range e.Ribbons {
			for _, tab := range rb.Tabs {
				for _, g := range tab.Groups {
					check("group id", g.ID, 64)
					check("group label", g.Label, jsonLabelMax)
					for _, c := range g.Controls {
						check("control id", c.ID, 64)
						check("control label", c.Label, jsonLabelMax)
						check("supertip title", c.Supertip.Title, jsonLabelMax)
						check("supertip description", c.Supertip.Description, jsonSupertipDescMax)
					}
				}
			}
		}
	}
	return problems
}

// generate writes both manifests of p or fails the test.
func generate(t testing.TB, p Params) (xmlDoc, jsonDoc []byte) {
	t.Helper()
	x, err := XML(p)
	if err != nil {
		t.Fatalf("XML: %v", err)
	}
	j, err := JSON(p)
	if err != nil {
		t.Fatalf("JSON: %v", err)
	}
	return x, j
}
