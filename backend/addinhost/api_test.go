package addinhost_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"vmr-companion/backend/addinhost"
	"vmr-companion/backend/alias"
	"vmr-companion/backend/conference"
	"vmr-companion/backend/integration"
)

func TestPane(t *testing.T) {
	e := newEnv(t)
	in := e.addIntegration(t, "Contoso", map[string]any{
		"addin_pane_title":        "Videomøte",
		"addin_pane_button_title": "Legg til <rom>",
		"enable_personal_vmrs":    false,
	})
	h := startHost(t, e, e.config())

	t.Run("the pane gets the integration's switches and every pane text", func(t *testing.T) {
		r := h.get(t, "/api/v1/integrations/"+in.UUID+"/pane", nil)
		wantStatus(t, r, http.StatusOK)
		if cc := r.header.Get("Cache-Control"); cc != "no-store" {
			t.Errorf("Cache-Control = %q, want no-store", cc)
		}
		got := decode[addinhost.PaneConfig](t, r)
		if got.Integration != in.UUID || got.Name != "Contoso" || !got.SingleUse || got.Personal || got.Auth != addinhost.AuthNone {
			t.Errorf("pane = %+v", got)
		}
		if got.RoomMailbox != "vmr@example.com" || got.RoomMailboxName != "VMR room" {
			t.Errorf("room mailbox = %q, %q", got.RoomMailbox, got.RoomMailboxName)
		}
		if got.Texts["addin_pane_title"] != "Videomøte" || got.Texts["addin_pane_button_title"] != "Legg til <rom>" {
			t.Errorf("texts = %v", got.Texts)
		}
		// Every addin_pane_* field of the integration, and nothing else.
		raw, _ := json.Marshal(in)
		var all map[string]any
		json.Unmarshal(raw, &all)
		n := 0
		for k, v := range all {
			if !strings.HasPrefix(k, "addin_pane_") {
				continue
			}
			n++
			if got.Texts[k] != v {
				t.Errorf("texts[%s] = %q, want %q", k, got.Texts[k], v)
			}
		}
		if n < 10 || len(got.Texts) != n {
			t.Errorf("texts has %d entries, the integration %d pane fields", len(got.Texts), n)
		}
	})

	t.Run("the pane gets the names of the integration's domains, each once, without URL parts", func(t *testing.T) {
		// A delegate's pane checks the calendar owner's address against them.
		multi := e.addIntegration(t, "Contoso domains", map[string]any{
			"domains": []string{"Example.com", "https://mail.example.com:8443/EWS/Exchange.asmx", "example.com.", "mail.example.com"},
		})
		got := decode[addinhost.PaneConfig](t, h.get(t, "/api/v1/integrations/"+multi.UUID+"/pane", nil))
		if want := []string{"example.com", "mail.example.com"}; !slices.Equal(got.Domains, want) {
			t.Errorf("domains = %q, want %q", got.Domains, want)
		}
	})

	for _, tc := range []struct{ name, ref string }{
		{"an unknown uuid answers a problem 404", "6f1c1a5e-0000-4000-8000-000000000000"},
		{"a reference that is not a uuid answers a problem 404", "not-a-uuid"},
		{"the integration's name instead of its uuid answers a problem 404", "Contoso"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			wantProblem(t, h.get(t, "/api/v1/integrations/"+tc.ref+"/pane", nil), http.StatusNotFound, typeNotFound)
		})
	}

	t.Run("an unknown API path answers a problem 404", func(t *testing.T) {
		wantProblem(t, h.get(t, "/api/v2/anything", nil), http.StatusNotFound, typeNotFound)
	})
}

// aliasPattern is meet + 6 digits @ the integration's domain.
var aliasPattern = regexp.MustCompile(`^meet([0-9]{6})@vc\.example\.com$`)

