package manifest

import (
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"vmr-companion/backend/integration"
)

// schemaFile is the XSD in ../shared beside the repository.
func schemaFile(t *testing.T) string {
	t.Helper()
	xsd := filepath.Join("..", "..", "..", "shared", "schemas", "office-addin-manifest", "OfficeAppManifestV1_1.xsd")
	if _, err := os.Stat(xsd); err != nil {
		t.Skipf("this test needs ../shared beside the repository (CI has it) for the manifest XSDs: %v", err)
	}
	return xsd
}

func xmllint(t *testing.T) string {
	t.Helper()
	path, err := exec.LookPath("xmllint")
	if err != nil {
		t.Fatal("xmllint is missing: apt-get install libxml2-utils (make test installs it)")
	}
	return path
}

// schemaErrors validates every document with one xmllint run and returns
// xmllint's complaints per document name; a valid document has none.
func schemaErrors(t *testing.T, docs map[string][]byte) map[string]string {
	t.Helper()
	xsd, lint := schemaFile(t), xmllint(t)
	dir := t.TempDir()
	names := make([]string, 0, len(docs))
	for name := range docs {
		names = append(names, name)
	}
	sort.Strings(names)
	files := make(map[string]string, len(docs))
	args := []string{"--noout", "--nonet", "--schema", xsd}
	for i, name := range names {
		f := filepath.Join(dir, fmt.Sprintf("manifest-%03d.xml", i))
		if err := os.WriteFile(f, docs[name], 0o644); err != nil {
			t.Fatal(err)
		}
		files[name] = f
		args = append(args, f)
	}
	out, err := exec.Command(lint, args...).CombinedOutput()
	var exit *exec.ExitError
	if err != nil && !(errors.As(err, &exit) && exit.ExitCode() == 3) {
		// 3 is "validation failed"; anything else means xmllint itself failed.
		t.Fatalf("xmllint: %v\n%s", err, out)
	}
	lines := strings.Split(string(out), "\n")
	result := make(map[string]string, len(docs))
	for name, f := range files {
		var complaints []string
		valid := false
		for _, l := range lines {
			switch {
			case l == f+" validates":
				valid = true
			case strings.HasPrefix(l, f):
				complaints = append(complaints, l)
			}
		}
		if !valid {
			if len(complaints) == 0 {
				complaints = []string{"xmllint did not say it validates:\n" + string(out)}
			}
			result[name] = strings.Join(complaints, "\n")
		}
	}
	return result
}

func xmlCases() []struct {
	name string
	p    Params
} {
	long := strings.Repeat("Video meeting room ", 14)[:250]
	return []struct {
		name string
		p    Params
	}{
		{"a production manifest of a default integration", prodParams()},
		{"a development manifest", devParams()},
		{"a manifest for single sign-on", with(prodParams(), func(in *integration.Integration) {
			in.AddinAuthenticationMethod = integration.AddinAuthSSOToken
			in.AddinApplicationID = ptr(testAppID)
		})},
		{"a manifest for nested app authentication", with(prodParams(), func(in *integration.Integration) {
			in.AddinAuthenticationMethod = integration.AddinAuthNAAToken
			in.AddinApplicationID = ptr(testAppID)
		})},
		{"a manifest whose texts are all 250 characters long", with(devParams(), func(in *integration.Integration) {
			in.AddinDisplayName, in.AddinDescription, in.AddinProviderName = long, long, long
			in.AddinButtonLabel, in.AddinGroupLabel = long, long
			in.AddinSupertipTitle, in.AddinSupertipDescription = long, long
		})},
		{"a manifest whose texts are full of markup characters", with(prodParams(), func(in *integration.Integration) {
			in.AddinDisplayName = `<OfficeApp> & "VMR" 'x' ]]> <!-- -->`
			in.AddinButtonLabel = `</Label><Label resid="evil"/>`
			in.AddinGroupLabel = "&amp; &#x0; &lt;"
			in.AddinProviderName = "<ProviderName>&</ProviderName>"
			in.AddinSupertipDescription = "\"quoted\" 'single' <tag attr=\"v\">"
		})},
		{"a manifest in emoji and right-to-left scripts", with(prodParams(), func(in *integration.Integration) {
			in.AddinDisplayName = "👨\u200d👩\u200d👧 اجتماع فيديو 🇳🇴"
			in.AddinButtonLabel = "הוסף חדר וידאו 👍🏽"
			in.AddinGroupLabel = "\u202eRTL override\u202c"
			in.AddinSupertipTitle = strings.Repeat("😀", 200)
		})},
		{"a manifest whose texts are empty", with(prodParams(), func(in *integration.Integration) {
			in.AddinDisplayName, in.AddinDescription, in.AddinProviderName = "", " ", "\n"
			in.AddinButtonLabel, in.AddinGroupLabel = "", "\x00"
			in.AddinSupertipTitle, in.AddinSupertipDescription = "", ""
		})},
		{"a development manifest of an integration without add-in server domain", with(devParams(), func(in *integration.Integration) {
			in.AddinServerDomain = ""
		})},
		{"a manifest without the online-meeting provider for phones", with(prodParams(), func(in *integration.Integration) {
			in.EnableMobileOnlineMeeting = false
		})},
		{"a single sign-on manifest without the online-meeting provider for phones", with(prodParams(), func(in *integration.Integration) {
			in.EnableMobileOnlineMeeting = false
			in.AddinAuthenticationMethod = integration.AddinAuthSSOToken
			in.AddinApplicationID = ptr(testAppID)
		})},
		{"a development manifest served from the IPv6 loopback address", func() Params {
			p := devParams()
			p.BaseURL = "https://[::1]:3443"
			return p
		}()},
	}
}

