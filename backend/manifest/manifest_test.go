package manifest

import (
	"bytes"
	"errors"
	"math/rand/v2"
	"strings"
	"testing"

	"vmr-companion/backend/integration"
)

func TestParamsThatCannotMakeAManifest(t *testing.T) {
	tests := []struct {
		name string
		edit func(p *Params)
		want string
	}{
		{"no integration", func(p *Params) { p.Integration = nil }, "no integration"},
		{"an add-in id that is not a GUID", func(p *Params) { p.AddinID = "vmr-companion" }, "not a GUID"},
		{"an add-in id in braces", func(p *Params) { p.AddinID = "{" + testAddinID + "}" }, "not a GUID"},
		{"a version with four parts", func(p *Params) { p.Version = "1.0.0.0" }, "version"},
		{"a version with a leading zero", func(p *Params) { p.Version = "1.0.01" }, "version"},
		{"a version part above 99999", func(p *Params) { p.Version = "1.0.100000" }, "version"},
		{"an http base URL", func(p *Params) { p.BaseURL = "http://addins.example.com" }, "not https"},
		{"a base URL with a path", func(p *Params) { p.BaseURL = "https://addins.example.com/addin" }, "more than scheme"},
		{"a base URL with a query", func(p *Params) { p.BaseURL = "https://addins.example.com?x=1" }, "more than scheme"},
		{"a base URL with a user", func(p *Params) { p.BaseURL = "https://me@addins.example.com" }, "no plain host"},
		{"a base URL without host", func(p *Params) { p.BaseURL = "https://" }, "no plain host"},
		{"a base URL whose host is no name", func(p *Params) { p.BaseURL = "https://add_ins.example.com" }, "not a host name"},
		{"a base URL longer than an app domain may be", func(p *Params) {
			p.BaseURL = "https://" + strings.Repeat("abcdefghi.", 24) + "example" // 247 characters
		}, "longer than 250"},
		{"no integration uuid anywhere", func(p *Params) { p.IntegrationUUID = ""; p.Integration.UUID = " " }, "integration uuid"},
		{"an add-in server domain that is no name", func(p *Params) { p.Integration.AddinServerDomain = "https://x" }, "addin_server_domain"},
		{"single sign-on without application id", func(p *Params) {
			p.Integration.AddinAuthenticationMethod = integration.AddinAuthSSOToken
		}, "addin_application_id"},
		{"single sign-on with an application id that is not a GUID", func(p *Params) {
			p.Integration.AddinAuthenticationMethod = integration.AddinAuthSSOToken
			p.Integration.AddinApplicationID = ptr("api://x")
		}, "addin_application_id"},
	}
	for _, tt := range tests {
		t.Run("a manifest needs more than "+tt.name, func(t *testing.T) {
			p := with(prodParams(), func(*integration.Integration) {})
			tt.edit(&p)
			for what, write := range map[string]func(Params) ([]byte, error){"XML": XML, "JSON": JSON} {
				b, err := write(p)
				if !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), tt.want) {
					t.Errorf("%s: error %v, want ErrInvalid saying %q", what, err, tt.want)
				}
				if b != nil {
					t.Errorf("%s: wrote %d bytes along with the error", what, len(b))
				}
			}
		})
	}
}

func TestParamsThatAreAccepted(t *testing.T) {
	tests := []struct {
		name string
		edit func(p *Params)
	}{
		{"a base URL with a trailing slash", func(p *Params) { p.BaseURL = "https://addins.example.com/" }},
		{"a base URL with a port", func(p *Params) { p.BaseURL = "https://addins.example.com:8443" }},
		{"a base URL on localhost", func(p *Params) { p.BaseURL = "https://localhost:3443" }},
		{"an upper-case add-in id", func(p *Params) { p.AddinID = strings.ToUpper(testAddinID) }},
		{"the integration's own uuid when none is given", func(p *Params) { p.IntegrationUUID = "" }},
		{"an add-in server domain with a trailing dot", func(p *Params) { p.Integration.AddinServerDomain = "addins.example.com." }},
		{"version 99999.99999.99999", func(p *Params) { p.Version = "99999.99999.99999" }},
	}
	for _, tt := range tests {
		t.Run("a manifest can be written for "+tt.name, func(t *testing.T) {
			p := with(prodParams(), func(*integration.Integration) {})
			tt.edit(&p)
			generate(t, p)
		})
	}
}

func TestTheTaskPaneURLCarriesTheIntegration(t *testing.T) {
	tests := []struct {
		name      string
		given     string
		wantQuery string
	}{
		{"the given uuid is used", "4a1e0e4c-9d7c-4d36-9a1f-3a0b8c2d6e71", "integration=4a1e0e4c-9d7c-4d36-9a1f-3a0b8c2d6e71"},
		{"the integration's uuid is the fallback", "", "integration=" + testUUID},
		{"characters with a meaning in URLs are escaped", "a&b=c d#e", "integration=a%26b%3Dc+d%23e"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := prodParams()
			p.IntegrationUUID = tt.given
			x, j := generate(t, p)
			want := "https://addins.example.com/addin/taskpane.html?" + tt.wantQuery
			for what, doc := range map[string][]byte{"XML": x, "JSON": j} {
				escaped := want
				if what == "XML" {
					escaped = strings.ReplaceAll(want, "&", "&amp;")
				}
				if !bytes.Contains(doc, []byte(escaped)) {
					t.Errorf("%s has no %s:\n%s", what, escaped, doc)
				}
			}
		})
	}
}

