package infinitysync

import (
	"bytes"
	"encoding/json"
	"reflect"
	"testing"

	"vmr-companion/backend/conference"
	"vmr-companion/backend/integration"
)

// The encoded fields that pull compares byte for byte must be exactly
// what encodeValues writes from the per-field map, or every object would
// look changed (or worse, unchanged ones different).
func TestEncodedIsEncodeValuesOfPick(t *testing.T) {
	texts := []string{"", "plain", `<script>&"quotes"\`, "line\u2028sep\u2029", "bad \xff utf-8", "ünïcødé 会议"}
	for _, text := range texts {
		in := integration.Defaults()
		in.Name, in.Description, in.AddinServerDomain = "n"+text, text, "addins.example.com"
		in.Domains = []string{"B.example.com", text, "a.example.com"}
		if got, want := integrationEncoded(in), encodeValues(integrationValues(in)); !bytes.Equal(got, want) {
			t.Fatalf("integration %q:\n got %s\nwant %s", text, got, want)
		}
		for _, aliases := range [][]conference.Alias{nil, {}, {{Alias: "z@x"}, {Alias: text, Description: text}, {Alias: "A@x"}}} {
			c := &conference.Conference{ID: 7, Name: "VMR " + text, Description: text, PIN: "1234", AllowGuests: true,
				PrimaryOwnerEmailAddress: "o@example.com", Aliases: aliases}
			if got, want := vmrEncoded(c), encodeValues(vmrValues(c)); !bytes.Equal(got, want) {
				t.Fatalf("conference %q:\n got %s\nwant %s", text, got, want)
			}
			// A pull creates a conference by decoding the encoded fields
			// onto an empty one: the same as apply.
			direct, applied := &conference.Conference{}, &conference.Conference{}
			if err := json.Unmarshal(vmrEncoded(c), direct); err != nil {
				t.Fatal(err)
			}
			if err := apply(applied, vmrValues(c), vmrFields); err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(direct, applied) {
				t.Fatalf("conference %q: decoded %+v, applied %+v", text, direct, applied)
			}
		}
	}
	if got := decodeValues(vmrEncoded(&conference.Conference{Name: "x"})); len(got) != len(vmrFields) {
		t.Fatalf("decoded: %v", got)
	}
}