func TestXMLManifestsValidateAgainstTheSchema(t *testing.T) {
	cases := xmlCases()
	docs := map[string][]byte{}
	for _, c := range cases {
		docs[c.name], _ = generate(t, c.p)
	}
	invalid := schemaErrors(t, docs)
	for _, c := range cases {
		t.Run(c.name+" is valid", func(t *testing.T) {
			if msg, bad := invalid[c.name]; bad {
				t.Errorf("xmllint rejects it:\n%s\n%s", msg, docs[c.name])
			}
			for _, problem := range xmlProblems(docs[c.name]) {
				t.Error(problem)
			}
		})
	}
}

// Property: manifests of 200 pseudo-random integrations (fixed seed) with
// long, empty, markup-laden, emoji, right-to-left and broken texts, in
// production and development, all pass the schema and the checks it cannot
// make. xmllint runs once over all of them.
func TestXMLManifestsOfManyRandomIntegrationsValidate(t *testing.T) {
	r := rand.New(rand.NewPCG(2024, 11))
	docs := map[string][]byte{}
	params := map[string]Params{}
	for i := range 200 {
		p := randomParams(r)
		name := fmt.Sprintf("random integration %03d", i)
		docs[name], _ = generate(t, p)
		params[name] = p
		for _, problem := range xmlProblems(docs[name]) {
			t.Errorf("%s: %s", name, problem)
		}
	}
	invalid := schemaErrors(t, docs)
	names := make([]string, 0, len(invalid))
	for name := range invalid {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		in := params[name].Integration
		t.Errorf("%s is rejected by the schema:\n%s\ntexts: %q %q %q %q %q %q %q", name, invalid[name],
			in.AddinDisplayName, in.AddinDescription, in.AddinProviderName, in.AddinGroupLabel,
			in.AddinButtonLabel, in.AddinSupertipTitle, in.AddinSupertipDescription)
	}
}

