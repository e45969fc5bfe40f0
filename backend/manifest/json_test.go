package manifest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"vmr-companion/backend/integration"
)

func TestJSONManifestContent(t *testing.T) {
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
		name      string
		p         Params
		base      string
		shortName string
		domains   []string
		webApp    string // webApplicationInfo as JSON, "" for none
	}{
		{"a production manifest", prodParams(), "https://addins.example.com", "VMR Companion",
			[]string{"addins.example.com"}, ""},
		{"a development manifest", devParams(), "https://127.0.0.1:3443", "VMR Companion (dev)",
			[]string{"127.0.0.1:3443", "addins.example.com"}, ""},
		{"a single sign-on manifest", sso, "https://addins.example.com", "VMR Companion",
			[]string{"addins.example.com"}, `{"id":"` + testAppID + `","resource":"api://addins.example.com/` + testAppID + `"}`},
		{"a nested app authentication manifest, with the SSO registration to fall back on", naa, "https://addins.example.com", "VMR Companion",
			[]string{"addins.example.com"}, `{"id":"` + testAppID + `","resource":"api://addins.example.com/` + testAppID + `"}`},
	}
	for _, tt := range tests {
		t.Run(tt.name+" describes the same add-in as the XML manifest", func(t *testing.T) {
			_, doc := generate(t, tt.p)
			var m jManifest
			dec := json.NewDecoder(bytes.NewReader(doc))
			dec.DisallowUnknownFields()
			if err := dec.Decode(&m); err != nil {
				t.Fatal(err)
			}
			if len(m.Extensions) != 1 || len(m.Extensions[0].Runtimes) != 1 || len(m.Extensions[0].Ribbons) != 1 {
				t.Fatalf("want one extension with one runtime and one ribbon:\n%s", doc)
			}
			ext := m.Extensions[0]
			rt := ext.Runtimes[0]
			rb := ext.Ribbons[0]
			if len(rb.Tabs) != 1 || len(rb.Tabs[0].Groups) != 1 || len(rb.Tabs[0].Groups[0].Controls) != 1 {
				t.Fatalf("want one tab with one group with one control:\n%s", doc)
			}
			g := rb.Tabs[0].Groups[0]
			c := g.Controls[0]
			webApp := ""
			if m.WebApplicationInfo != nil {
				b, _ := json.Marshal(m.WebApplicationInfo)
				webApp = string(b)
			}
			icons := fmt.Sprintf("[{16 %[1]s/addin/assets/icon-16.png} {32 %[1]s/addin/assets/icon-32.png} {80 %[1]s/addin/assets/icon-80.png}]", tt.base)
			checks := []struct{ what, got, want string }{
				{"$schema", m.Schema, "https://developer.microsoft.com/json-schemas/teams/v1.17/MicrosoftTeams.schema.json"},
				{"manifestVersion", m.ManifestVersion, "1.17"},
				{"id", m.ID, testAddinID},
				{"version", m.Version, "1.0.3"},
				{"developer", fmt.Sprint(m.Developer), fmt.Sprintf("{VMR Companion %[1]s/addin/support.html %[1]s/addin/privacy.html %[1]s/addin/terms.html}", tt.base)},
				{"name", fmt.Sprint(m.Name), fmt.Sprintf("{%[1]s %[1]s}", tt.shortName)},
				{"description.full", m.Description.Full, integration.Defaults().AddinDescription},
				{"icons", fmt.Sprint(m.Icons), "{icon-outline.png icon-color.png}"},
				{"validDomains", strings.Join(m.ValidDomains, " "), strings.Join(tt.domains, " ")},
				{"webApplicationInfo", webApp, tt.webApp},
				{"permissions", fmt.Sprint(m.Authorization.Permissions.ResourceSpecific), "[{MailboxItem.ReadWrite.User Delegated} {Mailbox.SharedFolder Delegated}]"},
				{"requirements", fmt.Sprint(ext.Requirements), "{[{Mailbox 1.8}] [mail]}"},
				{"runtime page", rt.Code.Page, tt.base + "/addin/taskpane.html?integration=" + testUUID},
				{"runtime action", fmt.Sprint(rt.Actions), "[{vmrc-show-taskpane openPage}]"},
				{"ribbon context", fmt.Sprint(rb.Contexts), "[meetingDetailsOrganizer]"},
				{"tab", rb.Tabs[0].BuiltInTabID, "TabDefault"},
				{"group", g.ID + " " + g.Label, "vmrc-group-" + testAddinID + " Video meeting"},
				{"group icons", fmt.Sprint(g.Icons), icons},
				{"control", c.ID + " " + c.Type + " " + c.Label, "vmrc-button-" + testAddinID + " button Add a VMR"},
				{"control icons", fmt.Sprint(c.Icons), icons},
				{"supertip", fmt.Sprint(c.Supertip), fmt.Sprintf("{Make this a video meeting %s}", integration.Defaults().AddinSupertipDescription)},
				{"control action", c.ActionID, rt.Actions[0].ID},
			}
			for _, c := range checks {
				if c.got != c.want {
					t.Errorf("%s = %q, want %q", c.what, c.got, c.want)
				}
			}
		})
	}
}

