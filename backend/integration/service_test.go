package integration_test

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"vmr-companion/backend/integration"
	"vmr-companion/backend/secrets"
	"vmr-companion/backend/secrets/secretstest"
	"vmr-companion/backend/store"
)

// env is a service over a real SQLite file in a temporary data directory
// and go-keyring's in-memory mock keychain.
type env struct {
	dir      string
	store    *store.Store
	repo     *hookedRepo
	keychain *secrets.Keychain
	svc      *integration.Service
}

// hookedRepo is the real store's repository with a hook run just before
// each write, to play a concurrent writer or a failing disk.
type hookedRepo struct {
	integration.Repository
	beforeWrite func()
}

func (h *hookedRepo) hook() {
	if h.beforeWrite != nil {
		h.beforeWrite()
	}
}

func (h *hookedRepo) Create(ctx context.Context, ins []*integration.Integration) error {
	h.hook()
	return h.Repository.Create(ctx, ins)
}

func (h *hookedRepo) Update(ctx context.Context, in *integration.Integration) error {
	h.hook()
	return h.Repository.Update(ctx, in)
}

func (h *hookedRepo) Delete(ctx context.Context, uuid string) error {
	h.hook()
	return h.Repository.Delete(ctx, uuid)
}

// useMockKeychain points go-keyring at a new, empty in-memory keychain.
func useMockKeychain(t testing.TB) {
	t.Helper()
	secretstest.MockInit()
	// Keychain checks for a session bus before calling go-keyring on Linux;
	// the mock needs none, so give it an address.
	t.Setenv("DBUS_SESSION_BUS_ADDRESS", "unix:path=/nonexistent/bus")
}

func newEnv(t testing.TB) *env {
	t.Helper()
	useMockKeychain(t)
	return newEnvIn(t, t.TempDir())
}

// newEnvIn opens a store in dir over the keychain already set up.
func newEnvIn(t testing.TB, dir string) *env {
	t.Helper()
	st, err := store.OpenDir(context.Background(), dir)
	if err != nil {
		t.Fatalf("OpenDir: %v", err)
	}
	t.Cleanup(func() { st.Close() })
	repo := &hookedRepo{Repository: st.Integrations()}
	kc := secrets.NewKeychain(10 * time.Second)
	return &env{dir: dir, store: st, repo: repo, keychain: kc, svc: integration.NewService(repo, kc)}
}

// validObject is the JSON object of a valid on-premises BASIC integration,
// with extra fields merged in (a nil value removes a field).
func validObject(name string, extra map[string]any) map[string]any {
	o := map[string]any{
		"name":                       name,
		"description":                "Exchange of " + name,
		"url":                        "https://mail.example.com/EWS/Exchange.asmx",
		"room_mailbox_email_address": "vmr@example.com",
		"room_mailbox_name":          "VMR room",
		"username":                   "svc-vmr",
		"domains":                    []string{"mail.example.com", "example.com"},
		"scheduled_alias_domain":     "vc.example.com",
		"addin_server_domain":        "addins.example.com",
	}
	for k, v := range extra {
		if v == nil {
			delete(o, k)
		} else {
			o[k] = v
		}
	}
	return o
}

