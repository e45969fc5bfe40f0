package integration

import (
	"encoding/json"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"
	"unicode/utf8"
)

// referencePath is the field reference shared beside the repository.
var referencePath = filepath.Join("..", "..", "..", "shared", "reference", "integration-fields.md")

// notStructFields are bookkeeping of this product, not catalogue fields.
var notStructFields = map[string]bool{"created_at": true, "updated_at": true, "secrets_stored": true}

func structFieldNames() []string {
	var out []string
	t := reflect.TypeOf(Integration{})
	for i := 0; i < t.NumField(); i++ {
		name, _, _ := strings.Cut(t.Field(i).Tag.Get("json"), ",")
		if name != "" && name != "-" && !notStructFields[name] {
			out = append(out, name)
		}
	}
	return out
}

func TestCatalogueMatchesTheStruct(t *testing.T) {
	catalogue := map[string]Field{}
	for _, f := range fields {
		catalogue[f.Name] = f
	}
	structNames := structFieldNames()

	t.Run("every JSON field of Integration has a catalogue entry", func(t *testing.T) {
		for _, name := range structNames {
			if _, ok := catalogue[name]; !ok {
				t.Errorf("%s has no catalogue entry", name)
			}
		}
	})

	t.Run("every catalogue entry that is not a secret is a JSON field of Integration", func(t *testing.T) {
		for _, f := range fields {
			if f.Kind == KindSecret {
				continue
			}
			if !slices.Contains(structNames, f.Name) {
				t.Errorf("%s is in the catalogue but not in the struct", f.Name)
			}
		}
	})

	t.Run("the secret entries of the catalogue are exactly SecretFields, in order, and none is a struct field", func(t *testing.T) {
		var got []string
		for _, f := range fields {
			if f.Kind == KindSecret {
				got = append(got, f.Name)
				if slices.Contains(structNames, f.Name) {
					t.Errorf("secret %s is a field of the struct: it would be stored and exported", f.Name)
				}
			}
		}
		if !slices.Equal(got, SecretFields) {
			t.Errorf("catalogue secrets %q, SecretFields %q", got, SecretFields)
		}
	})

	t.Run("no field is listed twice", func(t *testing.T) {
		seen := map[string]bool{}
		for _, f := range fields {
			if seen[f.Name] {
				t.Errorf("%s is listed twice", f.Name)
			}
			seen[f.Name] = true
		}
	})

	t.Run("every entry has a known group, a kind and a label", func(t *testing.T) {
		known := map[string]bool{}
		for _, g := range groups {
			known[g.Key] = true
		}
		kinds := []string{KindString, KindInt, KindBool, KindEnum, KindList, KindSecret}
		for _, f := range fields {
			if !known[f.Group] || !slices.Contains(kinds, f.Kind) || f.Label == "" {
				t.Errorf("%s: group %q, kind %q, label %q", f.Name, f.Group, f.Kind, f.Label)
			}
		}
	})

	t.Run("the kind of each entry suits the Go type of its field", func(t *testing.T) {
		typ := reflect.TypeOf(Integration{})
		for _, f := range fields {
			idx, ok := jsonIndex[f.Name]
			if !ok {
				continue
			}
			k := typ.FieldByIndex(idx).Type
			want := map[string]reflect.Kind{KindString: reflect.String, KindEnum: reflect.String, KindInt: reflect.Int, KindBool: reflect.Bool, KindList: reflect.Slice}[f.Kind]
			if f.Kind == KindInt && f.Name == "id" {
				want = reflect.Int64
			}
			got := k.Kind()
			if f.Nullable {
				if got != reflect.Pointer {
					t.Errorf("%s is nullable but its field is a %s", f.Name, k)
					continue
				}
				got = k.Elem().Kind()
			} else if got == reflect.Pointer {
				t.Errorf("%s is a pointer but not nullable in the catalogue", f.Name)
				continue
			}
			if got != want {
				t.Errorf("%s: catalogue kind %s, Go type %s", f.Name, f.Kind, k)
			}
		}
	})

	t.Run("enum entries list options and Describe returns copies of the catalogue", func(t *testing.T) {
		for _, f := range fields {
			if f.Kind == KindEnum && len(f.Options) < 2 {
				t.Errorf("%s has options %q", f.Name, f.Options)
			}
		}
		d := Describe()
		if len(d.Fields) != len(fields) || len(d.Groups) != len(groups) {
			t.Fatalf("Describe has %d fields and %d groups", len(d.Fields), len(d.Groups))
		}
		d.Fields[0].Name = "changed"
		if fields[0].Name == "changed" {
			t.Error("Describe hands out the catalogue itself")
		}
		if _, err := json.Marshal(d); err != nil {
			t.Errorf("Describe does not marshal: %v", err)
		}
	})
}

