package templates

// Sample values for previews. The subject and room name carry markup and
// quote characters on purpose, so a preview shows how they are escaped (HTML
// templates) or kept as typed (text templates).
const (
	sampleAlias        = "meet.123456@vc.example.com"
	sampleNumericAlias = "123456"
	sampleAliasUUID    = "6f1c2a9e-3b7d-4e52-9a0c-8d4f7e21b635"
	sampleDomain       = "addins.example.com"
	sampleSubject      = `Budget review <b>Q3</b> & "next steps" for Sam's team`
	sampleOrganizer    = "Alex Morgan"
	sampleOrganizerTo  = "alex.morgan@example.com"
	sampleCorrelation  = "c2b8e5d4-17a3-4f60-b9e2-5a0d3c7f9148"
)

func singleUseVars() map[string]any {
	return map[string]any{
		"alias":               sampleAlias,
		"numeric_alias":       sampleNumericAlias,
		"alias_uuid":          sampleAliasUUID,
		"addin_server_domain": sampleDomain,
	}
}

func personalVars() map[string]any {
	return map[string]any{
		"name":                `Alex Morgan's room <Sales & "Support">`,
		"description":         "Personal meeting room of Alex Morgan",
		"domain_aliases":      []string{"alex.morgan@vc.example.com", "meet.alex@vc.example.com"},
		"other_aliases":       []string{"alex.morgan"},
		"numeric_aliases":     []string{"8123456", "8123457"},
		"pin":                 "4821",
		"guest_pin":           "7305",
		"allow_guests":        true,
		"addin_server_domain": sampleDomain,
	}
}

func replyVars() map[string]any {
	return map[string]any{
		"alias":         sampleAlias,
		"numeric_alias": sampleNumericAlias,
		"subject":       sampleSubject,
	}
}

// SampleVars returns realistic variables for previewing the template of
// field: the variables the service passes when it renders that template.
// Fields without variables, and unknown fields, get an empty map. Each call
// returns a new map the caller may change.
func SampleVars(field string) map[string]any {
	switch field {
	case "meeting_instructions_template":
		return singleUseVars()
	case "personal_vmr_instructions_template", "personal_vmr_location_template":
		return personalVars()
	case "personal_vmr_name_template":
		return map[string]any{"name": personalVars()["name"]}
	case "personal_vmr_description_template":
		return map[string]any{"description": personalVars()["description"]}
	case "conference_name_template":
		return map[string]any{"subject": sampleSubject, "organizer_name": sampleOrganizer, "organizer_email": sampleOrganizerTo}
	case "conference_description_template", "scheduled_alias_description_template":
		return map[string]any{"organizer_email": sampleOrganizerTo}
	case "conference_subject_template":
		return map[string]any{"subject": sampleSubject}
	case "accept_new_single_meeting_template",
		"accept_new_recurring_series_template",
		"accept_edited_single_meeting_template",
		"accept_edited_recurring_series_template",
		"accept_edited_occurrence_template":
		return replyVars()
	case "reject_general_error_template":
		return map[string]any{"correlation_id": sampleCorrelation}
	case "reject_alias_conflict_template":
		return map[string]any{"alias": sampleAlias}
	}
	return map[string]any{}
}
