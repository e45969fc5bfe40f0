package infinity

import (
	"bytes"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"vmr-companion/backend/conference"
)

// Ref is a related object: written as its resource URI, read as the URI
// or as the nested object (Infinity answers either), or null.
type Ref struct {
	URI string
}

// RefTo is the Ref of object id of resource.
func RefTo(resource string, id int) *Ref {
	return &Ref{URI: ResourceURI(resource, id)}
}

// ResourceURI is /api/admin/configuration/v1/<resource>/<id>/.
func ResourceURI(resource string, id int) string {
	return ConfigPath + resource + "/" + strconv.Itoa(id) + "/"
}

// ID is the object id at the end of the URI, 0 when there is none.
func (r *Ref) ID() int {
	if r == nil {
		return 0
	}
	return IDFromURI(r.URI)
}

// IDFromURI reads the id of a resource URI such as
// /api/admin/configuration/v1/conference/12/; 0 when it has none.
func IDFromURI(uri string) int {
	parts := strings.Split(strings.Trim(uri, "/"), "/")
	n, err := strconv.Atoi(parts[len(parts)-1])
	if err != nil || n < 0 {
		return 0
	}
	return n
}

func (r Ref) MarshalJSON() ([]byte, error) { return json.Marshal(r.URI) }

func (r *Ref) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	if len(b) > 0 && b[0] == '{' {
		var nested struct {
			ResourceURI string `json:"resource_uri"`
		}
		if err := json.Unmarshal(b, &nested); err != nil {
			return err
		}
		r.URI = nested.ResourceURI
		return nil
	}
	return json.Unmarshal(b, &r.URI)
}

// Time is one of Infinity's timestamps: 2006-01-02T15:04:05.000000 with
// or without fractions and offset. Without an offset it is taken as UTC
// (unconfirmed by Pexip's documentation).
type Time struct{ time.Time }

var timeLayouts = []string{time.RFC3339Nano, "2006-01-02T15:04:05.999999999", "2006-01-02 15:04:05.999999999Z07:00", "2006-01-02 15:04:05.999999999"}

func (t *Time) UnmarshalJSON(b []byte) error {
	if string(b) == "null" {
		t.Time = time.Time{}
		return nil
	}
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return fmt.Errorf("a time must be a string: %w", err)
	}
	for _, l := range timeLayouts {
		if v, err := time.Parse(l, s); err == nil {
			t.Time = v.UTC()
			return nil
		}
	}
	return fmt.Errorf("%q is not a time Infinity writes", truncate(s, 40))
}

func (t Time) MarshalJSON() ([]byte, error) {
	if t.IsZero() {
		return []byte("null"), nil
	}
	return json.Marshal(t.UTC().Format("2006-01-02T15:04:05.000000"))
}

// ExchangeDomain is an exchange_domain: one domain of a connector.
type ExchangeDomain struct {
	ID                int    `json:"id,omitempty"`
	Domain            string `json:"domain"`
	ExchangeConnector *Ref   `json:"exchange_connector,omitempty"`
	CreationTime      Time   `json:"creation_time,omitzero"`
	ResourceURI       string `json:"resource_uri,omitempty"`
}

// ConferenceAlias is a conference_alias: one alias of a conference.
type ConferenceAlias struct {
	ID           int    `json:"id,omitempty"`
	Alias        string `json:"alias"`
	Conference   *Ref   `json:"conference,omitempty"`
	Description  string `json:"description"`
	CreationTime Time   `json:"creation_time,omitzero"`
	ResourceURI  string `json:"resource_uri,omitempty"`
}

// Conference is a conference (a VMR). The fields that this product's
// model (backend/conference) shares with Infinity, by the same JSON names
// (name, description, pin, guest_pin, allow_guests,
// primary_owner_email_address), are Conference; the rest here is
// Infinity's own. Aliases come nested on read (their text also fills
// Conference.Aliases); they are written as conference_alias objects of
// their own. The id and times of our store are never written, nor read
// from Infinity.
type Conference struct {
	Conference conference.Conference `json:"-"`

	// Identity and what Infinity counts, read only.
	ID                        int    `json:"id,omitempty"`
	ResourceURI               string `json:"resource_uri,omitempty"`
	CreationTime              Time   `json:"creation_time,omitzero"`
	ScheduledConferencesCount int    `json:"scheduled_conferences_count,omitempty"`

	// Settings that backend/conference does not model.
	ServiceType string `json:"service_type,omitempty"`
	Tag         string `json:"tag"`
	// Relations: written as URIs, nil left out (Infinity's default).
	IVRTheme                   *Ref   `json:"ivr_theme,omitempty"`
	HostIdentityProviderGroup  *Ref   `json:"host_identity_provider_group,omitempty"`
	GuestIdentityProviderGroup *Ref   `json:"guest_identity_provider_group,omitempty"`
	NonIDPParticipants         string `json:"non_idp_participants,omitempty"`

	Aliases []ConferenceAlias `json:"aliases,omitempty"`
}

// conferenceOwn is Conference without its JSON methods: Infinity's own
// fields.
type conferenceOwn Conference

// storeOnly are backend/conference's fields that Infinity does not have
// (or has differently: aliases are objects there).
var storeOnly = []string{"id", "aliases", "created_at", "updated_at"}

func (c Conference) MarshalJSON() ([]byte, error) {
	out, err := objectOf(c.Conference)
	if err != nil {
		return nil, err
	}
	for _, k := range storeOnly {
		delete(out, k)
	}
	return withOwn(out, conferenceOwn(c))
}

func (c *Conference) UnmarshalJSON(b []byte) error {
	if isNull(b) {
		return nil
	}
	var own conferenceOwn
	var m conference.Conference
	if err := split(b, &own, &m, func(name string) bool { return !slices.Contains(storeOnly, name) }); err != nil {
		return err
	}
	for _, a := range own.Aliases {
		m.Aliases = append(m.Aliases, conference.Alias{Alias: a.Alias, Description: a.Description})
	}
	own.Conference = m
	*c = Conference(own)
	return nil
}

// readOnly are fields Infinity fills in; they are dropped from a POST.
// Relations to-many (domains, aliases) are written as objects of their
// own, so they are dropped too.
var readOnly = []string{"id", "resource_uri", "creation_time", "domains", "aliases",
	"scheduled_conferences", "scheduled_conferences_count", "oauth_refresh_token", "public_key", "private_key"}

// writable turns a typed object into the body of a POST.
func writable(v any) (map[string]any, error) {
	data, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	m := map[string]any{}
	if err := json.Unmarshal(data, &m); err != nil {
		return nil, err
	}
	for _, k := range readOnly {
		delete(m, k)
	}
	return m, nil
}