func TestReservations(t *testing.T) {
	e := newEnv(t)
	in := e.addIntegration(t, "Contoso", map[string]any{
		"meeting_instructions_template": `<div class="join"><p>Call <b>{{ alias }}</b> or dial {{ numeric_alias }}.</p></div>`,
	})
	plain := e.addIntegration(t, "Default texts", nil)
	h := startHost(t, e, e.config())

	var first addinhost.Reservation
	t.Run("a new item key answers 201 with a fresh alias", func(t *testing.T) {
		r := h.reserve(t, in.UUID, "compose-1", "Alice@Example.com")
		wantStatus(t, r, http.StatusCreated)
		if cc := r.header.Get("Cache-Control"); cc != "no-store" {
			t.Errorf("Cache-Control = %q", cc)
		}
		first = decode[addinhost.Reservation](t, r)
		m := aliasPattern.FindStringSubmatch(first.Alias)
		if m == nil || first.NumericAlias != m[1] || first.Location != first.Alias || !first.Created {
			t.Fatalf("reservation = %+v", first)
		}
		if first.Token != addinhost.TokenPrefix+first.AliasUUID || first.RoomMailbox != "vmr@example.com" || first.RoomMailboxName != "VMR room" {
			t.Errorf("reservation = %+v", first)
		}
		exp, err := time.Parse(time.RFC3339, first.ExpiresAt)
		if err != nil || exp.Before(time.Now().Add(23*time.Hour)) || exp.After(time.Now().Add(25*time.Hour)) {
			t.Errorf("expires_at = %q, want about 24 hours from now", first.ExpiresAt)
		}
	})

	t.Run("the reservation belongs to the user the pane names, in lower case", func(t *testing.T) {
		a, err := e.aliases.Lookup(context.Background(), first.AliasUUID)
		if err != nil {
			t.Fatal(err)
		}
		if a.UserEmail != "alice@example.com" || a.ItemKey != "compose-1" || a.Alias != first.Alias {
			t.Errorf("stored reservation = %+v", a)
		}
	})

	t.Run("the same item key answers 200 with the same alias and uuid", func(t *testing.T) {
		r := h.reserve(t, in.UUID, "compose-1", "alice@example.com")
		wantStatus(t, r, http.StatusOK)
		again := decode[addinhost.Reservation](t, r)
		if again.Alias != first.Alias || again.AliasUUID != first.AliasUUID || again.Token != first.Token || again.Created {
			t.Errorf("retry = %+v, first = %+v", again, first)
		}
		if again.InstructionsHTML != first.InstructionsHTML {
			t.Errorf("the instructions changed on a retry")
		}
	})

	t.Run("different item keys get different aliases", func(t *testing.T) {
		seen := map[string]bool{first.Alias: true}
		uuids := map[string]bool{first.AliasUUID: true}
		for i := 2; i <= 6; i++ {
			r := h.reserve(t, in.UUID, fmt.Sprintf("compose-%d", i), "alice@example.com")
			wantStatus(t, r, http.StatusCreated)
			res := decode[addinhost.Reservation](t, r)
			if seen[res.Alias] || uuids[res.AliasUUID] {
				t.Fatalf("item %d got a used alias or uuid: %+v", i, res)
			}
			seen[res.Alias], uuids[res.AliasUUID] = true, true
		}
	})

	t.Run("the instructions follow the admin's template, markup kept, and carry the token", func(t *testing.T) {
		html := first.InstructionsHTML
		want := fmt.Sprintf(`<div class="join"><p>Call <b>%s</b> or dial %s.</p></div>`, first.Alias, first.NumericAlias)
		if !strings.HasPrefix(html, want) {
			t.Errorf("instructions = %q, want them to start with %q", html, want)
		}
		if !strings.Contains(html, "vmr-companion:"+first.AliasUUID) {
			t.Errorf("instructions lack the token vmr-companion:%s: %q", first.AliasUUID, html)
		}
	})

	t.Run("the default template renders the alias and carries the token", func(t *testing.T) {
		r := h.reserve(t, plain.UUID, "compose-1", "alice@example.com")
		wantStatus(t, r, http.StatusCreated)
		res := decode[addinhost.Reservation](t, r)
		if !containsAll(res.InstructionsHTML, `href="sip:`+res.Alias+`"`, "vmr-companion:"+res.AliasUUID, "https://addins.example.com/") {
			t.Errorf("instructions = %q", res.InstructionsHTML)
		}
	})

	t.Run("the same item key in another integration is another reservation", func(t *testing.T) {
		r := h.reserve(t, plain.UUID, "compose-2", "alice@example.com")
		wantStatus(t, r, http.StatusCreated)
		r = h.reserve(t, in.UUID, "compose-2", "alice@example.com")
		wantStatus(t, r, http.StatusOK) // made above in this integration
	})

	t.Run("without a user header the reservation is the developer's", func(t *testing.T) {
		r := h.reserve(t, in.UUID, "anonymous", "")
		wantStatus(t, r, http.StatusCreated)
		res := decode[addinhost.Reservation](t, r)
		a, err := e.aliases.Lookup(context.Background(), res.AliasUUID)
		if err != nil || a.UserEmail != "developer@localhost" {
			t.Errorf("stored reservation %+v, %v", a, err)
		}
	})
}

