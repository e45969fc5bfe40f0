package addinhost

import (
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
}
