// Package manifest writes the Outlook add-in manifests of an integration: the
// XML add-in manifest (OfficeApp of type MailApp, with VersionOverrides 1.0
// wrapping 1.1) and the unified manifest for Microsoft 365 (JSON, schema
// v1.17). Each integration gets its own add-in id, names, labels and URLs, so
// two add-ins ("two buttons") can sit side by side in Outlook.
//
// The integration's texts may hold anything; they are cleaned to one line,
// escaped by encoding/xml and encoding/json, and shortened to the limits of
// each schema. The output is deterministic: the same Params give the same
// bytes.
package manifest

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"net/netip"
	"net/url"
	"regexp"
	"strings"

	"vmr-companion/backend/integration"
)

// Params says which manifest to write.
type Params struct {
	// AddinID is the add-in's GUID (8-4-4-4-12 hexadecimal digits), stable
	// for the integration; the caller keeps it.
	AddinID string
	// Version is "major.minor.patch", each part 0–99999 without leading
	// zeros (the XML schema allows at most five digits, the JSON schema no
	// leading zeros). The caller bumps it when Fingerprint changes.
	Version string
	// BaseURL is where the add-in's files are served: "https://" and a host
	// with an optional port, nothing after it but an optional "/". In
	// production https://{addin_server_domain}, in development for example
	// https://127.0.0.1:3443.
	BaseURL string
	// Dev marks the development variant: " (dev)" is added to the name.
	Dev bool
	// IntegrationUUID goes into the task pane URL so the pane knows its
	// integration. When empty, Integration.UUID is used.
	IntegrationUUID string
	// Integration supplies the names, labels, domains and authentication.
	Integration *integration.Integration
}

// ErrInvalid is wrapped by the errors XML and JSON return for unusable Params.
var ErrInvalid = errors.New("manifest: invalid parameters")

// Paths under BaseURL that the add-in host serves.
const (
	TaskpanePath  = "/addin/taskpane.html"
	CommandsPath  = "/addin/commands.html"
	SupportPath   = "/addin/support.html"
	PrivacyPath   = "/addin/privacy.html"
	TermsPath     = "/addin/terms.html"
	AssetsPath    = "/addin/assets/"
	devNameSuffix = " (dev)"
)

// MobileFunctionName is the function the mobile button runs: the function
// file (frontend/src/addin/commands.ts) registers it with
// Office.actions.associate under this name.
const MobileFunctionName = "vmrcAddVideoMeeting"

// IconFile is the name of the add-in icon of the given size (16, 32, 64, 80
// or 128 pixels) under AssetsPath.
func IconFile(size int) string { return fmt.Sprintf("icon-%d.png", size) }

var (
	guidPattern    = regexp.MustCompile(`^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$`)
	versionPattern = regexp.MustCompile(`^(0|[1-9][0-9]{0,4})\.(0|[1-9][0-9]{0,4})\.(0|[1-9][0-9]{0,4})$`)
)

// model is what both manifests are built from: checked Params and texts
// cleaned but not yet shortened (each manifest has its own limits).
type model struct {
	id, version string
	base        string // https://host[:port], no trailing slash
	host        string // host[:port] of base
	dev         bool

	// domains are the hosts (host[:port]) the add-in may navigate to: the
	// host of base and the add-in server domain when it differs.
	domains []string

	taskpaneURL, commandsURL, supportURL, privacyURL, termsURL string

	displayName, description, provider    string
	groupLabel, buttonLabel               string
	supertipTitle, supertipDescription    string
	ssoApplicationID, ssoResource         string // set for SSO_TOKEN only
	groupID, controlID, runtimeID, action string

	// mobile adds the online-meeting provider for Outlook on phones
	// (enable_mobile_online_meeting) to the XML manifest.
	mobile            bool
	mobileControlID   string
	mobileCommandsURL string
}

