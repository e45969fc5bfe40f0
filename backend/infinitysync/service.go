package infinitysync

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"os/user"
	"strings"
	"sync"
	"time"

	"vmr-companion/backend/conference"
	"vmr-companion/backend/infinity"
	"vmr-companion/backend/integration"
	"vmr-companion/backend/secrets"
)

// SecretAccount is the keychain account of the connection's secret (the
// management account's password or the OAuth2 client's private key).
const SecretAccount = "infinity/secret"

// SecretStore is the keychain as the service needs it (secrets.Keychain).
type SecretStore interface {
	Get(ctx context.Context, account string) (secrets.Secret, error)
	Set(ctx context.Context, account string, s secrets.Secret) error
	Delete(ctx context.Context, account string) error
}

// Config is what New needs.
type Config struct {
	Repo         Repository
	Integrations *integration.Service
	Conferences  *conference.Service
	Keychain     SecretStore
	// Now is the clock of the history (time.Now when nil).
	Now func() time.Time
	// User names the OS user in the history (os/user when nil).
	User func() string
	// ClientConfig adjusts each client's configuration (tests: no real
	// back-off sleeps).
	ClientConfig func(*infinity.Config)
	// PageSize asks Infinity for pages of this many objects (limit=);
	// 0 takes each resource's default_limit.
	PageSize int
	// ChunkSize is how many objects a pull writes per transaction
	// (DefaultChunkSize when 0), so that other writers wait little.
	ChunkSize int
	// LeaseTTL is how long the sync lease lasts unless renewed
	// (DefaultLeaseTTL when 0); LeaseClock is its clock (time.Now when nil).
	LeaseTTL   time.Duration
	LeaseClock func() time.Time
}

// Service syncs the store with one Management Node; it implements API.
type Service struct {
	cfg Config

	// The client on the stored connection, kept while that connection is
	// unchanged: the scheduler asks for it every pass, and each new
	// client reads the keychain and (OAuth2) fetches a token.
	mu       sync.Mutex
	client   *infinity.Client
	clientOf StoredConnection
}

var _ API = (*Service)(nil)

// New builds the service.
func New(cfg Config) *Service {
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.User == nil {
		cfg.User = osUser
	}
	if cfg.ChunkSize <= 0 {
		cfg.ChunkSize = DefaultChunkSize
	}
	if cfg.LeaseTTL <= 0 {
		cfg.LeaseTTL = DefaultLeaseTTL
	}
	if cfg.LeaseClock == nil {
		cfg.LeaseClock = time.Now
	}
	return &Service{cfg: cfg}
}

func osUser() string {
	if u, err := user.Current(); err == nil && u.Username != "" {
		return u.Username
	}
	return "unknown user"
}

// check validates a connection's non-secret fields.
func (c *Connection) check() error {
	u, err := url.Parse(strings.TrimSpace(c.URL))
	if err != nil || u.Host == "" || u.Scheme != "https" {
		return fieldError("url", fmt.Errorf("infinitysync: the Management Node address %q must be an https:// URL such as https://mgr.example.com", c.URL))
	}
	c.URL = strings.TrimRight(strings.TrimSpace(c.URL), "/")
	if len(c.URL) > 2048 || len(c.Username) > 256 || len(c.ClientID) > 256 || len(c.CAFile) > 4096 {
		return errors.New("infinitysync: the address, username, client id or CA file path is too long")
	}
	switch {
	case c.Username != "" && c.ClientID != "":
		return errors.New("infinitysync: give a username (password) or a client id (private key), not both")
	case c.Username != "":
		c.Auth = AuthBasic
	case c.ClientID != "":
		c.Auth = AuthOAuth2
	default:
		field := "username"
		if c.Auth == AuthOAuth2 {
			field = "client_id"
		}
		return fieldError(field, errors.New("infinitysync: give the management account's username (--username) or an OAuth2 client id (--client-id)"))
	}
	return nil
}

