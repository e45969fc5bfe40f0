package diagnostics

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"sort"
	"strings"

	"vmr-companion/backend/ews"
	"vmr-companion/backend/ews/auth"
	"vmr-companion/backend/exchange"
	"vmr-companion/backend/integration"
)

// ownedByCheck tells the lint warnings another check reports itself, so
// that config does not say them twice: the domains rule (exchange_domains)
// and the NTLM-behind-Layer-7 advice (layer7, which tests it for real).
func ownedByCheck(w integration.Warning) bool {
	return w.Field == "domains" ||
		w.Field == "authentication_method" && strings.HasPrefix(w.Message, "NTLM authenticates the connection")
}

// config reports the integration's validation errors (fail) and the
// deployment lint (warn).
func (d *diag) config(context.Context) Check {
	var problems, fixes []string
	outcome := Pass
	var verr *integration.ValidationError
	if err := integration.Validate(d.in); errors.As(err, &verr) {
		outcome = Fail
		fields := make([]string, 0, len(verr.Fields))
		for f := range verr.Fields {
			fields = append(fields, f)
		}
		sort.Strings(fields)
		for _, f := range fields {
			problems = append(problems, f+" is not valid")
			fixes = append(fixes, f+": "+verr.Fields[f])
		}
	} else if err != nil {
		return Check{Outcome: Fail, Detail: err.Error(), Fix: "correct the integration and save it"}
	}
	for _, w := range integration.Lint(d.in) {
		if ownedByCheck(w) {
			continue
		}
		if outcome == Pass {
			outcome = Warn
		}
		problems = append(problems, w.Field+" goes against the deployment guide")
		fixes = append(fixes, w.Field+": "+w.Message)
	}
	if outcome == Pass {
		return Check{Outcome: Pass, Detail: "the settings are valid and follow the deployment guide"}
	}
	return Check{Outcome: outcome, Detail: strings.Join(problems, "; "), Fix: strings.Join(fixes, "; ")}
}

// exchangeDomains reuses the lint rule: the EWS host (the load balancer's
// name when there is one) must be one of the Exchange domains.
func (d *diag) exchangeDomains(context.Context) Check {
	host := d.in.Host()
	if host == "" {
		return Check{Outcome: Skip, Detail: "no EWS URL to compare with the Exchange domains"}
	}
	for _, w := range integration.Lint(d.in) {
		if w.Field == "domains" {
			list := "none"
			if len(d.in.Domains) > 0 {
				list = strings.Join(d.in.Domains, ", ")
			}
			return Check{Outcome: Fail,
				Detail: fmt.Sprintf("%s is not among the Exchange domains (%s)", host, list),
				Fix:    w.Message}
		}
	}
	return Check{Outcome: Pass, Detail: fmt.Sprintf("%s is among the Exchange domains", host)}
}

// settings sign in as the scheduler does (backend/exchange), each request
// bounded by the check's timeout.
func (d *diag) settings() (auth.Settings, error) {
	s, err := exchange.Settings(d.in, exchange.Credentials{Secret: d.opt.Secret, SaveRefreshToken: d.opt.SaveRefreshToken}, d.opt.RootCAs)
	s.Timeout = d.opt.Timeout
	return s, err
}