func TestReservationRejectsBadRequests(t *testing.T) {
	e := newEnv(t)
	in := e.addIntegration(t, "Contoso", nil)
	off := e.addIntegration(t, "Personal only", map[string]any{"enable_dynamic_vmrs": false})
	h := startHost(t, e, e.config())
	path := "/api/v1/integrations/" + in.UUID + "/reservations"
	big := strings.Repeat("k", 100<<10)

	tests := []struct {
		name   string
		body   string
		status int
		typ    string
	}{
		{"malformed JSON answers 400", `{"item_key": "k1"`, http.StatusBadRequest, typeBadRequest},
		{"a JSON array answers 400", `["k1"]`, http.StatusBadRequest, typeBadRequest},
		{"an empty body answers 400", ``, http.StatusBadRequest, typeBadRequest},
		{"an unknown field answers 400", `{"item_key": "k1", "alias": "meet000000@vc.example.com"}`, http.StatusBadRequest, typeBadRequest},
		{"an empty item key answers 400", `{"item_key": ""}`, http.StatusBadRequest, typeBadRequest},
		{"a missing item key answers 400", `{}`, http.StatusBadRequest, typeBadRequest},
		{"an item key of spaces answers 400", `{"item_key": "   "}`, http.StatusBadRequest, typeBadRequest},
		{"an item key of 513 characters answers 400", `{"item_key": "` + strings.Repeat("x", 513) + `"}`, http.StatusBadRequest, typeBadRequest},
		{"an item key that is a number answers 400", `{"item_key": 42}`, http.StatusBadRequest, typeBadRequest},
		{"a second JSON value after the object answers 400", `{"item_key": "k1"}{"item_key": "k2"}`, http.StatusBadRequest, typeBadRequest},
		{"trailing garbage after the object answers 400", `{"item_key": "k1"} xyz`, http.StatusBadRequest, typeBadRequest},
		{"a 100 KB item key answers 413", `{"item_key": "` + big + `"}`, http.StatusRequestEntityTooLarge, typeTooLarge},
		{"a small object padded to 100 KB answers 413", `{"item_key": "k1"}` + strings.Repeat(" ", 100<<10), http.StatusRequestEntityTooLarge, typeTooLarge},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := h.do(t, http.MethodPost, path, []byte(tc.body), nil)
			p := wantProblem(t, r, tc.status, tc.typ)
			if p.Detail == "" {
				t.Errorf("problem without detail: %+v", p)
			}
			// A field's problem carries a code beside its English message.
			for f, msg := range p.Fields {
				if fe := p.FieldErrors[f]; fe.Code == "" || fe.Message != msg {
					t.Errorf("%s: field error %+v, want a code and the message %q", f, fe, msg)
				}
			}
		})
	}

	t.Run("a 512-character item key is accepted", func(t *testing.T) {
		wantStatus(t, h.reserve(t, in.UUID, strings.Repeat("x", 512), ""), http.StatusCreated)
	})

	t.Run("no rejected request reserved anything", func(t *testing.T) {
		n, err := e.store.Aliases().Count(context.Background(), in.ID)
		if err != nil || n != 1 {
			t.Errorf("the integration holds %d reservations (%v), want the 1 accepted", n, err)
		}
	})

	t.Run("an integration with single-use VMRs off answers 403", func(t *testing.T) {
		wantProblem(t, h.reserve(t, off.UUID, "k1", ""), http.StatusForbidden, typeForbidden)
	})

	t.Run("an unknown integration answers 404", func(t *testing.T) {
		wantProblem(t, h.reserve(t, "6f1c1a5e-0000-4000-8000-000000000000", "k1", ""), http.StatusNotFound, typeNotFound)
	})

	t.Run("GET on the reservations path answers a problem 405 naming POST", func(t *testing.T) {
		r := h.get(t, path, nil)
		wantProblem(t, r, http.StatusMethodNotAllowed, typeMethod)
		if r.header.Get("Allow") != "POST" {
			t.Errorf("Allow = %q, want POST", r.header.Get("Allow"))
		}
	})

	t.Run("POST on the pane path answers a problem 405", func(t *testing.T) {
		r := h.do(t, http.MethodPost, "/api/v1/integrations/"+in.UUID+"/pane", []byte(`{}`), nil)
		wantProblem(t, r, http.StatusMethodNotAllowed, typeMethod)
		if !strings.Contains(r.header.Get("Allow"), "GET") {
			t.Errorf("Allow = %q, want GET", r.header.Get("Allow"))
		}
	})
}