// referenceFieldNames reads the field names of the reference: the first
// column of its tables and the backticked names, up to the section about
// objects the scheduling service creates (those are not integration fields).
func referenceFieldNames(t *testing.T) []string {
	t.Helper()
	data, err := os.ReadFile(referencePath)
	if errors.Is(err, fs.ErrNotExist) {
		t.Skipf("this test needs the shared reference at %s: check out ../shared beside the repository (CI has it)", referencePath)
	}
	if err != nil {
		t.Fatalf("reading the reference: %v", err)
	}
	identifier := regexp.MustCompile(`^[a-z][a-z0-9_]*$`)
	backticked := regexp.MustCompile("`([^`]+)`")
	notFields := map[string]bool{"ms_exchange_connector": true, "field": true}
	set := map[string]bool{}
	addAll := func(s string) {
		for _, part := range strings.Split(s, ",") {
			part = strings.Trim(strings.TrimSpace(part), "`")
			if identifier.MatchString(part) && !notFields[part] {
				set[part] = true
			}
		}
	}
	for _, line := range strings.Split(string(data), "\n") {
		if strings.HasPrefix(line, "## Objects") {
			break
		}
		if strings.HasPrefix(line, "|") {
			cells := strings.Split(line, "|")
			if len(cells) > 1 {
				addAll(cells[1])
			}
			continue
		}
		for _, m := range backticked.FindAllStringSubmatch(line, -1) {
			addAll(m[1])
		}
	}
	out := make([]string, 0, len(set))
	for n := range set {
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}

func TestCatalogueCoversTheReference(t *testing.T) {
	names := referenceFieldNames(t)
	if len(names) < 100 {
		t.Fatalf("read only %d field names from the reference: the parser no longer fits it", len(names))
	}
	t.Run("every field named in the reference is in the catalogue", func(t *testing.T) {
		for _, n := range names {
			if _, ok := FieldByName(n); !ok {
				t.Errorf("%s is in the reference but not in the catalogue", n)
			}
		}
	})
	t.Run("every catalogue field is named in the reference", func(t *testing.T) {
		for _, f := range fields {
			if !f.ProductOnly && !slices.Contains(names, f.Name) {
				t.Errorf("%s is in the catalogue but not in the reference", f.Name)
			}
		}
	})
}

func TestCatalogueLimitsFollowTheReference(t *testing.T) {
	tests := []struct {
		name     string
		field    string
		min, max int
	}{
		{"a name has 1 to 250 characters", "name", 1, 250},
		{"a description has at most 250 characters", "description", 0, 250},
		{"the EWS URL has at most 255 characters", "url", 0, 255},
		{"the room mailbox address has at most 100 characters", "room_mailbox_email_address", 0, 100},
		{"the room mailbox name has at most 250 characters", "room_mailbox_name", 0, 250},
		{"the username has at most 100 characters", "username", 0, 100},
		{"the password has at most 100 characters", "password", 0, 100},
		{"the refresh token has at most 4096 characters", "oauth_refresh_token", 0, 4096},
		{"the Kerberos realm has at most 250 characters", "kerberos_realm", 0, 250},
		{"the Kerberos KDC has at most 255 characters", "kerberos_kdc", 0, 255},
		{"the alias prefix has at most 8 characters", "scheduled_alias_prefix", 0, 8},
		{"the alias domain has at most 192 characters", "scheduled_alias_domain", 0, 192},
		{"the alias suffix has 5 to 15 digits", "scheduled_alias_suffix_length", 5, 15},
		{"the buffer before a meeting is 0 to 180 minutes", "meeting_buffer_before", 0, 180},
		{"the buffer after a meeting is 0 to 180 minutes", "meeting_buffer_after", 0, 180},
		{"the add-in server domain has at most 192 characters", "addin_server_domain", 0, 192},
		{"a pane text has at most 250 characters", "addin_pane_personal_vmr_error_inserting_meeting_message", 0, 250},
		{"the public key has at most 12288 characters", "public_key", 0, 12288},
		{"the private key has at most 12288 characters", "private_key", 0, 12288},
		{"additional script sources have at most 4096 characters", "additional_add_in_script_sources", 0, 4096},
		{"a template has at most 12288 characters", "reject_recurring_series_past_template", 0, 12288},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, ok := FieldByName(tt.field)
			if !ok {
				t.Fatalf("%s is not in the catalogue", tt.field)
			}
			if f.Min != tt.min || f.Max != tt.max {
				t.Fatalf("%s: min %d max %d, want %d and %d", tt.field, f.Min, f.Max, tt.min, tt.max)
			}
		})
	}
}

