package infinitytest

import (
	"encoding/json"
	"fmt"
	"math"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
)

// kind is a field's JSON type on write.
type kind int

const (
	kStr kind = iota
	kInt
	kBool
	kRef      // a resource URI (or null when nullable)
	kRefs     // a list of resource URIs (a to-many relation)
	kReadOnly // set by Infinity; ignored on write
	kSecret   // write-only: stored, never read back
	kTime     // an Infinity timestamp, kept as 2006-01-02T15:04:05.000000 (UTC)
)

// field is one field's rule, as the reference states it.
type field struct {
	kind     kind
	min, max int // lengths for strings, values for ints
	nullable bool
	required bool // on create
	enum     []string
	digits   bool   // pins: 4–20 digits, or empty
	ref      string // resource a relation points at
	def      any    // default on create (nil: the kind's zero)
}

func str(n int) field             { return field{kind: kStr, max: n} }
func nstr(n int) field            { return field{kind: kStr, max: n, nullable: true} }
func dstr(n int, d string) field  { return field{kind: kStr, max: n, def: d} }
func boolean(d bool) field        { return field{kind: kBool, def: d} }
func integer(lo, hi, d int) field { return field{kind: kInt, min: lo, max: hi, def: d} }
func enum(d string, v ...string) field {
	return field{kind: kStr, enum: v, def: d}
}
func ref(to string, nullable bool) field { return field{kind: kRef, ref: to, nullable: nullable} }
func ro() field                          { return field{kind: kReadOnly} }
func secret(n int) field                 { return field{kind: kSecret, max: n} }

func tm(nullable bool) field { return field{kind: kTime, nullable: nullable} }

func required(f field) field { f.required, f.min = true, max(f.min, 1); return f }

const fabric = "https://appsforoffice.microsoft.com/fabric/1.0/"

// schemas are the modelled resources' fields (integration-fields.md and
// pexip-infinity.md). Relations to objects the fake does not hold (IVR
// themes, identity provider groups) are checked as URIs only.
var schemas = map[string]map[string]field{
	"ms_exchange_connector": connectorSchema(),
	"exchange_domain": {
		"domain":             required(str(192)),
		"exchange_connector": required(ref("ms_exchange_connector", false)),
	},
	"conference": {
		"name":                          required(str(250)),
		"service_type":                  enum("conference", "conference", "lecture"),
		"description":                   str(250),
		"pin":                           {kind: kStr, digits: true},
		"guest_pin":                     {kind: kStr, digits: true},
		"allow_guests":                  boolean(false),
		"primary_owner_email_address":   str(100),
		"tag":                           str(250),
		"ivr_theme":                     ref("ivr_theme", true),
		"host_identity_provider_group":  ref("identity_provider_group", true),
		"guest_identity_provider_group": ref("identity_provider_group", true),
		"non_idp_participants":          enum("disallow_all", "disallow_all", "allow_if_trusted"),
		"aliases":                       {kind: kRefs, ref: "conference_alias"},
		"scheduled_conferences":         ro(),
		"scheduled_conferences_count":   ro(),
	},
	"conference_alias": {
		"alias":       required(str(250)),
		"conference":  required(ref("conference", false)),
		"description": str(250),
	},
	// What Infinity's own VMR scheduling writes. The reference gives no
	// length for uuid (36: a UUID's text) nor for recurring_conference's
	// ews_item_id and subject (255, as scheduled_conference's), and does
	// not say which relations are required beyond the conference:
	// exchange_connector is nullable here, so a connector not on this
	// node does not stop a test.
	"scheduled_alias": {
		"alias":                    required(str(250)),
		"alias_number":             integer(0, math.MaxInt32, 0),
		"numeric_alias":            str(250),
		"uuid":                     str(36),
		"exchange_connector":       ref("ms_exchange_connector", true),
		"is_used":                  boolean(false),
		"ews_item_uid":             nstr(255),
		"conference_deletion_time": tm(true),
	},
	"scheduled_conference": {
		"conference":           required(ref("conference", false)),
		"start_time":           required(tm(false)),
		"end_time":             required(tm(false)),
		"subject":              str(255),
		"ews_item_id":          str(255),
		"ews_item_uid":         str(255),
		"recurring_conference": ref("recurring_conference", true),
		"scheduled_alias":      ref("scheduled_alias", true),
	},
	"recurring_conference": {
		"conference":      required(ref("conference", false)),
		"current_index":   integer(0, math.MaxInt32, 0),
		"ews_item_id":     str(255),
		"is_depleted":     boolean(false),
		"subject":         str(255),
		"scheduled_alias": ref("scheduled_alias", true),
	},
}