func TestReservationRateLimit(t *testing.T) {
	e := newEnv(t)
	in := e.addIntegration(t, "Contoso", nil)

	t.Run("the third reservation of a user in a minute answers 429 while others go on", func(t *testing.T) {
		cfg := e.config()
		cfg.ReservationRate = 2
		h := startHost(t, e, cfg)
		wantStatus(t, h.reserve(t, in.UUID, "a1", "alice@example.com"), http.StatusCreated)
		wantStatus(t, h.reserve(t, in.UUID, "a2", "alice@example.com"), http.StatusCreated)
		r := h.reserve(t, in.UUID, "a3", "alice@example.com")
		p := wantProblem(t, r, http.StatusTooManyRequests, typeRateLimited)
		secs, err := strconv.Atoi(r.header.Get("Retry-After"))
		if err != nil || secs < 1 || secs > 60 {
			t.Errorf("Retry-After = %q, want 1 to 60 seconds", r.header.Get("Retry-After"))
		}
		if !strings.Contains(p.Detail, "2 reservations a minute") {
			t.Errorf("detail = %q", p.Detail)
		}
		// The limit is per user, whatever case the address comes in.
		wantProblem(t, h.reserve(t, in.UUID, "a4", "ALICE@example.com"), http.StatusTooManyRequests, typeRateLimited)
		wantStatus(t, h.reserve(t, in.UUID, "b1", "bob@example.com"), http.StatusCreated)
		if n, _ := e.store.Aliases().Count(context.Background(), in.ID); n != 3 {
			t.Errorf("%d reservations stored, want 3", n)
		}
	})

	t.Run("a rate changed while the host runs applies to the next reservation", func(t *testing.T) {
		cfg := e.config()
		cfg.ReservationRate = 1
		h := startHost(t, e, cfg)
		wantStatus(t, h.reserve(t, in.UUID, "d1", "dave@example.com"), http.StatusCreated)
		wantProblem(t, h.reserve(t, in.UUID, "d2", "dave@example.com"), http.StatusTooManyRequests, typeRateLimited)
		if err := h.srv.SetReservationRate(0); err != nil {
			t.Fatal(err)
		}
		wantStatus(t, h.reserve(t, in.UUID, "d3", "dave@example.com"), http.StatusCreated)
		if err := h.srv.SetReservationRate(-1); err == nil {
			t.Error("a negative rate was taken")
		}
	})

	t.Run("a rate of 0 turns the limit off", func(t *testing.T) {
		cfg := e.config()
		cfg.ReservationRate = 0
		h := startHost(t, e, cfg)
		for i := range 100 {
			wantStatus(t, h.reserve(t, in.UUID, fmt.Sprintf("unlimited-%d", i), "carol@example.com"), http.StatusCreated)
		}
	})
}

func TestExhaustedAliasSpace(t *testing.T) {
	var draws atomic.Int64
	e := newEnv(t, alias.WithDigits(func(n int) (string, error) {
		draws.Add(1)
		return strings.Repeat("4", n), nil
	}))
	in := e.addIntegration(t, "Contoso", nil)
	h := startHost(t, e, e.config())

	wantStatus(t, h.reserve(t, in.UUID, "first", ""), http.StatusCreated)
	t.Run("a reservation that finds no free alias answers 503", func(t *testing.T) {
		before := draws.Load()
		p := wantProblem(t, h.reserve(t, in.UUID, "second", ""), http.StatusServiceUnavailable, typeUnavailable)
		if p.Detail == "" {
			t.Errorf("no detail: %+v", p)
		}
		// Promptly: a bounded number of draws, not a search until the
		// request times out.
		if n := draws.Load() - before; n < 1 || n > 64 {
			t.Errorf("the search drew %d aliases, want a small bounded number", n)
		}
	})
	t.Run("the retry of the item that got the alias still answers 200", func(t *testing.T) {
		wantStatus(t, h.reserve(t, in.UUID, "first", ""), http.StatusOK)
	})
}