// The schema check is only worth something if it can fail: manifests broken
// in ways the generator avoids must be rejected.
func TestTheSchemaRejectsBrokenManifests(t *testing.T) {
	valid, _ := generate(t, prodParams())
	tooLong := strings.Repeat("x", 126)
	// The whole MobileButton, to put a second one beside it.
	start := bytes.Index(valid, []byte(`<Control xsi:type="MobileButton"`))
	end := bytes.Index(valid, []byte("</MobileFormFactor>"))
	if start < 0 || end < start {
		t.Fatal("the manifest has no MobileButton")
	}
	mobileButton := string(valid[start : start+bytes.Index(valid[start:end], []byte("</Control>"))+len("</Control>")])
	tests := []struct {
		name, old, new string
	}{
		{"a display name of 126 characters", `<DisplayName DefaultValue="VMR Companion"/>`, `<DisplayName DefaultValue="` + tooLong + `"/>`},
		{"a group label of 126 characters", `DefaultValue="Video meeting"/>`, `DefaultValue="` + tooLong + `"/>`},
		{"an empty button label", `DefaultValue="Add a VMR"/>`, `DefaultValue=""/>`},
		{"an unknown permission", `<Permissions>ReadWriteItem</Permissions>`, `<Permissions>Everything</Permissions>`},
		{"SupportsSharedFolders in the 1.0 overrides", "<DesktopFormFactor>\n          <FunctionFile", "<DesktopFormFactor>\n          <SupportsSharedFolders>true</SupportsSharedFolders>\n          <FunctionFile"},
		{"a mobile button with eight icons", `<bt:Image size="48" scale="3" resid="vmrcMobileIcon144"/>`, ``},
		{"a mobile icon without its scale", `<bt:Image size="25" scale="1" resid="vmrcMobileIcon25"/>`, `<bt:Image size="25" resid="vmrcMobileIcon25"/>`},
		{"a second, complete control on the mobile surface", mobileButton, mobileButton + strings.Replace(mobileButton, `id="vmrc-mobile-button-`, `id="second-`, 1)},
		{"a MobileFormFactor before the DesktopFormFactor", "<Host xsi:type=\"MailHost\">\n          <DesktopFormFactor>\n            <SupportsSharedFolders>", "<Host xsi:type=\"MailHost\">\n          <MobileFormFactor><ExtensionPoint xsi:type=\"MobileMessageReadCommandSurface\"/></MobileFormFactor><DesktopFormFactor>\n            <SupportsSharedFolders>"},
	}
	docs := map[string][]byte{}
	for _, tt := range tests {
		if !bytes.Contains(valid, []byte(tt.old)) {
			t.Fatalf("%s: the manifest has no %q to replace", tt.name, tt.old)
		}
		docs[tt.name] = bytes.Replace(valid, []byte(tt.old), []byte(tt.new), 1)
	}
	invalid := schemaErrors(t, docs)
	for _, tt := range tests {
		t.Run(tt.name+" is rejected", func(t *testing.T) {
			if _, bad := invalid[tt.name]; !bad {
				t.Errorf("xmllint accepts it:\n%s", docs[tt.name])
			}
		})
	}
}

// Reading structs: encoding/xml matches local names, so the prefixes do not matter.
type rApp struct {
	XMLName      xml.Name
	Type         string     `xml:"type,attr"`
	ID           string     `xml:"Id"`
	Version      string     `xml:"Version"`
	ProviderName string     `xml:"ProviderName"`
	Locale       string     `xml:"DefaultLocale"`
	DisplayName  rValue     `xml:"DisplayName"`
	Description  rValue     `xml:"Description"`
	IconURL      rValue     `xml:"IconUrl"`
	HiResIconURL rValue     `xml:"HighResolutionIconUrl"`
	SupportURL   rValue     `xml:"SupportUrl"`
	AppDomains   []string   `xml:"AppDomains>AppDomain"`
	Hosts        []rNamed   `xml:"Hosts>Host"`
	Sets         []rSet     `xml:"Requirements>Sets>Set"`
	Form         rForm      `xml:"FormSettings>Form"`
	Permissions  string     `xml:"Permissions"`
	Rule         rRule      `xml:"Rule"`
	Overrides    rOverrides `xml:"VersionOverrides"`
}

type rValue struct {
	V string `xml:"DefaultValue,attr"`
}

type rNamed struct {
	Name string `xml:"Name,attr"`
}

type rSet struct {
	Name       string `xml:"Name,attr"`
	MinVersion string `xml:"MinVersion,attr"`
}

type rForm struct {
	Type   string `xml:"type,attr"`
	Source rValue `xml:"DesktopSettings>SourceLocation"`
}

type rRule struct {
	Type     string `xml:"type,attr"`
	ItemType string `xml:"ItemType,attr"`
	FormType string `xml:"FormType,attr"`
}

type rOverrides struct {
	XMLName xml.Name
	Type    string `xml:"type,attr"`
	Sets    struct {
		DefaultMinVersion string `xml:"DefaultMinVersion,attr"`
		Set               []rSet `xml:"Set"`
	} `xml:"Requirements>Sets"`
	Host struct {
		Type    string `xml:"type,attr"`
		Desktop struct {
			Shared       *bool   `xml:"SupportsSharedFolders"`
			FunctionFile rResRef `xml:"FunctionFile"`
			Point        struct {
				Type string `xml:"type,attr"`
				Tab  struct {
					ID    string `xml:"id,attr"`
					Group struct {
						ID      string  `xml:"id,attr"`
						Label   rResRef `xml:"Label"`
						Control struct {
							Type   string    `xml:"type,attr"`
							ID     string    `xml:"id,attr"`
							Label  rResRef   `xml:"Label"`
							Title  rResRef   `xml:"Supertip>Title"`
							Text   rResRef   `xml:"Supertip>Description"`
							Icons  []rResRef `xml:"Icon>Image"`
							Action struct {
								Type   string  `xml:"type,attr"`
								Source rResRef `xml:"SourceLocation"`
							} `xml:"Action"`
						} `xml:"Control"`
					} `xml:"Group"`
				} `xml:"OfficeTab"`
			} `xml:"ExtensionPoint"`
		} `xml:"DesktopFormFactor"`
	} `xml:"Hosts>Host"`
	Images       []rResource `xml:"Resources>Images>Image"`
	URLs         []rResource `xml:"Resources>Urls>Url"`
	ShortStrings []rResource `xml:"Resources>ShortStrings>String"`
	LongStrings  []rResource `xml:"Resources>LongStrings>String"`
	WebApp       *struct {
		ID       string   `xml:"Id"`
		Resource string   `xml:"Resource"`
		Scopes   []string `xml:"Scopes>Scope"`
	} `xml:"WebApplicationInfo"`
	Inner *rOverrides `xml:"VersionOverrides"`
}

