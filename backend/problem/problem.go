// Package problem names the kinds of error the window and the add-in show,
// so that they can say them in the user's language: a stable code with
// named parameters travels beside the English message, which the command
// line and the logs keep printing. Every code is declared here, and
// scripts/tsgen (make bindings) writes them to
// frontend/src/lib/i18n/codes.gen.json, where a frontend test checks that
// each has an English and a German text.
package problem

import (
	"fmt"
	"sort"
)

// FieldError is one field's problem: Code and Params for translation,
// Message in English for people reading the CLI or logs.
type FieldError struct {
	Code    string            `json:"code"`
	Params  map[string]string `json:"params,omitempty"`
	Message string            `json:"message"`
}

func (e FieldError) Error() string { return e.Message }

// Code is a kind of field error and the names of its parameters. Codes
// are made only by this package, so each one a caller can emit is listed.
type Code struct {
	name   string
	params []string
}

// Name is the code as it travels in JSON.
func (c Code) Name() string { return c.name }

// Errorf builds a FieldError: values fill c's parameters in the order they
// were declared, and format/args make the English message.
func (c Code) Errorf(values []any, format string, args ...any) FieldError {
	if len(values) != len(c.params) {
		// A programming error: the code's translations expect these names.
		panic(fmt.Sprintf("problem: %s takes %d parameters, got %d", c.name, len(c.params), len(values)))
	}
	fe := FieldError{Code: c.name, Message: fmt.Sprintf(format, args...)}
	if len(values) > 0 {
		fe.Params = make(map[string]string, len(values))
		for i, v := range values {
			fe.Params[c.params[i]] = fmt.Sprint(v)
		}
	}
	return fe
}

// Args is shorthand for the values of Errorf.
func Args(v ...any) []any { return v }

var fieldCodes = map[string]Code{}

func field(name string, params ...string) Code {
	if _, dup := fieldCodes[name]; dup {
		panic("problem: field code declared twice: " + name)
	}
	c := Code{name: name, params: params}
	fieldCodes[name] = c
	return c
}

// Field error codes. "label" is the field's English label, as the schema
// (and so the window's form) shows it.
var (
	Required         = field("required", "label")
	TooLong          = field("too_long", "label", "length", "max")
	TooShort         = field("too_short", "label", "min")
	OutOfRange       = field("out_of_range", "label", "min", "max", "value")
	NotOneOf         = field("not_one_of", "label", "options", "value")
	InvalidUTF8      = field("invalid_utf8", "label")
	OnlySpaces       = field("only_spaces", "label")
	NotEmail         = field("not_email", "label", "value")
	NotURL           = field("not_url", "label")
	NotHTTPS         = field("not_https", "label", "scheme")
	NotDomain        = field("not_domain", "label", "value")
	AliasPartChars   = field("alias_part_chars", "label")
	EntryTooLong     = field("entry_too_long", "entry", "max")
	EntryNotDomain   = field("entry_not_domain_or_url", "entry", "value")
	ListedTwice      = field("listed_twice", "value")
	LineNotURL       = field("line_not_url", "line", "value")
	NotWholeNumber   = field("not_whole_number", "label")
	NotBool          = field("not_bool", "label")
	NotText          = field("not_text", "label")
	NotDomainList    = field("not_domain_list", "label")
	EntryNotName     = field("entry_not_domain", "label", "entry")
	ReadOnlySecret   = field("read_only_secret", "label")
	SecretShown      = field("secret_placeholder", "label", "placeholder")
	NotSecretField   = field("not_secret_field", "field", "secrets")
	NeedsVMRKind     = field("vmr_kind_needed")
	RequiredSingle   = field("required_single_use", "label")
	RequiredAuth     = field("required_for_auth", "label", "method")
	RequiredPersonal = field("required_personal", "label")
	NameTaken        = field("name_taken", "name")
	NotUUID          = field("not_uuid", "value")
	NameInImport     = field("name_in_import", "name", "object")
	UUIDInImport     = field("uuid_in_import", "uuid", "object")
	NameExists       = field("name_exists", "name")
	UUIDExists       = field("uuid_exists", "uuid")
	TemplateError    = field("template_error", "detail")

	// Conferences (personal VMRs): the window's VMR form labels its fields
	// in the user's language, so these texts do not name the field.
	Missing          = field("missing")
	LongerThan       = field("longer_than", "length", "max")
	NotEmailAddress  = field("not_email_address", "value")
	AliasesRequired  = field("aliases_required")
	AliasEmpty       = field("alias_empty", "entry")
	AliasInvalid     = field("alias_invalid", "value")
	AliasesTaken     = field("aliases_taken", "aliases")
	PINFormat        = field("pin_format")
	GuestPINFormat   = field("guest_pin_format")
	GuestPINNeedsPIN = field("guest_pin_needs_pin")
	GuestPINSame     = field("guest_pin_same")
	GuestPINLength   = field("guest_pin_length", "digits")

	// The user's preferences (backend/account): the window's own form
	// labels these fields, so the texts do not name them.
	JoinMethod        = field("join_method", "value")
	NotifyMinutes     = field("notify_minutes", "max")
	CalendarKind      = field("calendar_kind", "value")
	FeedLinkMissing   = field("feed_link_missing")
	FeedLinkHTTP      = field("feed_link_http")
	FeedLinkScheme    = field("feed_link_scheme")
	NoKeychainForLink = field("no_keychain_for_link")
	LinkNotKept       = field("link_not_kept", "detail")
	ICSFileMissing    = field("ics_file_missing")
	ICSFileUnreadable = field("ics_file_unreadable")

	// The add-in API's request bodies.
	ItemKeyLength      = field("item_key_length", "max")
	ItemKeyPlaceholder = field("item_key_placeholder")
)

// Kinds of problem as a whole (app/desktop.Problem.Code) whose text the
// window can say in its own words; Params name what fills them.
var kinds = map[string][]string{
	KindInvalid:      {"count"},
	KindInvalidBatch: {"count"},
}

// Kind codes, for app/desktop.
const (
	KindInvalid        = "invalid"
	KindInvalidBatch   = "invalid_batch"
	KindNotFound       = "not_found"
	KindKeychain       = "keychain_unavailable"
	KindError          = "error"
	KindTemplateSyntax = "template_syntax"
)

// Untranslated codes: their message is the error's own text (a template
// parser's, the OS keychain's, or any other failure's), which the window
// shows as it is, inside a sentence of its own; for not_found the window
// has its own sentences where it matters (form.not_found).
var untranslated = []string{KindError, KindTemplateSyntax, KindKeychain, KindNotFound}

// Catalogue is what codes.gen.json holds: each code with its parameter
// names.
type Catalogue struct {
	Fields       map[string][]string `json:"fields"`
	Kinds        map[string][]string `json:"kinds"`
	Untranslated []string            `json:"untranslated"`
}

// Codes lists every code this package declares.
func Codes() Catalogue {
	c := Catalogue{Fields: map[string][]string{}, Kinds: map[string][]string{}, Untranslated: append([]string(nil), untranslated...)}
	for name, code := range fieldCodes {
		c.Fields[name] = append([]string{}, code.params...)
	}
	for name, params := range kinds {
		c.Kinds[name] = append([]string{}, params...)
	}
	sort.Strings(c.Untranslated)
	return c
}
