package scheduler

import (
	"strings"
	"testing"

	"vmr-companion/backend/ews"
)

func TestTheOrganizerIsExchangesSMTPAddress(t *testing.T) {
	x500 := "/O=EXCHANGELABS/OU=EXCHANGE ADMINISTRATIVE GROUP/CN=RECIPIENTS/CN=ALEX"
	cases := []struct {
		name string
		item ews.Item
		want string
	}{
		{"organizer", ews.Item{Organizer: ews.Mailbox{Email: "Alex@Contoso.com ", RoutingType: "SMTP"}, From: ews.Mailbox{Email: "x@contoso.com"}}, "alex@contoso.com"},
		{"from when the organizer is X.500", ews.Item{Organizer: ews.Mailbox{Email: x500, RoutingType: "EX"}, From: ews.Mailbox{Email: "alex@contoso.com", RoutingType: "SMTP"}}, "alex@contoso.com"},
		{"none when only X.500 is known", ews.Item{Organizer: ews.Mailbox{Email: x500, RoutingType: "EX"}, From: ews.Mailbox{Email: x500, RoutingType: "EX"}}, ""},
		{"none at all", ews.Item{}, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := exchangeOrganizer(&c.item).Email; got != c.want {
				t.Fatalf("exchangeOrganizer = %q, want %q", got, c.want)
			}
		})
	}
	m := &meeting{organizer: ews.Mailbox{}}
	if why := organizerProblem(m); !strings.Contains(why, "no SMTP address") {
		t.Fatalf("organizerProblem = %q", why)
	}
	m = &meeting{organizer: ews.Mailbox{Email: "alex@contoso.com"}, icalOrganizer: "alex@contoso.com"}
	if why := organizerProblem(m); why != "" {
		t.Fatalf("organizerProblem = %q for agreeing addresses", why)
	}
}

func TestInDomains(t *testing.T) {
	domains := []string{"Contoso.com", "https://mail.fabrikam.example/owa", "outlook.office365.com."}
	for addr, want := range map[string]bool{
		"alex@contoso.com":             true,
		"alex@CONTOSO.COM":             false, // callers lower-case first
		"alex@mail.fabrikam.example":   true,
		"alex@evil-contoso.com":        false,
		"alex@contoso.com.evil.com":    false,
		"alex@sub.contoso.com":         false,
		"alex@outlook.office365.com":   true,
		"contoso.com":                  false,
		"alex@contoso.com@evil.com":    false,
		"\"a@contoso.com\"@evil.com":   false,
		"alex@fabrikam.example":        false,
		"alex@mail.fabrikam.example.x": false,
	} {
		if got := inDomains(addr, domains); got != want {
			t.Errorf("inDomains(%q) = %v, want %v", addr, got, want)
		}
	}
	if inDomains("alex@contoso.com", nil) {
		t.Error("no domains: nobody is in them")
	}
}