func TestDefaults(t *testing.T) {
	d := Defaults()
	tests := []struct {
		field string
		want  any
	}{
		{"authentication_method", "BASIC"},
		{"disable_proxy", false},
		{"kerberos_enable_tls", true},
		{"kerberos_auth_every_request", false},
		{"kerberos_verify_tls_using_custom_ca", false},
		{"enable_dynamic_vmrs", true},
		{"enable_personal_vmrs", false},
		{"allow_new_users", true},
		{"enable_addin_debug_logs", false},
		{"scheduled_alias_suffix_length", 6},
		{"meeting_buffer_before", 30},
		{"meeting_buffer_after", 60},
		{"non_idp_participants", "disallow_all"},
		{"addin_authentication_method", "EXCHANGE_USER_ID_TOKEN"},
		{"auth_provider", "ADFS"},
		{"office_js_url", "https://appsforoffice.microsoft.com/lib/1/hosted/office.js"},
		{"use_custom_add_in_sources", false},
		{"personal_vmr_name_template", "{{name}}"},
		{"personal_vmr_description_template", "{{description}}"},
		{"conference_name_template", "{{subject}} ({{organizer_name}})"},
		{"conference_subject_template", "{{subject}}"},
		{"description", ""},
	}
	for _, tt := range tests {
		t.Run("the default of "+tt.field+" is "+jsonText(tt.want), func(t *testing.T) {
			v := fieldValue(d, tt.field)
			if !v.IsValid() {
				t.Fatalf("%s is not a field", tt.field)
			}
			if got := v.Interface(); got != tt.want {
				t.Fatalf("got %v, want %v", got, tt.want)
			}
		})
	}

	t.Run("every default text fits its field", func(t *testing.T) {
		for _, f := range fields {
			if f.Kind != KindString || f.Max == 0 {
				continue
			}
			v := fieldValue(d, f.Name)
			if v.Kind() == reflect.Pointer {
				if v.IsNil() {
					continue
				}
				v = v.Elem()
			}
			if n := utf8.RuneCountInString(v.String()); n > f.Max {
				t.Errorf("%s: the default is %d characters; the limit is %d", f.Name, n, f.Max)
			}
		}
	})

	t.Run("every pane text and template has a default", func(t *testing.T) {
		for _, f := range fields {
			if f.Group != GroupPane && f.Group != GroupTemplates {
				continue
			}
			if fieldValue(d, f.Name).String() == "" {
				t.Errorf("%s has no default", f.Name)
			}
		}
	})

	t.Run("the defaults with the admin's part filled in are valid and start with no domains", func(t *testing.T) {
		in := validBasic()
		if err := Validate(in); err != nil {
			t.Fatalf("Validate: %v", err)
		}
		if d.Domains == nil || len(d.Domains) != 0 {
			t.Errorf("domains %#v, want an empty list", d.Domains)
		}
	})

	t.Run("each call returns a new integration", func(t *testing.T) {
		a, b := Defaults(), Defaults()
		a.Domains = append(a.Domains, "x.example.com")
		a.Name = "changed"
		if b.Name != "" || len(b.Domains) != 0 {
			t.Fatal("Defaults share state between calls")
		}
	})
}

func jsonText(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

// validBasic is a valid on-premises integration with BASIC authentication.
func validBasic() *Integration {
	in := Defaults()
	in.Name = "Head office"
	in.URL = "https://mail.example.com/EWS/Exchange.asmx"
	room := "vmr@example.com"
	in.RoomMailboxEmailAddress = &room
	in.Username = "svc-vmr"
	in.Domains = []string{"mail.example.com"}
	in.AddinServerDomain = "addins.example.com"
	return in
}

func TestFieldByNameAndIsSecret(t *testing.T) {
	tests := []struct {
		name            string
		field           string
		known, isSecret bool
	}{
		{"a plain field is known and not secret", "room_mailbox_name", true, false},
		{"the password is known and secret", "password", true, true},
		{"the private key is a read-only secret", "private_key", true, true},
		{"bookkeeping is not in the catalogue", "secrets_stored", false, false},
		{"an unknown name is neither", "favourite_colour", false, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, ok := FieldByName(tt.field)
			if ok != tt.known || IsSecret(tt.field) != tt.isSecret {
				t.Fatalf("known %v secret %v, want %v %v", ok, IsSecret(tt.field), tt.known, tt.isSecret)
			}
		})
	}
}

func TestClone(t *testing.T) {
	t.Run("a clone shares no slice or pointer with the original", func(t *testing.T) {
		in := validBasic()
		prefix := "vmr"
		in.ScheduledAliasPrefix = &prefix
		in.SecretsStored = []string{SecretPassword}
		c := in.Clone()
		if !reflect.DeepEqual(c, in) {
			t.Fatal("the clone differs")
		}
		*c.RoomMailboxEmailAddress = "other@example.com"
		*c.ScheduledAliasPrefix = "x"
		c.Domains[0] = "other.example.com"
		c.SecretsStored[0] = "other"
		if *in.RoomMailboxEmailAddress != "vmr@example.com" || *in.ScheduledAliasPrefix != "vmr" || in.Domains[0] != "mail.example.com" || in.SecretsStored[0] != SecretPassword {
			t.Fatal("editing the clone changed the original")
		}
	})
	t.Run("every pointer field of the struct is deep-copied", func(t *testing.T) {
		in := &Integration{}
		v := reflect.ValueOf(in).Elem()
		for i := 0; i < v.NumField(); i++ {
			if f := v.Field(i); f.Kind() == reflect.Pointer {
				f.Set(reflect.New(f.Type().Elem()))
			}
		}
		c := reflect.ValueOf(in.Clone()).Elem()
		for i := 0; i < v.NumField(); i++ {
			if f := v.Field(i); f.Kind() == reflect.Pointer && f.Pointer() == c.Field(i).Pointer() {
				t.Errorf("%s is shared", v.Type().Field(i).Name)
			}
		}
	})
}
