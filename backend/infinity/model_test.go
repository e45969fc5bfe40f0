package infinity_test

import (
	"context"
	"encoding/json"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"vmr-companion/backend/conference"
	"vmr-companion/backend/infinity"
	"vmr-companion/backend/infinity/infinitytest"
	"vmr-companion/backend/integration"
)

func ptr(s string) *string { return &s }

// keys is the set of names of a JSON object.
func keys(t *testing.T, data []byte) map[string]json.RawMessage {
	t.Helper()
	m := map[string]json.RawMessage{}
	if err := json.Unmarshal(data, &m); err != nil {
		t.Fatalf("%s: %v", data, err)
	}
	return m
}

// full is an integration with every default and this product's own
// fields filled in.
func full() integration.Integration {
	in := *integration.Defaults()
	in.ID, in.Name, in.AddinServerDomain = 99, "Oslo", "addin.example.com"
	in.URL = "https://outlook.office365.com/EWS/Exchange.asmx"
	in.RoomMailboxEmailAddress = ptr("vmr@example.com")
	in.PersonalVMROAuthClientID = ptr("4189c2b4-92ca-416c-b7ea-bc3cfab3d0f0")
	in.HostIdentityProviderGroup = ptr(infinity.ResourceURI("identity_provider_group", 3))
	in.Domains = []string{"ex.example.com"}
	in.EWSCAFile = "/etc/vmr/exchange-ca.pem"
	in.SecretsStored = []string{integration.SecretPassword}
	in.CreatedAt = time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	in.UpdatedAt = in.CreatedAt
	return in
}

func TestConnectorWritesOnlyInfinitysFields(t *testing.T) {
	data, err := json.Marshal(infinity.Connector{Integration: full()})
	if err != nil {
		t.Fatal(err)
	}
	got := keys(t, data)
	for _, k := range []string{"id", "domains", "ews_ca_file", "secrets_stored", "created_at", "updated_at",
		"resource_uri", "uuid", "oauth_client_id", "oauth_state", "scheduled_alias_prefix", "public_key"} {
		if v, ok := got[k]; ok {
			t.Errorf("%s written (%s)", k, v)
		}
	}
	for _, k := range integration.SecretFields {
		if _, ok := got[k]; ok {
			t.Errorf("secret %s written", k)
		}
	}
	for k := range got {
		if !slices.ContainsFunc(infinity.InfinityFields(), func(f integration.Field) bool { return f.Name == k }) {
			t.Errorf("%s is not an Infinity field of the catalogue", k)
		}
	}
	for _, f := range infinity.InfinityFields() {
		if f.ProductOnly || f.Kind == integration.KindSecret {
			t.Errorf("InfinityFields holds %s", f.Name)
		}
	}
	// A choice left empty or a number below its minimum is Infinity's to default.
	in := full()
	in.AuthenticationMethod, in.ScheduledAliasSuffixLength, in.MeetingBufferBefore = "", 0, 0
	data, _ = json.Marshal(infinity.Connector{Integration: in})
	got = keys(t, data)
	if _, ok := got["authentication_method"]; ok {
		t.Error("an empty authentication_method was written")
	}
	if _, ok := got["scheduled_alias_suffix_length"]; ok {
		t.Error("a suffix length of 0 was written")
	}
	if string(got["meeting_buffer_before"]) != "0" {
		t.Errorf("a buffer of 0 (allowed) was not written: %s", got["meeting_buffer_before"])
	}
}

