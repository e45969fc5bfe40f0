package calendar

import "testing"

func TestDetectorRecognisesThisDeploymentsVMRs(t *testing.T) {
	d := &Detector{
		Aliases:      []string{"meet.alice@vc.example.com", "4711", "meet.1234567@vc.example.com"},
		WebDomains:   []string{"addins.example.com", "join.example.org"},
		Tokens:       map[string]string{"0b6a3c58-3f55-4f6c-9d46-1a2b3c4d5e6f": "meet.1234567@vc.example.com"},
		AliasDomains: map[string]string{"meet.1234567@vc.example.com": "join.example.org"},
	}
	tests := []struct {
		name, text, alias, web string
	}{
		{"an alias as the location", "meet.alice@vc.example.com", "meet.alice@vc.example.com", "https://addins.example.com/webapp/m/meet.alice@vc.example.com"},
		{"a sip: URI in any case", "Call SIP:Meet.Alice@VC.example.com.", "meet.alice@vc.example.com", "https://addins.example.com/webapp/m/meet.alice@vc.example.com"},
		{"the web link our templates write", `<a href="https://join.example.org/webapp/m/meet.1234567%40vc.example.com">open</a>`, "meet.1234567@vc.example.com", "https://join.example.org/webapp/m/meet.1234567@vc.example.com"},
		{"a web link to an alias not in the list", "https://addins.example.com/webapp/m/meet.new@vc.example.com?x=1", "meet.new@vc.example.com", "https://addins.example.com/webapp/m/meet.new@vc.example.com"},
		{"a single-use token", "Meeting room reference: vmr-companion:0B6A3C58-3F55-4F6C-9D46-1A2B3C4D5E6F", "meet.1234567@vc.example.com", "https://join.example.org/webapp/m/meet.1234567@vc.example.com"},
		{"a token of an unknown reservation", "vmr-companion:11111111-2222-3333-4444-555555555555", "", ""},
		{"the alias's integration domain", "sip:meet.1234567@vc.example.com", "meet.1234567@vc.example.com", "https://join.example.org/webapp/m/meet.1234567@vc.example.com"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			l := d.Detect("", tt.text)
			if l == nil {
				t.Fatal("not recognised")
			}
			if l.Alias != tt.alias || l.WebURL != tt.web {
				t.Errorf("got %+v, want alias %q, web %q", l, tt.alias, tt.web)
			}
			if tt.alias != "" && l.SIPURI != "sip:"+tt.alias {
				t.Errorf("SIP URI %q", l.SIPURI)
			}
		})
	}
	for _, text := range []string{
		"",
		"Room 4711",                              // a numeric alias alone looks like any number
		"xmeet.alice@vc.example.com",             // part of another word
		"meet.alice@vc.example.com.evil.example", // part of a longer name
		"https://evil.example/webapp/m/meet.alice2", // a web link on an unknown domain
		"http://addins.example.com/webapp/m/meet.x", // not https
		"vmr-companion:not-a-uuid",
		"Teams meeting https://teams.microsoft.com/l/meetup-join/19%3ameeting",
	} {
		if l := d.Detect(text); l != nil {
			t.Errorf("%q recognised as %+v", text, l)
		}
	}
	var none *Detector
	if none.Detect("meet.alice@vc.example.com") != nil {
		t.Error("a nil detector recognised something")
	}
}

func TestDetectorPrefersTheWebLinkOverAnAliasOverAToken(t *testing.T) {
	d := &Detector{Aliases: []string{"meet.a@vc.example.com", "meet.b@vc.example.com"}, WebDomains: []string{"addins.example.com"},
		Tokens: map[string]string{"0b6a3c58-3f55-4f6c-9d46-1a2b3c4d5e6f": "meet.c@vc.example.com"}}
	l := d.Detect("vmr-companion:0b6a3c58-3f55-4f6c-9d46-1a2b3c4d5e6f meet.a@vc.example.com", "https://addins.example.com/webapp/m/meet.b@vc.example.com")
	if l == nil || l.Alias != "meet.b@vc.example.com" {
		t.Errorf("got %+v", l)
	}
	l = d.Detect("vmr-companion:0b6a3c58-3f55-4f6c-9d46-1a2b3c4d5e6f", "meet.a@vc.example.com")
	if l == nil || l.Alias != "meet.a@vc.example.com" {
		t.Errorf("got %+v", l)
	}
}
