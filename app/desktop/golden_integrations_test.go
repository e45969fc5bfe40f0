//go:build webkit2_41

package desktop

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"vmr-companion/backend/integration"
	"vmr-companion/backend/secrets"
	"vmr-companion/backend/secrets/secretstest"
	"vmr-companion/backend/store"
	"vmr-companion/backend/templates"
)

// goldenIntegrationService is the window's IntegrationService on a new
// store, wired as the window wires it (with the template checker).
func goldenIntegrationService(t *testing.T, d dialogs) *IntegrationService {
	t.Helper()
	return goldenIntegrationServiceOn(goldenStore(t), d)
}

func goldenIntegrationServiceOn(st *store.Store, d dialogs) *IntegrationService {
	backend := integration.NewService(st.Integrations(), secrets.NewUncheckedKeychain(0), templates.New())
	return &IntegrationService{ctx: context.Background(), backend: backend, dialogs: d}
}

// goldenStore is a new store in a temporary folder.
func goldenStore(t *testing.T) *store.Store {
	t.Helper()
	st, err := store.Open(context.Background(), filepath.Join(t.TempDir(), "golden.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}

// goldenSample is an integration as the fakes' tests name them: one
// Exchange host, its domain's room mailbox. Kept in step with nothing: the
// frontend reads these values back from the goldens.
func goldenSample(name, host string, extra map[string]any) map[string]any {
	domain := host
	if i := strings.Index(host, "."); i >= 0 {
		domain = host[i+1:]
	}
	v := map[string]any{"name": name, "description": "", "url": "https://" + host + "/EWS/Exchange.asmx",
		"room_mailbox_email_address": "vmr@" + domain, "room_mailbox_name": "Video meeting room",
		"domains": []any{host}, "username": "svc-vmr"}
	for k, x := range extra {
		v[k] = x
	}
	return v
}

// formOf is what the new-integration form sends: the defaults, changed.
func formOf(t *testing.T, s *IntegrationService, changes map[string]any) map[string]any {
	t.Helper()
	values, err := s.Defaults()
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range changes {
		values[k] = v
	}
	return values
}

// hidden keeps secret values out of the recorded arguments.
func hidden(values map[string]string) map[string]string {
	out := map[string]string{}
	for k := range values {
		out[k] = "(secret)"
	}
	return out
}

type goldenSeed struct {
	values  map[string]any
	secrets map[string]string
}

// goldenWorld is every integration a frontend test or the preview seeds.
var goldenWorld = []goldenSeed{
	{goldenSample("Contoso", "mail.contoso.com", map[string]any{"addin_server_domain": "vmr.contoso.com"}), map[string]string{"password": "pw"}},
	{goldenSample("Fabrikam", "mail.fabrikam.com", nil), nil},
	{goldenSample("Woodgrove", "mail.woodgrove.com", nil), nil},
	{goldenSample("Contoso HQ", "mail.contoso.com", map[string]any{
		"description": "Exchange 2019 at headquarters, behind the F5 load balancer",
		"domains":     []any{"mail.contoso.com", "ex01.contoso.com", "ex02.contoso.com"}, "authentication_method": "NTLM",
		"addin_server_domain": "vmr.contoso.com"}), map[string]string{"password": "preview-password"}},
	{goldenSample("Fabrikam Office 365", "outlook.office365.com", map[string]any{
		"description": "Exchange Online tenant fabrikam.onmicrosoft.com", "room_mailbox_email_address": "video@fabrikam.com",
		"authentication_method": "APP_PERM", "oauth_client_id": "8f0c6b1e-3d2a-4c7b-9e51-2a6f0d9c1b44",
		"oauth_token_endpoint": "https://login.microsoftonline.com/fabrikam.onmicrosoft.com/oauth2/v2.0/token",
		"enable_personal_vmrs": true, "auth_provider": "AZURE",
		"personal_vmr_oauth_client_id":      "c5a1e0d2-7b3f-4e89-a6d4-1f2b3c4d5e6f",
		"personal_vmr_oauth_auth_endpoint":  "https://login.microsoftonline.com/fabrikam.onmicrosoft.com/oauth2/v2.0/authorize",
		"personal_vmr_oauth_token_endpoint": "https://login.microsoftonline.com/fabrikam.onmicrosoft.com/oauth2/v2.0/token",
		"addin_server_domain":               "vmr.fabrikam.com"}),
		map[string]string{"oauth_client_secret": "preview-secret", "personal_vmr_oauth_client_secret": "preview-secret-2"}},
	{goldenSample("Northwind Traders", "exchange.northwind.local", map[string]any{
		"description": "Kerberos, personal rooms only", "enable_dynamic_vmrs": false, "enable_personal_vmrs": true,
		"authentication_method": "KERBEROS", "kerberos_realm": "NORTHWIND.LOCAL", "kerberos_kdc": "dc01.northwind.local",
		"personal_vmr_oauth_client_id":      "northwind-vmr",
		"personal_vmr_oauth_auth_endpoint":  "https://adfs.northwind.local/adfs/oauth2/authorize",
		"personal_vmr_oauth_token_endpoint": "https://adfs.northwind.local/adfs/oauth2/token"}), nil},
	{goldenSample("Woodgrove lab", "ews.lab.woodgrove.net", map[string]any{
		"description": "Test deployment for new templates", "domains": []any{}}), nil},
}

func goldenIntegrations(t *testing.T, g *goldenRecorder) {
	secretstest.MockInit()

	// The seeded store: each creation, then the list and every detail.
	worldStore := goldenStore(t)
	world := goldenIntegrationServiceOn(worldStore, nil)
	for _, s := range goldenWorld {
		values := formOf(t, world, s.values)
		d, err := world.Create(values, s.secrets)
		if err != nil {
			t.Fatalf("creating %s: %v", s.values["name"], FormatError(err))
		}
		g.record("integration create "+s.values["name"].(string), "IntegrationService.Create", []any{values, hidden(s.secrets)}, d, nil)
	}
	list, err := world.List()
	if err != nil {
		t.Fatal(err)
	}
	details := map[string]any{}
	for _, sum := range list {
		d, err := world.Get(sum.UUID)
		if err != nil {
			t.Fatal(err)
		}
		details[sum.UUID] = d
	}
	g.save("integrations", map[string]any{"scenario": "integrations", "binding": "IntegrationService.List and Get",
		"result": map[string]any{"list": list, "details": details}})

	goldenManifests(t, g, world, worldStore)

	d, err := world.Get("no-such-integration")
	g.record("integration get missing", "IntegrationService.Get", []any{"no-such-integration"}, d, err)
	contoso, err := world.Get("Contoso")
	if err != nil {
		t.Fatal(err)
	}
	id := contoso.Integration["uuid"].(string)
	values := contoso.Integration
	values["description"] = "HQ"
	d, err = world.Update(id, values, map[string]string{}, nil)
	g.record("integration update Contoso description", "IntegrationService.Update", []any{id, values, map[string]string{}, []string{}}, d, err)
	d, err = world.Update(id, values, map[string]string{}, []string{"password"})
	g.record("integration update Contoso clear password", "IntegrationService.Update", []any{id, values, map[string]string{}, []string{"password"}}, d, err)

	// A new integration's form, in an empty store.
	empty := goldenIntegrationService(t, nil)
	check := func(scenario string, changes map[string]any) {
		values := formOf(t, empty, changes)
		report, err := empty.Check("", values, map[string]string{})
		g.record(scenario, "IntegrationService.Check", []any{"", values, map[string]string{}}, report, err)
	}
	check("integration check valid", goldenSample("Contoso", "mail.contoso.com", nil))
	check("integration check http url", map[string]any{"name": "Contoso", "url": "http://mail.contoso.com/EWS/Exchange.asmx"})
	check("integration check office365", goldenSample("Contoso", "outlook.office365.com", map[string]any{"room_mailbox_email_address": "vmr@contoso.com"}))
	invalidMailbox := map[string]any{"name": "Contoso", "room_mailbox_email_address": "not-an-address"}
	check("integration check invalid mailbox", invalidMailbox)
	values = formOf(t, empty, invalidMailbox)
	d, err = empty.Create(values, map[string]string{})
	g.record("integration create invalid mailbox", "IntegrationService.Create", []any{values, map[string]string{}}, d, err)
	nameless := map[string]any{"name": ""}
	d, err = empty.Create(nameless, map[string]string{})
	g.record("integration create nameless", "IntegrationService.Create", []any{nameless, map[string]string{}}, d, err)

	// Imports: pasted and from a file.
	text, _ := json.Marshal([]any{map[string]any{"url": "https://mail.contoso.com/EWS/Exchange.asmx"}})
	res, err := empty.ImportText(string(text))
	g.record("integration import nameless", "IntegrationService.ImportText", []any{string(text)}, res, err)
	dir := t.TempDir()
	g.hidePath(dir)
	file := filepath.Join(dir, "Downloads", "integrations.json")
	imports := goldenIntegrationService(t, fakeDialogs{open: file})
	text, _ = json.Marshal([]any{goldenSample("Contoso", "mail.contoso.com", map[string]any{"legacy": 1})})
	res, err = imports.ImportText(string(text))
	g.record("integration import Contoso legacy", "IntegrationService.ImportText", []any{string(text)}, res, err)
	data, _ := json.Marshal([]any{goldenSample("Imported deployment 1", "imported1.example.com", map[string]any{"legacy_field": true})})
	if err := os.MkdirAll(filepath.Dir(file), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(file, data, 0o600); err != nil {
		t.Fatal(err)
	}
	outcome, err := imports.ImportFile()
	g.record("integration import file", "IntegrationService.ImportFile", []any{}, outcome, err)

	// A keychain that cannot be used: saving a secret fails as a whole.
	secretstest.MockInitWithError(errors.New("The name org.freedesktop.secrets was not provided by any .service files"))
	defer secretstest.MockInit()
	values = formOf(t, empty, goldenSample("A", "a.example.com", nil))
	d, err = empty.Create(values, map[string]string{"password": "x"})
	g.record("integration create keychain unavailable", "IntegrationService.Create", []any{values, hidden(map[string]string{"password": "x"})}, d, err)
}

func goldenTemplates(t *testing.T, g *goldenRecorder) {
	s := &TemplateService{ctx: context.Background(), engine: templates.New()}
	defaults, err := toMap(integration.Defaults())
	if err != nil {
		t.Fatal(err)
	}
	type previewed struct {
		Field   string  `json:"field"`
		Source  string  `json:"source"`
		Preview Preview `json:"preview"`
	}
	var out []previewed
	for _, f := range integration.Describe().Fields {
		if f.Format == "template" {
			src, _ := defaults[f.Name].(string)
			out = append(out, previewed{f.Name, src, s.Preview(f.Name, src)})
		}
	}
	// What the frontend's tests type, and a few of each kind of answer.
	for _, c := range [][2]string{
		{"conference_name_template", "Call with {{organizer_name|upper}}"},
		{"conference_subject_template", "Meeting:\n{{ subject | shout }}"},
		{"conference_subject_template", "Meeting: {{ subject | lower }}"},
		{"conference_subject_template", "{{ subject"},
		{"conference_subject_template", "{{subject}}"},
		{"meeting_instructions_template", "<p>Call {{alias}}</p><script>parent.hacked = 1</script>"},
		{"meeting_instructions_template", "<b>{{alias}}</b>"},
		{"personal_vmr_instructions_template", "{{name}}"},
		{"personal_vmr_location_template", `{% for a in domain_aliases %}{{ loop.index }}:{{ a|upper }}{% if not loop.last %}, {% endif %}{% endfor %}|{{ numeric_aliases|join("/") }}|{{ missing|default("none") }}`},
		{"conference_name_template", "a\n{% if subject %}x"},
		{"conference_name_template", `{% include "x" %}`},
	} {
		out = append(out, previewed{c[0], c[1], s.Preview(c[0], c[1])})
	}
	g.save("template previews", map[string]any{"scenario": "template previews", "binding": "TemplateService.Preview", "result": out})
}
