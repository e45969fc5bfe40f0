package ews

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"syscall"
	"time"
)

// ErrMalformed is wrapped by errors for answers that are not a well-formed
// SOAP envelope (an HTML error page, a proxy's login form, a truncated body).
var ErrMalformed = errors.New("ews: malformed response")

// ErrTooLarge is wrapped when a response exceeds the client's size limit.
var ErrTooLarge = errors.New("ews: response too large")

// Error is an error Exchange reported: a ResponseMessage whose ResponseClass
// is Error (or Warning), or a SOAP fault carrying an EWS response code.
type Error struct {
	Op            string // the EWS operation, e.g. "SyncFolderItems"
	ResponseClass string // "Error", "Warning", or "Fault" for a SOAP fault
	ResponseCode  string // e.g. "ErrorServerBusy"
	MessageText   string
	// BackOff is the server's BackOffMilliseconds hint (ErrorServerBusy).
	BackOff time.Duration
}

func (e *Error) Error() string {
	msg := fmt.Sprintf("ews: %s failed: %s", e.Op, e.ResponseCode)
	if e.MessageText != "" {
		msg += " (" + e.MessageText + ")"
	}
	if advice := adviceFor(e.ResponseCode); advice != "" {
		msg += "; " + advice
	}
	if e.BackOff > 0 {
		msg += fmt.Sprintf("; the server asked to wait %s", e.BackOff)
	}
	return msg
}

// HTTPError is a non-SOAP HTTP failure (401 from the authentication layer,
// 404 for a wrong URL, 502 from a load balancer...).
type HTTPError struct {
	Op     string
	Status int
	// Body is the first 512 bytes of the answer, for diagnostics. Exchange
	// never echoes credentials there; the auth transports keep tokens out.
	Body string
}

func (e *HTTPError) Error() string {
	msg := fmt.Sprintf("ews: %s failed: HTTP %d %s", e.Op, e.Status, http.StatusText(e.Status))
	switch {
	case e.Status == http.StatusUnauthorized:
		msg += "; check the service account's credentials and the authentication method the server offers"
	case e.Status == http.StatusForbidden:
		msg += "; the account is not allowed to use EWS here: check EWS access policies and the account's permissions"
	case e.Status == http.StatusNotFound:
		msg += "; check the EWS URL (it normally ends in /EWS/Exchange.asmx)"
	case e.Status == http.StatusTooManyRequests || e.Status >= 500:
		msg += "; the server or a load balancer in front of it is failing or throttling; retry later"
	}
	if e.Body != "" {
		msg += fmt.Sprintf("; the server said: %q", e.Body)
	}
	return msg
}

// Codes for which a retry cannot help: the configuration or the account's
// rights must change first.
var authCodes = map[string]bool{
	"ErrorAccessDenied":                           true,
	"ErrorImpersonateUserDenied":                  true,
	"ErrorImpersonationDenied":                    true,
	"ErrorImpersonationFailed":                    true,
	"ErrorNonExistentMailbox":                     true,
	"ErrorMailboxConfiguration":                   true,
	"ErrorInvalidSid":                             true,
	"ErrorInvalidSmtpAddress":                     true,
	"ErrorNotAllowedExternalSharingByPolicy":      true,
	"ErrorProxyRequestNotAllowed":                 true,
	"ErrorNotDelegate":                            true,
	"ErrorInvalidExchangeImpersonationHeaderData": true,
	"ErrorInvalidServerVersion":                   true,
}

// Codes Exchange uses when it did not process the request and a later try
// may work.
var transientCodes = map[string]bool{
	"ErrorServerBusy":                       true,
	"ErrorTimeoutExpired":                   true,
	"ErrorInternalServerTransientError":     true,
	"ErrorMailboxStoreUnavailable":          true,
	"ErrorMailboxMoveInProgress":            true,
	"ErrorConnectionFailed":                 true,
	"ErrorNoRespondingCASInDestinationSite": true,
	"ErrorExceededConnectionCount":          true,
	"ErrorExceededSubscriptionCount":        true,
	"ErrorInsufficientResources":            true,
	"ErrorBatchProcessingStopped":           true,
}

