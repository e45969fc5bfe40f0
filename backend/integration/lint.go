package integration

import (
	"fmt"
	"net"
	"strings"
)

// Warning is a deployment problem that does not stop saving: the integration
// may still work, but the deployment guide says it likely will not. Message
// says what to change.
type Warning struct {
	Field   string `json:"field"`
	Message string `json:"message"`
}

// Lint checks an integration against the deployment guide's rules.
func Lint(in *Integration) []Warning {
	var w []Warning
	add := func(field, format string, args ...any) {
		w = append(w, Warning{Field: field, Message: fmt.Sprintf(format, args...)})
	}
	host := in.Host()
	if host != "" && !hostInDomains(host, in.Domains) {
		add("domains", "the EWS host %s is not in the Exchange domains: add it (or the load balancer's name, if one is in front of Exchange)", host)
	}
	if in.AuthenticationMethod == AuthNTLM {
		add("authentication_method", "NTLM authenticates the connection, not the request: a load balancer in front of Exchange must forward at Layer 4 (TCP); at Layer 7 (HTTP) NTLM fails or, worse, shares one signed-in connection between clients")
	}
	if host == office365EWSHost && (in.AuthenticationMethod == AuthBasic || in.AuthenticationMethod == AuthNTLM) {
		add("authentication_method", "Office 365 no longer accepts %s for EWS: choose OAUTH or APP_PERM and register an app in Entra ID", in.AuthenticationMethod)
	}
	if in.UseCustomAddInSources {
		sources := map[string]string{
			"office_js_url":                   in.OfficeJSURL,
			"microsoft_fabric_url":            in.MicrosoftFabricURL,
			"microsoft_fabric_components_url": in.MicrosoftFabricComponentsURL,
		}
		for _, name := range []string{"office_js_url", "microsoft_fabric_url", "microsoft_fabric_components_url"} {
			if s := sources[name]; s != "" && !strings.HasPrefix(strings.ToLower(s), "https://") {
				add(name, "%s is not https: Outlook blocks add-in scripts and styles that are not served over https; serve it over https", label(name))
			}
		}
		for i, line := range sourceLines(in.AdditionalAddInScriptSources) {
			if line != "" && !strings.HasPrefix(strings.ToLower(line), "https://") {
				add("additional_add_in_script_sources", "line %d (%s) is not https: serve it over https", i+1, line)
			}
		}
	}
	lintAddinAuth(in, host, add)
	if d := in.AddinServerDomain; d != "" && !fullyQualified(d) {
		add("addin_server_domain", "%s is not a fully qualified domain name: Outlook loads the add-in from https://%s, so use the full name that has a trusted certificate, like addins.example.com", d, d)
	}
	return w
}

// lintAddinAuth checks that the add-in host can verify the tokens the
// integration's add-in authentication method sends, and that the personal
// VMR sign-in trusts addresses the way its provider vouches for them.
func lintAddinAuth(in *Integration, ewsHost string, add func(field, format string, args ...any)) {
	// AD FS takes email and upn from Active Directory; Entra ID lets some
	// users set email, so its tokens are read as AZURE's.
	if in.AuthProvider == ProviderADFS && in.EnablePersonalVMRs {
		for _, endpoint := range []string{in.PersonalVMROAuthAuthEndpoint, in.PersonalVMROAuthTokenEndpoint} {
			if u, ok := parseURL(endpoint); ok && strings.EqualFold(u.Hostname(), "login.microsoftonline.com") {
				add("auth_provider", "the personal VMR sign-in goes to Entra ID (%s) but auth_provider is ADFS: choose AZURE, so that only addresses Entra ID vouches for are trusted", u.Hostname())
				break
			}
		}
	}
	switch in.AddinAuthenticationMethod {
	case AddinAuthSSOToken, AddinAuthNAAToken:
		if strings.TrimSpace(in.AddinOIDCMetadataURL) == "" {
			add("addin_oidc_metadata_url", "the add-in host verifies %s tokens against the identity provider's OpenID metadata: set it, for Entra ID https://login.microsoftonline.com/<tenant id>/v2.0/.well-known/openid-configuration", in.AddinAuthenticationMethod)
		}
	case "", AddinAuthExchangeUserIDToken:
		if ewsHost == office365EWSHost {
			add("addin_authentication_method", "Exchange Online no longer issues Exchange identity tokens: choose NAA_TOKEN (or SSO_TOKEN) and register the add-in in Entra ID")
		}
	}
}

func hostInDomains(host string, domains []string) bool {
	for _, d := range domains {
		d = strings.ToLower(strings.TrimSuffix(d, "."))
		if u, ok := parseURL(d); ok {
			d = strings.ToLower(u.Hostname())
		}
		// The guide asks for the host itself, not a parent domain.
		if host == d {
			return true
		}
	}
	return false
}

func fullyQualified(d string) bool {
	d = strings.TrimSuffix(d, ".")
	return strings.Contains(d, ".") && net.ParseIP(d) == nil && !strings.EqualFold(d, "localhost")
}