// timeLayouts are the timestamps Infinity writes (with or without
// fractions and offset); one without an offset is taken as UTC.
var timeLayouts = []string{time.RFC3339Nano, "2006-01-02T15:04:05.999999999"}

// TimeLayout is how the fake writes a time back.
const TimeLayout = "2006-01-02T15:04:05.000000"

func connectorSchema() map[string]field {
	m := map[string]field{
		"name": required(str(250)), "description": str(250), "uuid": str(36),
		"url": str(255), "room_mailbox_email_address": nstr(100), "room_mailbox_name": str(250),
		"username": str(100), "password": secret(100),
		"authentication_method": enum("BASIC", "BASIC", "NTLM", "KERBEROS", "OAUTH", "APP_PERM"),
		"disable_proxy":         boolean(false), "oauth_client_id": nstr(250), "oauth_client_secret": secret(255),
		"oauth_auth_endpoint": str(255), "oauth_token_endpoint": str(255), "oauth_redirect_uri": str(255),
		"oauth_refresh_token": ro(), "oauth_state": nstr(250),
		"kerberos_realm": str(250), "kerberos_kdc": str(255), "kerberos_kdc_https_proxy": str(255),
		"kerberos_exchange_spn": str(255), "kerberos_enable_tls": boolean(true),
		"kerberos_auth_every_request": boolean(false), "kerberos_verify_tls_using_custom_ca": boolean(false),
		"domains":             {kind: kRefs, ref: "exchange_domain"},
		"enable_dynamic_vmrs": boolean(true), "enable_personal_vmrs": boolean(false),
		"allow_new_users": boolean(true), "enable_addin_debug_logs": boolean(false),
		"scheduled_alias_prefix": {kind: kStr, min: 1, max: 8, nullable: true}, "scheduled_alias_domain": str(192),
		"scheduled_alias_suffix_length": integer(5, 15, 6),
		"meeting_buffer_before":         integer(0, 180, 30), "meeting_buffer_after": integer(0, 180, 60),
		"host_identity_provider_group": ref("identity_provider_group", true), "ivr_theme": ref("ivr_theme", true),
		"non_idp_participants":        enum("disallow_all", "disallow_all", "allow_if_trusted"),
		"addin_server_domain":         required(str(192)),
		"addin_authentication_method": enum("EXCHANGE_USER_ID_TOKEN", "EXCHANGE_USER_ID_TOKEN", "SSO_TOKEN", "NAA_TOKEN"),
		"addin_application_id":        nstr(250), "addin_naa_web_api_application_id": nstr(250),
		"addin_authority_url": str(255), "addin_oidc_metadata_url": str(255),
		"auth_provider":                    enum("ADFS", "ADFS", "AZURE"),
		"personal_vmr_oauth_client_id":     {kind: kStr, max: 250, nullable: true, def: "4189c2b4-92ca-416c-b7ea-bc3cfab3d0f0"},
		"personal_vmr_oauth_client_secret": secret(255),
		"personal_vmr_oauth_auth_endpoint": str(255), "personal_vmr_oauth_token_endpoint": str(255),
		"personal_vmr_adfs_relying_party_trust_identifier": str(255),
		"public_key": ro(), "private_key": ro(),
		"use_custom_add_in_sources":        boolean(false),
		"office_js_url":                    dstr(255, "https://appsforoffice.microsoft.com/lib/1/hosted/office.js"),
		"microsoft_fabric_url":             dstr(255, fabric+"fabric.min.css"),
		"microsoft_fabric_components_url":  dstr(255, fabric+"fabric.components.min.css"),
		"additional_add_in_script_sources": str(4096),
	}
	for _, f := range []string{"addin_display_name", "addin_description", "addin_provider_name", "addin_button_label",
		"addin_group_label", "addin_supertip_title", "addin_supertip_description"} {
		m[f] = str(250)
	}
	for _, f := range []string{"title", "description", "button_title", "success_heading", "success_message",
		"already_video_meeting_heading", "already_video_meeting_message", "general_error_heading",
		"general_error_message", "management_node_down_heading", "management_node_down_message",
		"personal_vmr_add_button", "personal_vmr_sign_in_button", "personal_vmr_select_message",
		"personal_vmr_none_message", "personal_vmr_error_getting_message",
		"personal_vmr_error_signing_in_message", "personal_vmr_error_inserting_meeting_message"} {
		m["addin_pane_"+f] = str(250)
	}
	for _, f := range []string{"meeting_instructions_template", "placeholder_instructions_template",
		"personal_vmr_instructions_template", "personal_vmr_location_template", "personal_vmr_name_template",
		"personal_vmr_description_template", "conference_name_template", "conference_description_template",
		"scheduled_alias_description_template", "conference_subject_template",
		"accept_new_single_meeting_template", "accept_new_recurring_series_template",
		"accept_edited_single_meeting_template", "accept_edited_recurring_series_template",
		"accept_edited_occurrence_template", "reject_general_error_template", "reject_alias_conflict_template",
		"reject_alias_deleted_template", "reject_invalid_alias_id_template", "reject_single_meeting_past",
		"reject_recurring_series_past_template"} {
		m[f] = str(12288)
	}
	return m
}

