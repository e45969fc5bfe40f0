package integration

// Default texts are this product's own wording. Templates use Jinja2 syntax;
// the HTML ones are rendered with every variable escaped.

const defaultMeetingInstructions = `<div class="vmr-companion-instructions">
<p><strong>Join the video meeting</strong></p>
<p>From a video system or app, call <a href="sip:{{alias}}">{{alias}}</a>.</p>
{% if numeric_alias %}<p>By number: {{numeric_alias}}</p>{% endif %}
<p>In a browser: <a href="https://{{addin_server_domain}}/webapp/m/{{alias}}">open the meeting</a>.</p>
<p style="color:#707070;font-size:smaller">Meeting room reference: {{alias_uuid}}</p>
</div>`

const defaultPlaceholderInstructions = `<div class="vmr-companion-instructions">
<p><strong>Video meeting details are on their way</strong></p>
<p>A room for this meeting could not be reserved just now. When the room is ready, this invitation is updated with how to join. You can send it as it is.</p>
</div>`

const defaultPersonalInstructions = `<div class="vmr-companion-instructions">
<p><strong>Join {{name}}</strong></p>
{% if domain_aliases %}<p>From a video system or app: {% for a in domain_aliases %}<a href="sip:{{a}}">{{a}}</a>{% if not loop.last %}, {% endif %}{% endfor %}</p>{% endif %}
{% if numeric_aliases %}<p>By number: {{numeric_aliases|join(", ")}}</p>{% endif %}
{% if allow_guests and guest_pin %}<p>Guest PIN: {{guest_pin}}</p>{% endif %}
</div>`

const defaultPersonalLocation = `{% if domain_aliases %}{{domain_aliases|first}}{% else %}{{name}}{% endif %}`

const defaultConferenceDescription = `Scheduled by {{organizer_email}} with VMR Companion`

// Defaults returns a new integration with every default filled in. Name,
// connection details and the room mailbox are left for the admin.
func Defaults() *Integration {
	officeJS := DefaultOfficeJSURL
	in := &Integration{
		Domains:                    []string{},
		AuthenticationMethod:       AuthBasic,
		KerberosEnableTLS:          true,
		EnableDynamicVMRs:          true,
		AllowNewUsers:              true,
		EnableMobileOnlineMeeting:  true,
		ScheduledAliasSuffixLength: DefaultSuffixLength,
		MeetingBufferBefore:        DefaultBufferBefore,
		MeetingBufferAfter:         DefaultBufferAfter,
		NonIdPParticipants:         NonIdPDisallowAll,
		InfinityProvisioning:       ProvisionPolicy,
		HealJoinBlock:              true,
		AddinAuthenticationMethod:  AddinAuthExchangeUserIDToken,
		AuthProvider:               ProviderADFS,
		OfficeJSURL:                officeJS,

		AddinDisplayName:         defaultAddinName,
		AddinDescription:         "Turns a meeting into a video meeting in a virtual meeting room.",
		AddinProviderName:        defaultAddinProvider,
		AddinButtonLabel:         defaultAddinButton,
		AddinGroupLabel:          defaultAddinGroup,
		AddinSupertipTitle:       "Make this a video meeting",
		AddinSupertipDescription: "Adds a virtual meeting room and the joining details to this meeting.",

		MeetingInstructionsTemplate:         defaultMeetingInstructions,
		PlaceholderInstructionsTemplate:     defaultPlaceholderInstructions,
		PersonalVMRInstructionsTemplate:     defaultPersonalInstructions,
		PersonalVMRLocationTemplate:         defaultPersonalLocation,
		PersonalVMRNameTemplate:             "{{name}}",
		PersonalVMRDescriptionTemplate:      "{{description}}",
		ConferenceNameTemplate:              defaultConferenceName,
		ConferenceDescriptionTemplate:       defaultConferenceDescription,
		ConferenceSubjectTemplate:           "{{subject}}",
		ScheduledAliasDescriptionTemplate:   "Single-use room for a meeting of {{organizer_email}}",
		AcceptNewSingleMeetingTemplate:      "Your meeting \"{{subject}}\" has its video room: {{alias}}.",
		AcceptNewRecurringSeriesTemplate:    "Every meeting of the series \"{{subject}}\" uses the video room {{alias}}.",
		AcceptEditedSingleMeetingTemplate:   "The changes to \"{{subject}}\" are saved; the video room {{alias}} follows them.",
		AcceptEditedRecurringSeriesTemplate: "The changes to the series \"{{subject}}\" are saved; the video room {{alias}} follows them.",
		AcceptEditedOccurrenceTemplate:      "The change to one meeting of \"{{subject}}\" is saved; the video room {{alias}} follows it.",
		RejectGeneralErrorTemplate:          "The video room could not be set up because of an unexpected error. Give your IT team this reference: {{correlation_id}}.",
		RejectAliasConflictTemplate:         "The video room {{alias}} already belongs to another meeting. Remove the joining details, add a new room with the add-in, and send again.",
		RejectAliasDeletedTemplate:          "The video room in this invitation has been deleted. Add a new room with the add-in and send again.",
		RejectInvalidAliasIDTemplate:        "This invitation has no valid video room. Use the add-in button to add one instead of inviting the room directly.",
		RejectSingleMeetingPast:             "This meeting is over, so no video room was set up for it.",
		RejectRecurringSeriesPastTemplate:   "Every meeting of this series is in the past, so no video room was set up for it.",
	}
	for name, text := range paneTexts["en"] {
		fieldValue(in, name).SetString(text)
	}
	return in
}

