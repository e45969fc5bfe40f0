package infinity

import (
	"bytes"
	"encoding/json"
	"fmt"
	"sync"

	"vmr-companion/backend/integration"
)

// Connector is an ms_exchange_connector. Its fields are the integration
// model's (backend/integration: the model follows this resource, with the
// same JSON names); only what Infinity holds differently lives here: its
// own id and URI, and the domains as exchange_domain objects.
//
// Written (Marshal, CreateConnector): the Infinity fields of the catalogue
// (InfinityFields), by their JSON names. Left out so that Infinity applies
// its own default: a nil nullable field, an empty choice (enum) and a zero
// number below the field's minimum; set a field to null with Patch. Never
// written: this product's fields (ews_ca_file, secrets_stored, created_at,
// updated_at), the id of our store, Integration.Domains (Infinity's domains
// are objects: CreateExchangeDomain) and any secret. The write-only secrets
// (password, oauth_client_secret, personal_vmr_oauth_client_secret) are
// sent only as extra Fields with secrets.Secret values, when the caller
// decides to; Infinity never gives them back.
//
// Read (Unmarshal): every Infinity field into Integration (unknown keys
// ignored; a relation answered as a nested object becomes its URI), the id
// into ID (Integration.ID, our store's, stays 0), the nested domains into
// Domains and their names into Integration.Domains.
type Connector struct {
	Integration integration.Integration `json:"-"`
	ID          int                     `json:"id,omitempty"`
	ResourceURI string                  `json:"resource_uri,omitempty"`
	Domains     []ExchangeDomain        `json:"domains,omitempty"`
}

// connectorOwn is Connector without its JSON methods: Infinity's own fields.
type connectorOwn Connector

// InfinityFields are the catalogue fields that Connector writes: those of
// Infinity's resource, without secrets, without the id of our store and
// without the domains, which Infinity keeps as exchange_domain objects.
func InfinityFields() []integration.Field {
	var out []integration.Field
	for _, f := range integration.Describe().Fields {
		if f.ProductOnly || f.Kind == integration.KindSecret || f.Name == "id" || f.Name == "domains" || f.Name == "resource_uri" {
			continue
		}
		out = append(out, f)
	}
	return out
}

func (c Connector) MarshalJSON() ([]byte, error) {
	all, err := objectOf(c.Integration)
	if err != nil {
		return nil, err
	}
	out := map[string]json.RawMessage{}
	for _, f := range InfinityFields() {
		v, ok := all[f.Name]
		if !ok || leaveOut(f, v) {
			continue
		}
		out[f.Name] = v
	}
	return withOwn(out, connectorOwn(c))
}

// leaveOut tells whether v, the JSON of field f, is one Infinity should
// default instead: null, an empty choice, a number below its minimum, an
// empty read-only text (uuid, public_key).
func leaveOut(f integration.Field, v json.RawMessage) bool {
	s := string(v)
	switch {
	case s == "null":
		return true
	case f.Kind == integration.KindEnum || f.ReadOnly && f.Kind == integration.KindString:
		return s == `""`
	case f.Kind == integration.KindInt:
		var n int
		return json.Unmarshal(v, &n) == nil && n < f.Min
	}
	return false
}

func (c *Connector) UnmarshalJSON(b []byte) error {
	if isNull(b) {
		return nil
	}
	var own connectorOwn
	var m integration.Integration
	if err := split(b, &own, &m, readsIntoIntegration); err != nil {
		return err
	}
	m.Domains = make([]string, 0, len(own.Domains))
	for _, d := range own.Domains {
		m.Domains = append(m.Domains, d.Domain)
	}
	own.Integration = m
	*c = Connector(own)
	return nil
}

// isNull tells whether b is JSON's null, which leaves a value as it is.
func isNull(b []byte) bool { return string(bytes.TrimSpace(b)) == "null" }

// objectOf is v's JSON object by field name.
func objectOf(v any) (map[string]json.RawMessage, error) {
	data, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	m := map[string]json.RawMessage{}
	if err := json.Unmarshal(data, &m); err != nil {
		return nil, err
	}
	return m, nil
}

// withOwn is the object of fields plus the wrapper's own (Infinity's)
// fields, which win.
func withOwn(fields map[string]json.RawMessage, own any) ([]byte, error) {
	m, err := objectOf(own)
	if err != nil {
		return nil, err
	}
	for k, v := range m {
		fields[k] = v
	}
	return json.Marshal(fields)
}

// readsIntoIntegration tells whether Infinity's key name may fill the
// Integration: its fields of the catalogue and its URI, never this
// product's own (a Management Node does not choose our CA file) nor the
// id of our store.
func readsIntoIntegration(name string) bool { return name == "resource_uri" || infinityNames()[name] }

var infinityNames = sync.OnceValue(func() map[string]bool {
	m := map[string]bool{}
	for _, f := range InfinityFields() {
		m[f.Name] = true
	}
	return m
})

// split reads Infinity's object b twice: into own, the wrapper's fields,
// and into model, this product's, with only the keys that keep accepts.
func split(b []byte, own, model any, keep func(name string) bool) error {
	if err := json.Unmarshal(b, own); err != nil {
		return err
	}
	shared, err := fieldsOf(b, keep)
	if err != nil {
		return err
	}
	return json.Unmarshal(shared, model)
}

// fieldsOf is the JSON object b with only the keys keep accepts, every nested
// object (a relation Infinity answered in full) replaced by its
// resource_uri, ready to decode into a model of this product.
func fieldsOf(b []byte, keep func(name string) bool) ([]byte, error) {
	var m map[string]json.RawMessage
	if err := json.Unmarshal(b, &m); err != nil {
		return nil, err
	}
	if m == nil {
		return nil, fmt.Errorf("expected an object, got null")
	}
	// Written by hand, not json.Marshal(m): the values are valid JSON as
	// read and only get decoded again, so neither sorting the keys nor
	// compacting the values is needed (a pull reads tens of thousands).
	out := make([]byte, 0, len(b))
	out = append(out, '{')
	for k, v := range m {
		if !keep(k) {
			continue
		}
		if len(v) > 0 && v[0] == '{' {
			var r Ref
			if err := r.UnmarshalJSON(v); err != nil {
				return nil, fmt.Errorf("%s: %w", k, err)
			}
			v, _ = json.Marshal(r.URI) // a string always encodes
		}
		key, _ := json.Marshal(k) // a string always encodes
		if len(out) > 1 {
			out = append(out, ',')
		}
		out = append(append(append(out, key...), ':'), v...)
	}
	return append(out, '}'), nil
}