var digitsRE = regexp.MustCompile(`^[0-9]{4,20}$`)

// check validates one written value; it returns the value to store or a
// message for the field.
func (f field) check(v any, refOK func(resource string, id int) bool) (any, string) {
	if v == nil {
		if f.nullable || f.kind == kRefs {
			return nil, ""
		}
		return nil, "This field cannot be null."
	}
	switch f.kind {
	case kStr, kSecret:
		s, ok := v.(string)
		switch {
		case !ok:
			return nil, "This field must be a string."
		case f.digits && s != "" && !digitsRE.MatchString(s):
			return nil, "A PIN must be 4 to 20 digits."
		case f.enum != nil && !slices.Contains(f.enum, s):
			return nil, fmt.Sprintf("Select a valid choice. %q is not one of %s.", s, strings.Join(f.enum, ", "))
		case f.max > 0 && len([]rune(s)) > f.max:
			return nil, fmt.Sprintf("Ensure this value has at most %d characters (it has %d).", f.max, len([]rune(s)))
		case len([]rune(s)) < f.min:
			return nil, fmt.Sprintf("Ensure this value has at least %d characters.", f.min)
		}
		return s, ""
	case kTime:
		if text, ok := v.(string); ok {
			for _, l := range timeLayouts {
				if t, err := time.Parse(l, text); err == nil {
					return t.UTC().Format(TimeLayout), ""
				}
			}
		}
		return nil, "Enter a valid date/time."
	case kBool:
		if _, ok := v.(bool); !ok {
			return nil, "This field must be true or false."
		}
		return v, ""
	case kInt:
		n, ok := v.(json.Number)
		i, err := strconv.Atoi(string(n))
		if !ok || err != nil {
			return nil, "This field must be a whole number."
		}
		if i < f.min || i > f.max {
			return nil, fmt.Sprintf("Ensure this value is between %d and %d.", f.min, f.max)
		}
		return i, ""
	case kRef:
		s, ok := v.(string)
		id := uriID(s, f.ref)
		if !ok || id == 0 {
			return nil, fmt.Sprintf("Expected a %s resource URI such as %s%s/1/.", f.ref, ConfigPath, f.ref)
		}
		if refOK != nil && !refOK(f.ref, id) {
			return nil, fmt.Sprintf("There is no %s with id %d.", f.ref, id)
		}
		return s, ""
	case kRefs:
		list, ok := v.([]any)
		if !ok {
			return nil, "Expected a list of resource URIs."
		}
		for _, e := range list {
			if _, msg := (field{kind: kRef, ref: f.ref}).check(e, refOK); msg != "" {
				return nil, msg
			}
		}
		return list, ""
	}
	return nil, "This field is read-only."
}

// uriID is the id in /api/admin/configuration/v1/<resource>/<id>/, else 0.
func uriID(uri, resource string) int {
	rest, ok := strings.CutPrefix(uri, ConfigPath+resource+"/")
	if !ok {
		return 0
	}
	n, err := strconv.Atoi(strings.TrimSuffix(rest, "/"))
	if err != nil || n <= 0 {
		return 0
	}
	return n
}