func mustJSON(t testing.TB, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// create decodes and creates one integration through the service.
func (e *env) create(t *testing.T, obj map[string]any) *integration.Saved {
	t.Helper()
	in, err := e.svc.DecodeNew(mustJSON(t, obj))
	if err != nil {
		t.Fatalf("DecodeNew: %v", err)
	}
	saved, err := e.svc.Create(context.Background(), in)
	if err != nil {
		t.Fatalf("Create: %v", err)
	}
	return saved
}

func (e *env) update(t *testing.T, ref string, change map[string]any) (*integration.Saved, error) {
	t.Helper()
	in, err := e.svc.DecodeChange(context.Background(), ref, mustJSON(t, change))
	if err != nil {
		t.Fatalf("DecodeChange: %v", err)
	}
	return e.svc.Update(context.Background(), in)
}

// secret returns the keychain value of a field of an integration, or
// "<none>" when there is no entry.
func (e *env) secret(t *testing.T, uuid, field string) string {
	t.Helper()
	s, err := e.keychain.Get(context.Background(), secrets.Account(uuid, field))
	if errors.Is(err, secrets.ErrNotFound) {
		return "<none>"
	}
	if err != nil {
		t.Fatalf("keychain Get: %v", err)
	}
	return s.Reveal()
}

func (e *env) setSecret(t *testing.T, uuid, field, value string) {
	t.Helper()
	if err := e.keychain.Set(context.Background(), secrets.Account(uuid, field), secrets.New(value)); err != nil {
		t.Fatalf("keychain Set: %v", err)
	}
}

func (e *env) count(t *testing.T) int {
	t.Helper()
	list, err := e.svc.List(context.Background())
	if err != nil {
		t.Fatalf("List: %v", err)
	}
	return len(list)
}

// filesContain reports which files of the data directory hold needle.
func filesContain(t *testing.T, dir string, needle string) []string {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var hits []string
	for _, e := range entries {
		if !e.Type().IsRegular() {
			continue
		}
		b, err := os.ReadFile(filepath.Join(dir, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		if bytes.Contains(b, []byte(needle)) {
			hits = append(hits, e.Name())
		}
	}
	return hits
}

func fieldError(t *testing.T, err error, field string) string {
	t.Helper()
	var verr *integration.ValidationError
	if !errors.As(err, &verr) {
		t.Fatalf("got %v, want a *integration.ValidationError", err)
	}
	msg, ok := verr.Fields[field]
	if !ok {
		t.Fatalf("no problem on %s: %v", field, verr.Fields)
	}
	return msg
}

func hasWarning(w []integration.Warning, field string) bool {
	return slices.ContainsFunc(w, func(x integration.Warning) bool { return x.Field == field })
}

const (
	password     = "Pw-7d1f3b9e-never-in-sqlite"
	clientSecret = "Cs-4a8c2e6f-never-in-sqlite"
)

func TestCreateKeepsSecretsInTheKeychainOnly(t *testing.T) {
	e := newEnv(t)
	saved := e.create(t, validObject("Head office", map[string]any{
		"password":            password,
		"oauth_client_secret": clientSecret,
	}))
	uuid := saved.Integration.UUID

	t.Run("the secrets are in the keychain under their accounts", func(t *testing.T) {
		if got := e.secret(t, uuid, "password"); got != password {
			t.Errorf("password %q", got)
		}
		if got := e.secret(t, uuid, "oauth_client_secret"); got != clientSecret {
			t.Errorf("client secret %q", got)
		}
	})

	t.Run("the integration names the stored secrets, before and after reading it back", func(t *testing.T) {
		want := []string{"password", "oauth_client_secret"}
		if !slices.Equal(saved.Integration.SecretsStored, want) {
			t.Errorf("saved %q, want %q", saved.Integration.SecretsStored, want)
		}
		got, err := e.svc.Get(context.Background(), "head office")
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(got.SecretsStored, want) {
			t.Errorf("read back %q, want %q", got.SecretsStored, want)
		}
	})

	t.Run("no file of the data directory holds a secret value", func(t *testing.T) {
		for _, v := range []string{password, clientSecret} {
			if hits := filesContain(t, e.dir, v); len(hits) > 0 {
				t.Errorf("a secret is in %q while the store is open", hits)
			}
		}
		if hits := filesContain(t, e.dir, "Head office"); len(hits) == 0 {
			t.Fatal("the integration itself is in no file: the search cannot be trusted")
		}
		if err := e.store.Close(); err != nil {
			t.Fatal(err)
		}
		for _, v := range []string{password, clientSecret} {
			if hits := filesContain(t, e.dir, v); len(hits) > 0 {
				t.Errorf("a secret is in %q after closing", hits)
			}
		}
	})
}

func TestUpdateSecrets(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t)
	saved := e.create(t, validObject("Head office", nil))
	uuid := saved.Integration.UUID
	if !hasWarning(saved.Warnings, "password") {
		t.Fatalf("no missing-password warning after creating without one: %+v", saved.Warnings)
	}

	steps := []struct {
		name         string
		change       map[string]any
		wantPassword string
		wantStored   []string
	}{
		{"setting a password stores it and lists it", map[string]any{"password": "first-" + password}, "first-" + password, []string{"password"}},
		{"an update that does not mention the password keeps it", map[string]any{"description": "changed"}, "first-" + password, []string{"password"}},
		{"a null password keeps it", map[string]any{"password": nil}, "first-" + password, []string{"password"}},
		{"a new password replaces it", map[string]any{"password": "second-" + password}, "second-" + password, []string{"password"}},
		{"an empty password clears it from the keychain and the list", map[string]any{"password": ""}, "<none>", []string{}},
		{"clearing an absent password is fine", map[string]any{"password": ""}, "<none>", []string{}},
	}
	for _, st := range steps {
		t.Run(st.name, func(t *testing.T) {
			raw := mustJSON(t, st.change) // a nil value marshals as null
			in, err := e.svc.DecodeChange(ctx, uuid, raw)
			if err != nil {
				t.Fatal(err)
			}
			saved, err := e.svc.Update(ctx, in)
			if err != nil {
				t.Fatalf("Update: %v", err)
			}
			if got := e.secret(t, uuid, "password"); got != st.wantPassword {
				t.Errorf("keychain password %q, want %q", got, st.wantPassword)
			}
			if !slices.Equal(saved.Integration.SecretsStored, st.wantStored) {
				t.Errorf("saved SecretsStored %q, want %q", saved.Integration.SecretsStored, st.wantStored)
			}
			got, err := e.svc.Get(ctx, uuid)
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(got.SecretsStored, st.wantStored) {
				t.Errorf("stored SecretsStored %q, want %q", got.SecretsStored, st.wantStored)
			}
			if hasWarning(saved.Warnings, "password") == (st.wantPassword != "<none>") {
				t.Errorf("password warning %v with password %q", hasWarning(saved.Warnings, "password"), st.wantPassword)
			}
		})
	}
}

func TestDeleteRemovesKeychainEntries(t *testing.T) {
	ctx := context.Background()

	t.Run("deleting an integration removes it and its keychain entries", func(t *testing.T) {
		e := newEnv(t)
		keep := e.create(t, validObject("Branch", map[string]any{"password": "keep-" + password}))
		gone := e.create(t, validObject("Head office", map[string]any{"password": password, "oauth_client_secret": clientSecret}))
		if err := e.svc.Delete(ctx, "HEAD OFFICE"); err != nil {
			t.Fatalf("Delete: %v", err)
		}
		for _, f := range integration.SecretFields {
			if got := e.secret(t, gone.Integration.UUID, f); got != "<none>" {
				t.Errorf("%s is still in the keychain", f)
			}
		}
		if _, err := e.svc.Get(ctx, gone.Integration.UUID); !errors.Is(err, integration.ErrNotFound) {
			t.Errorf("Get after Delete = %v", err)
		}
		if got := e.secret(t, keep.Integration.UUID, "password"); got != "keep-"+password {
			t.Errorf("the other integration's password is %q", got)
		}
	})

	t.Run("deleting an unknown integration is ErrNotFound", func(t *testing.T) {
		e := newEnv(t)
		if err := e.svc.Delete(ctx, "nobody"); !errors.Is(err, integration.ErrNotFound) {
			t.Fatalf("Delete = %v", err)
		}
	})

	t.Run("when the database refuses the delete, the keychain entries come back", func(t *testing.T) {
		e := newEnv(t)
		saved := e.create(t, validObject("Head office", map[string]any{"password": password}))
		e.repo.beforeWrite = func() { e.store.Close() }
		if err := e.svc.Delete(ctx, "Head office"); err == nil {
			t.Fatal("Delete succeeded on a closed store")
		}
		if got := e.secret(t, saved.Integration.UUID, "password"); got != password {
			t.Fatalf("password %q after the failed delete, want it restored", got)
		}
	})

	t.Run("when the keychain fails, the integration is not deleted", func(t *testing.T) {
		e := newEnv(t)
		saved := e.create(t, validObject("Head office", map[string]any{"password": password}))
		secretstest.MockInitWithError(errors.New("the keychain is on fire"))
		err := e.svc.Delete(ctx, "Head office")
		if err == nil || !strings.Contains(err.Error(), "was not deleted") {
			t.Fatalf("Delete = %v, want an error saying it was not deleted", err)
		}
		if _, err := e.svc.Get(ctx, saved.Integration.UUID); err != nil {
			t.Fatalf("the integration is gone: %v", err)
		}
	})
}

func TestCreateWhenTheKeychainFails(t *testing.T) {
	ctx := context.Background()
	const uuid = "5e0c9a7b-3f1d-4b2a-8c6e-0d9f8e7a6b5c"
	tests := []struct {
		name string
		// broken returns the keychain to use and whether it can still be
		// looked into afterwards.
		broken func(e *env) (integration.SecretStore, bool)
	}{
		{"a keychain that refuses every call leaves no row", func(e *env) (integration.SecretStore, bool) {
			secretstest.MockInitWithError(errors.New("keychain locked by policy"))
			return e.keychain, false
		}},
		{"a keychain that fails on the second secret leaves no row and drops the first", func(e *env) (integration.SecretStore, bool) {
			return &failOnSet{SecretStore: e.keychain, failAt: 2}, true
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t)
			kc, inspect := tt.broken(e)
			svc := integration.NewService(e.repo, kc)
			in, err := svc.DecodeNew(mustJSON(t, validObject("Head office", map[string]any{"password": password, "oauth_client_secret": clientSecret})))
			if err != nil {
				t.Fatal(err)
			}
			in.Integration.UUID = uuid
			_, err = svc.Create(ctx, in)
			if err == nil {
				t.Fatal("Create succeeded without a keychain")
			}
			if strings.Contains(err.Error(), password) || strings.Contains(err.Error(), clientSecret) {
				t.Errorf("the error shows a secret: %v", err)
			}
			if n := e.count(t); n != 0 {
				t.Fatalf("%d integrations were stored", n)
			}
			if !inspect {
				return
			}
			for _, f := range []string{"oauth_client_secret", "password"} {
				if got := e.secret(t, uuid, f); got != "<none>" {
					t.Errorf("%s stayed in the keychain", f)
				}
			}
		})
	}
}

// rawInsert writes an integration row on its own connection, as another
// vmr-companion process would.
func rawInsert(t *testing.T, path, name string) {
	t.Helper()
	db, err := sql.Open("sqlite", "file:"+path+"?_pragma=busy_timeout(10000)")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	_, err = db.Exec(`INSERT INTO integrations (uuid, name, authentication_method, enable_dynamic_vmrs,
		enable_personal_vmrs, settings, created_at, updated_at)
		VALUES (?, ?, 'BASIC', 1, 0, '{}', '2024-01-01T00:00:00Z', '2024-01-01T00:00:00Z')`,
		fmt.Sprintf("aaaaaaaa-0000-4000-8000-%012d", time.Now().UnixNano()%1e12), name)
	if err != nil {
		t.Fatalf("raw insert: %v", err)
	}
}

func TestKeychainIsRestoredWhenTheDatabaseRefuses(t *testing.T) {
	ctx := context.Background()
	const uuid = "5e0c9a7b-3f1d-4b2a-8c6e-0d9f8e7a6b5c"

	t.Run("a name taken by a concurrent writer during create restores the previous keychain values", func(t *testing.T) {
		e := newEnv(t)
		// A stale entry, e.g. left by an earlier failed delete.
		e.setSecret(t, uuid, "password", "previous-value")
		e.repo.beforeWrite = func() { rawInsert(t, e.store.Path(), "head office") }
		in, err := e.svc.DecodeNew(mustJSON(t, validObject("Head office", map[string]any{"password": password, "oauth_client_secret": clientSecret})))
		if err != nil {
			t.Fatal(err)
		}
		in.Integration.UUID = uuid
		_, err = e.svc.Create(ctx, in)
		if msg := fieldError(t, err, "name"); !strings.Contains(msg, "already exists") {
			t.Errorf("name problem %q", msg)
		}
		if got := e.secret(t, uuid, "password"); got != "previous-value" {
			t.Errorf("password %q, want the previous value back", got)
		}
		if got := e.secret(t, uuid, "oauth_client_secret"); got != "<none>" {
			t.Errorf("client secret %q, want none as before", got)
		}
		if n := e.count(t); n != 1 {
			t.Errorf("%d integrations, want only the concurrent one", n)
		}
	})

	t.Run("a name taken by a concurrent writer during update restores the previous keychain values", func(t *testing.T) {
		e := newEnv(t)
		saved := e.create(t, validObject("Head office", map[string]any{"password": "old-" + password}))
		e.repo.beforeWrite = func() { rawInsert(t, e.store.Path(), "Annex") }
		_, err := e.update(t, saved.Integration.UUID, map[string]any{"name": "ANNEX", "password": "new-" + password, "oauth_client_secret": clientSecret})
		fieldError(t, err, "name")
		if got := e.secret(t, saved.Integration.UUID, "password"); got != "old-"+password {
			t.Errorf("password %q, want the old one back", got)
		}
		if got := e.secret(t, saved.Integration.UUID, "oauth_client_secret"); got != "<none>" {
			t.Errorf("client secret %q, want none as before", got)
		}
		got, err := e.svc.Get(ctx, saved.Integration.UUID)
		if err != nil {
			t.Fatal(err)
		}
		if got.Name != "Head office" || !slices.Equal(got.SecretsStored, []string{"password"}) {
			t.Errorf("stored name %q, secrets %q", got.Name, got.SecretsStored)
		}
	})

	t.Run("a store closed just before the write restores the keychain", func(t *testing.T) {
		e := newEnv(t)
		e.setSecret(t, uuid, "password", "previous-value")
		e.repo.beforeWrite = func() { e.store.Close() }
		in, err := e.svc.DecodeNew(mustJSON(t, validObject("Head office", map[string]any{"password": password})))
		if err != nil {
			t.Fatal(err)
		}
		in.Integration.UUID = uuid
		if _, err := e.svc.Create(ctx, in); err == nil {
			t.Fatal("Create succeeded on a closed store")
		}
		if got := e.secret(t, uuid, "password"); got != "previous-value" {
			t.Errorf("password %q, want the previous value back", got)
		}
	})

	t.Run("a store closed before create fails before touching the keychain", func(t *testing.T) {
		e := newEnv(t)
		in, err := e.svc.DecodeNew(mustJSON(t, validObject("Head office", map[string]any{"password": password})))
		if err != nil {
			t.Fatal(err)
		}
		in.Integration.UUID = uuid
		e.store.Close()
		if _, err := e.svc.Create(ctx, in); err == nil {
			t.Fatal("Create succeeded on a closed store")
		}
		if got := e.secret(t, uuid, "password"); got != "<none>" {
			t.Errorf("password %q, want none", got)
		}
	})
}

func TestNamesAreUnique(t *testing.T) {
	ctx := context.Background()
	tests := []struct {
		name    string
		act     func(t *testing.T, e *env) error
		wantErr bool
	}{
		{"creating the same name is refused", func(t *testing.T, e *env) error {
			in, _ := e.svc.DecodeNew(mustJSON(t, validObject("Head office", nil)))
			_, err := e.svc.Create(ctx, in)
			return err
		}, true},
		{"creating the same name in another case is refused", func(t *testing.T, e *env) error {
			in, _ := e.svc.DecodeNew(mustJSON(t, validObject("HEAD OFFICE", nil)))
			_, err := e.svc.Create(ctx, in)
			return err
		}, true},
		{"renaming another integration to the name in another case is refused", func(t *testing.T, e *env) error {
			_, err := e.update(t, "Branch", map[string]any{"name": "head Office"})
			return err
		}, true},
		{"an integration may change the case of its own name", func(t *testing.T, e *env) error {
			_, err := e.update(t, "Head office", map[string]any{"name": "HEAD OFFICE"})
			return err
		}, false},
		{"an integration may keep its name when other fields change", func(t *testing.T, e *env) error {
			_, err := e.update(t, "Head office", map[string]any{"description": "x"})
			return err
		}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t)
			e.create(t, validObject("Head office", nil))
			e.create(t, validObject("Branch", nil))
			err := tt.act(t, e)
			if !tt.wantErr {
				if err != nil {
					t.Fatalf("got %v", err)
				}
				return
			}
			if msg := fieldError(t, err, "name"); !strings.Contains(msg, "already exists") {
				t.Errorf("name problem %q", msg)
			}
			if n := e.count(t); n != 2 {
				t.Errorf("%d integrations, want 2", n)
			}
		})
	}

	t.Run("a malformed or taken uuid is refused on create", func(t *testing.T) {
		e := newEnv(t)
		first := e.create(t, validObject("Head office", nil))
		for uuid, mention := range map[string]string{"not-a-uuid": "not a UUID", first.Integration.UUID: "already belongs"} {
			in, err := e.svc.DecodeNew(mustJSON(t, validObject("Other", nil)))
			if err != nil {
				t.Fatal(err)
			}
			in.Integration.UUID = uuid
			_, err = e.svc.Create(ctx, in)
			if msg := fieldError(t, err, "uuid"); !strings.Contains(msg, mention) {
				t.Errorf("uuid %q: problem %q does not mention %q", uuid, msg, mention)
			}
		}
	})
}

