package infinity_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"vmr-companion/backend/infinity"
	"vmr-companion/backend/secrets"
	"vmr-companion/backend/testtls"
)

// hostile serves h as a "Management Node" that breaks the rules.
func hostile(t *testing.T, h http.HandlerFunc) (*infinity.Client, *sleeps) {
	t.Helper()
	ca := testtls.NewCA(t, "hostile CA")
	srv := testtls.Serve(t, h, ca.Valid(t, "127.0.0.1"))
	sl := &sleeps{}
	c, err := infinity.New(infinity.Config{BaseURL: srv.URL, Username: "u", Password: secrets.New(password), RootCAs: ca.Pool,
		Sleep: sl.sleep, Rand: func(int64) int64 { return 0 }, Now: func() time.Time { return time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC) }})
	if err != nil {
		t.Fatal(err)
	}
	return c, sl
}

func answer(status int, body string) http.HandlerFunc {
	return func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		fmt.Fprint(w, body)
	}
}

func TestHostileAnswers(t *testing.T) {
	ctx := context.Background()
	for name, tc := range map[string]struct {
		h    http.HandlerFunc
		want string
	}{
		"not JSON":   {answer(200, "<html>"), "not JSON"},
		"not a list": {answer(200, `{"objects": 5}`), "is a JSON number"},
		"no meta":    {answer(200, `{"objects": []}`), "not a list"},
		"wrong type": {answer(200, `{"meta": {}, "objects": [{"name": 7}]}`), `"objects.name" is a JSON number`},
		"oversized": {func(w http.ResponseWriter, _ *http.Request) {
			fmt.Fprint(w, `{"meta": {}, "objects": ["`)
			chunk := strings.Repeat("x", 1<<20)
			for range infinity.MaxBody>>20 + 1 {
				fmt.Fprint(w, chunk)
			}
		}, "larger than 16 MiB"},
		"other host": {answer(200, `{"meta": {"next": "https://evil.example.com/x/"}, "objects": []}`), "not the Management Node"},
		"loop":       {answer(200, `{"meta": {"next": "/api/admin/configuration/v1/conference/?offset=3"}, "objects": []}`), "came back twice"},
		"redirect": {func(w http.ResponseWriter, r *http.Request) {
			http.Redirect(w, r, "https://evil.example.com/", http.StatusFound)
		}, "302"},
	} {
		t.Run(name, func(t *testing.T) {
			c, _ := hostile(t, tc.h)
			_, err := c.ListConferences(ctx, nil)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("%v, want %q", err, tc.want)
			}
			noSecret(t, err)
		})
	}
}

func TestFieldErrorShapes(t *testing.T) {
	ctx := context.Background()
	c, _ := hostile(t, answer(400, `{"name": ["Too long."], "pin": "Digits only."}`))
	_, err := c.CreateConference(ctx, vmr("x"), nil)
	var fe *infinity.FieldErrors
	if !errors.As(err, &fe) || fe.Fields["name"][0] != "Too long." || fe.Fields["pin"][0] != "Digits only." {
		t.Fatalf("flat shape: %v", err)
	}
	c, _ = hostile(t, answer(400, `Bad request: something`))
	_, err = c.CreateConference(ctx, vmr("x"), nil)
	if !errors.As(err, &fe) || fe.Fields != nil || !strings.Contains(err.Error(), "Bad request: something") {
		t.Fatalf("unparsed body: %v", err)
	}
	c, _ = hostile(t, answer(201, ``))
	if _, err := c.CreateConference(ctx, vmr("x"), nil); err == nil || !strings.Contains(err.Error(), "Location") {
		t.Fatalf("no Location: %v", err)
	}
}

func TestRetryAfterForms(t *testing.T) {
	var n atomic.Int32
	c, sl := hostile(t, func(w http.ResponseWriter, _ *http.Request) {
		switch n.Add(1) {
		case 1:
			w.Header().Set("Retry-After", "Thu, 01 Jan 2026 00:00:09 GMT")
			w.WriteHeader(429)
		case 2:
			w.Header().Set("Retry-After", "99999999")
			w.WriteHeader(429)
		case 3:
			w.Header().Set("Retry-After", "soon")
			w.WriteHeader(429)
		default:
			answer(200, `{"meta": {"next": null}, "objects": []}`)(w, nil)
		}
	})
	if _, err := c.ListConferences(context.Background(), nil); err != nil {
		t.Fatal(err)
	}
	if got := sl.all(); len(got) != 3 || got[0] != 9*time.Second || got[1] != 5*time.Minute || got[2] != 0 {
		t.Fatalf("waits %v: want the date's 9s, the cap of 5m, and the back-off for a bad value", got)
	}
}

