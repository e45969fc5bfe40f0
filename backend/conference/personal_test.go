package conference_test

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"

	"vmr-companion/backend/conference"
	"vmr-companion/backend/integration"
	"vmr-companion/backend/templates"
)

func TestRenderPersonal(t *testing.T) {
	in := integration.Defaults()
	in.Name, in.AddinServerDomain = "Contoso", "addins.example.com."
	c := &conference.Conference{Name: "Alex's room", PIN: "4821", GuestPIN: "7305", AllowGuests: true,
		Aliases: []conference.Alias{{Alias: "8123456"}, {Alias: "meet.alex@vc.example.com"}, {Alias: "alex"}}}
	p, err := conference.RenderPersonal(context.Background(), templates.New(), in, c)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(p.DomainAliases, ",") != "meet.alex@vc.example.com" || strings.Join(p.NumericAliases, ",") != "8123456" || strings.Join(p.OtherAliases, ",") != "alex" {
		t.Errorf("aliases %v / %v / %v", p.DomainAliases, p.NumericAliases, p.OtherAliases)
	}
	if p.WebURL != "https://addins.example.com/webapp/m/meet.alex@vc.example.com" {
		t.Errorf("web url %q", p.WebURL)
	}
	if p.Name == "" || !strings.Contains(p.InstructionsHTML, "meet.alex@vc.example.com") {
		t.Errorf("rendered %+v", p)
	}

	in.PersonalVMRLocationTemplate = "{{ broken"
	var terr *conference.TemplateError
	if _, err := conference.RenderPersonal(context.Background(), templates.New(), in, c); !errors.As(err, &terr) || terr.Field != "personal_vmr_location_template" {
		t.Errorf("a broken template: %v", err)
	}
}

// The renderer passes exactly the variables templates.Variables lists,
// which the form and the previews show.
func TestPersonalVarsAreTheListedOnes(t *testing.T) {
	var names []string
	for name := range conference.PersonalVars(&conference.Conference{}, &integration.Integration{}) {
		names = append(names, name)
	}
	want := templates.Variables("personal_vmr_instructions_template")
	slices.Sort(names)
	slices.Sort(want)
	if !slices.Equal(names, want) {
		t.Errorf("variables %v, listed %v", names, want)
	}
}

func TestWebJoinURL(t *testing.T) {
	for _, tt := range []struct {
		domain  string
		aliases []string
		want    string
	}{
		{"", []string{"meet@vc.example.com"}, ""},
		{"addins.example.com", nil, ""},
		{"addins.example.com", []string{"8123456", "alex"}, "https://addins.example.com/webapp/m/alex"},
		{" addins.example.com. ", []string{"8123456"}, "https://addins.example.com/webapp/m/8123456"},
	} {
		c := &conference.Conference{}
		for _, a := range tt.aliases {
			c.Aliases = append(c.Aliases, conference.Alias{Alias: a})
		}
		if got := conference.WebJoinURL(tt.domain, c); got != tt.want {
			t.Errorf("WebJoinURL(%q, %v) = %q, want %q", tt.domain, tt.aliases, got, tt.want)
		}
	}
}
