package infinity_test

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"vmr-companion/backend/conference"
	"vmr-companion/backend/infinity"
	"vmr-companion/backend/infinity/infinitytest"
	"vmr-companion/backend/integration"
	"vmr-companion/backend/secrets"
)

const password = "pw-Zq81-never-shown"

// sleeps records the client's waits instead of waiting.
type sleeps struct {
	mu sync.Mutex
	d  []time.Duration
}

func (s *sleeps) sleep(_ context.Context, d time.Duration) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.d = append(s.d, d)
	return nil
}

func (s *sleeps) all() []time.Duration {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]time.Duration(nil), s.d...)
}

func fake(t *testing.T, opts infinitytest.Options) *infinitytest.Server {
	if opts.Username == "" {
		opts.Username, opts.Password = "vmr-sync", password
	}
	return infinitytest.Start(t, opts)
}

// client signs in as the fake's admin; rnd 0 makes back-off waits 0 so
// only Retry-After shows in the recorded sleeps.
func client(t *testing.T, s *infinitytest.Server, mod func(*infinity.Config)) (*infinity.Client, *sleeps) {
	t.Helper()
	sl := &sleeps{}
	cfg := infinity.Config{BaseURL: s.URL, Username: "vmr-sync", Password: secrets.New(password), RootCAs: s.CA.Pool,
		Sleep: sl.sleep, Rand: func(int64) int64 { return 0 }}
	if mod != nil {
		mod(&cfg)
	}
	c, err := infinity.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return c, sl
}

func conn(name string) infinity.Connector {
	return infinity.Connector{Integration: integration.Integration{Name: name, AddinServerDomain: "addin.example.com", MeetingBufferBefore: 30, MeetingBufferAfter: 60}}
}

func vmr(name string) infinity.Conference {
	return infinity.Conference{Conference: conference.Conference{Name: name}}
}

func countReqs(s *infinitytest.Server, method, prefix string) int {
	n := 0
	for _, r := range s.Requests() {
		if r.Method == method && strings.HasPrefix(r.Path, prefix) {
			n++
		}
	}
	return n
}

func noSecret(t *testing.T, err error) {
	t.Helper()
	if err != nil && (strings.Contains(err.Error(), password) || strings.Contains(fmt.Sprintf("%+v %#v", err, err), password)) {
		t.Fatalf("the password is in the error: %v", err)
	}
}

func TestListFollowsEveryPage(t *testing.T) {
	s := fake(t, infinitytest.Options{DefaultLimit: 3})
	c, _ := client(t, s, nil)
	ctx := context.Background()
	for i := range 8 {
		if _, err := c.CreateConnector(ctx, conn(fmt.Sprintf("int-%d", i)), nil); err != nil {
			t.Fatal(err)
		}
	}
	all, err := c.ListConnectors(ctx, nil)
	if err != nil || len(all) != 8 || all[7].Integration.Name != "int-7" || all[0].ID != 1 {
		t.Fatalf("%d connectors, %v", len(all), err)
	}
	if n := countReqs(s, "GET", infinity.ConfigPath+infinity.ResConnector); n != 3 {
		t.Fatalf("%d GETs for 8 objects at 3 a page, want 3", n)
	}
	some, err := c.ListConnectors(ctx, url.Values{"name__icontains": {"INT-1"}})
	if err != nil || len(some) != 1 {
		t.Fatalf("filtered: %v %v", some, err)
	}
}