// ewsAuth signs in as the service account and reads the room mailbox's
// calendar folder: harmless, and it needs everything the scheduler needs.
func (d *diag) ewsAuth(ctx context.Context) Check {
	s, err := d.settings()
	if err != nil {
		return Check{Outcome: Fail, Detail: err.Error(), Fix: "check that the keychain is unlocked and reachable, then run the diagnosis again"}
	}
	hc, err := auth.NewHTTPClient(s)
	if err != nil {
		return d.ewsFailure(err)
	}
	defer hc.CloseIdleConnections()
	mailbox := exchange.RoomMailbox(d.in)
	// One attempt: the diagnosis reports the first answer, not a retry's.
	client, err := exchange.RoomClient(d.in, hc, exchange.Options{Retry: exchange.OneAttempt})
	if err != nil {
		return Check{Outcome: Fail, Detail: err.Error(), Fix: "correct the EWS URL and the room mailbox of the integration"}
	}
	folder, err := client.GetFolder(ctx, ews.Calendar)
	if err != nil {
		return d.ewsFailure(err)
	}
	who := d.in.Username
	if who == "" && d.in.OAuthClientID != nil {
		who = "app " + *d.in.OAuthClientID
	}
	where := "its own calendar"
	if mailbox != "" {
		where = "the calendar of " + mailbox
	}
	detail := fmt.Sprintf("%s signed in with %s and read %s", orElse(who, "the service account"), d.in.AuthenticationMethod, where)
	if folder != nil {
		detail += fmt.Sprintf(" (%q, %d item(s))", folder.DisplayName, folder.TotalCount)
	}
	return Check{Outcome: Pass, Detail: detail}
}

func orElse(s, alt string) string {
	if s == "" {
		return alt
	}
	return s
}

// ewsFailure maps an error of the auth transports or the EWS client to what
// the admin should change.
func (d *diag) ewsFailure(err error) Check {
	method := d.in.AuthenticationMethod
	mailbox := orElse(exchange.RoomMailbox(d.in), "the room mailbox")
	user := orElse(d.in.Username, "the service account")
	var (
		ae *auth.Error
		ee *ews.Error
		he *ews.HTTPError
	)
	switch {
	case errors.As(err, &ae):
		return Check{Outcome: Fail, Detail: ae.Problem, Fix: ae.Advice}
	case errors.As(err, &ee):
		seen := fmt.Sprintf("Exchange answered GetFolder with %s", ee.ResponseCode)
		if ee.MessageText != "" {
			seen += ": " + ee.MessageText
		}
		switch ee.ResponseCode {
		case "ErrorNonExistentMailbox", "ErrorInvalidSmtpAddress", "ErrorMailRecipientNotFound":
			return Check{Outcome: Fail, Detail: seen + fmt.Sprintf(" (the room mailbox %s does not exist)", mailbox),
				Fix: fmt.Sprintf("check the room mailbox address; create the room mailbox in Exchange if it is missing (Get-Mailbox %s)", mailbox)}
		case "ErrorImpersonateUserDenied", "ErrorImpersonationDenied", "ErrorImpersonationFailed", "ErrorInvalidExchangeImpersonationHeaderData":
			fix := fmt.Sprintf("give %s the ApplicationImpersonation role (New-ManagementRoleAssignment -Role ApplicationImpersonation -User %s)", user, user)
			if method == integration.AuthAppPerm {
				fix = "grant the app the Exchange application permission full_access_as_app with admin consent, and if an application access policy limits it, include " + mailbox
			}
			return Check{Outcome: Fail, Detail: seen + " (impersonation was denied)", Fix: fix}
		case "ErrorAccessDenied", "ErrorNotDelegate", "ErrorFolderNotFound":
			return Check{Outcome: Fail, Detail: seen + fmt.Sprintf(" (%s may not open the calendar of %s)", user, mailbox),
				Fix: fmt.Sprintf("give %s full access to %s (Add-MailboxPermission -Identity %s -User %s -AccessRights FullAccess)", user, mailbox, mailbox, user)}
		case "ErrorInvalidServerVersion":
			return Check{Outcome: Fail, Detail: seen, Fix: "this Exchange version is older than Exchange 2013 SP1, which VMR Companion needs: upgrade Exchange"}
		}
		if ews.IsTransient(err) {
			return Check{Outcome: Warn, Detail: seen + " (Exchange is busy or a mailbox server is unavailable)",
				Fix: "run the diagnosis again in a few minutes; if it persists, check the health of the mailbox servers"}
		}
		return Check{Outcome: Fail, Detail: seen, Fix: "look the response code up in Microsoft's EWS ResponseCode list and correct the service account or mailbox"}
	case errors.As(err, &he):
		return d.httpFailure(he, user)
	case errors.Is(err, ews.ErrMalformed):
		return Check{Outcome: Fail, Detail: "the EWS URL answered, but not with an EWS SOAP response (a sign-in page, a proxy's error page?): " + err.Error(),
			Fix: "point the EWS URL at https://<server>/EWS/Exchange.asmx, and let any reverse proxy pass EWS through without pre-authentication"}
	case ews.IsAuth(err):
		return Check{Outcome: Fail, Detail: err.Error(), Fix: "check the service account's credentials and its rights on " + mailbox}
	}
	detail, fix := d.describe(d.host, d.port, err)
	return Check{Outcome: Fail, Detail: detail, Fix: fix}
}