// newClient builds a client on c with secret.
func (s *Service) newClient(c Connection, secret secrets.Secret) (*infinity.Client, error) {
	cfg := infinity.Config{BaseURL: c.URL}
	if c.Auth == AuthOAuth2 {
		cfg.ClientID, cfg.PrivateKey = c.ClientID, secret
	} else {
		cfg.Username, cfg.Password = c.Username, secret
	}
	if c.CAFile != "" {
		pool, err := infinity.LoadCAFile(c.CAFile)
		if err != nil {
			return nil, fieldError("ca_file", err)
		}
		cfg.RootCAs = pool
	}
	if s.cfg.ClientConfig != nil {
		s.cfg.ClientConfig(&cfg)
	}
	cl, err := infinity.New(cfg)
	if err != nil && c.Auth == AuthOAuth2 {
		// New refuses a private key it cannot read.
		return nil, fieldError("secret", err)
	}
	return cl, err
}

// secretFor is req's secret, or the stored one when req has none.
func (s *Service) secretFor(ctx context.Context, req ConnectRequest) (secrets.Secret, error) {
	if !req.Secret.IsZero() {
		return req.Secret, nil
	}
	v, err := s.cfg.Keychain.Get(ctx, SecretAccount)
	if errors.Is(err, secrets.ErrNotFound) {
		return secrets.Secret{}, fieldError("secret", errors.New("infinitysync: no password or private key given, and none is stored: give it with --secret"))
	}
	return v, err
}

// Test signs in to the Management Node of req and reads its version,
// saving nothing.
func (s *Service) Test(ctx context.Context, req ConnectRequest) (*Probe, error) {
	if err := req.Connection.check(); err != nil {
		return nil, err
	}
	secret, err := s.secretFor(ctx, req)
	if err != nil {
		return nil, err
	}
	cl, err := s.newClient(req.Connection, secret)
	if err != nil {
		return nil, err
	}
	if err := cl.Check(ctx); err != nil {
		return nil, err
	}
	version, err := cl.Version(ctx)
	if err != nil {
		return nil, err
	}
	return &Probe{Account: cl.Account(), Version: version}, nil
}

// Connect tests req and, when it works, keeps the connection (the secret
// in the keychain).
func (s *Service) Connect(ctx context.Context, req ConnectRequest) (*Status, error) {
	if err := req.Connection.check(); err != nil {
		return nil, err
	}
	if err := s.sameNode(ctx, req.URL); err != nil {
		return nil, err
	}
	probe, err := s.Test(ctx, req)
	if err != nil {
		return nil, err
	}
	if !req.Secret.IsZero() {
		if err := s.cfg.Keychain.Set(ctx, SecretAccount, req.Secret); err != nil {
			return nil, fmt.Errorf("infinitysync: saving the secret in the keychain: %w", err)
		}
	}
	s.dropClient()
	err = s.cfg.Repo.SaveConnection(ctx, StoredConnection{Connection: req.Connection, Account: probe.Account, Version: probe.Version, ConnectedAt: s.cfg.Now()})
	if err != nil {
		return nil, err
	}
	return s.Status(ctx)
}

// Disconnect forgets the connection and its secret; the synced objects and
// their bases stay, so connecting to the same node again carries on.
func (s *Service) Disconnect(ctx context.Context) error {
	s.dropClient()
	if err := s.cfg.Keychain.Delete(ctx, SecretAccount); err != nil && !errors.Is(err, secrets.ErrNotFound) {
		return fmt.Errorf("infinitysync: removing the secret from the keychain: %w", err)
	}
	return s.cfg.Repo.DeleteConnection(ctx)
}

// sameNode refuses a Management Node other than the one the store's
// objects are synced with: its ids are not theirs, and a pull would take
// every object as deleted there.
func (s *Service) sameNode(ctx context.Context, url string) error {
	node, err := s.cfg.Repo.NodeURL(ctx)
	if err != nil || node == "" || strings.EqualFold(strings.TrimRight(node, "/"), strings.TrimRight(url, "/")) {
		return err
	}
	return fmt.Errorf("infinitysync: the integrations and VMRs here are synced with %s, not %s: to start over with %s, run vmr-companion infinity disconnect --forget (the objects stay here, unlinked; a pull then matches them by name)", node, url, url)
}

// Forget disconnects and drops every link to Infinity's objects (after a
// move to another Management Node); the local objects and the history
// stay, and the next pull matches them by name.
func (s *Service) Forget(ctx context.Context) error {
	if err := s.Disconnect(ctx); err != nil {
		return err
	}
	return s.cfg.Repo.ForgetLinks(ctx)
}

