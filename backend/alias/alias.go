// Package alias reserves single-use aliases (Infinity's scheduled_alias)
// for meetings being composed: prefix + random digits + @domain, unique
// among every alias this deployment knows, and the same answer for a retry
// from the same compose window.
package alias

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"math/big"
	"strings"
	"time"

	"github.com/google/uuid"

	"vmr-companion/backend/integration"
)

// ErrExhausted means no free alias could be found: the alias space of the
// integration is (nearly) used up.
var ErrExhausted = errors.New("alias: no free alias left")

// ErrNotFound is returned when no reservation has the uuid.
var ErrNotFound = errors.New("alias: no such reservation")

// DefaultTTL is how long a reservation that no meeting used is kept.
const DefaultTTL = 24 * time.Hour

// attempts bounds the search for a free alias, so a full space answers at
// once instead of spinning.
const attempts = 32

// ScheduledAlias is one reservation.
type ScheduledAlias struct {
	ID            int64  `json:"id"`
	IntegrationID int64  `json:"exchange_connector"`
	UUID          string `json:"uuid"`
	Alias         string `json:"alias"`
	NumericAlias  string `json:"numeric_alias"`
	AliasNumber   int64  `json:"alias_number"`
	ItemKey       string `json:"item_key"`
	UserEmail     string `json:"user_email"`
	// UserKey is the stable identity of the user who reserved it, as the
	// add-in host proved it ("" when nothing was proved: --auth none, or
	// the scheduler's own reservations); UserVerified tells whether the
	// identity provider vouched for UserEmail or the pane only claimed it.
	UserKey      string    `json:"user_key"`
	UserVerified bool      `json:"user_verified"`
	IsUsed       bool      `json:"is_used"`
	EWSItemUID   string    `json:"ews_item_uid"`
	CreationTime time.Time `json:"creation_time"`
	ExpiresAt    time.Time `json:"expires_at"`
	// DeletedAt is set when the meeting that used the alias was cancelled:
	// the alias may not be used again.
	DeletedAt *time.Time `json:"deleted_at,omitempty"`
}

// Candidate is a proposed alias; the repository stores it if it is free.
type Candidate struct {
	Alias        string
	NumericAlias string
	AliasNumber  int64
}

// Repository keeps reservations; backend/store implements it.
type Repository interface {
	// Reserve returns the unexpired reservation of (integration, item key)
	// if there is one; otherwise it tries the candidates from next, in
	// order, and stores the first free one in the same transaction. It
	// returns ErrExhausted when next runs out.
	Reserve(ctx context.Context, r Request, next func() (Candidate, bool, error)) (*ScheduledAlias, bool, error)
	// Lookup finds a reservation by its uuid.
	Lookup(ctx context.Context, uuid string) (*ScheduledAlias, error)
	// Count returns how many reservations an integration holds.
	Count(ctx context.Context, integrationID int64) (int, error)
}

// Request is what a reservation is for.
type Request struct {
	IntegrationID int64
	ItemKey       string
	UserEmail     string
	UserKey       string
	UserVerified  bool
	UUID          string
	Now           time.Time
	TTL           time.Duration
}

// Service reserves aliases.
type Service struct {
	repo   Repository
	ttl    time.Duration
	digits func(n int) (string, error)
	now    func() time.Time
}

// Option changes how a Service draws aliases or reads the clock.
type Option func(*Service)

// WithDigits replaces crypto/rand as the source of alias digits; tests use
// it to force collisions and an exhausted alias space.
func WithDigits(f func(n int) (string, error)) Option { return func(s *Service) { s.digits = f } }

// WithClock replaces time.Now; tests use it to let reservations expire.
func WithClock(now func() time.Time) Option { return func(s *Service) { s.now = now } }

// NewService builds the service; ttl <= 0 means DefaultTTL.
func NewService(repo Repository, ttl time.Duration, opts ...Option) *Service {
	if ttl <= 0 {
		ttl = DefaultTTL
	}
	s := &Service{repo: repo, ttl: ttl, digits: randomDigits, now: time.Now}
	for _, o := range opts {
		o(s)
	}
	return s
}

