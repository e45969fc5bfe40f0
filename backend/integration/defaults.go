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
	return &Integration{
		Domains:                    []string{},
		AuthenticationMethod:       AuthBasic,
		KerberosEnableTLS:          true,
		EnableDynamicVMRs:          true,
		AllowNewUsers:              true,
		ScheduledAliasSuffixLength: DefaultSuffixLength,
		MeetingBufferBefore:        DefaultBufferBefore,
		MeetingBufferAfter:         DefaultBufferAfter,
		NonIdPParticipants:         NonIdPDisallowAll,
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

		AddinPaneTitle:                               "Video meeting",
		AddinPaneDescription:                         "Give this meeting its own virtual meeting room, or use your personal one.",
		AddinPaneButtonTitle:                         "Add a meeting room",
		AddinPaneSuccessHeading:                      "Room added",
		AddinPaneSuccessMessage:                      "The joining details are in the invitation. Send it as usual.",
		AddinPaneAlreadyVideoMeetingHeading:          "Already a video meeting",
		AddinPaneAlreadyVideoMeetingMessage:          "This meeting already has joining details for a virtual meeting room.",
		AddinPaneGeneralErrorHeading:                 "Something went wrong",
		AddinPaneGeneralErrorMessage:                 "The room could not be added. Try again, and tell your IT team if it keeps happening.",
		AddinPaneManagementNodeDownHeading:           "Room service unavailable",
		AddinPaneManagementNodeDownMessage:           "The invitation now says the details will follow. Send it; it is updated when a room is ready.",
		AddinPanePersonalVMRAddButton:                "Use my room",
		AddinPanePersonalVMRSignInButton:             "Sign in to see your rooms",
		AddinPanePersonalVMRSelectMessage:            "Choose one of your personal rooms:",
		AddinPanePersonalVMRNoneMessage:              "You have no personal room yet. Ask your IT team for one.",
		AddinPanePersonalVMRErrorGettingMessage:      "Your personal rooms could not be loaded. Try again in a moment.",
		AddinPanePersonalVMRErrorSigningInMessage:    "Signing in did not work. Try again, or ask your IT team.",
		AddinPanePersonalVMRErrorInsertingMeetingMsg: "The room details could not be added to this meeting. Try again.",

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
}
