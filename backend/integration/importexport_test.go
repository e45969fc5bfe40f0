package integration_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"vmr-companion/backend/integration"
)

// batchProblems returns the problems of a failed import by object index.
func batchProblems(t *testing.T, err error) map[int]integration.BatchProblem {
	t.Helper()
	var berr *integration.BatchError
	if !errors.As(err, &berr) {
		t.Fatalf("Import = %v, want a *integration.BatchError", err)
	}
	out := map[int]integration.BatchProblem{}
	for _, p := range berr.Problems {
		out[p.Index] = p
	}
	return out
}

func TestImport(t *testing.T) {
	ctx := context.Background()

	t.Run("a half-valid batch reports problems by index and field and writes nothing", func(t *testing.T) {
		e := newEnv(t)
		doc := mustJSON(t, []any{
			validObject("Head office", map[string]any{"password": password}),
			validObject("Branch", map[string]any{"meeting_buffer_before": "thirty", "url": "http://mail.example.com/EWS/Exchange.asmx"}),
			validObject("HEAD OFFICE", nil),
		})
		_, err := e.svc.Import(ctx, doc)
		got := batchProblems(t, err)
		want := map[int][]string{1: {"meeting_buffer_before", "url"}, 2: {"name"}}
		if len(got) != len(want) {
			t.Fatalf("problems for objects %v, want %v", slices.Sorted(maps.Keys(got)), slices.Sorted(maps.Keys(want)))
		}
		for i, fields := range want {
			if keys := slices.Sorted(maps.Keys(got[i].Fields)); !slices.Equal(keys, fields) {
				t.Errorf("object %d: problems on %q, want %q (%v)", i, keys, fields, got[i].Fields)
			}
		}
		if !strings.Contains(got[2].Fields["name"], "object 0") {
			t.Errorf("the duplicate name does not point at object 0: %q", got[2].Fields["name"])
		}
		if got[1].Name != "Branch" {
			t.Errorf("object 1 is named %q", got[1].Name)
		}
		if n := e.count(t); n != 0 {
			t.Errorf("%d integrations were stored", n)
		}
		if hits := filesContain(t, e.dir, password); len(hits) > 0 {
			t.Errorf("the password is in %q", hits)
		}
		if !strings.Contains(err.Error(), "nothing was imported") {
			t.Errorf("the error %q does not say nothing was imported", err)
		}
	})

	t.Run("a valid list response imports every object, with its secrets and unknown fields reported", func(t *testing.T) {
		e := newEnv(t)
		doc := mustJSON(t, map[string]any{
			"meta": map[string]any{"limit": 20, "next": nil, "offset": 0, "previous": nil, "total_count": 2},
			"objects": []any{
				validObject("Head office", map[string]any{"id": 7, "resource_uri": "/api/admin/configuration/v1/ms_exchange_connector/7/", "password": password}),
				validObject("Branch", map[string]any{"exchange_version": "2019", "authentication_method": "NTLM"}),
			},
		})
		res, err := e.svc.Import(ctx, doc)
		if err != nil {
			t.Fatalf("Import: %v", err)
		}
		if len(res.Created) != 2 || res.Created[0].Name != "Head office" || res.Created[1].Name != "Branch" {
			t.Fatalf("created %+v", res.Created)
		}
		if n := e.count(t); n != 2 {
			t.Errorf("%d integrations stored", n)
		}
		if got := e.secret(t, res.Created[0].UUID, "password"); got != password {
			t.Errorf("password %q", got)
		}
		if !slices.Equal(res.Unknown[1], []string{"exchange_version"}) || len(res.Unknown) != 1 {
			t.Errorf("unknown fields %v", res.Unknown)
		}
		if !hasWarning(res.Warnings[1], "password") || !hasWarning(res.Warnings[1], "authentication_method") {
			t.Errorf("warnings of object 1: %+v", res.Warnings[1])
		}
		if _, warned := res.Warnings[0]; warned {
			t.Errorf("object 0 has warnings %+v", res.Warnings[0])
		}
		if res.Created[0].ID == 7 {
			t.Error("the id of the exporting system was taken over")
		}
	})

	t.Run("the Infinity export fixture imports through the service", func(t *testing.T) {
		e := newEnv(t)
		data, err := os.ReadFile(filepath.Join("testdata", "infinity_connector.json"))
		if err != nil {
			t.Fatal(err)
		}
		res, err := e.svc.Import(ctx, data)
		if err != nil {
			t.Fatalf("Import: %v", err)
		}
		if len(res.Created) != 1 || res.Created[0].UUID != "8a4e2c6f-1b3d-4f5a-9e7c-2d4b6a8c0e1f" {
			t.Fatalf("created %+v", res.Created)
		}
	})

	tests := []struct {
		name   string
		doc    func(existing *integration.Saved) []any
		index  int
		field  string
		reason string
	}{
		{"an import with a name already stored fails whole", func(*integration.Saved) []any {
			return []any{validObject("New site", nil), validObject("head OFFICE", nil)}
		}, 1, "name", "already exists"},
		{"an import with a uuid already stored fails whole", func(s *integration.Saved) []any {
			return []any{validObject("New site", map[string]any{"uuid": s.Integration.UUID}), validObject("Other site", nil)}
		}, 0, "uuid", "already belongs"},
		{"an import with a malformed uuid fails whole", func(*integration.Saved) []any {
			return []any{validObject("New site", nil), validObject("Other site", map[string]any{"uuid": "42"})}
		}, 1, "uuid", "not a UUID"},
		{"an import repeating a uuid fails whole", func(*integration.Saved) []any {
			u := "0b1c2d3e-4f5a-4b6c-8d7e-9f0a1b2c3d4e"
			return []any{validObject("New site", map[string]any{"uuid": u}), validObject("Other site", map[string]any{"uuid": u})}
		}, 1, "uuid", "object 0"},
		{"an import with an object that is not an object fails whole", func(*integration.Saved) []any {
			return []any{validObject("New site", nil), 42}
		}, 1, "", "where an object was expected"},
		{"an import carrying the read-only refresh token is accepted only as a valid secret", func(*integration.Saved) []any {
			return []any{validObject("New site", map[string]any{"oauth_refresh_token": 5})}
		}, 0, "oauth_refresh_token", "must be text"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t)
			existing := e.create(t, validObject("Head office", nil))
			_, err := e.svc.Import(ctx, mustJSON(t, tt.doc(existing)))
			got := batchProblems(t, err)
			p, ok := got[tt.index]
			if !ok || len(got) != 1 {
				t.Fatalf("problems %+v, want one for object %d", got, tt.index)
			}
			reason := p.Error
			if tt.field != "" {
				reason = p.Fields[tt.field]
			}
			if !strings.Contains(reason, tt.reason) {
				t.Errorf("object %d %s: %q does not mention %q (%+v)", tt.index, tt.field, reason, tt.reason, p)
			}
			if n := e.count(t); n != 1 {
				t.Errorf("%d integrations stored, want only the existing one", n)
			}
		})
	}

	refused := []struct {
		name, doc, mention string
	}{
		{"an empty list imports nothing and says so", `[]`, "holds no integrations"},
		{"a scalar is refused", `"x"`, "JSON object"},
		{"broken JSON is refused with its position", `[{"name": }]`, "at byte"},
	}
	for _, tt := range refused {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t)
			_, err := e.svc.Import(ctx, []byte(tt.doc))
			if err == nil || !strings.Contains(err.Error(), tt.mention) {
				t.Fatalf("Import = %v, want an error mentioning %q", err, tt.mention)
			}
		})
	}

	t.Run("a keychain failure during import stores nothing and undoes earlier secrets", func(t *testing.T) {
		e := newEnv(t)
		doc := mustJSON(t, []any{
			validObject("Head office", map[string]any{"uuid": "0b1c2d3e-4f5a-4b6c-8d7e-000000000001", "password": password}),
			validObject("Branch", map[string]any{"uuid": "0b1c2d3e-4f5a-4b6c-8d7e-000000000002", "password": "x-" + password}),
		})
		failing := &failOnSet{SecretStore: e.keychain, failAt: 2}
		svc := integration.NewService(e.repo, failing)
		if _, err := svc.Import(ctx, doc); err == nil {
			t.Fatal("Import succeeded")
		}
		if n := e.count(t); n != 0 {
			t.Errorf("%d integrations stored", n)
		}
		if got := e.secret(t, "0b1c2d3e-4f5a-4b6c-8d7e-000000000001", "password"); got != "<none>" {
			t.Errorf("the first object's password stayed in the keychain")
		}
	})
}