// paneTexts are the pane's default wording, by language and JSON field
// name. English fills a new integration (Defaults); the add-in shows the
// user's language where the admin left a text empty. They live here, beside
// the other defaults, so the wording has one home; TestPaneDefaultsFile
// writes them to frontend/src/addin/pane-defaults.gen.json for the pane.
var paneTexts = map[string]map[string]string{
	"en": {
		"addin_pane_title":                                        "Video meeting",
		"addin_pane_description":                                  "Give this meeting its own virtual meeting room, or use your personal one.",
		"addin_pane_button_title":                                 "Add a meeting room",
		"addin_pane_success_heading":                              "Room added",
		"addin_pane_success_message":                              "The joining details are in the invitation. Send it as usual.",
		"addin_pane_already_video_meeting_heading":                "Already a video meeting",
		"addin_pane_already_video_meeting_message":                "This meeting already has joining details for a virtual meeting room.",
		"addin_pane_general_error_heading":                        "Something went wrong",
		"addin_pane_general_error_message":                        "The room could not be added. Try again, and tell your IT team if it keeps happening.",
		"addin_pane_management_node_down_heading":                 "Room service unavailable",
		"addin_pane_management_node_down_message":                 "The invitation now says the details will follow. Send it; it is updated when a room is ready.",
		"addin_pane_personal_vmr_add_button":                      "Use my room",
		"addin_pane_personal_vmr_sign_in_button":                  "Sign in to see your rooms",
		"addin_pane_personal_vmr_select_message":                  "Choose one of your personal rooms:",
		"addin_pane_personal_vmr_none_message":                    "You have no personal room yet. Ask your IT team for one.",
		"addin_pane_personal_vmr_error_getting_message":           "Your personal rooms could not be loaded. Try again in a moment.",
		"addin_pane_personal_vmr_error_signing_in_message":        "Signing in did not work. Try again, or ask your IT team.",
		"addin_pane_personal_vmr_error_inserting_meeting_message": "The room details could not be added to this meeting. Try again.",
	},
	"de": {
		"addin_pane_title":                                        "Videobesprechung",
		"addin_pane_description":                                  "Geben Sie dieser Besprechung einen eigenen virtuellen Besprechungsraum, oder nutzen Sie Ihren persönlichen.",
		"addin_pane_button_title":                                 "Besprechungsraum hinzufügen",
		"addin_pane_success_heading":                              "Raum hinzugefügt",
		"addin_pane_success_message":                              "Die Einwahldaten stehen in der Einladung. Senden Sie sie wie gewohnt.",
		"addin_pane_already_video_meeting_heading":                "Bereits eine Videobesprechung",
		"addin_pane_already_video_meeting_message":                "Diese Besprechung enthält bereits Einwahldaten für einen virtuellen Besprechungsraum.",
		"addin_pane_general_error_heading":                        "Etwas ist schiefgegangen",
		"addin_pane_general_error_message":                        "Der Raum konnte nicht hinzugefügt werden. Versuchen Sie es erneut, und melden Sie sich bei Ihrer IT, wenn es wieder passiert.",
		"addin_pane_management_node_down_heading":                 "Raumdienst nicht erreichbar",
		"addin_pane_management_node_down_message":                 "In der Einladung steht jetzt, dass die Einwahldaten folgen. Senden Sie sie; sie wird aktualisiert, sobald ein Raum bereit ist.",
		"addin_pane_personal_vmr_add_button":                      "Meinen Raum verwenden",
		"addin_pane_personal_vmr_sign_in_button":                  "Anmelden, um Ihre Räume zu sehen",
		"addin_pane_personal_vmr_select_message":                  "Wählen Sie einen Ihrer persönlichen Räume:",
		"addin_pane_personal_vmr_none_message":                    "Sie haben noch keinen persönlichen Raum. Fragen Sie Ihre IT danach.",
		"addin_pane_personal_vmr_error_getting_message":           "Ihre persönlichen Räume konnten nicht geladen werden. Versuchen Sie es gleich noch einmal.",
		"addin_pane_personal_vmr_error_signing_in_message":        "Die Anmeldung hat nicht geklappt. Versuchen Sie es erneut, oder fragen Sie Ihre IT.",
		"addin_pane_personal_vmr_error_inserting_meeting_message": "Die Raumdaten konnten nicht in diese Besprechung eingefügt werden. Versuchen Sie es erneut.",
	},
}

// PaneDefaults returns a copy of the pane's default texts by language.
func PaneDefaults() map[string]map[string]string {
	out := make(map[string]map[string]string, len(paneTexts))
	for lang, texts := range paneTexts {
		out[lang] = make(map[string]string, len(texts))
		for k, v := range texts {
			out[lang][k] = v
		}
	}
	return out
}