type rResRef struct {
	ResID string `xml:"resid,attr"`
	Size  int    `xml:"size,attr"`
}

type rResource struct {
	ID string `xml:"id,attr"`
	V  string `xml:"DefaultValue,attr"`
}

func (o *rOverrides) resource(id string) string {
	for _, list := range [][]rResource{o.Images, o.URLs, o.ShortStrings, o.LongStrings} {
		for _, r := range list {
			if r.ID == id {
				return r.V
			}
		}
	}
	return ""
}

func TestXMLManifestContent(t *testing.T) {
	sso := with(prodParams(), func(in *integration.Integration) {
		in.AddinAuthenticationMethod = integration.AddinAuthSSOToken
		in.AddinApplicationID = ptr(testAppID)
	})
	naa := with(prodParams(), func(in *integration.Integration) {
		in.AddinAuthenticationMethod = integration.AddinAuthNAAToken
		in.AddinApplicationID = ptr(testAppID)
		in.AddinNAAWebAPIApplicationID = ptr("5e6f7a8b-9c0d-4e1f-8a2b-3c4d5e6f7a8b")
	})
	tests := []struct {
		name     string
		p        Params
		base     string
		display  string
		domains  []string
		resource string // WebApplicationInfo Resource, "" for none
	}{
		{"a production manifest", prodParams(), "https://addins.example.com", "VMR Companion",
			[]string{"https://addins.example.com"}, ""},
		{"a development manifest", devParams(), "https://127.0.0.1:3443", "VMR Companion (dev)",
			[]string{"https://127.0.0.1:3443", "https://addins.example.com"}, ""},
		{"a single sign-on manifest", sso, "https://addins.example.com", "VMR Companion",
			[]string{"https://addins.example.com"}, "api://addins.example.com/" + testAppID},
		{"a nested app authentication manifest, with the SSO registration to fall back on", naa, "https://addins.example.com", "VMR Companion",
			[]string{"https://addins.example.com"}, "api://addins.example.com/" + testAppID},
	}
	for _, tt := range tests {
		t.Run(tt.name+" says what the add-in is and where it lives", func(t *testing.T) {
			doc, _ := generate(t, tt.p)
			var app rApp
			if err := xml.Unmarshal(doc, &app); err != nil {
				t.Fatal(err)
			}
			taskpane := tt.base + "/addin/taskpane.html?integration=" + testUUID
			checks := []struct{ what, got, want string }{
				{"root namespace", app.XMLName.Space, nsOfficeApp},
				{"xsi:type", app.Type, "MailApp"},
				{"Id", app.ID, testAddinID},
				{"Version", app.Version, "1.0.3"},
				{"ProviderName", app.ProviderName, "VMR Companion"},
				{"DefaultLocale", app.Locale, "en-US"},
				{"DisplayName", app.DisplayName.V, tt.display},
				{"Description", app.Description.V, integration.Defaults().AddinDescription},
				{"IconUrl", app.IconURL.V, tt.base + "/addin/assets/icon-64.png"},
				{"HighResolutionIconUrl", app.HiResIconURL.V, tt.base + "/addin/assets/icon-128.png"},
				{"SupportUrl", app.SupportURL.V, tt.base + "/addin/support.html"},
				{"AppDomains", strings.Join(app.AppDomains, " "), strings.Join(tt.domains, " ")},
				{"Hosts", fmt.Sprint(app.Hosts), "[{Mailbox}]"},
				{"base requirements", fmt.Sprint(app.Sets), "[{Mailbox 1.1}]"},
				{"form", app.Form.Type + " " + app.Form.Source.V, "ItemEdit " + taskpane},
				{"Permissions", app.Permissions, "ReadWriteItem"},
				{"Rule", fmt.Sprint(app.Rule), "{ItemIs Appointment Edit}"},
			}
			outer := &app.Overrides
			inner := outer.Inner
			if inner == nil {
				t.Fatal("VersionOverrides 1.0 does not wrap VersionOverrides 1.1")
			}
			checks = append(checks,
				struct{ what, got, want string }{"1.0 namespace", outer.XMLName.Space + " " + outer.Type, nsMailOR10 + " VersionOverridesV1_0"},
				struct{ what, got, want string }{"1.1 namespace", inner.XMLName.Space + " " + inner.Type, nsMailOR11 + " VersionOverridesV1_1"},
				struct{ what, got, want string }{"1.0 requirements", outer.Sets.DefaultMinVersion + fmt.Sprint(outer.Sets.Set), "1.3[{Mailbox }]"},
				struct{ what, got, want string }{"1.1 requirements", inner.Sets.DefaultMinVersion + fmt.Sprint(inner.Sets.Set), "1.8[{Mailbox }]"},
				struct{ what, got, want string }{"1.1 SupportsSharedFolders", fmt.Sprint(inner.Host.Desktop.Shared != nil && *inner.Host.Desktop.Shared), "true"},
				struct{ what, got, want string }{"1.0 SupportsSharedFolders", fmt.Sprint(outer.Host.Desktop.Shared != nil), "false"},
			)
			for _, o := range []*rOverrides{outer, inner} {
				d := o.Host.Desktop
				g := d.Point.Tab.Group
				c := g.Control
				icons := ""
				for _, ic := range c.Icons {
					icons += fmt.Sprintf("%d=%s ", ic.Size, o.resource(ic.ResID))
				}
				wantIcons := ""
				for _, size := range []int{16, 32, 80} {
					wantIcons += fmt.Sprintf("%d=%s/addin/assets/icon-%d.png ", size, tt.base, size)
				}
				v := o.Type + " "
				checks = append(checks, []struct{ what, got, want string }{
					{v + "host", o.Host.Type, "MailHost"},
					{v + "FunctionFile", o.resource(d.FunctionFile.ResID), tt.base + "/addin/commands.html"},
					{v + "extension point", d.Point.Type + " " + d.Point.Tab.ID, "AppointmentOrganizerCommandSurface TabDefault"},
					{v + "group id", g.ID, "vmrc-group-" + testAddinID},
					{v + "group label", o.resource(g.Label.ResID), "Video meeting"},
					{v + "control", c.Type + " " + c.ID, "Button vmrc-button-" + testAddinID},
					{v + "button label", o.resource(c.Label.ResID), "Add a VMR"},
					{v + "supertip title", o.resource(c.Title.ResID), "Make this a video meeting"},
					{v + "supertip description", o.resource(c.Text.ResID), integration.Defaults().AddinSupertipDescription},
					{v + "icons", icons, wantIcons},
					{v + "action", c.Action.Type + " " + o.resource(c.Action.Source.ResID), "ShowTaskpane " + taskpane},
				}...)
			}
			resource := ""
			if inner.WebApp != nil {
				resource = inner.WebApp.Resource
				checks = append(checks,
					struct{ what, got, want string }{"WebApplicationInfo Id", inner.WebApp.ID, testAppID},
					struct{ what, got, want string }{"WebApplicationInfo scopes", strings.Join(inner.WebApp.Scopes, " "), "openid profile"})
			}
			checks = append(checks, struct{ what, got, want string }{"WebApplicationInfo Resource", resource, tt.resource})
			if outer.WebApp != nil {
				t.Error("WebApplicationInfo is in VersionOverrides 1.0, where the schema has no place for it")
			}
			for _, c := range checks {
				if c.got != c.want {
					t.Errorf("%s = %q, want %q", c.what, c.got, c.want)
				}
			}
		})
	}
}

