package infinitysync

import (
	"encoding/json"
	"testing"
	"unicode/utf8"

	"vmr-companion/backend/infinity"
)

// FuzzRemoteObject feeds a Management Node's objects (an outsider's
// input) through what a pull and a diff do with them: decoding, the
// synced values, the three-way comparison and its display text, which
// must stay bounded and valid JSON per field.
func FuzzRemoteObject(f *testing.F) {
	f.Add([]byte(`{"id": 3, "name": "Alice", "primary_owner_email_address": "a@example.com", "aliases": [{"id": 1, "alias": "a@vc", "description": "x"}]}`), true)
	f.Add([]byte(`{"id": 1, "name": "oslo", "domains": [{"id": 2, "domain": "mail.oslo"}], "meeting_buffer_before": 999999999999}`), false)
	f.Add([]byte(`{"name": "\u001b[2J", "description": null, "pin": 1234}`), true)
	f.Fuzz(func(t *testing.T, data []byte, vmr bool) {
		var v values
		if vmr {
			var c infinity.Conference
			if json.Unmarshal(data, &c) != nil {
				return
			}
			v = vmrValues(&c.Conference)
		} else {
			var c infinity.Connector
			if json.Unmarshal(data, &c) != nil {
				return
			}
			v = integrationValues(&c.Integration)
		}
		kind := map[bool]string{true: KindPersonalVMR, false: KindIntegration}[vmr]
		for _, name := range fieldsOf(kind) {
			if !json.Valid(v[name]) {
				t.Fatalf("field %s: %q is not JSON", name, v[name])
			}
		}
		for _, d := range compareFields(fieldsOf(kind), values{}, values{}, v) {
			if utf8.RuneCountInString(d.Infinity) > 201 {
				t.Fatalf("field %s shows %d characters", d.Field, utf8.RuneCountInString(d.Infinity))
			}
		}
		round := decodeValues(encodeValues(v))
		if len(compareFields(fieldsOf(kind), round, v, v)) != 0 {
			t.Fatal("values change when stored and read back")
		}
	})
}