func TestPersonalVMRs(t *testing.T) {
	e := newEnv(t)
	in := e.addIntegration(t, "Contoso", map[string]any{
		"personal_vmr_name_template":         "Room: {{ name }}",
		"personal_vmr_description_template":  "{{ description }}",
		"personal_vmr_instructions_template": `<p>Join <b>{{ name }}</b> at {{ domain_aliases|first }}{% if allow_guests %}, guest PIN {{ guest_pin }}{% endif %}</p>`,
		"personal_vmr_location_template":     "{{ domain_aliases|first }}",
	})
	off := e.addIntegration(t, "Single-use only", map[string]any{"enable_personal_vmrs": false})
	const evil = `<img src=x onerror=alert(1)>`
	e.addConference(t, &conference.Conference{
		Name: evil, Description: "Alice & co", PIN: "1234", GuestPIN: "5678", AllowGuests: true,
		PrimaryOwnerEmailAddress: "alice@example.com",
		Aliases:                  []conference.Alias{{Alias: "meet.alice@vc.example.com"}, {Alias: "4711"}, {Alias: "alice"}},
	})
	e.addConference(t, &conference.Conference{
		Name: "Alice's second room", PrimaryOwnerEmailAddress: "alice@example.com",
		Aliases: []conference.Alias{{Alias: "alice2@vc.example.com"}},
	})
	e.addConference(t, &conference.Conference{
		Name: "Bob's room", PIN: "9999", PrimaryOwnerEmailAddress: "bob@example.com",
		Aliases: []conference.Alias{{Alias: "meet.bob@vc.example.com"}},
	})
	e.addConference(t, &conference.Conference{
		Name: "Shared room", Aliases: []conference.Alias{{Alias: "shared@vc.example.com"}},
	})
	h := startHost(t, e, e.config())
	path := "/api/v1/integrations/" + in.UUID + "/personal-vmrs"

	type answer struct {
		User string                  `json:"user"`
		VMRs []addinhost.PersonalVMR `json:"vmrs"`
	}

	t.Run("the user sees only the rooms they own", func(t *testing.T) {
		r := h.get(t, path, map[string]string{"X-VMR-User": "Alice@Example.com"})
		wantStatus(t, r, http.StatusOK)
		got := decode[answer](t, r)
		if got.User != "alice@example.com" || len(got.VMRs) != 2 {
			t.Fatalf("answer = %+v", got)
		}
		for _, v := range got.VMRs {
			if strings.Contains(v.Name, "Bob") || strings.Contains(v.Name, "Shared") {
				t.Errorf("alice sees %q", v.Name)
			}
		}
	})

	t.Run("each room is rendered with the integration's templates", func(t *testing.T) {
		got := decode[answer](t, h.get(t, path, map[string]string{"X-VMR-User": "alice@example.com"}))
		var v addinhost.PersonalVMR
		for _, x := range got.VMRs {
			if x.Location == "meet.alice@vc.example.com" {
				v = x
			}
		}
		if v.ID == 0 {
			t.Fatalf("alice's first room is missing: %+v", got.VMRs)
		}
		if v.Name != "Room: "+evil || v.Description != "Alice & co" {
			t.Errorf("name %q, description %q: text templates insert values as they are", v.Name, v.Description)
		}
		if want := []string{"meet.alice@vc.example.com", "4711", "alice"}; strings.Join(v.Aliases, ",") != strings.Join(want, ",") {
			t.Errorf("aliases = %v, want %v", v.Aliases, want)
		}
		wantHTML := `<p>Join <b>&lt;img src=x onerror=alert(1)&gt;</b> at meet.alice@vc.example.com, guest PIN 5678</p>`
		if v.InstructionsHTML != wantHTML {
			t.Errorf("instructions = %q, want %q", v.InstructionsHTML, wantHTML)
		}
		if strings.Contains(v.InstructionsHTML, "<img") {
			t.Errorf("the room's name reached the instructions unescaped: %q", v.InstructionsHTML)
		}
	})

	t.Run("a user without rooms gets an empty list", func(t *testing.T) {
		r := h.get(t, path, map[string]string{"X-VMR-User": "nobody@example.com"})
		wantStatus(t, r, http.StatusOK)
		if !bytes.Contains(r.body, []byte(`"vmrs":[]`)) {
			t.Errorf("body = %s, want an empty vmrs list", r.body)
		}
	})

	t.Run("an integration with personal VMRs off answers 403", func(t *testing.T) {
		wantProblem(t, h.get(t, "/api/v1/integrations/"+off.UUID+"/personal-vmrs", map[string]string{"X-VMR-User": "alice@example.com"}),
			http.StatusForbidden, typeForbidden)
	})

	t.Run("an unknown integration answers 404", func(t *testing.T) {
		wantProblem(t, h.get(t, "/api/v1/integrations/not-a-uuid/personal-vmrs", nil), http.StatusNotFound, typeNotFound)
	})
}