func TestConnectorRoundTripThroughTheFake(t *testing.T) {
	s := fake(t, infinitytest.Options{})
	c, _ := client(t, s, nil)
	ctx := context.Background()
	sent := full()
	// The fake refuses fields Infinity does not have, so this proves the
	// product's own fields stay home.
	id, err := c.CreateConnector(ctx, infinity.Connector{Integration: sent}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.CreateExchangeDomain(ctx, id, "ex.example.com"); err != nil {
		t.Fatal(err)
	}
	got, err := c.GetConnector(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	if got.ID != id || got.ResourceURI != infinity.ResourceURI(infinity.ResConnector, id) || got.Integration.ID != 0 {
		t.Fatalf("identity: id %d uri %q store id %d", got.ID, got.ResourceURI, got.Integration.ID)
	}
	if len(got.Domains) != 1 || got.Domains[0].ExchangeConnector.ID() != id {
		t.Fatalf("domains %+v", got.Domains)
	}
	// What Infinity has comes back as it was sent; this product's
	// bookkeeping does not travel.
	want := sent
	want.ID, want.EWSCAFile, want.InfinityProvisioning, want.SecretsStored, want.CreatedAt, want.UpdatedAt = 0, "", "", nil, time.Time{}, time.Time{}
	want.EnableMobileOnlineMeeting = false
	want.ResourceURI, want.UUID, want.PublicKey = got.Integration.ResourceURI, got.Integration.UUID, got.Integration.PublicKey
	want.AssignWithoutAddin, want.HealJoinBlock = false, false // the scheduler's own settings stay home too
	if !reflect.DeepEqual(got.Integration, want) {
		a, _ := json.Marshal(got.Integration)
		b, _ := json.Marshal(want)
		t.Fatalf("read back\n%s\nwant\n%s", a, b)
	}
}

func TestConnectorReadsInfinitysAnswer(t *testing.T) {
	answer := `{"id": 12, "resource_uri": "/api/admin/configuration/v1/ms_exchange_connector/12/",
		"name": "Bergen", "room_mailbox_email_address": null, "meeting_buffer_after": 15,
		"ivr_theme": {"id": 4, "name": "Blue", "resource_uri": "/api/admin/configuration/v1/ivr_theme/4/"},
		"host_identity_provider_group": "/api/admin/configuration/v1/identity_provider_group/2/",
		"domains": [{"id": 1, "domain": "a.example.com", "exchange_connector": "/api/admin/configuration/v1/ms_exchange_connector/12/", "creation_time": "2026-01-02T03:04:05.000000", "resource_uri": "/api/admin/configuration/v1/exchange_domain/1/"}],
		"some_future_field": [1, 2], "ews_ca_file": "/etc/shadow", "secrets_stored": ["password"], "created_at": "2026-01-01T00:00:00Z"}`
	var c infinity.Connector
	if err := json.Unmarshal([]byte(answer), &c); err != nil {
		t.Fatal(err)
	}
	in := c.Integration
	switch {
	case c.ID != 12 || in.ID != 0 || in.Name != "Bergen" || in.MeetingBufferAfter != 15 || in.RoomMailboxEmailAddress != nil:
		t.Fatalf("%+v", c)
	case in.EWSCAFile != "" || in.SecretsStored != nil || !in.CreatedAt.IsZero():
		t.Fatalf("this product's own fields were read from Infinity: %+v", in)
	case in.IVRTheme == nil || *in.IVRTheme != "/api/admin/configuration/v1/ivr_theme/4/":
		t.Fatalf("a nested relation: %v", in.IVRTheme)
	case in.HostIdentityProviderGroup == nil || *in.HostIdentityProviderGroup != "/api/admin/configuration/v1/identity_provider_group/2/":
		t.Fatalf("a relation as a URI: %v", in.HostIdentityProviderGroup)
	case !slices.Equal(in.Domains, []string{"a.example.com"}) || len(c.Domains) != 1 || c.Domains[0].CreationTime.IsZero():
		t.Fatalf("domains %v %+v", in.Domains, c.Domains)
	}
	for _, bad := range []string{`[]`, `{"name": 5}`, `{"domains": "x"}`, `{"ivr_theme": {"resource_uri": 3}}`} {
		if err := json.Unmarshal([]byte(bad), &c); err == nil {
			t.Errorf("%s read without an error", bad)
		}
	}
}

func TestConferenceSharesTheModel(t *testing.T) {
	v := infinity.Conference{
		Conference: conference.Conference{ID: 7, Name: "Kari's room", Description: "d", PIN: "1234", GuestPIN: "5678",
			AllowGuests: true, PrimaryOwnerEmailAddress: "kari@example.com",
			Aliases: []conference.Alias{{Alias: "kari@example.com"}}, CreatedAt: time.Now()},
		Tag: "team",
	}
	data, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	got := keys(t, data)
	for _, k := range []string{"id", "aliases", "created_at", "updated_at"} {
		if _, ok := got[k]; ok {
			t.Errorf("%s written: %s", k, data)
		}
	}
	for _, k := range []string{"name", "description", "pin", "guest_pin", "allow_guests", "primary_owner_email_address", "tag"} {
		if _, ok := got[k]; !ok {
			t.Errorf("%s not written: %s", k, data)
		}
	}
	answer := `{"id": 3, "name": "Kari's room", "pin": "1234", "allow_guests": true, "service_type": "lecture",
		"guest_identity_provider_group": {"resource_uri": "/api/admin/configuration/v1/identity_provider_group/1/"},
		"aliases": [{"id": 9, "alias": "kari@example.com", "description": "SIP", "conference": "/api/admin/configuration/v1/conference/3/"}]}`
	var r infinity.Conference
	if err := json.Unmarshal([]byte(answer), &r); err != nil {
		t.Fatal(err)
	}
	m := r.Conference
	if r.ID != 3 || m.ID != 0 || m.Name != "Kari's room" || m.PIN != "1234" || !m.AllowGuests || r.ServiceType != "lecture" ||
		r.GuestIdentityProviderGroup.ID() != 1 || len(r.Aliases) != 1 || r.Aliases[0].Conference.ID() != 3 ||
		!reflect.DeepEqual(m.Aliases, []conference.Alias{{Alias: "kari@example.com", Description: "SIP"}}) {
		t.Fatalf("%+v", r)
	}
	if err := json.Unmarshal([]byte(`{"pin": 1234}`), &r); err == nil || !strings.Contains(err.Error(), "pin") {
		t.Fatalf("a number for a pin: %v", err)
	}
}