func TestJSONShortensTextsToItsOwnLimits(t *testing.T) {
	p := with(devParams(), func(in *integration.Integration) {
		in.AddinDisplayName = strings.Repeat("n", 250)
		in.AddinDescription = strings.Repeat("d", 250)
		in.AddinProviderName = strings.Repeat("p", 250)
		in.AddinButtonLabel = strings.Repeat("b", 250)
		in.AddinSupertipTitle = strings.Repeat("t", 250)
	})
	_, doc := generate(t, p)
	var m jManifest
	if err := json.Unmarshal(doc, &m); err != nil {
		t.Fatal(err)
	}
	c := m.Extensions[0].Ribbons[0].Tabs[0].Groups[0].Controls[0]
	tests := []struct{ name, got, want string }{
		{"the short name keeps the development suffix within 30", m.Name.Short, strings.Repeat("n", 23) + "… (dev)"},
		{"the full name keeps the development suffix within 100", m.Name.Full, strings.Repeat("n", 93) + "… (dev)"},
		{"the short description fits 80", m.Description.Short, strings.Repeat("d", 79) + "…"},
		{"the full description is the whole text", m.Description.Full, strings.Repeat("d", 250)},
		{"the developer name fits 32", m.Developer.Name, strings.Repeat("p", 31) + "…"},
		{"the button label fits 64", c.Label, strings.Repeat("b", 63) + "…"},
		{"the supertip title fits 64", c.Supertip.Title, strings.Repeat("t", 63) + "…"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.got != tt.want {
				t.Errorf("got %q, want %q", tt.got, tt.want)
			}
		})
	}
}

func TestJSONManifestsOfManyRandomIntegrationsFitTheSchemaLimits(t *testing.T) {
	r := rand.New(rand.NewPCG(2024, 11))
	for i := range 200 {
		_, doc := generate(t, randomParams(r))
		for _, problem := range jsonProblems(doc) {
			t.Errorf("random integration %03d: %s", i, problem)
		}
	}
}

// npmValidatorEnv names the office-addin-manifest CLI. That CLI validates a
// JSON manifest offline against the schema copies in @microsoft/app-manifest
// (the XML validation of the same CLI needs Microsoft's web service, so XML
// is checked with xmllint instead).
const npmValidatorEnv = "VMR_MANIFEST_NPM_VALIDATOR"

func npmValidator(t *testing.T) string {
	t.Helper()
	cli := os.Getenv(npmValidatorEnv)
	if cli == "" {
		t.Skipf("set %s to the office-addin-manifest CLI (npm package office-addin-manifest@3.0.0, e.g. frontend/node_modules/.bin/office-addin-manifest) to validate the JSON manifests", npmValidatorEnv)
	}
	return cli
}

// npmValidate runs "<cli> validate <file>" and returns its output and
// whether the manifest is valid (exit status 0).
func npmValidate(t *testing.T, cli string, doc []byte) (string, bool) {
	t.Helper()
	f := filepath.Join(t.TempDir(), "manifest.json")
	if err := os.WriteFile(f, doc, 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(cli, "validate", f)
	// Keep the CLI's usage-data settings file out of the real home.
	cmd.Env = append(os.Environ(), "HOME="+t.TempDir(), "NO_COLOR=1", "FORCE_COLOR=0")
	out, err := cmd.CombinedOutput()
	if _, isExit := err.(*exec.ExitError); err != nil && !isExit {
		t.Fatalf("running %s: %v", cli, err)
	}
	return string(out), err == nil
}

func TestJSONManifestsValidateWithOfficeAddinManifest(t *testing.T) {
	cli := npmValidator(t)
	type job struct {
		name string
		p    Params
	}
	var jobs []job
	for _, c := range xmlCases() {
		jobs = append(jobs, job{c.name, c.p})
	}
	r := rand.New(rand.NewPCG(2024, 11))
	for i := range 12 {
		jobs = append(jobs, job{fmt.Sprintf("random integration %03d", i), randomParams(r)})
	}
	sem := make(chan struct{}, max(2, runtime.NumCPU())) // each run is a node process
	for _, j := range jobs {
		_, doc := generate(t, j.p)
		t.Run(j.name+" is valid", func(t *testing.T) {
			t.Parallel()
			sem <- struct{}{}
			defer func() { <-sem }()
			if out, ok := npmValidate(t, cli, doc); !ok {
				t.Errorf("office-addin-manifest rejects it:\n%s\n%s", out, doc)
			}
		})
	}
}

// The npm check is only worth something if it can fail offline.
func TestOfficeAddinManifestRejectsABrokenJSONManifest(t *testing.T) {
	cli := npmValidator(t)
	_, doc := generate(t, prodParams())
	broken := bytes.Replace(doc, []byte(`"label": "Add a VMR"`), []byte(`"label": "`+strings.Repeat("x", 65)+`"`), 1)
	if bytes.Equal(broken, doc) {
		t.Fatal("the manifest has no button label to break")
	}
	out, ok := npmValidate(t, cli, broken)
	if ok {
		t.Fatalf("office-addin-manifest accepts a 65-character button label:\n%s", out)
	}
	if !strings.Contains(out, "must NOT have more than 64 characters") {
		t.Errorf("office-addin-manifest rejects it for another reason:\n%s", out)
	}
}