func TestXMLShortensLongTextsToTheSchemaLimits(t *testing.T) {
	long := strings.Repeat("b", 250)
	tests := []struct {
		name  string
		p     Params
		field func(app *rApp) string
		want  string
	}{
		{"a button label of 250 characters becomes 124 and an ellipsis", with(prodParams(), func(in *integration.Integration) { in.AddinButtonLabel = long }),
			func(app *rApp) string {
				o := app.Overrides
				return o.resource(o.Host.Desktop.Point.Tab.Group.Control.Label.ResID)
			},
			strings.Repeat("b", 124) + "…"},
		{"a supertip description of 300 characters becomes 249 and an ellipsis", with(prodParams(), func(in *integration.Integration) { in.AddinSupertipDescription = long + strings.Repeat("c", 50) }),
			func(app *rApp) string {
				o := app.Overrides
				return o.resource(o.Host.Desktop.Point.Tab.Group.Control.Text.ResID)
			},
			long[:249] + "…"},
		{"a development display name keeps its suffix", with(devParams(), func(in *integration.Integration) { in.AddinDisplayName = long }),
			func(app *rApp) string { return app.DisplayName.V },
			strings.Repeat("b", 118) + "… (dev)"},
		{"a provider name of 250 characters becomes 124 and an ellipsis", with(prodParams(), func(in *integration.Integration) { in.AddinProviderName = long }),
			func(app *rApp) string { return app.ProviderName },
			strings.Repeat("b", 124) + "…"},
		{"a label of emoji is cut between emoji", with(prodParams(), func(in *integration.Integration) { in.AddinGroupLabel = strings.Repeat("👍🏽", 40) }),
			func(app *rApp) string {
				o := app.Overrides
				return o.resource(o.Host.Desktop.Point.Tab.Group.Label.ResID)
			},
			strings.Repeat("👍🏽", 31) + "…"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			doc, _ := generate(t, tt.p)
			var app rApp
			if err := xml.Unmarshal(doc, &app); err != nil {
				t.Fatal(err)
			}
			if got := tt.field(&app); got != tt.want {
				t.Errorf("got %q (%d units), want %q", got, units(got), tt.want)
			}
		})
	}
}

