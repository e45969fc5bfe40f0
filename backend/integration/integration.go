// Package integration is the model of one Exchange deployment that VMR
// Companion schedules for: its fields, defaults, validation and deployment
// lint. The JSON names, types, ranges and non-text defaults follow Pexip
// Infinity's ms_exchange_connector resource so that an object exported there
// imports here as-is.
package integration

import "time"

// Authentication methods for the service account that watches the room mailbox.
const (
	AuthBasic    = "BASIC"
	AuthNTLM     = "NTLM"
	AuthKerberos = "KERBEROS"
	AuthOAuth    = "OAUTH"
	AuthAppPerm  = "APP_PERM"
)

// How the add-in proves who the user is to the add-in host.
const (
	AddinAuthExchangeUserIDToken = "EXCHANGE_USER_ID_TOKEN"
	AddinAuthSSOToken            = "SSO_TOKEN"
	AddinAuthNAAToken            = "NAA_TOKEN"
)

// Identity providers users sign in with for personal VMRs.
const (
	ProviderADFS  = "ADFS"
	ProviderAzure = "AZURE"
)

// Who may join a single-use VMR without the host identity provider.
const (
	NonIdPDisallowAll    = "disallow_all"
	NonIdPAllowIfTrusted = "allow_if_trusted"
	// How Infinity learns of a single-use VMR: this service answers its
	// external policy requests, or creates the conference through the
	// management API.
	ProvisionPolicy       = "policy"
	ProvisionAPI          = "api"
	DefaultOfficeJSURL    = "https://appsforoffice.microsoft.com/lib/1/hosted/office.js"
	office365EWSHost      = "outlook.office365.com"
	DefaultSuffixLength   = 6
	DefaultBufferBefore   = 30
	DefaultBufferAfter    = 60
	defaultAddinProvider  = "VMR Companion"
	defaultAddinGroup     = "Video meeting"
	defaultAddinButton    = "Add a VMR"
	defaultAddinName      = "VMR Companion"
	defaultConferenceName = "{{subject}} ({{organizer_name}})"
)

// Secret fields: accepted on input, kept in the keychain, never stored in the
// database, never returned or exported.
const (
	SecretPassword                     = "password"
	SecretOAuthClientSecret            = "oauth_client_secret"
	SecretOAuthRefreshToken            = "oauth_refresh_token"
	SecretPersonalVMROAuthClientSecret = "personal_vmr_oauth_client_secret"
	SecretPrivateKey                   = "private_key"
)

// SecretFields lists every secret field in form order.
var SecretFields = []string{
	SecretPassword,
	SecretOAuthClientSecret,
	SecretOAuthRefreshToken,
	SecretPersonalVMROAuthClientSecret,
	SecretPrivateKey,
}