func TestEmptyTextsFallBackToTheDefaults(t *testing.T) {
	p := with(prodParams(), func(in *integration.Integration) {
		in.AddinDisplayName, in.AddinDescription, in.AddinProviderName = "", "  ", "\n\t"
		in.AddinButtonLabel, in.AddinGroupLabel = "", "\x00"
		in.AddinSupertipTitle, in.AddinSupertipDescription = "", ""
	})
	got, _ := generate(t, p)
	want, _ := generate(t, prodParams())
	if !bytes.Equal(got, want) {
		t.Errorf("empty texts give\n%s\nwant the defaults' manifest\n%s", got, want)
	}
}

func TestOutputIsDeterministic(t *testing.T) {
	r := rand.New(rand.NewPCG(99, 1))
	cases := []struct {
		name string
		p    Params
	}{
		{"a production manifest", prodParams()},
		{"a development manifest", devParams()},
		{"a manifest of a pseudo-random integration", randomParams(r)},
	}
	for _, c := range cases {
		t.Run(c.name+" comes out byte for byte the same each time", func(t *testing.T) {
			x1, j1 := generate(t, c.p)
			for range 20 {
				copyOfIntegration := *c.p.Integration
				p := c.p
				p.Integration = &copyOfIntegration
				x2, j2 := generate(t, p)
				if !bytes.Equal(x1, x2) || !bytes.Equal(j1, j2) {
					t.Fatal("two runs differ")
				}
			}
		})
	}
	t.Run("the XML manifest is indented and starts with the XML declaration", func(t *testing.T) {
		x, _ := generate(t, prodParams())
		if !bytes.HasPrefix(x, []byte(`<?xml version="1.0" encoding="UTF-8"?>`+"\n")) {
			t.Errorf("no XML declaration:\n%s", x)
		}
		if !bytes.Contains(x, []byte("\n  <Id>")) || !bytes.Contains(x, []byte("\n    <VersionOverrides ")) {
			t.Errorf("not indented:\n%s", x)
		}
	})
}

func TestFingerprint(t *testing.T) {
	base := prodParams()
	tests := []struct {
		name    string
		edit    func(p *Params)
		changes bool
	}{
		{"is the same for the same input", func(*Params) {}, false},
		{"does not change when only the version changes", func(p *Params) { p.Version = "1.0.4" }, false},
		{"does not change for fields the manifests do not use", func(p *Params) {
			p.Integration.Name = "Renamed"
			p.Integration.MeetingBufferBefore = 5
			p.Integration.AddinPaneTitle = "Another pane title"
		}, false},
		{"does not change when an over-long label changes after the cut", func(p *Params) {
			p.Integration.AddinGroupLabel = strings.Repeat("g", 200) + "x"
		}, false},
		{"changes when the button label changes", func(p *Params) { p.Integration.AddinButtonLabel = "Add a video room" }, true},
		{"changes when the group label changes", func(p *Params) { p.Integration.AddinGroupLabel = "Pexip" }, true},
		{"changes when the supertip changes", func(p *Params) { p.Integration.AddinSupertipDescription = "Another tip." }, true},
		{"changes when the display name changes", func(p *Params) { p.Integration.AddinDisplayName = "Video rooms" }, true},
		{"changes for the development variant", func(p *Params) { p.Dev = true }, true},
		{"changes when the base URL changes", func(p *Params) { p.BaseURL = "https://addins2.example.com" }, true},
		{"changes when the add-in id changes", func(p *Params) { p.AddinID = "9e8d7c6b-5a49-4837-a261-504f3e2d1c0b" }, true},
		{"changes when single sign-on is turned on", func(p *Params) {
			p.Integration.AddinAuthenticationMethod = integration.AddinAuthSSOToken
			p.Integration.AddinApplicationID = ptr(testAppID)
		}, true},
		{"changes when the parameters become invalid", func(p *Params) { p.AddinID = "" }, true},
	}
	// Over-long labels: compare against a base that has one too.
	longBase := with(base, func(in *integration.Integration) { in.AddinGroupLabel = strings.Repeat("g", 200) + "y" })
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			from := base
			if strings.Contains(tt.name, "over-long") {
				from = longBase
			}
			p := with(from, func(*integration.Integration) {})
			tt.edit(&p)
			before, after := Fingerprint(from), Fingerprint(p)
			if len(after) != 64 {
				t.Errorf("fingerprint %q is not a hex SHA-256", after)
			}
			if changed := before != after; changed != tt.changes {
				t.Errorf("fingerprint changed = %v, want %v", changed, tt.changes)
			}
		})
	}
}
