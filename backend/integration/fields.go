package integration

import "vmr-companion/backend/templates"

// Groups of the integration form, in the order the window shows them.
const (
	GroupGeneral   = "general"
	GroupExchange  = "exchange"
	GroupAuth      = "authentication"
	GroupSingleUse = "single_use"
	GroupPersonal  = "personal"
	GroupAddin     = "addin"
	GroupPane      = "pane_texts"
	GroupTemplates = "templates"
	GroupOffline   = "offline_sources"
)

// Kinds of value a field holds.
const (
	KindString = "string"
	KindInt    = "int"
	KindBool   = "bool"
	KindEnum   = "enum"
	KindList   = "list"
	KindSecret = "secret"
)

// Formats refine a string field's syntax.
const (
	FormatEmail     = "email"
	FormatHTTPSURL  = "https_url"
	FormatURL       = "url"
	FormatDomain    = "domain"
	FormatTemplate  = "template"
	FormatMultiline = "multiline"
	FormatAliasPart = "alias_prefix"
)

// Group is a titled section of the form.
type Group struct {
	Key   string `json:"key"`
	Title string `json:"title"`
	Help  string `json:"help"`
}

// Field describes one integration field: the form, the validator and the
// importer all read this one table.
type Field struct {
	Name     string   `json:"name"`
	Group    string   `json:"group"`
	Label    string   `json:"label"`
	Help     string   `json:"help,omitempty"`
	Kind     string   `json:"kind"`
	Format   string   `json:"format,omitempty"`
	Min      int      `json:"min,omitempty"`
	Max      int      `json:"max,omitempty"`
	Options  []string `json:"options,omitempty"`
	Nullable bool     `json:"nullable,omitempty"`
	ReadOnly bool     `json:"read_only,omitempty"`
	// Variables lists what a template may use.
	Variables []string `json:"variables,omitempty"`
	// ProductOnly marks a field of this product that Infinity's resource
	// does not have.
	ProductOnly bool `json:"product_only,omitempty"`
}

// Schema is the whole form description the window renders.
type Schema struct {
	Groups []Group `json:"groups"`
	Fields []Field `json:"fields"`
}

var groups = []Group{
	{GroupGeneral, "General", "How this integration is named in VMR Companion."},
	{GroupExchange, "Exchange connection", "Where the Exchange Web Services endpoint is and which room mailbox the service watches."},
	{GroupAuth, "Authentication", "How the service account signs in to Exchange. Office 365 needs OAuth or application permissions."},
	{GroupSingleUse, "Single-use VMRs", "Rooms made for one meeting and removed after it."},
	{GroupPersonal, "Personal VMRs", "Let users add the personal rooms they own to a meeting after signing in."},
	{GroupAddin, "Add-in appearance", "What Outlook shows for the add-in and how the add-in identifies users."},
	{GroupPane, "Pane texts", "The texts of the add-in's task pane."},
	{GroupTemplates, "Templates", "Jinja2 templates for joining instructions, conference names and replies to organizers."},
	{GroupOffline, "Offline add-in sources", "Serve Office.js and styles from your own servers when clients cannot reach Microsoft's."},
}

func str(name, group, label string, max int) Field {
	return Field{Name: name, Group: group, Label: label, Kind: KindString, Max: max}
}

func (f Field) format(format string) Field { f.Format = format; return f }
func (f Field) nullable() Field            { f.Nullable = true; return f }
func (f Field) help(h string) Field        { f.Help = h; return f }
func (f Field) readOnly() Field            { f.ReadOnly = true; return f }
func (f Field) vars(v ...string) Field     { f.Variables = v; return f }
func boolean(name, group, label string) Field {
	return Field{Name: name, Group: group, Label: label, Kind: KindBool}
}
func enum(name, group, label string, options ...string) Field {
	return Field{Name: name, Group: group, Label: label, Kind: KindEnum, Options: options}
}
func integer(name, group, label string, min, max int) Field {
	return Field{Name: name, Group: group, Label: label, Kind: KindInt, Min: min, Max: max}
}
func secret(name, group, label string, max int) Field {
	return Field{Name: name, Group: group, Label: label, Kind: KindSecret, Max: max}
}
func (f Field) productOnly() Field  { f.ProductOnly = true; return f }
func pane(name, label string) Field { return str(name, GroupPane, label, 250) }

