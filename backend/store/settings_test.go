package store

import (
	"context"
	"maps"
	"strings"
	"testing"
	"time"
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
		path := s.Path()
		s.Close()
		s2, err := Open(ctx, path)
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
