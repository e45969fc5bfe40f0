package conference

import (
	"context"
	"fmt"
	"net/url"
	"strings"

	"vmr-companion/backend/integration"
)

// Renderer renders an integration's template with variables
// (templates.Engine).
type Renderer interface {
	Render(ctx context.Context, field, source string, vars map[string]any) (string, error)
}

// Personal is a personal VMR as its owner sees it: the integration's
// personal VMR templates rendered with the conference's details. The
// add-in pane and the window both show this, so they read the same.
type Personal struct {
	Conference       *Conference
	Name             string
	Description      string
	InstructionsHTML string
	Location         string
	// Aliases by kind: with a domain (SIP), all digits (phone), others.
	DomainAliases  []string
	NumericAliases []string
	OtherAliases   []string
	// WebURL is the web app's link to the VMR, "" without an add-in
	// server domain.
	WebURL string
}

// TemplateError is a personal VMR template that could not be rendered.
type TemplateError struct {
	Field string // the integration's field, such as personal_vmr_name_template
	Err   error
}

func (e *TemplateError) Error() string { return fmt.Sprintf("rendering %s: %v", e.Field, e.Err) }
func (e *TemplateError) Unwrap() error { return e.Err }

// RenderPersonal renders c with in's personal VMR templates.
func RenderPersonal(ctx context.Context, r Renderer, in *integration.Integration, c *Conference) (*Personal, error) {
	domain, numeric, other := c.AliasKinds()
	p := &Personal{Conference: c, DomainAliases: domain, NumericAliases: numeric, OtherAliases: other, WebURL: WebJoinURL(in.AddinServerDomain, c)}
	vars := PersonalVars(c, in)
	for _, t := range []struct {
		field, source string
		dst           *string
	}{
		{"personal_vmr_name_template", in.PersonalVMRNameTemplate, &p.Name},
		{"personal_vmr_description_template", in.PersonalVMRDescriptionTemplate, &p.Description},
		{"personal_vmr_instructions_template", in.PersonalVMRInstructionsTemplate, &p.InstructionsHTML},
		{"personal_vmr_location_template", in.PersonalVMRLocationTemplate, &p.Location},
	} {
		var err error
		if *t.dst, err = r.Render(ctx, t.field, t.source, vars); err != nil {
			return nil, &TemplateError{Field: t.field, Err: err}
		}
	}
	return p, nil
}

// PersonalVars are the variables of the personal VMR templates
// (templates.Variables lists their names).
func PersonalVars(c *Conference, in *integration.Integration) map[string]any {
	domain, numeric, other := c.AliasKinds()
	return map[string]any{"name": c.Name, "description": c.Description, "domain_aliases": domain, "other_aliases": other,
		"numeric_aliases": numeric, "pin": c.PIN, "guest_pin": c.GuestPIN, "allow_guests": c.AllowGuests, "addin_server_domain": in.AddinServerDomain}
}

// WebJoinURL is the web app's link to a VMR: https://<addin_server_domain>/webapp/m/<alias>,
// with the first alias that has a domain (any alias when none has).
func WebJoinURL(domain string, c *Conference) string {
	domain = strings.TrimSuffix(strings.TrimSpace(domain), ".")
	if domain == "" || len(c.Aliases) == 0 {
		return ""
	}
	dom, numeric, other := c.AliasKinds()
	first := append(append(dom, other...), numeric...)[0]
	return "https://" + domain + "/webapp/m/" + url.PathEscape(first)
}
