package integration

import (
	"fmt"
	"net"
	"net/mail"
	"net/url"
	"reflect"
	"regexp"
	"sort"
	"strings"
	"unicode/utf8"

	"vmr-companion/backend/problem"
)

// ValidationError carries every problem found, keyed by JSON field name, so a
// form can show each beside its field. Fields holds the English messages
// (the CLI prints them); FieldErrors the same problems with a code and
// parameters for the window to translate. A problem added without a code
// (add) is in Fields only, and the window shows its message.
type ValidationError struct {
	Fields      map[string]string             `json:"fields"`
	FieldErrors map[string]problem.FieldError `json:"field_errors,omitempty"`
}

func (e *ValidationError) Error() string {
	keys := make([]string, 0, len(e.Fields))
	for k := range e.Fields {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	parts := make([]string, 0, len(keys))
	for _, k := range keys {
		parts = append(parts, k+": "+e.Fields[k])
	}
	return "integration: invalid: " + strings.Join(parts, "; ")
}

// add keeps the first problem of a field, the one to fix first, without a
// code.
func (e *ValidationError) add(field, format string, args ...any) {
	if e.Fields == nil {
		e.Fields = map[string]string{}
	}
	if _, ok := e.Fields[field]; !ok {
		e.Fields[field] = fmt.Sprintf(format, args...)
	}
}

// put keeps the first problem of a field, with its code.
func (e *ValidationError) put(field string, fe problem.FieldError) {
	if _, ok := e.Fields[field]; ok {
		return
	}
	e.add(field, "%s", fe.Message)
	if e.FieldErrors == nil {
		e.FieldErrors = map[string]problem.FieldError{}
	}
	e.FieldErrors[field] = fe
}

// merge adds o's problems, with their codes, to fields that have none yet.
func (e *ValidationError) merge(o *ValidationError) {
	for f, msg := range o.Fields {
		if fe, ok := o.FieldErrors[f]; ok {
			e.put(f, fe)
		} else {
			e.add(f, "%s", msg)
		}
	}
}

// fieldError returns err's coded form, when it has one.
func fieldError(err error) (problem.FieldError, bool) {
	fe, ok := err.(problem.FieldError)
	return fe, ok
}

func (e *ValidationError) orNil() error {
	if e == nil || len(e.Fields) == 0 {
		return nil
	}
	return e
}

// label points at the field by its form label, so messages read well in the
// window and the command line alike.
func label(name string) string {
	if f, ok := FieldByName(name); ok {
		return f.Label
	}
	return name
}

var (
	domainLabel = regexp.MustCompile(`^[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?$`)
	aliasPrefix = regexp.MustCompile(`^[A-Za-z0-9._+-]{1,8}$`)
)

// ValidDomain reports whether s is a DNS name: labels of letters, digits and
// hyphens, at most 253 characters.
func ValidDomain(s string) bool {
	if s == "" || len(s) > 253 {
		return false
	}
	for _, l := range strings.Split(strings.TrimSuffix(s, "."), ".") {
		if !domainLabel.MatchString(l) {
			return false
		}
	}
	return true
}

func validEmail(s string) bool {
	a, err := mail.ParseAddress(s)
	if err != nil || a.Address != s || a.Name != "" {
		return false
	}
	at := strings.LastIndexByte(s, '@')
	return at > 0 && ValidDomain(s[at+1:])
}

func parseURL(s string) (*url.URL, bool) {
	u, err := url.Parse(s)
	if err != nil || u.Host == "" || u.Scheme == "" || u.Opaque != "" || u.User != nil {
		return nil, false
	}
	return u, true
}

// fieldValue reads a field of the struct by its JSON name.
func fieldValue(in *Integration, name string) reflect.Value {
	idx, ok := jsonIndex[name]
	if !ok {
		return reflect.Value{}
	}
	return reflect.ValueOf(in).Elem().FieldByIndex(idx)
}

// Validate checks every field and every rule between fields, and returns a
// *ValidationError listing all problems, or nil. Uniqueness of names needs
// the store and is checked by the Service.
func Validate(in *Integration) error {
	v := &ValidationError{}
	for _, f := range fields {
		if f.Kind == KindSecret || f.ReadOnly && f.Name != "public_key" {
			continue
		}
		checkField(v, in, f)
	}
	checkRules(v, in)
	return v.orNil()
}

func checkField(v *ValidationError, in *Integration, f Field) {
	rv := fieldValue(in, f.Name)
	switch f.Kind {
	case KindString:
		s := ""
		if rv.Kind() == reflect.Pointer {
			if rv.IsNil() {
				return
			}
			s = rv.Elem().String()
		} else {
			s = rv.String()
		}
		n := utf8.RuneCountInString(s)
		if !utf8.ValidString(s) {
			v.put(f.Name, problem.InvalidUTF8.Errorf(problem.Args(f.Label), "%s is not valid UTF-8 text", f.Label))
			return
		}
		if f.Max > 0 && n > f.Max {
			v.put(f.Name, problem.TooLong.Errorf(problem.Args(f.Label, n, f.Max), "%s is %d characters long; the limit is %d", f.Label, n, f.Max))
			return
		}
		if f.Min > 0 && n < f.Min {
			if f.Min == 1 {
				v.put(f.Name, problem.Required.Errorf(problem.Args(f.Label), "%s is required", f.Label))
			} else {
				v.put(f.Name, problem.TooShort.Errorf(problem.Args(f.Label, f.Min), "%s needs at least %d characters", f.Label, f.Min))
			}
			return
		}
		if s == "" {
			return
		}
		checkFormat(v, f, s)
	case KindInt:
		n := int(rv.Int())
		if n < f.Min || n > f.Max {
			v.put(f.Name, problem.OutOfRange.Errorf(problem.Args(f.Label, f.Min, f.Max, n), "%s must be between %d and %d, not %d", f.Label, f.Min, f.Max, n))
		}
	case KindEnum:
		s := rv.String()
		if !contains(f.Options, s) {
			v.put(f.Name, problem.NotOneOf.Errorf(problem.Args(f.Label, strings.Join(f.Options, ", "), s), "%s must be one of %s, not %q", f.Label, strings.Join(f.Options, ", "), s))
		}
	case KindList:
		seen := map[string]bool{}
		for i, item := range in.Domains {
			switch {
			case utf8.RuneCountInString(item) > f.Max:
				v.put(f.Name, problem.EntryTooLong.Errorf(problem.Args(i+1, f.Max), "entry %d is longer than %d characters", i+1, f.Max))
			case !validDomainOrURL(item):
				v.put(f.Name, problem.EntryNotDomain.Errorf(problem.Args(i+1, item), "entry %d (%q) is not a domain name or an https URL", i+1, item))
			case seen[strings.ToLower(item)]:
				v.put(f.Name, problem.ListedTwice.Errorf(problem.Args(item), "%q is listed twice", item))
			}
			seen[strings.ToLower(item)] = true
		}
	}
}

func validDomainOrURL(s string) bool {
	if ValidDomain(s) {
		return true
	}
	u, ok := parseURL(s)
	return ok && u.Scheme == "https"
}

func checkFormat(v *ValidationError, f Field, s string) {
	switch f.Format {
	case FormatEmail:
		if !validEmail(s) {
			v.put(f.Name, problem.NotEmail.Errorf(problem.Args(f.Label, s), "%s must be an email address like room@example.com, not %q", f.Label, s))
		}
	case FormatHTTPSURL:
		u, ok := parseURL(s)
		if !ok {
			v.put(f.Name, problem.NotURL.Errorf(problem.Args(f.Label), "%s must be a full URL starting with https://", f.Label))
		} else if u.Scheme != "https" {
			v.put(f.Name, problem.NotHTTPS.Errorf(problem.Args(f.Label, u.Scheme), "%s must use https, not %s", f.Label, u.Scheme))
		}
	case FormatURL:
		if u, ok := parseURL(s); !ok || (u.Scheme != "https" && u.Scheme != "http") {
			v.put(f.Name, problem.NotURL.Errorf(problem.Args(f.Label), "%s must be a full URL starting with https://", f.Label))
		}
	case FormatDomain:
		if !ValidDomain(s) {
			v.put(f.Name, problem.NotDomain.Errorf(problem.Args(f.Label, s), "%s must be a domain name like example.com, not %q", f.Label, s))
		}
	case FormatAliasPart:
		if !aliasPrefix.MatchString(s) {
			v.put(f.Name, problem.AliasPartChars.Errorf(problem.Args(f.Label), "%s may use letters, digits and . _ + - only", f.Label))
		}
	case FormatMultiline:
		if f.Name == "additional_add_in_script_sources" {
			for i, line := range sourceLines(s) {
				if line == "" {
					continue
				}
				if _, ok := parseURL(line); !ok {
					v.put(f.Name, problem.LineNotURL.Errorf(problem.Args(i+1, line), "line %d (%q) is not a URL", i+1, line))
				}
			}
		}
	}
}

// sourceLines splits the additional script sources, one URL per line,
// trimmed. Blank lines stay as "" so that index+1 is the line number the
// admin sees.
func sourceLines(s string) []string {
	out := strings.Split(s, "\n")
	for i, l := range out {
		out[i] = strings.TrimSpace(l)
	}
	return out
}

func checkRules(v *ValidationError, in *Integration) {
	if in.Name != "" && strings.TrimSpace(in.Name) == "" {
		v.put("name", problem.OnlySpaces.Errorf(problem.Args(label("name")), "%s cannot be only spaces", label("name")))
	}
	if !in.EnableDynamicVMRs && !in.EnablePersonalVMRs {
		v.put("enable_dynamic_vmrs", problem.NeedsVMRKind.Errorf(nil, "enable single-use VMRs, personal VMRs or both"))
		v.put("enable_personal_vmrs", problem.NeedsVMRKind.Errorf(nil, "enable single-use VMRs, personal VMRs or both"))
	}
	if in.EnableDynamicVMRs {
		if blank(in.RoomMailboxEmailAddress) {
			v.put("room_mailbox_email_address", problem.RequiredSingle.Errorf(problem.Args(label("room_mailbox_email_address")), "%s is required for single-use VMRs: the service watches this mailbox", label("room_mailbox_email_address")))
		}
		if in.URL == "" {
			v.put("url", problem.RequiredSingle.Errorf(problem.Args(label("url")), "%s is required for single-use VMRs", label("url")))
		}
		if (in.AuthenticationMethod == AuthBasic || in.AuthenticationMethod == AuthNTLM) && in.Username == "" {
			v.put("username", problem.RequiredAuth.Errorf(problem.Args(label("username"), in.AuthenticationMethod), "%s is required for %s authentication", label("username"), in.AuthenticationMethod))
		}
	}
	if in.AuthenticationMethod == AuthOAuth || in.AuthenticationMethod == AuthAppPerm {
		m := in.AuthenticationMethod
		if blank(in.OAuthClientID) {
			v.put("oauth_client_id", problem.RequiredAuth.Errorf(problem.Args(label("oauth_client_id"), m), "%s is required for %s", label("oauth_client_id"), m))
		}
		if in.OAuthTokenEndpoint == "" {
			v.put("oauth_token_endpoint", problem.RequiredAuth.Errorf(problem.Args(label("oauth_token_endpoint"), m), "%s is required for %s", label("oauth_token_endpoint"), m))
		}
		if m == AuthOAuth {
			if in.OAuthAuthEndpoint == "" {
				v.put("oauth_auth_endpoint", problem.RequiredAuth.Errorf(problem.Args(label("oauth_auth_endpoint"), m), "%s is required for OAUTH: the service account signs in there", label("oauth_auth_endpoint")))
			}
			if in.OAuthRedirectURI == "" {
				v.put("oauth_redirect_uri", problem.RequiredAuth.Errorf(problem.Args(label("oauth_redirect_uri"), m), "%s is required for OAUTH", label("oauth_redirect_uri")))
			}
		}
	}
	if in.EnablePersonalVMRs {
		if blank(in.PersonalVMROAuthClientID) {
			v.put("personal_vmr_oauth_client_id", problem.RequiredPersonal.Errorf(problem.Args(label("personal_vmr_oauth_client_id")), "%s is required for personal VMRs", label("personal_vmr_oauth_client_id")))
		}
		if in.PersonalVMROAuthAuthEndpoint == "" {
			v.put("personal_vmr_oauth_auth_endpoint", problem.RequiredPersonal.Errorf(problem.Args(label("personal_vmr_oauth_auth_endpoint")), "%s is required for personal VMRs", label("personal_vmr_oauth_auth_endpoint")))
		}
		if in.PersonalVMROAuthTokenEndpoint == "" {
			v.put("personal_vmr_oauth_token_endpoint", problem.RequiredPersonal.Errorf(problem.Args(label("personal_vmr_oauth_token_endpoint")), "%s is required for personal VMRs", label("personal_vmr_oauth_token_endpoint")))
		}
	}
	if (in.AddinAuthenticationMethod == AddinAuthSSOToken || in.AddinAuthenticationMethod == AddinAuthNAAToken) && blank(in.AddinApplicationID) {
		v.put("addin_application_id", problem.RequiredAuth.Errorf(problem.Args(label("addin_application_id"), in.AddinAuthenticationMethod), "%s is required for %s", label("addin_application_id"), in.AddinAuthenticationMethod))
	}
	if in.AddinAuthenticationMethod == AddinAuthNAAToken && blank(in.AddinNAAWebAPIApplicationID) {
		v.put("addin_naa_web_api_application_id", problem.RequiredAuth.Errorf(problem.Args(label("addin_naa_web_api_application_id"), AddinAuthNAAToken), "%s is required for NAA_TOKEN", label("addin_naa_web_api_application_id")))
	}
}

func blank(p *string) bool { return p == nil || strings.TrimSpace(*p) == "" }

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// ValidateSecret checks a secret's length against its field; the value is
// never part of the message.
func ValidateSecret(field, value string) error {
	f, ok := FieldByName(field)
	if !ok || f.Kind != KindSecret {
		v := &ValidationError{}
		secrets := strings.Join(SecretFields, ", ")
		v.put(field, problem.NotSecretField.Errorf(problem.Args(field, secrets), "%q is not a secret field; secret fields are %s", field, secrets))
		return v
	}
	if n := utf8.RuneCountInString(value); n > f.Max {
		v := &ValidationError{}
		v.put(field, problem.TooLong.Errorf(problem.Args(f.Label, n, f.Max), "%s is %d characters long; the limit is %d", f.Label, n, f.Max))
		return v
	}
	return nil
}

// Host returns the host name of the EWS URL, or "".
func (in *Integration) Host() string {
	u, ok := parseURL(in.URL)
	if !ok {
		return ""
	}
	h := strings.TrimSuffix(u.Hostname(), ".")
	if ip := net.ParseIP(h); ip != nil {
		return ip.String()
	}
	return strings.ToLower(h)
}