// Owner is who a reservation is for.
type Owner struct {
	// Email is the user's address (lower-cased when stored).
	Email string
	// Key is the user's stable identity, "" when nothing proved it; at
	// most 600 bytes.
	Key string
	// Verified tells whether the identity provider vouched for Email.
	Verified bool
}

// maxOwnerKey bounds Owner.Key (the column's check).
const maxOwnerKey = 600

// Reserve gives the compose item its alias, the same one on every retry,
// for a user known only by address. created tells whether this call made
// it.
func (s *Service) Reserve(ctx context.Context, in *integration.Integration, itemKey, userEmail string) (*ScheduledAlias, bool, error) {
	return s.ReserveAs(ctx, in, itemKey, Owner{Email: userEmail})
}

// ReserveAs is Reserve for a user the add-in host identified: the
// reservation records their stable identity and whether their address was
// verified. A retry returns the reservation as first made.
func (s *Service) ReserveAs(ctx context.Context, in *integration.Integration, itemKey string, owner Owner) (*ScheduledAlias, bool, error) {
	if len(owner.Key) > maxOwnerKey {
		return nil, false, fmt.Errorf("alias: the user's identity is %d bytes, more than %d", len(owner.Key), maxOwnerKey)
	}
	itemKey = strings.TrimSpace(itemKey)
	if itemKey == "" || len(itemKey) > 512 {
		return nil, false, errors.New("alias: item_key must be 1 to 512 characters")
	}
	if !in.EnableDynamicVMRs {
		return nil, false, fmt.Errorf("alias: single-use VMRs are turned off for integration %q", in.Name)
	}
	n := in.ScheduledAliasSuffixLength
	if n < 5 || n > 15 {
		return nil, false, fmt.Errorf("alias: integration %q has an invalid suffix length %d", in.Name, n)
	}
	prefix := ""
	if in.ScheduledAliasPrefix != nil {
		prefix = *in.ScheduledAliasPrefix
	}
	tries := 0
	next := func() (Candidate, bool, error) {
		if tries == attempts {
			return Candidate{}, false, nil
		}
		tries++
		d, err := s.digits(n)
		if err != nil {
			return Candidate{}, false, err
		}
		c := Candidate{Alias: prefix + d, NumericAlias: d}
		c.AliasNumber, _ = parseNumber(d)
		if in.ScheduledAliasDomain != "" {
			c.Alias += "@" + in.ScheduledAliasDomain
		}
		return c, true, nil
	}
	req := Request{IntegrationID: in.ID, ItemKey: itemKey, UserEmail: strings.ToLower(owner.Email),
		UserKey: owner.Key, UserVerified: owner.Verified, UUID: uuid.NewString(), Now: s.now().UTC(), TTL: s.ttl}
	a, created, err := s.repo.Reserve(ctx, req, next)
	if errors.Is(err, ErrExhausted) {
		return nil, false, fmt.Errorf("%w: %d random %d-digit aliases were all taken for %q; raise scheduled_alias_suffix_length or remove unused reservations", ErrExhausted, attempts, n, in.Name)
	}
	return a, created, err
}

// Lookup finds a reservation by its uuid.
func (s *Service) Lookup(ctx context.Context, id string) (*ScheduledAlias, error) {
	return s.repo.Lookup(ctx, id)
}

func parseNumber(d string) (int64, error) {
	var n big.Int
	if _, ok := n.SetString(d, 10); !ok || !n.IsInt64() {
		return 0, fmt.Errorf("alias: %q is not a number", d)
	}
	return n.Int64(), nil
}

// randomDigits draws an n-digit number from crypto/rand, zero-padded, so
// every value of the space is equally likely.
func randomDigits(n int) (string, error) {
	limit := new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(n)), nil)
	v, err := rand.Int(rand.Reader, limit)
	if err != nil {
		return "", fmt.Errorf("alias: reading random digits: %w", err)
	}
	return fmt.Sprintf("%0*s", n, v.String()), nil
}