func (d *diag) httpFailure(he *ews.HTTPError, user string) Check {
	method := d.in.AuthenticationMethod
	seen := fmt.Sprintf("EWS answered HTTP %d %s", he.Status, http.StatusText(he.Status))
	switch {
	case he.Status == http.StatusUnauthorized:
		switch method {
		case integration.AuthBasic:
			return Check{Outcome: Fail, Detail: seen + ": the user name or password was refused",
				Fix: fmt.Sprintf("check the user name %s (DOMAIN\\user or user@domain) and the password; and that Basic authentication is on for the EWS virtual directory", user)}
		case integration.AuthNTLM:
			return Check{Outcome: Fail, Detail: seen + ": the NTLM sign-in was refused",
				Fix: fmt.Sprintf("check the user name %s (DOMAIN\\user) and the password, that the account is not locked out, and that Windows authentication (NTLM) is on for the EWS virtual directory", user)}
		default:
			return Check{Outcome: Fail, Detail: seen + ": the access token was refused",
				Fix: "grant the app the Exchange permission (full_access_as_app for APP_PERM, EWS.AccessAsUser.All for OAUTH) with admin consent"}
		}
	case he.Status == http.StatusForbidden:
		return Check{Outcome: Fail, Detail: seen + ": the account may not use EWS",
			Fix: fmt.Sprintf("allow EWS for %s (Set-CASMailbox -EwsEnabled $true) and check EWS application access policies", user)}
	case he.Status == http.StatusNotFound:
		return Check{Outcome: Fail, Detail: seen + ": there is no EWS at this URL",
			Fix: fmt.Sprintf("use https://%s/EWS/Exchange.asmx", d.ews.Host)}
	case he.Status == http.StatusTooManyRequests || he.Status >= 500:
		return Check{Outcome: Warn, Detail: seen + ": the server or a load balancer in front of it is failing or throttling",
			Fix: "run the diagnosis again in a few minutes; if it persists, check the Exchange servers and the load balancer's health checks"}
	}
	return Check{Outcome: Fail, Detail: seen, Fix: "check the EWS URL and any proxy between this machine and Exchange"}
}