// Client is a client on the stored connection. The same client serves
// every caller while the stored connection (address, credentials' names,
// CA file, when and how it was last connected) stays as it is; a new one
// is built, with the keychain's secret read again, after Connect,
// Disconnect or Forget, and once a request of the kept one failed with an
// infinity.AuthError (another process may have changed the secret).
func (s *Service) Client(ctx context.Context) (*infinity.Client, error) {
	c, err := s.cfg.Repo.Connection(ctx)
	if err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if c == nil {
		s.client = nil
		return nil, ErrNotConnected
	}
	if s.client != nil && !s.client.AuthFailed() && sameConnection(s.clientOf, *c) {
		return s.client, nil
	}
	s.client = nil
	secret, err := s.cfg.Keychain.Get(ctx, SecretAccount)
	if errors.Is(err, secrets.ErrNotFound) {
		return nil, errors.New("infinitysync: the keychain has no secret for the Infinity connection: run vmr-companion infinity connect again")
	}
	if err != nil {
		return nil, err
	}
	cl, err := s.newClient(c.Connection, secret)
	if err != nil {
		return nil, err
	}
	s.client, s.clientOf = cl, *c
	return cl, nil
}

// sameConnection tells whether a and b are the same stored connection;
// a reconnect changes ConnectedAt even when nothing else changed.
func sameConnection(a, b StoredConnection) bool {
	return a.Connection == b.Connection && a.Account == b.Account && a.Version == b.Version && a.ConnectedAt.Equal(b.ConnectedAt)
}

// dropClient forgets the kept client; the next Client builds a new one.
func (s *Service) dropClient() {
	s.mu.Lock()
	s.client = nil
	s.mu.Unlock()
}

// History returns the last limit pulls, pushes and resolves, newest first.
func (s *Service) History(ctx context.Context, limit int) ([]HistoryRow, error) {
	if limit <= 0 || limit > 1000 {
		limit = 1000
	}
	return s.cfg.Repo.History(ctx, limit)
}

// Status is where the sync stands, from the store alone.
func (s *Service) Status(ctx context.Context) (*Status, error) {
	st := &Status{History: []HistoryRow{}}
	c, err := s.cfg.Repo.Connection(ctx)
	if err != nil {
		return nil, err
	}
	if c != nil {
		conn := c.Connection
		st.Connected, st.Connection, st.Account, st.Version = true, &conn, c.Account, c.Version
	}
	if st.LastPull, err = s.cfg.Repo.LastRun(ctx, "pull"); err != nil {
		return nil, err
	}
	if st.LastPush, err = s.cfg.Repo.LastRun(ctx, "push"); err != nil {
		return nil, err
	}
	snap, err := s.snapshot(ctx)
	if err != nil {
		return nil, err
	}
	for _, o := range snap.offline() {
		if pending(o) {
			st.Pending++
		}
		for _, f := range o.Fields {
			if f.Side == SideConflict {
				st.Conflicts++
			}
		}
	}
	for _, l := range snap.links {
		if l.PushState == PushPending || l.PushState == PushFailed {
			name := l.Name
			if lo := snap.localOf(l); lo != nil {
				name = lo.name
			}
			st.Unfinished = append(st.Unfinished, Change{Kind: l.Kind, Name: name, What: l.PushState, Error: l.PushError})
		}
	}
	for _, l := range snap.links {
		if lo := snap.localOf(l); lo != nil && l.RemoteID != 0 && l.Remote == nil {
			st.DeletedThere = append(st.DeletedThere, Change{Kind: l.Kind, Name: lo.name, What: "kept", Error: deletedThereAdvice(l.Kind, lo.name)})
		}
	}
	if st.History, err = s.cfg.Repo.History(ctx, 10); err != nil {
		return nil, err
	}
	return st, nil
}

// who is the history's "who": the OS user and the Infinity account.
func (s *Service) who(ctx context.Context) string {
	w := s.cfg.User()
	if c, err := s.cfg.Repo.Connection(ctx); err == nil && c != nil {
		w += " as " + c.Account
	}
	return w
}
