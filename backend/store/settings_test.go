package store

import (
	"context"
	"errors"
	"maps"
	"strings"
	"testing"
	"time"

	"vmr-companion/backend/store/storetest"
)

func TestSettings(t *testing.T) {
	ctx := context.Background()
	at := time.Date(2025, 11, 20, 9, 30, 0, 0, time.UTC)

	t.Run("a new database has no settings", func(t *testing.T) {
		got, err := openTemp(t).Settings().All(ctx)
		if err != nil || len(got) != 0 {
			t.Fatalf("All = %v, %v; want empty", got, err)
		}
	})

	t.Run("values read back as written, and a later write replaces them", func(t *testing.T) {
		r := openTemp(t).Settings()
		if err := r.Set(ctx, map[string]string{"join": "sip", "notify_minutes": "5", "calendar_kind": "url"}, at); err != nil {
			t.Fatal(err)
		}
		if err := r.Set(ctx, map[string]string{"join": "pexip"}, at.Add(time.Minute)); err != nil {
			t.Fatal(err)
		}
		got, err := r.All(ctx)
		want := map[string]string{"join": "pexip", "notify_minutes": "5", "calendar_kind": "url"}
		if err != nil || !maps.Equal(got, want) {
			t.Fatalf("All = %v, %v; want %v", got, err, want)
		}
	})

	t.Run("an empty value removes the key", func(t *testing.T) {
		r := openTemp(t).Settings()
		if err := r.Set(ctx, map[string]string{"calendar_value": "/tmp/a.ics", "join": "web"}, at); err != nil {
			t.Fatal(err)
		}
		if err := r.Set(ctx, map[string]string{"calendar_value": ""}, at); err != nil {
			t.Fatal(err)
		}
		got, _ := r.All(ctx)
		if _, ok := got["calendar_value"]; ok || got["join"] != "web" {
			t.Fatalf("All = %v; want calendar_value gone and join kept", got)
		}
	})

	t.Run("a value that is too long is refused and nothing of the batch is written", func(t *testing.T) {
		r := openTemp(t).Settings()
		err := r.Set(ctx, map[string]string{"join": "sip", "calendar_value": strings.Repeat("x", maxSettingValue+1)}, at)
		if err == nil || !strings.Contains(err.Error(), "calendar_value") {
			t.Fatalf("err = %v; want one naming calendar_value", err)
		}
		if got, _ := r.All(ctx); len(got) != 0 {
			t.Fatalf("All = %v; want nothing written", got)
		}
	})

	t.Run("settings survive closing and opening the file", func(t *testing.T) {
		s := openTemp(t)
		if err := s.Settings().Set(ctx, map[string]string{"integration": "0b6c"}, at); err != nil {
			t.Fatal(err)
		}
		d := s.Database()
		s.Close()
		s2, err := OpenDatabase(ctx, d)
		if err != nil {
			t.Fatal(err)
		}
		defer s2.Close()
		got, _ := s2.Settings().All(ctx)
		if got["integration"] != "0b6c" {
			t.Fatalf("All = %v after reopening", got)
		}
	})
}

func TestSealingASetting(t *testing.T) {
	ctx := context.Background()
	at := time.Date(2025, 11, 20, 9, 30, 0, 0, time.UTC)
	const secret = "https://outlook.office365.com/owa/calendar/0123456789abcdef@example.com/SECRET-5f2b9c1e7a/calendar.ics"
	replace := map[string]string{"calendar_value": "https://outlook.office365.com/…", "calendar_source": "url:0011223344556677"}

	t.Run("the value moves out: stored elsewhere, replaced, and nothing of it left in the file or its WAL", func(t *testing.T) {
		sqliteOnly(t)
		st := openTemp(t)
		r := st.Settings()
		// A user who changed the link a few times leaves old copies in
		// free pages too.
		for i := range 3 {
			if err := r.Set(ctx, map[string]string{"calendar_kind": "url", "calendar_value": secret + strings.Repeat("x", i)}, at); err != nil {
				t.Fatal(err)
			}
		}
		if err := r.Set(ctx, map[string]string{"calendar_value": secret}, at); err != nil {
			t.Fatal(err)
		}
		if len(storetest.FilesHolding(t, st.Path(), "SECRET-5f2b9c1e7a")) == 0 {
			t.Fatal("the test cannot see the link in the database before sealing")
		}
		var put string
		moved, err := r.Seal(ctx, "calendar_value", func(ctx context.Context, v string) (map[string]string, error) {
			put = v
			return replace, nil
		})
		if err != nil || !moved || put != secret {
			t.Fatalf("Seal = %v, %v; put %q", moved, err, put)
		}
		got, _ := r.All(ctx)
		if got["calendar_value"] != replace["calendar_value"] || got["calendar_source"] != replace["calendar_source"] || got["calendar_kind"] != "url" {
			t.Fatalf("All = %v", got)
		}
		if in := storetest.FilesHolding(t, st.Path(), "SECRET-5f2b9c1e7a"); len(in) > 0 {
			t.Fatalf("the link is still in %v", in)
		}
	})

	t.Run("when the value cannot be stored elsewhere nothing changes", func(t *testing.T) {
		st := openTemp(t)
		r := st.Settings()
		if err := r.Set(ctx, map[string]string{"calendar_kind": "url", "calendar_value": secret}, at); err != nil {
			t.Fatal(err)
		}
		locked := errors.New("the keychain is locked")
		moved, err := r.Seal(ctx, "calendar_value", func(context.Context, string) (map[string]string, error) { return nil, locked })
		if !errors.Is(err, locked) || moved {
			t.Fatalf("Seal = %v, %v; want the keychain's error", moved, err)
		}
		if got, _ := r.All(ctx); got["calendar_value"] != secret {
			t.Fatalf("All = %v; want the value kept", got)
		}
	})

	t.Run("a missing value is nothing to seal", func(t *testing.T) {
		r := openTemp(t).Settings()
		moved, err := r.Seal(ctx, "calendar_value", func(context.Context, string) (map[string]string, error) {
			t.Fatal("put called")
			return nil, nil
		})
		if err != nil || moved {
			t.Fatalf("Seal = %v, %v", moved, err)
		}
	})
}