func TestNetworkErrorRetriedForReadsOnly(t *testing.T) {
	var n atomic.Int32
	drop := func(w http.ResponseWriter, r *http.Request) bool {
		if n.Add(1) > 1 {
			return false
		}
		conn, _, _ := w.(http.Hijacker).Hijack()
		conn.Close()
		return true
	}
	c, _ := hostile(t, func(w http.ResponseWriter, r *http.Request) {
		if !drop(w, r) {
			answer(200, `{"meta": {"next": null}, "objects": [{"id": 1, "name": "a", "creation_time": "2026-01-02T03:04:05"}]}`)(w, r)
		}
	})
	got, err := c.ListConferences(context.Background(), nil)
	if err != nil || len(got) != 1 || n.Load() != 2 || got[0].CreationTime.Time != time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC) {
		t.Fatalf("%v %v after %d requests", got, err, n.Load())
	}
	n.Store(0)
	c, _ = hostile(t, func(w http.ResponseWriter, r *http.Request) {
		if !drop(w, r) {
			w.Header().Set("Location", "/api/admin/configuration/v1/conference/1/")
			w.WriteHeader(201)
		}
	})
	if _, err := c.CreateConference(context.Background(), vmr("x"), nil); err == nil || n.Load() != 1 {
		t.Fatalf("a POST whose answer was lost was repeated: %v after %d", err, n.Load())
	}
}

func TestTimesAndRefs(t *testing.T) {
	for in, want := range map[string]time.Time{
		`"2026-03-01T10:00:00.123456"`:  time.Date(2026, 3, 1, 10, 0, 0, 123456000, time.UTC),
		`"2026-03-01T10:00:00"`:         time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC),
		`"2026-03-01T10:00:00.5+02:00"`: time.Date(2026, 3, 1, 8, 0, 0, 500000000, time.UTC),
		`"2026-03-01T10:00:00Z"`:        time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC),
		`null`:                          {},
	} {
		var got infinity.Time
		if err := json.Unmarshal([]byte(in), &got); err != nil || !got.Equal(want) {
			t.Errorf("%s: %v %v", in, got, err)
		}
	}
	var bad infinity.Time
	if json.Unmarshal([]byte(`"yesterday"`), &bad) == nil {
		t.Error("a bad time was accepted")
	}
	var a infinity.ConferenceAlias
	if err := json.Unmarshal([]byte(`{"conference": {"id": 12, "resource_uri": "/api/admin/configuration/v1/conference/12/"}}`), &a); err != nil || a.Conference.ID() != 12 {
		t.Fatalf("nested: %+v %v", a, err)
	}
	if err := json.Unmarshal([]byte(`{"conference": "/api/admin/configuration/v1/conference/13/"}`), &a); err != nil || a.Conference.ID() != 13 {
		t.Fatalf("URI: %+v %v", a, err)
	}
	out, _ := json.Marshal(infinity.ConferenceAlias{Alias: "x", Conference: infinity.RefTo(infinity.ResConference, 4)})
	if !strings.Contains(string(out), `"conference":"/api/admin/configuration/v1/conference/4/"`) {
		t.Fatalf("written as %s", out)
	}
}

// FuzzDecodeList: whatever a Management Node sends as a page, decoding
// returns a page or an error, never a panic.
func FuzzDecodeList(f *testing.F) {
	f.Add([]byte(`{"meta": {"limit": 3, "offset": 0, "next": "/x/?offset=3", "previous": null, "total_count": 4}, "objects": [{"id": 1, "name": "a", "domains": [{"id": 2, "domain": "example.com", "exchange_connector": "/api/admin/configuration/v1/ms_exchange_connector/1/", "creation_time": "2026-01-01T00:00:00.000000"}]}]}`))
	f.Add([]byte(`{"meta": {}, "objects": [{"aliases": [{"conference": {"resource_uri": "/c/1/"}}], "ivr_theme": null}]}`))
	f.Add([]byte(`{"meta": null, "objects": null}`))
	f.Add([]byte(`[1, 2`))
	f.Add([]byte(`{"meta": {}, "objects": [{"id": 3, "conference": {"resource_uri": "/api/admin/configuration/v1/conference/1/"}, "start_time": "2026-12-07T09:45:00", "end_time": "2026-12-07T11:00:00+01:00", "recurring_conference": null, "scheduled_alias": "/x/2/", "conference_deletion_time": null, "ews_item_uid": null}]}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		if p, err := infinity.DecodeList[infinity.ScheduledConference](data); err == nil {
			for _, c := range p.Objects {
				_, _ = c.Conference.ID(), c.RecurringConference.ID()
				if _, err := json.Marshal(c); err != nil {
					t.Fatalf("a decoded scheduled conference does not encode: %v", err)
				}
			}
		}
		if p, err := infinity.DecodeList[infinity.ScheduledAlias](data); err == nil {
			for _, a := range p.Objects {
				if _, err := json.Marshal(a); err != nil {
					t.Fatalf("a decoded scheduled alias does not encode: %v", err)
				}
			}
		}
		_, _ = infinity.DecodeList[infinity.RecurringConference](data)
		if p, err := infinity.DecodeList[infinity.Connector](data); err == nil && p == nil {
			t.Fatal("no page and no error")
		}
		if p, err := infinity.DecodeList[infinity.Conference](data); err == nil {
			for _, c := range p.Objects {
				for _, a := range c.Aliases {
					_ = a.Conference.ID()
				}
				if _, err := json.Marshal(c); err != nil {
					t.Fatalf("a decoded conference does not encode: %v", err)
				}
			}
		}
	})
}