// failOnSet is the mock keychain with the failAt-th Set failing, as when
// the user dismisses an unlock prompt halfway through an import.
type failOnSet struct {
	integration.SecretStore
	failAt, sets int
}

func (f *failOnSet) Set(ctx context.Context, account string, s secrets.Secret) error {
	f.sets++
	if f.sets == f.failAt {
		return errors.New("secrets: keychain error: prompt dismissed")
	}
	return f.SecretStore.Set(ctx, account, s)
}

func TestCheck(t *testing.T) {
	ctx := context.Background()
	tests := []struct {
		name         string
		obj          map[string]any
		wantErrors   []string
		wantWarnings []string
	}{
		{"a BASIC integration without a password is warned about", validObject("New", nil), nil, []string{"password"}},
		{"a BASIC integration with a password has no warnings", validObject("New", map[string]any{"password": password}), nil, nil},
		{"APP_PERM without a client secret is warned about", validObject("New", map[string]any{
			"authentication_method": "APP_PERM", "oauth_client_id": "c", "oauth_token_endpoint": "https://login.example.com/token",
		}), nil, []string{"oauth_client_secret"}},
		{"a taken name and a bad field are errors, with the warnings still given", validObject("head office", map[string]any{"meeting_buffer_after": 999}), []string{"meeting_buffer_after", "name"}, []string{"password"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t)
			e.create(t, validObject("Head office", nil))
			in, err := e.svc.DecodeNew(mustJSON(t, tt.obj))
			if err != nil {
				t.Fatal(err)
			}
			r, err := e.svc.Check(ctx, in)
			if err != nil {
				t.Fatalf("Check: %v", err)
			}
			if got := slices.Sorted(maps.Keys(r.Errors)); !slices.Equal(got, tt.wantErrors) {
				t.Errorf("errors on %q, want %q (%v)", got, tt.wantErrors, r.Errors)
			}
			var warned []string
			for _, w := range r.Warnings {
				warned = append(warned, w.Field)
			}
			if !slices.Equal(warned, tt.wantWarnings) {
				t.Errorf("warnings on %q, want %q (%+v)", warned, tt.wantWarnings, r.Warnings)
			}
			if r.Warnings == nil {
				t.Error("Warnings is nil; the window expects a list")
			}
			if n := e.count(t); n != 1 {
				t.Errorf("Check stored something: %d integrations", n)
			}
		})
	}

	t.Run("checking a stored integration does not find its own name taken", func(t *testing.T) {
		e := newEnv(t)
		e.create(t, validObject("Head office", map[string]any{"password": password}))
		in, err := e.svc.DecodeChange(ctx, "Head office", []byte(`{"description": "x"}`))
		if err != nil {
			t.Fatal(err)
		}
		r, err := e.svc.Check(ctx, in)
		if err != nil || len(r.Errors) != 0 || len(r.Warnings) != 0 {
			t.Fatalf("Check = %+v, %v", r, err)
		}
	})
}

func TestGetNeedsAReference(t *testing.T) {
	e := newEnv(t)
	for _, ref := range []string{"", "   "} {
		t.Run(fmt.Sprintf("a reference of %q is refused before the store is asked", ref), func(t *testing.T) {
			_, err := e.svc.Get(context.Background(), ref)
			if err == nil || errors.Is(err, integration.ErrNotFound) || !strings.Contains(err.Error(), "required") {
				t.Fatalf("Get(%q) = %v", ref, err)
			}
		})
	}
}