// Integration is one Exchange deployment. Secret fields are not part of it;
// see SecretFields and Input.
type Integration struct {
	// Identity
	ID          int64  `json:"id"`
	UUID        string `json:"uuid"`
	ResourceURI string `json:"resource_uri"`
	Name        string `json:"name"`
	Description string `json:"description"`

	// Exchange connection
	URL                     string   `json:"url"`
	RoomMailboxEmailAddress *string  `json:"room_mailbox_email_address"`
	RoomMailboxName         string   `json:"room_mailbox_name"`
	Domains                 []string `json:"domains"`
	DisableProxy            bool     `json:"disable_proxy"`
	// EWSCAFile names a PEM file of CA certificates the service trusts for
	// Exchange besides the system's (an internal CA on premises). This
	// product's own field; Infinity's resource has none.
	EWSCAFile string `json:"ews_ca_file"`

	// Authentication of the service account
	Username                       string  `json:"username"`
	AuthenticationMethod           string  `json:"authentication_method"`
	OAuthClientID                  *string `json:"oauth_client_id"`
	OAuthAuthEndpoint              string  `json:"oauth_auth_endpoint"`
	OAuthTokenEndpoint             string  `json:"oauth_token_endpoint"`
	OAuthRedirectURI               string  `json:"oauth_redirect_uri"`
	OAuthState                     *string `json:"oauth_state"`
	KerberosRealm                  string  `json:"kerberos_realm"`
	KerberosKDC                    string  `json:"kerberos_kdc"`
	KerberosKDCHTTPSProxy          string  `json:"kerberos_kdc_https_proxy"`
	KerberosExchangeSPN            string  `json:"kerberos_exchange_spn"`
	KerberosEnableTLS              bool    `json:"kerberos_enable_tls"`
	KerberosAuthEveryRequest       bool    `json:"kerberos_auth_every_request"`
	KerberosVerifyTLSUsingCustomCA bool    `json:"kerberos_verify_tls_using_custom_ca"`

	// Feature toggles and scheduling
	EnableDynamicVMRs          bool    `json:"enable_dynamic_vmrs"`
	EnablePersonalVMRs         bool    `json:"enable_personal_vmrs"`
	AllowNewUsers              bool    `json:"allow_new_users"`
	EnableAddinDebugLogs       bool    `json:"enable_addin_debug_logs"`
	ScheduledAliasPrefix       *string `json:"scheduled_alias_prefix"`
	ScheduledAliasDomain       string  `json:"scheduled_alias_domain"`
	ScheduledAliasSuffixLength int     `json:"scheduled_alias_suffix_length"`
	MeetingBufferBefore        int     `json:"meeting_buffer_before"`
	MeetingBufferAfter         int     `json:"meeting_buffer_after"`
	HostIdentityProviderGroup  *string `json:"host_identity_provider_group"`
	IVRTheme                   *string `json:"ivr_theme"`
	NonIdPParticipants         string  `json:"non_idp_participants"`
	// InfinityProvisioning is ProvisionPolicy or ProvisionAPI; this
	// product's own field.
	InfinityProvisioning string `json:"infinity_provisioning"`
	// AssignWithoutAddin gives a meeting that invites the room mailbox
	// without the add-in's token a single-use VMR, under the placeholder
	// rules; HealJoinBlock puts the joining block back into an accepted
	// meeting whose update lost it. This product's own fields.
	AssignWithoutAddin bool `json:"assign_without_addin"`
	HealJoinBlock      bool `json:"heal_join_block"`
	// EnableMobileOnlineMeeting puts the online-meeting provider for
	// Outlook on iOS and Android into the XML manifest; this product's own
	// field.
	EnableMobileOnlineMeeting bool `json:"enable_mobile_online_meeting"`

	// Add-in
	AddinServerDomain                          string  `json:"addin_server_domain"`
	AddinDisplayName                           string  `json:"addin_display_name"`
	AddinDescription                           string  `json:"addin_description"`
	AddinProviderName                          string  `json:"addin_provider_name"`
	AddinButtonLabel                           string  `json:"addin_button_label"`
	AddinGroupLabel                            string  `json:"addin_group_label"`
	AddinSupertipTitle                         string  `json:"addin_supertip_title"`
	AddinSupertipDescription                   string  `json:"addin_supertip_description"`
	AddinAuthenticationMethod                  string  `json:"addin_authentication_method"`
	AddinApplicationID                         *string `json:"addin_application_id"`
	AddinNAAWebAPIApplicationID                *string `json:"addin_naa_web_api_application_id"`
	AddinAuthorityURL                          string  `json:"addin_authority_url"`
	AddinOIDCMetadataURL                       string  `json:"addin_oidc_metadata_url"`
	AuthProvider                               string  `json:"auth_provider"`
	PersonalVMROAuthClientID                   *string `json:"personal_vmr_oauth_client_id"`
	PersonalVMROAuthAuthEndpoint               string  `json:"personal_vmr_oauth_auth_endpoint"`
	PersonalVMROAuthTokenEndpoint              string  `json:"personal_vmr_oauth_token_endpoint"`
	PersonalVMRADFSRelyingPartyTrustIdentifier string  `json:"personal_vmr_adfs_relying_party_trust_identifier"`
	PublicKey                                  string  `json:"public_key"`

	// Pane texts
	AddinPaneTitle                               string `json:"addin_pane_title"`
	AddinPaneDescription                         string `json:"addin_pane_description"`
	AddinPaneButtonTitle                         string `json:"addin_pane_button_title"`
	AddinPaneSuccessHeading                      string `json:"addin_pane_success_heading"`
	AddinPaneSuccessMessage                      string `json:"addin_pane_success_message"`
	AddinPaneAlreadyVideoMeetingHeading          string `json:"addin_pane_already_video_meeting_heading"`
	AddinPaneAlreadyVideoMeetingMessage          string `json:"addin_pane_already_video_meeting_message"`
	AddinPaneGeneralErrorHeading                 string `json:"addin_pane_general_error_heading"`
	AddinPaneGeneralErrorMessage                 string `json:"addin_pane_general_error_message"`
	AddinPaneManagementNodeDownHeading           string `json:"addin_pane_management_node_down_heading"`
	AddinPaneManagementNodeDownMessage           string `json:"addin_pane_management_node_down_message"`
	AddinPanePersonalVMRAddButton                string `json:"addin_pane_personal_vmr_add_button"`
	AddinPanePersonalVMRSignInButton             string `json:"addin_pane_personal_vmr_sign_in_button"`
	AddinPanePersonalVMRSelectMessage            string `json:"addin_pane_personal_vmr_select_message"`
	AddinPanePersonalVMRNoneMessage              string `json:"addin_pane_personal_vmr_none_message"`
	AddinPanePersonalVMRErrorGettingMessage      string `json:"addin_pane_personal_vmr_error_getting_message"`
	AddinPanePersonalVMRErrorSigningInMessage    string `json:"addin_pane_personal_vmr_error_signing_in_message"`
	AddinPanePersonalVMRErrorInsertingMeetingMsg string `json:"addin_pane_personal_vmr_error_inserting_meeting_message"`

	// Custom add-in sources (offline deployments)
	UseCustomAddInSources        bool   `json:"use_custom_add_in_sources"`
	OfficeJSURL                  string `json:"office_js_url"`
	MicrosoftFabricURL           string `json:"microsoft_fabric_url"`
	MicrosoftFabricComponentsURL string `json:"microsoft_fabric_components_url"`
	AdditionalAddInScriptSources string `json:"additional_add_in_script_sources"`

	// Templates (Jinja2 syntax)
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

	// Bookkeeping of this product (not part of Infinity's resource).
	// SecretsStored names the secret fields that have a value in the
	// keychain; the values themselves never leave it.
	SecretsStored []string  `json:"secrets_stored"`
	CreatedAt     time.Time `json:"created_at"`
	UpdatedAt     time.Time `json:"updated_at"`
}