func TestXMLEscapesMarkupInTexts(t *testing.T) {
	p := with(prodParams(), func(in *integration.Integration) {
		in.AddinButtonLabel = `</Label><Label resid="evil"/>`
		in.AddinProviderName = `a & b <c>`
	})
	doc, _ := generate(t, p)
	if bytes.Contains(doc, []byte(`resid="evil"`)) || bytes.Contains(doc, []byte("<c>")) {
		t.Fatalf("markup from the integration got into the manifest:\n%s", doc)
	}
	var app rApp
	if err := xml.Unmarshal(doc, &app); err != nil {
		t.Fatal(err)
	}
	o := app.Overrides
	if got := o.resource(o.Host.Desktop.Point.Tab.Group.Control.Label.ResID); got != p.Integration.AddinButtonLabel {
		t.Errorf("button label reads back as %q", got)
	}
	if app.ProviderName != p.Integration.AddinProviderName {
		t.Errorf("provider name reads back as %q", app.ProviderName)
	}
}

// FuzzXML: whatever the texts, the XML manifest is well-formed, reads back,
// fits the limits and references only resources it defines; the JSON
// manifest is valid JSON within its limits.
func FuzzXML(f *testing.F) {
	f.Add("VMR Companion", "Turns a meeting into a video meeting.", "Contoso", "Video meeting", "Add a VMR", "Title", "Tip", false)
	f.Add(`<a>&"'`, "]]>", "<!--", "-->", "\x00\x1b", "\xff\xfe", "\uFFFE", true)
	f.Add("👨\u200d👩\u200d👧", "שלום", "مرحبا", "🇳🇴🇩🇪", "e\u0301", strings.Repeat("😀", 130), strings.Repeat("x", 300), true)
	f.Add("", "", "", "", "", "", "", false)
	f.Fuzz(func(t *testing.T, name, desc, provider, group, button, title, tip string, dev bool) {
		p := devParams()
		if !dev {
			p = prodParams()
		}
		p = with(p, func(in *integration.Integration) {
			in.AddinDisplayName, in.AddinDescription, in.AddinProviderName = name, desc, provider
			in.AddinGroupLabel, in.AddinButtonLabel = group, button
			in.AddinSupertipTitle, in.AddinSupertipDescription = title, tip
		})
		x, j := generate(t, p)
		for _, problem := range xmlProblems(x) {
			t.Error(problem)
		}
		for _, problem := range jsonProblems(j) {
			t.Error(problem)
		}
		var app rApp
		if err := xml.Unmarshal(x, &app); err != nil {
			t.Fatal(err)
		}
		if want := clean(name); want != "" && !dev && units(want) <= xmlShortMax && app.DisplayName.V != want {
			t.Errorf("display name %q reads back as %q", want, app.DisplayName.V)
		}
	})
}