func TestManifests(t *testing.T) {
	e := newEnv(t)
	h := startHost(t, e, e.config())

	t.Run("/manifest.xml with no integration answers a problem 404", func(t *testing.T) {
		wantProblem(t, h.get(t, "/manifest.xml", nil), http.StatusNotFound, typeNotFound)
	})

	one := e.addIntegration(t, "Contoso", nil)
	t.Run("/manifest.xml with one integration answers that integration's manifest", func(t *testing.T) {
		r := h.get(t, "/manifest.xml", nil)
		wantStatus(t, r, http.StatusOK)
		if !containsAll(string(r.body), "<Id>"+one.UUID+"</Id>", h.url+"/addin/taskpane.html") {
			t.Errorf("manifest = %s", r.body)
		}
		if ct := r.header.Get("Content-Type"); ct != "application/xml; charset=utf-8" {
			t.Errorf("Content-Type = %q", ct)
		}
	})

	t.Run("an integration's manifest.xml names it and this host", func(t *testing.T) {
		r := h.get(t, "/integrations/"+one.UUID+"/manifest.xml", nil)
		wantStatus(t, r, http.StatusOK)
		if !containsAll(string(r.body), "<Id>"+one.UUID+"</Id>", `SourceLocation DefaultValue="`+h.url+`/addin/taskpane.html"`) {
			t.Errorf("manifest = %s", r.body)
		}
		if cd := r.header.Get("Content-Disposition"); cd != `attachment; filename="manifest.xml"` {
			t.Errorf("Content-Disposition = %q", cd)
		}
		if cc := r.header.Get("Cache-Control"); cc != "no-store" {
			t.Errorf("Cache-Control = %q", cc)
		}
	})

	t.Run("an integration's manifest.json is JSON", func(t *testing.T) {
		r := h.get(t, "/integrations/"+one.UUID+"/manifest.json", nil)
		wantStatus(t, r, http.StatusOK)
		got := decode[map[string]string](t, r)
		if got["id"] != one.UUID || got["taskpane"] != h.url+"/addin/taskpane.html" {
			t.Errorf("manifest = %v", got)
		}
	})

	for _, tc := range []struct{ name, path string }{
		{"another format answers a problem 404", "/integrations/" + one.UUID + "/manifest.yaml"},
		{"an unknown integration answers a problem 404", "/integrations/6f1c1a5e-0000-4000-8000-000000000000/manifest.xml"},
		{"a reference that is not a uuid answers a problem 404", "/integrations/Contoso/manifest.xml"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			wantProblem(t, h.get(t, tc.path, nil), http.StatusNotFound, typeNotFound)
		})
	}

	two := e.addIntegration(t, "Fabrikam", nil)
	t.Run("/manifest.xml with two integrations answers 409 listing both", func(t *testing.T) {
		p := wantProblem(t, h.get(t, "/manifest.xml", nil), http.StatusConflict, typeConflict)
		for _, in := range []string{one.UUID, two.UUID, "Contoso", "Fabrikam"} {
			if !strings.Contains(p.Detail, in) {
				t.Errorf("detail %q lacks %s", p.Detail, in)
			}
		}
	})

	t.Run("the index page links every manifest", func(t *testing.T) {
		r := h.get(t, "/", nil)
		wantStatus(t, r, http.StatusOK)
		if !containsAll(string(r.body), "/integrations/"+one.UUID+"/manifest.xml", "/integrations/"+two.UUID+"/manifest.json") {
			t.Errorf("index = %s", r.body)
		}
	})
}

