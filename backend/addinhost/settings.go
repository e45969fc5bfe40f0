package addinhost

import (
	"crypto/tls"
	"crypto/x509"
	"net/http"
	"time"
)

// Settings are what a person chooses when starting the host (the serve
// flags, or the window's Add-in host page); the rest of Config is wiring.
type Settings struct {
	Listen          string
	Auth            string
	ReservationRate int
	// ReservationTTL is how long a reservation no meeting used is kept
	// (alias.DefaultTTL when zero).
	ReservationTTL time.Duration
	OnRequest      func(RequestLog)
	// AllowSharedHost runs --auth none even where several people are
	// signed in to this machine.
	AllowSharedHost bool
	// Policy answers Infinity's external policy requests under
	// /policy/v1/ (backend/policy); nil leaves the path unanswered.
	Policy http.Handler
	// Certificate, when set, is served instead of a certificate of the
	// local CA (serve --tls-cert/--tls-key, backend/certfile).
	Certificate Certificate
}

// Certificate is a certificate the host serves in place of the local
// CA's: one an admin or an ACME client keeps in files.
type Certificate interface {
	GetCertificate(*tls.ClientHelloInfo) (*tls.Certificate, error)
	// Leaf is the certificate served now, for its expiry and /readyz.
	Leaf() *x509.Certificate
}

// Loopback tells whether a --listen address only accepts connections
// from this machine, by the rule New applies.
func Loopback(listen string) (bool, error) { return isLoopback(listen) }