func TestCreatePatchDeleteAndNestedRelations(t *testing.T) {
	s := fake(t, infinitytest.Options{})
	c, _ := client(t, s, nil)
	ctx := context.Background()
	id, err := c.CreateConnector(ctx, conn("Oslo"), infinity.Fields{"password": secrets.New("ews-pw")})
	if err != nil {
		t.Fatal(err)
	}
	if s.Secret(infinity.ResConnector, id, "password") != "ews-pw" {
		t.Fatal("a Secret in Fields was not sent in the clear")
	}
	for _, d := range []string{"example.com", "example.org"} {
		if _, err := c.CreateExchangeDomain(ctx, id, d); err != nil {
			t.Fatal(err)
		}
	}
	got, err := c.GetConnector(ctx, id)
	if err != nil || len(got.Domains) != 2 || got.Domains[1].Domain != "example.org" || got.Domains[0].ExchangeConnector.ID() != id || got.Domains[0].CreationTime.IsZero() {
		t.Fatalf("%+v %v", got, err)
	}
	if got.Integration.PersonalVMROAuthClientID == nil || *got.Integration.PersonalVMROAuthClientID != "4189c2b4-92ca-416c-b7ea-bc3cfab3d0f0" {
		t.Fatalf("the default client id did not come back: %v", got.Integration.PersonalVMROAuthClientID)
	}
	// The domains' creation went as URIs, never as nested objects.
	for _, r := range s.Requests() {
		if r.Method == "POST" && strings.Contains(r.Path, infinity.ResExchangeDomain) && !strings.Contains(string(r.Body), `"exchange_connector":"/api/admin/configuration/v1/ms_exchange_connector/1/"`) {
			t.Fatalf("domain POST %s", r.Body)
		}
	}
	before := len(s.Requests())
	if err := c.Patch(ctx, infinity.ResConnector, id, infinity.Fields{"description": "changed"}); err != nil {
		t.Fatal(err)
	}
	patch := s.Requests()[before]
	if patch.Method != "PATCH" || string(patch.Body) != `{"description":"changed"}` {
		t.Fatalf("PATCH sent %s %s, want only the changed field", patch.Method, patch.Body)
	}
	vid, err := c.CreateConference(ctx, infinity.Conference{Conference: conference.Conference{Name: "Kari's room", PrimaryOwnerEmailAddress: "kari@example.com", PIN: "1234"}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.CreateConferenceAlias(ctx, vid, "kari@example.com", ""); err != nil {
		t.Fatal(err)
	}
	vmrs, err := c.ListConferences(ctx, url.Values{"primary_owner_email_address": {"kari@example.com"}})
	if err != nil || len(vmrs) != 1 || len(vmrs[0].Aliases) != 1 || vmrs[0].Aliases[0].Conference.ID() != vid || vmrs[0].ServiceType != "conference" {
		t.Fatalf("%+v %v", vmrs, err)
	}
	if err := c.Delete(ctx, infinity.ResConnector, id); err != nil {
		t.Fatal(err)
	}
	_, err = c.GetConnector(ctx, id)
	var nf *infinity.NotFoundError
	if !errors.As(err, &nf) || !strings.Contains(err.Error(), "ms_exchange_connector with id 1") {
		t.Fatalf("after delete: %v", err)
	}
	if doms, err := c.ListExchangeDomains(ctx, nil); err != nil || len(doms) != 0 {
		t.Fatalf("domains left: %v %v", doms, err)
	}
}

func TestFieldErrorsPerField(t *testing.T) {
	s := fake(t, infinitytest.Options{})
	c, _ := client(t, s, nil)
	bad := conn(strings.Repeat("n", 251))
	bad.Integration.AddinServerDomain, bad.Integration.AuthenticationMethod = "", "DIGEST"
	_, err := c.CreateConnector(context.Background(), bad, nil)
	var fe *infinity.FieldErrors
	if !errors.As(err, &fe) {
		t.Fatalf("%T %v", err, err)
	}
	for _, f := range []string{"name", "addin_server_domain", "authentication_method"} {
		if len(fe.Fields[f]) == 0 || !strings.Contains(err.Error(), f+": ") {
			t.Errorf("%s missing from %v", f, err)
		}
	}
	if n := countReqs(s, "POST", infinity.ConfigPath); n != 1 {
		t.Fatalf("a 400 was retried: %d POSTs", n)
	}
}

func TestAuthErrorsExplained(t *testing.T) {
	s := fake(t, infinitytest.Options{ReadOnlyUsername: "viewer", ReadOnlyPassword: password})
	wrong, _ := client(t, s, func(c *infinity.Config) { c.Password = secrets.New(password + "x") })
	_, err := wrong.ListConnectors(context.Background(), nil)
	var ae *infinity.AuthError
	if !errors.As(err, &ae) || ae.Status != 401 || !strings.Contains(err.Error(), "did not accept the credentials of vmr-sync") {
		t.Fatalf("401: %v", err)
	}
	noSecret(t, err)
	viewer, _ := client(t, s, func(c *infinity.Config) { c.Username = "viewer" })
	_, err = viewer.CreateConference(context.Background(), vmr("x"), nil)
	if !errors.As(err, &ae) || ae.Status != 403 || !strings.Contains(err.Error(), "this account (viewer) cannot create conference objects") || !strings.Contains(err.Error(), "give it an administrator role") {
		t.Fatalf("403: %v", err)
	}
	if n := len(s.Requests()); n != 2 {
		t.Fatalf("401/403 retried: %d requests", n)
	}
}

func TestRetries(t *testing.T) {
	s := fake(t, infinitytest.Options{})
	c, sl := client(t, s, nil)
	ctx := context.Background()
	s.Fail(infinitytest.Fault{Status: 429, RetryAfter: "7", Times: 2})
	if _, err := c.ListConnectors(ctx, nil); err != nil {
		t.Fatal(err)
	}
	if got := sl.all(); len(got) != 2 || got[0] != 7*time.Second || got[1] != 7*time.Second {
		t.Fatalf("waits %v, want Retry-After's 7s twice", got)
	}
	// 5xx: retried with back-off (rnd at its maximum gives the ceiling).
	c2, sl2 := client(t, s, func(c *infinity.Config) { c.Rand = func(n int64) int64 { return n - 1 } })
	s.Fail(infinitytest.Fault{Status: 503, Times: 2})
	if _, err := c2.ListConnectors(ctx, nil); err != nil {
		t.Fatal(err)
	}
	if got := sl2.all(); len(got) != 2 || got[0] != 500*time.Millisecond || got[1] != time.Second {
		t.Fatalf("back-off %v", got)
	}
	// 5xx without end: five attempts, then the status.
	before := len(s.Requests())
	s.Fail(infinitytest.Fault{Status: 502, Times: 100})
	_, err := c.ListConnectors(ctx, nil)
	var se *infinity.StatusError
	if !errors.As(err, &se) || se.Status != 502 || len(s.Requests())-before != 5 {
		t.Fatalf("%v after %d requests", err, len(s.Requests())-before)
	}
}

func TestNoRetryOn4xxNorPostOn5xx(t *testing.T) {
	s := fake(t, infinitytest.Options{})
	c, sl := client(t, s, nil)
	ctx := context.Background()
	_, err := c.GetConference(ctx, 42)
	if !strings.Contains(fmt.Sprint(err), "no conference with id 42") {
		t.Fatalf("404: %v", err)
	}
	s.Fail(infinitytest.Fault{Status: 409})
	if err := c.Patch(ctx, infinity.ResConference, 1, infinity.Fields{"pin": "1234"}); err == nil {
		t.Fatal("409 passed")
	}
	// A POST that met a 500 may have created the object: not repeated.
	s.Fail(infinitytest.Fault{Status: 500})
	if _, err := c.CreateConference(ctx, vmr("once"), nil); err == nil {
		t.Fatal("500 passed")
	}
	if n := len(s.Requests()); n != 3 || len(sl.all()) != 0 {
		t.Fatalf("%d requests, waits %v: a 4xx or a POST's 5xx was retried", n, sl.all())
	}
	// But a 429 is: Infinity did nothing.
	s.Fail(infinitytest.Fault{Status: 429})
	if _, err := c.CreateConference(ctx, vmr("once"), nil); err != nil || s.Count(infinity.ResConference) != 1 {
		t.Fatalf("POST after 429: %v", err)
	}
}

func TestAtMostFiveInFlight(t *testing.T) {
	s := fake(t, infinitytest.Options{})
	c, _ := client(t, s, nil)
	ctx := context.Background()
	id, err := c.CreateConference(ctx, vmr("busy"), nil)
	if err != nil {
		t.Fatal(err)
	}
	arrived, release := s.Hold()
	const n = 20
	errs := make(chan error, n)
	for range n {
		go func() { _, err := c.GetConference(ctx, id); errs <- err }()
	}
	// Let five arrive, then free one request per arrival: the client keeps
	// as many open as it may, and the fake counts them.
	for range infinity.MaxInFlight {
		<-arrived
	}
	for range n - infinity.MaxInFlight {
		release <- struct{}{}
		<-arrived
	}
	for range infinity.MaxInFlight {
		release <- struct{}{}
	}
	for range n {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}
	if got := s.MaxInFlight(); got != infinity.MaxInFlight {
		t.Fatalf("%d requests in flight at once, want %d", got, infinity.MaxInFlight)
	}
}