func newModel(p Params) (*model, error) {
	in := p.Integration
	if in == nil {
		return nil, fmt.Errorf("%w: no integration", ErrInvalid)
	}
	if !guidPattern.MatchString(p.AddinID) {
		return nil, fmt.Errorf("%w: add-in id %q is not a GUID", ErrInvalid, p.AddinID)
	}
	if !versionPattern.MatchString(p.Version) {
		return nil, fmt.Errorf("%w: version %q is not major.minor.patch with parts from 0 to 99999", ErrInvalid, p.Version)
	}
	base, host, err := parseBaseURL(p.BaseURL)
	if err != nil {
		return nil, err
	}
	uuid := p.IntegrationUUID
	if uuid == "" {
		uuid = in.UUID
	}
	if strings.TrimSpace(uuid) == "" {
		return nil, fmt.Errorf("%w: no integration uuid for the task pane URL", ErrInvalid)
	}

	m := &model{
		id:          p.AddinID,
		version:     p.Version,
		base:        base,
		host:        host,
		dev:         p.Dev,
		domains:     []string{host},
		taskpaneURL: base + TaskpanePath + "?integration=" + url.QueryEscape(uuid),
		commandsURL: base + CommandsPath,
		supportURL:  base + SupportPath,
		privacyURL:  base + PrivacyPath,
		termsURL:    base + TermsPath,
		groupID:     "vmrc-group-" + strings.ToLower(p.AddinID),
		controlID:   "vmrc-button-" + strings.ToLower(p.AddinID),
		runtimeID:   "vmrc-taskpane-runtime",
		action:      "vmrc-show-taskpane",

		mobile:          in.EnableMobileOnlineMeeting,
		mobileControlID: "vmrc-mobile-button-" + strings.ToLower(p.AddinID),
		// The UI-less function learns its integration from its address,
		// as the pane does.
		mobileCommandsURL: base + CommandsPath + "?integration=" + url.QueryEscape(uuid),
	}
	if d := strings.ToLower(strings.TrimSuffix(in.AddinServerDomain, ".")); d != "" {
		if !integration.ValidDomain(d) || len("https://"+d) > xmlLongMax {
			return nil, fmt.Errorf("%w: addin_server_domain %q is not a domain name of at most %d characters", ErrInvalid, in.AddinServerDomain, xmlLongMax-len("https://"))
		}
		if d != host {
			m.domains = append(m.domains, d)
		}
	}

	def := integration.Defaults()
	m.displayName = orDefault(in.AddinDisplayName, def.AddinDisplayName)
	m.description = orDefault(in.AddinDescription, def.AddinDescription)
	m.provider = orDefault(in.AddinProviderName, def.AddinProviderName)
	m.groupLabel = orDefault(in.AddinGroupLabel, def.AddinGroupLabel)
	m.buttonLabel = orDefault(in.AddinButtonLabel, def.AddinButtonLabel)
	m.supertipTitle = orDefault(in.AddinSupertipTitle, def.AddinSupertipTitle)
	m.supertipDescription = orDefault(in.AddinSupertipDescription, def.AddinSupertipDescription)

	appID := ""
	if in.AddinApplicationID != nil {
		appID = strings.TrimSpace(*in.AddinApplicationID)
	}
	// Under NAA_TOKEN the registration is written too when it is a GUID:
	// where Outlook offers no nested app authentication, the pane falls
	// back to Office SSO, which needs it.
	naaFallback := in.AddinAuthenticationMethod == integration.AddinAuthNAAToken && guidPattern.MatchString(appID)
	if in.AddinAuthenticationMethod == integration.AddinAuthSSOToken || naaFallback {
		if !guidPattern.MatchString(appID) {
			return nil, fmt.Errorf("%w: addin_application_id %q is not a GUID, and SSO_TOKEN needs it", ErrInvalid, appID)
		}
		m.ssoApplicationID = appID
		// The Application ID URI the Entra app registration exposes for
		// Office single sign-on: api://<host of the add-in>/<application id>.
		m.ssoResource = "api://" + host + "/" + appID
	}
	return m, nil
}

// parseBaseURL checks an https origin and returns it without a trailing
// slash, with its host[:port] in lower case.
func parseBaseURL(raw string) (base, host string, err error) {
	u, perr := url.Parse(raw)
	switch {
	case perr != nil:
		return "", "", fmt.Errorf("%w: base URL %q: %v", ErrInvalid, raw, perr)
	case u.Scheme != "https":
		return "", "", fmt.Errorf("%w: base URL %q is not https", ErrInvalid, raw)
	case u.Host == "" || u.Opaque != "" || u.User != nil:
		return "", "", fmt.Errorf("%w: base URL %q has no plain host", ErrInvalid, raw)
	case (u.Path != "" && u.Path != "/") || u.RawQuery != "" || u.ForceQuery || u.Fragment != "":
		return "", "", fmt.Errorf("%w: base URL %q has more than scheme, host and port", ErrInvalid, raw)
	}
	name := u.Hostname()
	if !integration.ValidDomain(name) && !validIP(name) {
		return "", "", fmt.Errorf("%w: base URL %q: %q is not a host name", ErrInvalid, raw, name)
	}
	host = strings.ToLower(u.Host)
	if len("https://"+host) > xmlLongMax { // AppDomain is a LongString
		return "", "", fmt.Errorf("%w: base URL %q is longer than %d characters", ErrInvalid, raw, xmlLongMax)
	}
	return "https://" + host, host, nil
}

func validIP(s string) bool {
	_, err := netip.ParseAddr(s)
	return err == nil
}

// orDefault cleans s, and falls back to the cleaned default when nothing is left.
func orDefault(s, def string) string {
	if c := clean(s); c != "" {
		return c
	}
	return clean(def)
}

// name is the display name with the development suffix, fitted to max.
func (m *model) name(max int) string {
	if m.dev {
		return fitSuffix(m.displayName, devNameSuffix, max)
	}
	return fit(m.displayName, max)
}

func (m *model) asset(file string) string { return m.base + AssetsPath + file }

// Fingerprint is a hash of both manifests written with a fixed Version, so
// it changes exactly when a manifest changes for any reason but Version
// (texts, URLs, authentication, or this package's output). Invalid Params
// hash their error, so they too get a stable fingerprint.
func Fingerprint(p Params) string {
	p.Version = "0.0.0"
	h := sha256.New()
	for _, write := range []func(Params) ([]byte, error){XML, JSON} {
		b, err := write(p)
		if err != nil {
			b = []byte("error: " + err.Error())
		}
		fmt.Fprintf(h, "%d\n", len(b))
		h.Write(b)
	}
	return hex.EncodeToString(h.Sum(nil))
}