func TestManifestsWithoutBuilder(t *testing.T) {
	e := newEnv(t)
	in := e.addIntegration(t, "Contoso", nil)
	cfg := e.config()
	cfg.Manifests = nil
	h := startHost(t, e, cfg)
	t.Run("a host started without manifests answers 503", func(t *testing.T) {
		wantProblem(t, h.get(t, "/integrations/"+in.UUID+"/manifest.xml", nil), http.StatusServiceUnavailable, typeUnavailable)
	})
}

// brokenManifests fails for one integration and panics for another.
type brokenManifests struct{}

func (brokenManifests) Manifest(ctx context.Context, in *integration.Integration, format, baseURL string) ([]byte, error) {
	switch in.Name {
	case "Panics":
		panic("manifest builder bug")
	case "Fails":
		return nil, errors.New("the icon file is missing")
	}
	return fakeManifests{}.Manifest(ctx, in, format, baseURL)
}

func TestManifestFailures(t *testing.T) {
	e := newEnv(t)
	fails := e.addIntegration(t, "Fails", nil)
	panics := e.addIntegration(t, "Panics", nil)
	works := e.addIntegration(t, "Works", nil)
	var logs bytes.Buffer
	var mu sync.Mutex
	cfg := e.config()
	cfg.Manifests = brokenManifests{}
	cfg.Logger = slog.New(slog.NewTextHandler(lockedWriter{&mu, &logs}, nil))
	h := startHost(t, e, cfg)

	for _, tc := range []struct {
		name string
		uuid string
	}{
		{"a builder error answers a problem 500 with a correlation id", fails.UUID},
		{"a builder panic answers a problem 500 with a correlation id", panics.UUID},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := wantProblem(t, h.get(t, "/integrations/"+tc.uuid+"/manifest.xml", nil), http.StatusInternalServerError, typeInternal)
			id := regexp.MustCompile(`[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}`).FindString(p.Detail)
			if id == "" {
				t.Fatalf("detail %q has no correlation id", p.Detail)
			}
			mu.Lock()
			defer mu.Unlock()
			if !strings.Contains(logs.String(), id) {
				t.Errorf("the log does not carry the correlation id %s:\n%s", id, logs.String())
			}
			if strings.Contains(p.Detail, "icon file") || strings.Contains(p.Detail, "builder bug") {
				t.Errorf("the problem leaks the internal error: %q", p.Detail)
			}
		})
	}
	t.Run("the host keeps serving after a panic", func(t *testing.T) {
		wantStatus(t, h.get(t, "/integrations/"+works.UUID+"/manifest.xml", nil), http.StatusOK)
	})
}

// lockedWriter serializes writes of concurrent requests' log lines.
type lockedWriter struct {
	mu *sync.Mutex
	w  io.Writer
}

func (l lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}

func TestSlowTemplate(t *testing.T) {
	e := newEnv(t)
	// Valid, but rendering it takes far longer than the render budget.
	in := e.addIntegration(t, "Contoso", map[string]any{
		"meeting_instructions_template": `{% for i in range(10000) %}{% for j in range(10000) %}{% endfor %}{% endfor %}{{ alias }}`,
	})
	h := startHost(t, e, e.config())

	t.Run("instructions that take too long to render answer 503 with Retry-After", func(t *testing.T) {
		r := h.reserve(t, in.UUID, "k1", "")
		wantProblem(t, r, http.StatusServiceUnavailable, typeUnavailable)
		if r.header.Get("Retry-After") == "" {
			t.Errorf("no Retry-After")
		}
	})
	t.Run("the alias stays reserved for the retry", func(t *testing.T) {
		wantProblem(t, h.reserve(t, in.UUID, "k1", ""), http.StatusServiceUnavailable, typeUnavailable)
		if n, err := e.store.Aliases().Count(context.Background(), in.ID); err != nil || n != 1 {
			t.Errorf("%d reservations (%v), want 1", n, err)
		}
	})
}
