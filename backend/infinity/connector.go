package infinity

// Connector is an ms_exchange_connector, with the field names of
// integration-fields.md. Nullable fields are pointers. The write-only
// secrets (password, oauth_client_secret, personal_vmr_oauth_client_secret)
// are not here: Infinity never gives them back, and they are sent only
// through Patch with secrets.Secret values, when the caller decides to.
// Domains come nested on read; they are written as exchange_domain objects.
// On create every plain field is sent as it is (start from the
// integration defaults), while a nil pointer is left out so Infinity
// applies its own default; set a field to null with Patch.
type Connector struct {
	ID          int    `json:"id,omitempty"`
	UUID        string `json:"uuid,omitempty"`
	ResourceURI string `json:"resource_uri,omitempty"`
	Name        string `json:"name"`
	Description string `json:"description"`

	URL                            string           `json:"url"`
	RoomMailboxEmailAddress        *string          `json:"room_mailbox_email_address,omitempty"`
	RoomMailboxName                string           `json:"room_mailbox_name"`
	Username                       string           `json:"username"`
	AuthenticationMethod           string           `json:"authentication_method,omitempty"`
	DisableProxy                   bool             `json:"disable_proxy"`
	OAuthClientID                  *string          `json:"oauth_client_id,omitempty"`
	OAuthAuthEndpoint              string           `json:"oauth_auth_endpoint"`
	OAuthTokenEndpoint             string           `json:"oauth_token_endpoint"`
	OAuthRedirectURI               string           `json:"oauth_redirect_uri"`
	OAuthState                     *string          `json:"oauth_state,omitempty"`
	KerberosRealm                  string           `json:"kerberos_realm"`
	KerberosKDC                    string           `json:"kerberos_kdc"`
	KerberosKDCHTTPSProxy          string           `json:"kerberos_kdc_https_proxy"`
	KerberosExchangeSPN            string           `json:"kerberos_exchange_spn"`
	KerberosEnableTLS              bool             `json:"kerberos_enable_tls"`
	KerberosAuthEveryRequest       bool             `json:"kerberos_auth_every_request"`
	KerberosVerifyTLSUsingCustomCA bool             `json:"kerberos_verify_tls_using_custom_ca"`
	Domains                        []ExchangeDomain `json:"domains,omitempty"`

	EnableDynamicVMRs          bool    `json:"enable_dynamic_vmrs"`
	EnablePersonalVMRs         bool    `json:"enable_personal_vmrs"`
	AllowNewUsers              bool    `json:"allow_new_users"`
	EnableAddinDebugLogs       bool    `json:"enable_addin_debug_logs"`
	ScheduledAliasPrefix       *string `json:"scheduled_alias_prefix,omitempty"`
	ScheduledAliasDomain       string  `json:"scheduled_alias_domain"`
	ScheduledAliasSuffixLength int     `json:"scheduled_alias_suffix_length,omitempty"`
	MeetingBufferBefore        int     `json:"meeting_buffer_before"`
	MeetingBufferAfter         int     `json:"meeting_buffer_after"`
	HostIdentityProviderGroup  *Ref    `json:"host_identity_provider_group,omitempty"`
	IVRTheme                   *Ref    `json:"ivr_theme,omitempty"`
	NonIDPParticipants         string  `json:"non_idp_participants,omitempty"`

	AddinServerDomain                          string  `json:"addin_server_domain"`
	AddinDisplayName                           string  `json:"addin_display_name"`
	AddinDescription                           string  `json:"addin_description"`
	AddinProviderName                          string  `json:"addin_provider_name"`
	AddinButtonLabel                           string  `json:"addin_button_label"`
	AddinGroupLabel                            string  `json:"addin_group_label"`
	AddinSupertipTitle                         string  `json:"addin_supertip_title"`
	AddinSupertipDescription                   string  `json:"addin_supertip_description"`
	AddinAuthenticationMethod                  string  `json:"addin_authentication_method,omitempty"`
	AddinApplicationID                         *string `json:"addin_application_id,omitempty"`
	AddinNAAWebAPIApplicationID                *string `json:"addin_naa_web_api_application_id,omitempty"`
	AddinAuthorityURL                          string  `json:"addin_authority_url"`
	AddinOIDCMetadataURL                       string  `json:"addin_oidc_metadata_url"`
	AuthProvider                               string  `json:"auth_provider,omitempty"`
	PersonalVMROAuthClientID                   *string `json:"personal_vmr_oauth_client_id,omitempty"`
	PersonalVMROAuthAuthEndpoint               string  `json:"personal_vmr_oauth_auth_endpoint"`
	PersonalVMROAuthTokenEndpoint              string  `json:"personal_vmr_oauth_token_endpoint"`
	PersonalVMRADFSRelyingPartyTrustIdentifier string  `json:"personal_vmr_adfs_relying_party_trust_identifier"`
	PublicKey                                  string  `json:"public_key,omitempty"`

	AddinPaneTitle                                   string `json:"addin_pane_title"`
	AddinPaneDescription                             string `json:"addin_pane_description"`
	AddinPaneButtonTitle                             string `json:"addin_pane_button_title"`
	AddinPaneSuccessHeading                          string `json:"addin_pane_success_heading"`
	AddinPaneSuccessMessage                          string `json:"addin_pane_success_message"`
	AddinPaneAlreadyVideoMeetingHeading              string `json:"addin_pane_already_video_meeting_heading"`
	AddinPaneAlreadyVideoMeetingMessage              string `json:"addin_pane_already_video_meeting_message"`
	AddinPaneGeneralErrorHeading                     string `json:"addin_pane_general_error_heading"`
	AddinPaneGeneralErrorMessage                     string `json:"addin_pane_general_error_message"`
	AddinPaneManagementNodeDownHeading               string `json:"addin_pane_management_node_down_heading"`
	AddinPaneManagementNodeDownMessage               string `json:"addin_pane_management_node_down_message"`
	AddinPanePersonalVMRAddButton                    string `json:"addin_pane_personal_vmr_add_button"`
	AddinPanePersonalVMRSignInButton                 string `json:"addin_pane_personal_vmr_sign_in_button"`
	AddinPanePersonalVMRSelectMessage                string `json:"addin_pane_personal_vmr_select_message"`
	AddinPanePersonalVMRNoneMessage                  string `json:"addin_pane_personal_vmr_none_message"`
	AddinPanePersonalVMRErrorGettingMessage          string `json:"addin_pane_personal_vmr_error_getting_message"`
	AddinPanePersonalVMRErrorSigningInMessage        string `json:"addin_pane_personal_vmr_error_signing_in_message"`
	AddinPanePersonalVMRErrorInsertingMeetingMessage string `json:"addin_pane_personal_vmr_error_inserting_meeting_message"`

	UseCustomAddInSources        bool   `json:"use_custom_add_in_sources"`
	OfficeJSURL                  string `json:"office_js_url"`
	MicrosoftFabricURL           string `json:"microsoft_fabric_url"`
	MicrosoftFabricComponentsURL string `json:"microsoft_fabric_components_url"`
	AdditionalAddInScriptSources string `json:"additional_add_in_script_sources"`

	MeetingInstructionsTemplate         string `json:"meeting_instructions_template"`
	PlaceholderInstructionsTemplate     string `json:"placeholder_instructions_template"`
	PersonalVMRInstructionsTemplate     string `json:"personal_vmr_instructions_template"`
	PersonalVMRLocationTemplate         string `json:"personal_vmr_location_template"`
	PersonalVMRNameTemplate             string `json:"personal_vmr_name_template"`
	PersonalVMRDescriptionTemplate      string `json:"personal_vmr_description_template"`
	ConferenceNameTemplate              string `json:"conference_name_template"`
	ConferenceDescriptionTemplate       string `json:"conference_description_template"`
	ConferenceSubjectTemplate           string `json:"conference_subject_template"`
	ScheduledAliasDescriptionTemplate   string `json:"scheduled_alias_description_template"`
	AcceptNewSingleMeetingTemplate      string `json:"accept_new_single_meeting_template"`
	AcceptNewRecurringSeriesTemplate    string `json:"accept_new_recurring_series_template"`
	AcceptEditedSingleMeetingTemplate   string `json:"accept_edited_single_meeting_template"`
	AcceptEditedRecurringSeriesTemplate string `json:"accept_edited_recurring_series_template"`
	AcceptEditedOccurrenceTemplate      string `json:"accept_edited_occurrence_template"`
	RejectGeneralErrorTemplate          string `json:"reject_general_error_template"`
	RejectAliasConflictTemplate         string `json:"reject_alias_conflict_template"`
	RejectAliasDeletedTemplate          string `json:"reject_alias_deleted_template"`
	RejectInvalidAliasIDTemplate        string `json:"reject_invalid_alias_id_template"`
	RejectSingleMeetingPast             string `json:"reject_single_meeting_past"`
	RejectRecurringSeriesPastTemplate   string `json:"reject_recurring_series_past_template"`
}
