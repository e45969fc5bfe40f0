package account

import (
	"context"
	"fmt"
	"strings"

	"vmr-companion/backend/conference"
)

// VMR is one of the signed-in user's personal VMRs, with what it takes to
// share or join it. Name, description and instructions are rendered from
// the integration's templates as the add-in renders them
// (conference.RenderPersonal), so they read the same.
type VMR struct {
	ID               int64    `json:"id"`
	Name             string   `json:"name"`
	Description      string   `json:"description"`
	SIPAliases       []string `json:"sip_aliases"`
	PhoneAliases     []string `json:"phone_aliases"`
	OtherAliases     []string `json:"other_aliases"`
	PIN              string   `json:"pin"`
	GuestPIN         string   `json:"guest_pin"`
	AllowGuests      bool     `json:"allow_guests"`
	WebURL           string   `json:"web_url"`
	InstructionsHTML string   `json:"instructions_html"`
}

// MyVMRs lists the signed-in user's personal VMRs.
func (s *Service) MyVMRs(ctx context.Context) ([]VMR, error) {
	in, acc, err := s.signedIn(ctx)
	if err != nil {
		return nil, err
	}
	if acc.Email == "" {
		return nil, fmt.Errorf("account: the identity provider did not say your email address, so your VMRs cannot be found: ask your admin to release the email claim to VMR Companion")
	}
	list, err := s.cfg.Conferences.List(ctx, strings.ToLower(acc.Email))
	if err != nil {
		return nil, err
	}
	out := make([]VMR, 0, len(list))
	for _, c := range list {
		p, err := conference.RenderPersonal(ctx, s.cfg.Templates, in, c)
		if err != nil {
			return nil, fmt.Errorf("account: the integration %s has a broken template (%w): ask your admin to fix it", in.Name, err)
		}
		out = append(out, VMR{ID: c.ID, Name: p.Name, Description: p.Description, SIPAliases: p.DomainAliases, PhoneAliases: p.NumericAliases,
			OtherAliases: p.OtherAliases, PIN: c.PIN, GuestPIN: c.GuestPIN, AllowGuests: c.AllowGuests, WebURL: p.WebURL, InstructionsHTML: p.InstructionsHTML})
	}
	return out, nil
}