// tmpl is a template field; its variables are backend/templates' list.
func tmpl(name, label string) Field {
	return str(name, GroupTemplates, label, 12288).format(FormatTemplate).vars(templates.Variables(name)...)
}

// fields is the catalogue, in form order. The first fields of the form are
// the ones every integration needs, so the keyboard path through a new
// integration is short.
var fields = []Field{
	{Name: "id", Group: GroupGeneral, Label: "ID", Kind: KindInt, ReadOnly: true},
	str("uuid", GroupGeneral, "UUID", 36).readOnly(),
	str("resource_uri", GroupGeneral, "Resource URI", 255).readOnly(),
	{Name: "name", Group: GroupGeneral, Label: "Name", Kind: KindString, Min: 1, Max: 250, Help: "A unique name, for example the Exchange deployment's name."},
	str("description", GroupGeneral, "Description", 250),

	str("url", GroupExchange, "EWS URL", 255).format(FormatHTTPSURL).help("https://outlook.office365.com/EWS/Exchange.asmx for Office 365; https://<server or load balancer>/EWS/Exchange.asmx on premises."),
	str("room_mailbox_email_address", GroupExchange, "Room mailbox email address", 100).format(FormatEmail).nullable().help("The room or equipment mailbox that organizers invite; the service watches it."),
	str("room_mailbox_name", GroupExchange, "Room mailbox name", 250),
	{Name: "domains", Group: GroupExchange, Label: "Exchange domains", Kind: KindList, Format: FormatDomain, Max: 255, Help: "One per line: the Exchange host names (and the load balancer's, when there is one)."},
	boolean("disable_proxy", GroupExchange, "Connect without the system proxy"),
	str("ews_ca_file", GroupExchange, "CA certificates file for Exchange", 1024).productOnly().help("Optional: a PEM file with the CA that issued Exchange's certificate, when it is not one the system trusts. The system's CAs are always trusted."),

	enum("authentication_method", GroupAuth, "Authentication method", AuthBasic, AuthNTLM, AuthKerberos, AuthOAuth, AuthAppPerm),
	str("username", GroupAuth, "Service account username", 100),
	secret(SecretPassword, GroupAuth, "Service account password", 100),
	str("oauth_client_id", GroupAuth, "OAuth client ID", 100).nullable().help("The application (client) ID of the app registration in Entra ID."),
	secret(SecretOAuthClientSecret, GroupAuth, "OAuth client secret", 4096),
	str("oauth_auth_endpoint", GroupAuth, "OAuth authorization endpoint", 255).format(FormatHTTPSURL),
	str("oauth_token_endpoint", GroupAuth, "OAuth token endpoint", 255).format(FormatHTTPSURL),
	str("oauth_redirect_uri", GroupAuth, "OAuth redirect URI", 255).format(FormatURL),
	secret(SecretOAuthRefreshToken, GroupAuth, "OAuth refresh token", 4096).readOnly().help("Obtained by signing in as the service account."),
	str("oauth_state", GroupAuth, "OAuth sign-in state", 255).nullable().readOnly(),
	str("kerberos_realm", GroupAuth, "Kerberos realm", 250),
	str("kerberos_kdc", GroupAuth, "Kerberos KDC", 255),
	str("kerberos_kdc_https_proxy", GroupAuth, "Kerberos KDC HTTPS proxy", 255),
	str("kerberos_exchange_spn", GroupAuth, "Exchange service principal name", 255),
	boolean("kerberos_enable_tls", GroupAuth, "Use TLS to the KDC"),
	boolean("kerberos_auth_every_request", GroupAuth, "Authenticate every request"),
	boolean("kerberos_verify_tls_using_custom_ca", GroupAuth, "Verify the KDC with a custom CA"),

	boolean("enable_dynamic_vmrs", GroupSingleUse, "Enable single-use VMRs"),
	str("scheduled_alias_prefix", GroupSingleUse, "Alias prefix", 8).format(FormatAliasPart).nullable().help("1 to 8 characters put before the random digits."),
	str("scheduled_alias_domain", GroupSingleUse, "Alias domain", 192).format(FormatDomain).help("The SIP domain of the aliases, for example vc.example.com."),
	integer("scheduled_alias_suffix_length", GroupSingleUse, "Random digits in the alias", 5, 15),
	integer("meeting_buffer_before", GroupSingleUse, "Minutes open before the meeting", 0, 180),
	integer("meeting_buffer_after", GroupSingleUse, "Minutes open after the meeting", 0, 180),
	str("host_identity_provider_group", GroupSingleUse, "Host identity provider group", 255).nullable().help("Leave blank when participants need no authentication."),
	str("ivr_theme", GroupSingleUse, "IVR theme", 255).nullable(),
	enum("non_idp_participants", GroupSingleUse, "Participants without the identity provider", NonIdPDisallowAll, NonIdPAllowIfTrusted),
	enum("infinity_provisioning", GroupSingleUse, "How Infinity learns of single-use VMRs", ProvisionPolicy, ProvisionAPI).productOnly().help("policy: this service answers Infinity's external policy requests for the alias while the meeting is on. api: the service creates the VMR on Infinity through the management API and removes it afterwards."),
	boolean("assign_without_addin", GroupSingleUse, "Give meetings booked without the add-in a room").productOnly().help("A meeting that invites the room mailbox but was made without the add-in (a phone's calendar, a client without add-ins) gets a single-use VMR, and the organizer's meeting is updated with the joining details. Only for organizers in the Exchange domains. Off: such meetings are declined."),
	boolean("heal_join_block", GroupSingleUse, "Put deleted joining details back").productOnly().help("When the organizer sends an update of an accepted meeting without its joining details, the meeting keeps its VMR and the details are put back into the organizer's meeting. Off: such updates are declined."),

	boolean("enable_personal_vmrs", GroupPersonal, "Enable personal VMRs"),
	enum("auth_provider", GroupPersonal, "Users sign in with", ProviderADFS, ProviderAzure),
	str("personal_vmr_oauth_client_id", GroupPersonal, "OAuth client ID", 100).nullable(),
	secret(SecretPersonalVMROAuthClientSecret, GroupPersonal, "OAuth client secret", 4096),
	str("personal_vmr_oauth_auth_endpoint", GroupPersonal, "OAuth authorization endpoint", 255).format(FormatHTTPSURL),
	str("personal_vmr_oauth_token_endpoint", GroupPersonal, "OAuth token endpoint", 255).format(FormatHTTPSURL),
	str("personal_vmr_adfs_relying_party_trust_identifier", GroupPersonal, "AD FS relying party trust identifier", 255),

	str("addin_server_domain", GroupAddin, "Add-in server domain", 192).format(FormatDomain).help("The fully qualified name that serves the add-in; it needs a certificate that Outlook trusts."),
	str("addin_display_name", GroupAddin, "Display name", 250),
	str("addin_description", GroupAddin, "Description", 250),
	str("addin_provider_name", GroupAddin, "Provider name", 250),
	str("addin_button_label", GroupAddin, "Ribbon button label", 250),
	str("addin_group_label", GroupAddin, "Ribbon group label", 250),
	str("addin_supertip_title", GroupAddin, "Button tooltip title", 250),
	str("addin_supertip_description", GroupAddin, "Button tooltip description", 250),
	enum("addin_authentication_method", GroupAddin, "How the add-in identifies users", AddinAuthExchangeUserIDToken, AddinAuthSSOToken, AddinAuthNAAToken),
	str("addin_application_id", GroupAddin, "Add-in application ID", 100).nullable(),
	str("addin_naa_web_api_application_id", GroupAddin, "Web API application ID (nested app authentication)", 100).nullable(),
	str("addin_authority_url", GroupAddin, "Authority URL", 255).format(FormatHTTPSURL),
	str("addin_oidc_metadata_url", GroupAddin, "OpenID metadata URL", 255).format(FormatHTTPSURL),
	boolean("allow_new_users", GroupAddin, "Allow new users"),
	boolean("enable_addin_debug_logs", GroupAddin, "Show the debug log in the pane"),
	boolean("enable_mobile_online_meeting", GroupAddin, "Offer the add-in on Outlook for iOS and Android").productOnly().help("The XML manifest makes the add-in the online-meeting provider of Outlook on phones: one button on the new-meeting form adds a single-use VMR. Outlook shows it only for add-ins an admin deployed."),
	str("public_key", GroupAddin, "Public key", 12288).format(FormatMultiline).readOnly(),
	secret(SecretPrivateKey, GroupAddin, "Private key", 12288).readOnly(),

	pane("addin_pane_title", "Pane title"),
	pane("addin_pane_description", "Pane description"),
	pane("addin_pane_button_title", "Single-use button"),
	pane("addin_pane_success_heading", "Success heading"),
	pane("addin_pane_success_message", "Success message"),
	pane("addin_pane_already_video_meeting_heading", "Already a video meeting: heading"),
	pane("addin_pane_already_video_meeting_message", "Already a video meeting: message"),
	pane("addin_pane_general_error_heading", "Error heading"),
	pane("addin_pane_general_error_message", "Error message"),
	pane("addin_pane_management_node_down_heading", "Service down: heading"),
	pane("addin_pane_management_node_down_message", "Service down: message"),
	pane("addin_pane_personal_vmr_add_button", "Personal VMR: add button"),
	pane("addin_pane_personal_vmr_sign_in_button", "Personal VMR: sign-in button"),
	pane("addin_pane_personal_vmr_select_message", "Personal VMR: choose message"),
	pane("addin_pane_personal_vmr_none_message", "Personal VMR: none message"),
	pane("addin_pane_personal_vmr_error_getting_message", "Personal VMR: loading error"),
	pane("addin_pane_personal_vmr_error_signing_in_message", "Personal VMR: sign-in error"),
	pane("addin_pane_personal_vmr_error_inserting_meeting_message", "Personal VMR: insert error"),

	tmpl("meeting_instructions_template", "Single-use joining instructions (HTML)"),
	tmpl("placeholder_instructions_template", "Placeholder instructions (HTML)"),
	tmpl("personal_vmr_instructions_template", "Personal VMR joining instructions (HTML)"),
	tmpl("personal_vmr_location_template", "Personal VMR location"),
	tmpl("personal_vmr_name_template", "Personal VMR button label"),
	tmpl("personal_vmr_description_template", "Personal VMR hover text"),
	tmpl("conference_name_template", "Conference name"),
	tmpl("conference_description_template", "Conference description"),
	tmpl("conference_subject_template", "Conference subject"),
	tmpl("scheduled_alias_description_template", "Alias description"),
	tmpl("accept_new_single_meeting_template", "Reply: new meeting accepted"),
	tmpl("accept_new_recurring_series_template", "Reply: new series accepted"),
	tmpl("accept_edited_single_meeting_template", "Reply: edited meeting accepted"),
	tmpl("accept_edited_recurring_series_template", "Reply: edited series accepted"),
	tmpl("accept_edited_occurrence_template", "Reply: edited occurrence accepted"),
	tmpl("reject_general_error_template", "Reply: unexpected error"),
	tmpl("reject_alias_conflict_template", "Reply: alias already used"),
	tmpl("reject_alias_deleted_template", "Reply: alias deleted"),
	tmpl("reject_invalid_alias_id_template", "Reply: no valid room in the invitation"),
	tmpl("reject_single_meeting_past", "Reply: meeting in the past"),
	tmpl("reject_recurring_series_past_template", "Reply: series in the past"),

	boolean("use_custom_add_in_sources", GroupOffline, "Use custom add-in sources"),
	str("office_js_url", GroupOffline, "Office.js URL", 255).format(FormatURL),
	str("microsoft_fabric_url", GroupOffline, "Fabric CSS URL", 255).format(FormatURL),
	str("microsoft_fabric_components_url", GroupOffline, "Fabric components CSS URL", 255).format(FormatURL),
	str("additional_add_in_script_sources", GroupOffline, "Additional script sources", 4096).format(FormatMultiline).help("One URL per line."),
}

// Describe returns the form description: groups and fields in order.
func Describe() Schema {
	return Schema{Groups: append([]Group(nil), groups...), Fields: append([]Field(nil), fields...)}
}

// FieldByName finds a field of the catalogue.
func FieldByName(name string) (Field, bool) {
	for _, f := range fields {
		if f.Name == name {
			return f, true
		}
	}
	return Field{}, false
}

// IsSecret tells whether a JSON field name is one of the keychain fields.
func IsSecret(name string) bool {
	for _, s := range SecretFields {
		if s == name {
			return true
		}
	}
	return false
}