func adviceFor(code string) string {
	switch code {
	case "ErrorAccessDenied":
		return "the service account lacks rights on this mailbox: grant it full access, or ApplicationImpersonation with impersonation on"
	case "ErrorImpersonateUserDenied", "ErrorImpersonationDenied", "ErrorImpersonationFailed":
		return "impersonation was refused: give the service account the ApplicationImpersonation role (or app permission full_access_as_app), or turn impersonation off"
	case "ErrorNonExistentMailbox", "ErrorInvalidSmtpAddress":
		return "check the mailbox's SMTP address"
	case "ErrorInvalidSyncStateData":
		return "the saved sync state is no longer valid; start a fresh sync"
	case "ErrorServerBusy":
		return "Exchange is throttling this account; wait and retry"
	case "ErrorItemNotFound":
		return "the item is gone (deleted or moved)"
	case "ErrorInvalidServerVersion":
		return "lower the requested server version (Exchange2013_SP1 works with 2016, 2019 and Office 365)"
	}
	return ""
}

// IsAuth reports whether err is an authentication, permission or mailbox
// configuration problem, which no retry will fix.
func IsAuth(err error) bool {
	var he *HTTPError
	if errors.As(err, &he) {
		return he.Status == http.StatusUnauthorized || he.Status == http.StatusForbidden
	}
	var ee *Error
	if errors.As(err, &ee) {
		return authCodes[ee.ResponseCode]
	}
	return false
}

// IsTransient reports whether err is a failure a later retry may get past:
// throttling, server errors, network errors. Errors of the HTTPClient's own
// transport (authentication handshakes) and TLS verification failures are
// not transient.
func IsTransient(err error) bool {
	if err == nil {
		return false
	}
	var ee *Error
	if errors.As(err, &ee) {
		return transientCodes[ee.ResponseCode]
	}
	var he *HTTPError
	if errors.As(err, &he) {
		return he.Status == http.StatusTooManyRequests || he.Status == http.StatusRequestTimeout || he.Status >= 500
	}
	var te *transportError
	if errors.As(err, &te) {
		return te.network
	}
	return false
}

// IsNotFound reports whether err says the item does not exist (any more).
func IsNotFound(err error) bool {
	var ee *Error
	return errors.As(err, &ee) && ee.ResponseCode == "ErrorItemNotFound"
}

// transportError wraps an error of the HTTP exchange itself; network says
// whether it is a network failure (retryable for reads) rather than an
// error of the auth transport or TLS verification.
type transportError struct {
	op, url string
	network bool
	err     error
}

func (e *transportError) Error() string {
	if e.network {
		return fmt.Sprintf("ews: %s: cannot reach %s: %v; check the network path to Exchange (DNS, firewall, load balancer)", e.op, e.url, e.err)
	}
	return fmt.Sprintf("ews: %s at %s: %v", e.op, e.url, e.err)
}

func (e *transportError) Unwrap() error { return e.err }

// isNetworkError tells network failures from errors the auth transport
// returns (its own types) and TLS verification errors (configuration).
func isNetworkError(err error) bool {
	var (
		unknownAuthority x509.UnknownAuthorityError
		hostname         x509.HostnameError
		invalid          x509.CertificateInvalidError
		verify           *tls.CertificateVerificationError
	)
	if errors.As(err, &unknownAuthority) || errors.As(err, &hostname) || errors.As(err, &invalid) || errors.As(err, &verify) {
		return false
	}
	var op *net.OpError
	var dns *net.DNSError
	if errors.As(err, &op) || errors.As(err, &dns) {
		return true
	}
	if errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF) ||
		errors.Is(err, syscall.ECONNRESET) || errors.Is(err, syscall.ECONNREFUSED) || errors.Is(err, syscall.EPIPE) {
		return true
	}
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}