// layer7 looks for an HTTP load balancer in front of Exchange, which
// breaks NTLM (it authenticates the connection, not the request).
func (d *diag) layer7(ctx context.Context) Check {
	if d.in.AuthenticationMethod != integration.AuthNTLM {
		return Check{Outcome: Skip, Detail: d.in.AuthenticationMethod + " authenticates every request: a Layer 7 load balancer does not break it"}
	}
	s, err := d.settings()
	if err != nil {
		return Check{Outcome: Fail, Detail: err.Error(), Fix: "check that the keychain is unlocked and reachable, then run the diagnosis again"}
	}
	f, err := d.opt.ProbeLayer7(ctx, s, d.in.URL)
	if err != nil {
		if auth.IsAuthError(err) || ews.IsAuth(err) {
			return Check{Outcome: Warn, Detail: "the connection pooling test needs the service account to sign in, which failed: " + err.Error(),
				Fix: "fix the sign-in (see the EWS sign-in check) and run the diagnosis again"}
		}
		detail, fix := d.describe(d.host, d.port, err)
		return Check{Outcome: Warn, Detail: "the load balancer could not be probed: " + detail, Fix: fix}
	}
	evidence := strings.Join(f.Evidence, "; ")
	switch {
	case f.Pooled:
		return Check{Outcome: Fail,
			Detail: "an HTTP proxy is sharing authenticated connections between clients: a request without credentials was answered as the service account (" + evidence + ")",
			Fix:    "configure the load balancer as Layer 4 (TCP) for NTLM now, or turn off its upstream connection reuse for Exchange: anyone reaching it is served as the service account"}
	case f.Detected:
		return Check{Outcome: Warn,
			Detail: "an HTTP (Layer 7) proxy or load balancer is in front of Exchange: " + evidence,
			Fix:    "configure the load balancer as Layer 4 (TCP) for NTLM: at Layer 7, NTLM sign-ins fail at random or, worse, connections signed in as the service account are shared"}
	}
	detail := "no sign of an HTTP (Layer 7) proxy between this machine and Exchange"
	if evidence != "" {
		detail += " (" + evidence + ")"
	}
	return Check{Outcome: Pass, Detail: detail}
}

// oauthToken checks that the token endpoint is reachable over verified TLS
// and answers like an OAuth 2.0 token endpoint, without sending a secret:
// a grant with no client must get an RFC 6749 section 5.2 error.
func (d *diag) oauthToken(ctx context.Context) Check {
	m := d.in.AuthenticationMethod
	if m != integration.AuthOAuth && m != integration.AuthAppPerm {
		return Check{Outcome: Skip, Detail: m + " does not use an OAuth token endpoint"}
	}
	raw := strings.TrimSpace(d.in.OAuthTokenEndpoint)
	u, err := url.Parse(raw)
	if raw == "" || err != nil || u.Host == "" {
		return Check{Outcome: Fail, Detail: fmt.Sprintf("the OAuth token endpoint %q is not a URL", redactURL(raw)),
			Fix: "set it to the token endpoint of the identity provider, e.g. https://login.microsoftonline.com/<tenant>/oauth2/v2.0/token"}
	}
	if u.Scheme != "https" {
		return Check{Outcome: Fail, Detail: "the OAuth token endpoint is not https: the client secret would cross the network unencrypted",
			Fix: "use the https:// address of the token endpoint"}
	}
	req, err := http.NewRequest(http.MethodPost, u.String(), strings.NewReader("grant_type=client_credentials"))
	if err != nil {
		return Check{Outcome: Fail, Detail: err.Error(), Fix: "correct the OAuth token endpoint"}
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Accept", "application/json")
	resp, body, err := d.get(ctx, req, 64<<10)
	if err != nil {
		return d.failRequest(u, err)
	}
	var answer struct {
		Error string `json:"error"`
	}
	isOAuth := json.Unmarshal(body, &answer) == nil && answer.Error != ""
	seen := fmt.Sprintf("%s answered HTTP %d", u.Host, resp.StatusCode)
	switch {
	case isOAuth:
		return Check{Outcome: Pass, Detail: fmt.Sprintf("%s with the OAuth error %q to a request without credentials, as a token endpoint should", seen, answer.Error)}
	case resp.StatusCode == http.StatusNotFound || resp.StatusCode == http.StatusMethodNotAllowed:
		return Check{Outcome: Fail, Detail: seen + ": there is no token endpoint at this path",
			Fix: "copy the token endpoint from the identity provider's metadata (token_endpoint in /.well-known/openid-configuration)"}
	case resp.StatusCode >= 500:
		return Check{Outcome: Warn, Detail: seen + ": the identity provider is failing",
			Fix: "run the diagnosis again later; check the identity provider's status"}
	}
	return Check{Outcome: Warn, Detail: seen + ", but not with an OAuth error document: is this the token endpoint, or a proxy's page?",
		Fix: "copy the token endpoint from the identity provider's metadata (token_endpoint in /.well-known/openid-configuration)"}
}