// comparable drops what differs between stores by design: ids, times and
// the bookkeeping of keychain entries.
func comparable(t *testing.T, in *integration.Integration) string {
	t.Helper()
	c := in.Clone()
	c.ID, c.CreatedAt, c.UpdatedAt, c.SecretsStored = 0, time.Time{}, time.Time{}, nil
	return string(mustJSON(t, c))
}

func TestExport(t *testing.T) {
	ctx := context.Background()
	setup := func(t *testing.T) (*env, []*integration.Integration) {
		e := newEnv(t)
		e.create(t, validObject("Head office", map[string]any{"password": password, "oauth_client_secret": clientSecret, "scheduled_alias_prefix": "vmr"}))
		e.create(t, validObject("Branch", map[string]any{
			"password": "b-" + password, "enable_personal_vmrs": true, "personal_vmr_oauth_client_id": "c1",
			"personal_vmr_oauth_auth_endpoint":  "https://adfs.example.com/adfs/oauth2/authorize",
			"personal_vmr_oauth_token_endpoint": "https://adfs.example.com/adfs/oauth2/token",
			"personal_vmr_oauth_client_secret":  "pv-" + clientSecret,
		}))
		var originals []*integration.Integration
		for _, n := range []string{"Branch", "Head office"} {
			it, err := e.svc.Get(ctx, n)
			if err != nil {
				t.Fatal(err)
			}
			originals = append(originals, it)
		}
		return e, originals
	}

	t.Run("an export never contains a secret value or a secret field", func(t *testing.T) {
		e, _ := setup(t)
		doc, err := e.svc.Export(ctx, nil)
		if err != nil {
			t.Fatal(err)
		}
		out := mustJSON(t, doc)
		for _, v := range []string{password, clientSecret} {
			if bytes.Contains(out, []byte(v)) {
				t.Errorf("the export contains a secret value")
			}
		}
		var parsed struct {
			Objects []map[string]any `json:"objects"`
		}
		if err := json.Unmarshal(out, &parsed); err != nil {
			t.Fatal(err)
		}
		for i, o := range parsed.Objects {
			for _, f := range integration.SecretFields {
				if _, ok := o[f]; ok {
					t.Errorf("object %d has the secret field %s", i, f)
				}
			}
		}
		if doc.Meta.TotalCount != 2 || len(doc.Objects) != 2 {
			t.Errorf("meta %+v with %d objects", doc.Meta, len(doc.Objects))
		}
	})

	t.Run("an export re-imports into another data directory equal but for ids and times", func(t *testing.T) {
		e, originals := setup(t)
		doc, err := e.svc.Export(ctx, nil)
		if err != nil {
			t.Fatal(err)
		}
		other := newEnvIn(t, t.TempDir())
		if _, err := other.svc.Import(ctx, mustJSON(t, doc)); err != nil {
			t.Fatalf("Import: %v", err)
		}
		for _, o := range originals {
			got, err := other.svc.Get(ctx, o.UUID)
			if err != nil {
				t.Fatalf("Get %s: %v", o.Name, err)
			}
			if comparable(t, got) != comparable(t, o) {
				t.Errorf("%s differs:\n%s\n%s", o.Name, comparable(t, got), comparable(t, o))
			}
		}
	})

	t.Run("an export re-imports into the same store after the originals are deleted", func(t *testing.T) {
		e, originals := setup(t)
		doc, err := e.svc.Export(ctx, nil)
		if err != nil {
			t.Fatal(err)
		}
		data := mustJSON(t, doc)
		if _, err := e.svc.Import(ctx, data); err == nil {
			t.Fatal("re-importing beside the originals succeeded")
		}
		for _, o := range originals {
			if err := e.svc.Delete(ctx, o.UUID); err != nil {
				t.Fatal(err)
			}
		}
		if _, err := e.svc.Import(ctx, data); err != nil {
			t.Fatalf("Import: %v", err)
		}
		for _, o := range originals {
			got, err := e.svc.Get(ctx, o.UUID)
			if err != nil {
				t.Fatal(err)
			}
			if comparable(t, got) != comparable(t, o) {
				t.Errorf("%s differs:\n%s\n%s", o.Name, comparable(t, got), comparable(t, o))
			}
		}
	})

	t.Run("an export of named integrations holds just those", func(t *testing.T) {
		e, _ := setup(t)
		doc, err := e.svc.Export(ctx, []string{"head office"})
		if err != nil {
			t.Fatal(err)
		}
		if len(doc.Objects) != 1 || doc.Objects[0].Name != "Head office" || doc.Meta.TotalCount != 1 {
			t.Fatalf("exported %d objects, meta %+v", len(doc.Objects), doc.Meta)
		}
		if _, err := e.svc.Export(ctx, []string{"nobody"}); !errors.Is(err, integration.ErrNotFound) {
			t.Errorf("exporting an unknown integration = %v", err)
		}
	})

	t.Run("an empty store exports an empty list", func(t *testing.T) {
		e := newEnv(t)
		doc, err := e.svc.Export(ctx, nil)
		if err != nil {
			t.Fatal(err)
		}
		if out := string(mustJSON(t, doc)); !strings.Contains(out, `"objects":[]`) {
			t.Fatalf("got %s", out)
		}
	})
}