// Summary is what lists show: enough to find an integration and see its state.
type Summary struct {
	ID                   int64     `json:"id"`
	UUID                 string    `json:"uuid"`
	Name                 string    `json:"name"`
	Description          string    `json:"description"`
	URL                  string    `json:"url"`
	RoomMailbox          string    `json:"room_mailbox_email_address"`
	AuthenticationMethod string    `json:"authentication_method"`
	EnableDynamicVMRs    bool      `json:"enable_dynamic_vmrs"`
	EnablePersonalVMRs   bool      `json:"enable_personal_vmrs"`
	UpdatedAt            time.Time `json:"updated_at"`
}

// Summarize picks the list columns of an integration.
func (in *Integration) Summarize() Summary {
	s := Summary{
		ID: in.ID, UUID: in.UUID, Name: in.Name, Description: in.Description, URL: in.URL,
		AuthenticationMethod: in.AuthenticationMethod, EnableDynamicVMRs: in.EnableDynamicVMRs,
		EnablePersonalVMRs: in.EnablePersonalVMRs, UpdatedAt: in.UpdatedAt,
	}
	if in.RoomMailboxEmailAddress != nil {
		s.RoomMailbox = *in.RoomMailboxEmailAddress
	}
	return s
}

// Clone returns a deep copy, so callers can edit without aliasing slices or pointers.
func (in *Integration) Clone() *Integration {
	c := *in
	c.Domains = append([]string{}, in.Domains...)
	c.SecretsStored = append([]string{}, in.SecretsStored...)
	for _, p := range []**string{
		&c.RoomMailboxEmailAddress, &c.OAuthClientID, &c.OAuthState, &c.ScheduledAliasPrefix,
		&c.HostIdentityProviderGroup, &c.IVRTheme, &c.AddinApplicationID,
		&c.AddinNAAWebAPIApplicationID, &c.PersonalVMROAuthClientID,
	} {
		if *p != nil {
			v := **p
			*p = &v
		}
	}
	return &c
}
