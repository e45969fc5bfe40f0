package templates

import "slices"

// variables are, per template field, the variables the services pass when
// they render it: the one list that the form (integration.Field.Variables),
// the previews (SampleVars) and the renderers' tests read. A field not
// listed renders without variables.
var variables = map[string][]string{
	"meeting_instructions_template":           {"alias", "numeric_alias", "alias_uuid", "addin_server_domain"},
	"personal_vmr_instructions_template":      personalVariables,
	"personal_vmr_location_template":          personalVariables,
	"personal_vmr_name_template":              personalVariables,
	"personal_vmr_description_template":       personalVariables,
	"conference_name_template":                {"subject", "organizer_name", "organizer_email"},
	"conference_description_template":         {"organizer_email"},
	"conference_subject_template":             {"subject"},
	"scheduled_alias_description_template":    {"organizer_email"},
	"accept_new_single_meeting_template":      replyVariables,
	"accept_new_recurring_series_template":    replyVariables,
	"accept_edited_single_meeting_template":   replyVariables,
	"accept_edited_recurring_series_template": replyVariables,
	"accept_edited_occurrence_template":       replyVariables,
	"reject_general_error_template":           replyVariables,
	"reject_alias_conflict_template":          replyVariables,
	"reject_alias_deleted_template":           replyVariables,
	"reject_invalid_alias_id_template":        replyVariables,
	"reject_single_meeting_past":              replyVariables,
	"reject_recurring_series_past_template":   replyVariables,
	"placeholder_instructions_template":       {"addin_server_domain"},
}

var (
	personalVariables = []string{"name", "description", "domain_aliases", "other_aliases", "numeric_aliases", "pin", "guest_pin", "allow_guests", "addin_server_domain"}
	// Every reply gets the meeting's subject and the correlation id of its
	// decision; alias and numeric_alias are empty when no room was found;
	// organizer_email is the meeting's owner, delegate_email who sent it on
	// their behalf (empty when the owner sent it).
	replyVariables = []string{"alias", "numeric_alias", "subject", "correlation_id", "organizer_email", "delegate_email"}
)

// Variables lists the variables the service passes when it renders the
// template of field, nil for fields without variables. Each call returns a
// new slice the caller may change.
func Variables(field string) []string { return slices.Clone(variables[field]) }

// Unlisted returns the names in vars that Variables(field) does not list,
// sorted: a renderer that passes one has drifted from the list the form and
// the previews show. The renderers' tests check every call with it.
func Unlisted(field string, vars map[string]any) []string {
	var out []string
	for name := range vars {
		if !slices.Contains(variables[field], name) {
			out = append(out, name)
		}
	}
	slices.Sort(out)
	return out
}

// samples are realistic values of every variable, for previews. The
// subject and room name carry markup and quote characters on purpose, so a
// preview shows how they are escaped (HTML templates) or kept as typed
// (text templates).
var samples = map[string]func() any{
	"alias":               func() any { return "meet.123456@vc.example.com" },
	"numeric_alias":       func() any { return "123456" },
	"alias_uuid":          func() any { return "6f1c2a9e-3b7d-4e52-9a0c-8d4f7e21b635" },
	"addin_server_domain": func() any { return "addins.example.com" },
	"subject":             func() any { return `Budget review <b>Q3</b> & "next steps" for Sam's team` },
	"organizer_name":      func() any { return "Alex Morgan" },
	"organizer_email":     func() any { return "alex.morgan@example.com" },
	"delegate_email":      func() any { return "sam.lee@example.com" },
	"correlation_id":      func() any { return "c2b8e5d4-17a3-4f60-b9e2-5a0d3c7f9148" },
	"name":                func() any { return `Alex Morgan's room <Sales & "Support">` },
	"description":         func() any { return "Personal meeting room of Alex Morgan" },
	"domain_aliases":      func() any { return []string{"alex.morgan@vc.example.com", "meet.alex@vc.example.com"} },
	"other_aliases":       func() any { return []string{"alex.morgan"} },
	"numeric_aliases":     func() any { return []string{"8123456", "8123457"} },
	"pin":                 func() any { return "4821" },
	"guest_pin":           func() any { return "7305" },
	"allow_guests":        func() any { return true },
}

// SampleVars returns realistic variables for previewing the template of
// field: the variables the service passes when it renders that template.
// Fields without variables, and unknown fields, get an empty map. Each call
// returns a new map the caller may change.
func SampleVars(field string) map[string]any {
	out := map[string]any{}
	for _, name := range variables[field] {
		out[name] = samples[name]()
	}
	return out
}
