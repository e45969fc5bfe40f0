package addinhost

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"html"
	"io"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/google/uuid"

	"vmr-companion/backend/alias"
	"vmr-companion/backend/conference"
	"vmr-companion/backend/integration"
	"vmr-companion/backend/problem"
	"vmr-companion/backend/templates"
)

// TokenPrefix starts the token a meeting body carries so the scheduler can
// match the invitation to its reservation: "vmr-companion:<alias uuid>".
const TokenPrefix = "vmr-companion:"

// PlaceholderToken marks the placeholder text the add-in inserts when no
// alias could be reserved; the scheduler reserves one when the meeting
// reaches the room mailbox and updates the meeting.
const PlaceholderToken = TokenPrefix + "pending"

func (s *Server) index(w http.ResponseWriter, r *http.Request) {
	var b strings.Builder
	b.WriteString(`<!doctype html><html lang="en"><head><meta charset="utf-8"><title>VMR Companion add-in host</title>
<style>body{font:14px system-ui,sans-serif;margin:2rem;max-width:48rem;color:#242424}code{background:#f0f0f0;padding:0 .2em}</style></head><body>
<h1>VMR Companion add-in host</h1><p>Sideload one of these manifests into Outlook (see docs/sideloading.md).</p><ul>`)
	if s.cfg.Integrations != nil {
		if list, err := s.cfg.Integrations.List(r.Context()); err == nil {
			for _, in := range list {
				fmt.Fprintf(&b, `<li>%s: <a href="/integrations/%s/manifest.xml">manifest.xml</a> · <a href="/integrations/%s/manifest.json">manifest.json</a></li>`,
					html.EscapeString(in.Name), in.UUID, in.UUID)
			}
		}
	}
	b.WriteString(`</ul></body></html>`)
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.Write([]byte(b.String()))
}

func (s *Server) static(w http.ResponseWriter, r *http.Request) {
	name := r.PathValue("path")
	if name == "" || strings.HasSuffix(name, "/") {
		name += "taskpane.html"
	}
	a, ok := s.files[name]
	if !ok {
		writeProblem(w, Problem{Type: typeNotFound, Title: "Not found", Status: http.StatusNotFound, Detail: "no add-in file /addin/" + name})
		return
	}
	a.serve(w, r)
}

func (s *Server) officeJSFile(w http.ResponseWriter, r *http.Request) {
	a, ok := s.officeJS[r.PathValue("path")]
	if !ok {
		writeProblem(w, Problem{Type: typeNotFound, Title: "Not found", Status: http.StatusNotFound,
			Detail: "this build hosts no such Office.js file; integrations without custom add-in sources load Office.js from Microsoft"})
		return
	}
	a.serve(w, r)
}

// integrationOf finds the integration a request names, or answers 404.
func (s *Server) integrationOf(w http.ResponseWriter, r *http.Request) (*integration.Integration, bool) {
	id := r.PathValue("uuid")
	if _, err := uuid.Parse(id); err != nil {
		writeProblem(w, Problem{Type: typeNotFound, Title: "Unknown integration", Status: http.StatusNotFound, Detail: "integrations are named by their uuid"})
		return nil, false
	}
	in, err := s.integration(r.Context(), id)
	if errors.Is(err, integration.ErrNotFound) {
		writeProblem(w, Problem{Type: typeNotFound, Title: "Unknown integration", Status: http.StatusNotFound, Detail: "no integration has uuid " + id})
		return nil, false
	}
	if err != nil {
		s.internal(w, "reading integration", err)
		return nil, false
	}
	return in, true
}

// integrationTTL is how long the API reuses an integration it read: every
// reservation needs it, and reading it costs more than the reservation.
// An admin's change reaches the add-in within this time.
const integrationTTL = 2 * time.Second

type cachedIntegration struct {
	in   *integration.Integration
	read time.Time
}

// integration reads an integration by uuid through a short-lived cache.
// Callers must not change what it returns: it is shared.
func (s *Server) integration(ctx context.Context, id string) (*integration.Integration, error) {
	now := time.Now()
	s.cacheMu.Lock()
	c, ok := s.cache[id]
	s.cacheMu.Unlock()
	if ok && now.Sub(c.read) < integrationTTL {
		return c.in, nil
	}
	in, err := s.cfg.Integrations.Get(ctx, id)
	if err != nil {
		return nil, err
	}
	s.cacheMu.Lock()
	if s.cache == nil || len(s.cache) > 1000 {
		s.cache = map[string]cachedIntegration{}
	}
	s.cache[id] = cachedIntegration{in: in, read: now}
	s.cacheMu.Unlock()
	return in, nil
}

func (s *Server) internal(w http.ResponseWriter, what string, err error) {
	id := requestID(w)
	s.log.Error("add-in host: "+what, "request_id", id, "error", err)
	writeProblem(w, Problem{Type: typeInternal, Title: "Internal error", Status: http.StatusInternalServerError,
		Detail: "the error was logged with request id " + id})
}

// renderFailed answers a template that could not be rendered. Rendering has
// a wall-clock budget (templates.MaxRenderTime), which a busy machine can
// overrun with any template: that is a moment's overload, not a bug, so it
// answers 503 and asks the pane to try again (the reservation is kept, and
// the retry gets the same alias).
func (s *Server) renderFailed(w http.ResponseWriter, what string, err error) {
	if !errors.Is(err, templates.ErrRenderTimeout) {
		s.internal(w, what, err)
		return
	}
	s.log.Warn("add-in host: "+what+" took too long", "error", err)
	w.Header().Set("Retry-After", "1")
	writeProblem(w, Problem{Type: typeUnavailable, Title: "Busy", Status: http.StatusServiceUnavailable,
		Detail: "the joining instructions took too long to render; try again (if this keeps happening, the template may need simplifying)"})
}

func (s *Server) baseURL(r *http.Request) string { return "https://" + r.Host }

func (s *Server) manifest(w http.ResponseWriter, r *http.Request) {
	format, _ := strings.CutPrefix(r.PathValue("file"), "manifest.")
	if format != "xml" && format != "json" {
		writeProblem(w, Problem{Type: typeNotFound, Title: "Not found", Status: http.StatusNotFound, Detail: "manifests are manifest.xml or manifest.json"})
		return
	}
	in, ok := s.integrationOf(w, r)
	if !ok {
		return
	}
	s.writeManifest(w, r, in, format)
}

// defaultManifest serves the manifest of the only integration; with several
// it lists them, as the host cannot guess.
func (s *Server) defaultManifest(w http.ResponseWriter, r *http.Request) {
	list, err := s.cfg.Integrations.List(r.Context())
	if err != nil {
		s.internal(w, "listing integrations", err)
		return
	}
	switch len(list) {
	case 0:
		writeProblem(w, Problem{Type: typeNotFound, Title: "No integration", Status: http.StatusNotFound,
			Detail: "create an integration first (vmr-companion integrations create, or the desktop window)"})
		return
	case 1:
	default:
		names := make([]string, len(list))
		for i, in := range list {
			names[i] = fmt.Sprintf("%s: /integrations/%s/manifest.xml", in.Name, in.UUID)
		}
		writeProblem(w, Problem{Type: typeConflict, Title: "Several integrations", Status: http.StatusConflict,
			Detail: "choose one: " + strings.Join(names, "; ")})
		return
	}
	in, err := s.cfg.Integrations.Get(r.Context(), list[0].UUID)
	if err != nil {
		s.internal(w, "reading integration", err)
		return
	}
	s.writeManifest(w, r, in, "xml")
}

func (s *Server) writeManifest(w http.ResponseWriter, r *http.Request, in *integration.Integration, format string) {
	if s.cfg.Manifests == nil {
		writeProblem(w, Problem{Type: typeUnavailable, Title: "No manifests", Status: http.StatusServiceUnavailable, Detail: "this host was started without manifests"})
		return
	}
	data, err := s.cfg.Manifests.Manifest(r.Context(), in, format, s.baseURL(r))
	if err != nil {
		s.internal(w, "building the manifest", err)
		return
	}
	ctype := "application/xml; charset=utf-8"
	if format == "json" {
		ctype = "application/json"
	}
	w.Header().Set("Content-Type", ctype)
	w.Header().Set("Content-Disposition", fmt.Sprintf(`attachment; filename="manifest.%s"`, format))
	w.Header().Set("Cache-Control", "no-store")
	w.Write(data)
}

// PaneConfig is what the task pane needs to draw itself.
type PaneConfig struct {
	Integration string `json:"integration"`
	Name        string `json:"name"`
	SingleUse   bool   `json:"single_use_enabled"`
	Personal    bool   `json:"personal_enabled"`
	Debug       bool   `json:"debug"`
	// Auth is how the pane proves who the user is: PaneAuthNone,
	// PaneAuthExchange, PaneAuthSSO or PaneAuthNAA.
	Auth string `json:"auth"`
	// NAAClientID, NAAAuthority and NAAScopes configure MSAL's nested app
	// authentication (Auth "naa"): the add-in's SPA registration
	// (addin_application_id), the authority (addin_authority_url) and the
	// scope of the add-in's web API (addin_naa_web_api_application_id).
	NAAClientID     string            `json:"naa_client_id,omitempty"`
	NAAAuthority    string            `json:"naa_authority,omitempty"`
	NAAScopes       []string          `json:"naa_scopes,omitempty"`
	AuthProvider    string            `json:"auth_provider"`
	RoomMailbox     string            `json:"room_mailbox"`
	RoomMailboxName string            `json:"room_mailbox_name"`
	Texts           map[string]string `json:"texts"`
	// PlaceholderHTML goes into the body when no alias can be reserved,
	// so the user can still send; the scheduler fills in the room later.
	PlaceholderHTML string `json:"placeholder_html"`

	// Domains are the names of the integration's Exchange domains (the
	// host of a URL entry, without scheme, port or path): a delegate's pane
	// checks the calendar owner's address against them, as the scheduler
	// does. Only the names: a URL entry's path or port stays on the host.
	Domains []string `json:"domains"`
}

func (s *Server) pane(w http.ResponseWriter, r *http.Request) {
	in, ok := s.integrationOf(w, r)
	if !ok {
		return
	}
	method, p := s.method(in)
	if p != nil {
		writeProblem(w, *p)
		return
	}
	texts := map[string]string{}
	raw, _ := json.Marshal(in)
	var all map[string]any
	_ = json.Unmarshal(raw, &all)
	for k, v := range all {
		if strings.HasPrefix(k, "addin_pane_") {
			texts[k], _ = v.(string)
		}
	}
	cfg := PaneConfig{Integration: in.UUID, Name: in.Name, SingleUse: in.EnableDynamicVMRs, Personal: in.EnablePersonalVMRs,
		Debug: in.EnableAddinDebugLogs, Auth: method, AuthProvider: in.AuthProvider, RoomMailboxName: in.RoomMailboxName,
		Domains: domainNames(in.Domains), Texts: texts}
	if in.RoomMailboxEmailAddress != nil {
		cfg.RoomMailbox = *in.RoomMailboxEmailAddress
	}
	if method == PaneAuthNAA {
		cfg.NAAClientID, cfg.NAAAuthority, cfg.NAAScopes = naaSettings(in)
	}
	placeholder, err := s.cfg.Templates.Render(r.Context(), "placeholder_instructions_template", in.PlaceholderInstructionsTemplate, map[string]any{"addin_server_domain": in.AddinServerDomain})
	if err != nil {
		s.internal(w, "rendering the placeholder instructions", err)
		return
	}
	// The scheduler knows a meeting that needs a room by this marker,
	// whatever the admin's template says.
	if !strings.Contains(placeholder, PlaceholderToken) {
		placeholder += `<p style="color:#707070;font-size:smaller">` + PlaceholderToken + `</p>`
	}
	cfg.PlaceholderHTML = placeholder
	writeJSON(w, http.StatusOK, cfg)
}

// domainNames are the names of the integration's domains, lower-case,
// each once, in the order the admin listed them. An entry is a name or a
// URL (its host counts), as the scheduler reads it.
func domainNames(domains []string) []string {
	out := []string{}
	for _, d := range domains {
		d = strings.ToLower(strings.TrimSpace(d))
		d = strings.TrimPrefix(strings.TrimPrefix(d, "https://"), "http://")
		if i := strings.IndexAny(d, "/:"); i >= 0 {
			d = d[:i]
		}
		d = strings.TrimSuffix(d, ".")
		if d != "" && !slices.Contains(out, d) {
			out = append(out, d)
		}
	}
	return out
}

// ReservationRequest is the body of a single-use VMR request: the pane's
// key of the meeting being composed.
type ReservationRequest struct {
	ItemKey string `json:"item_key"`
}

// Reservation is the answer to a single-use VMR request.
type Reservation struct {
	Alias            string `json:"alias"`
	NumericAlias     string `json:"numeric_alias"`
	AliasUUID        string `json:"alias_uuid"`
	InstructionsHTML string `json:"instructions_html"`
	Location         string `json:"location"`
	RoomMailbox      string `json:"room_mailbox"`
	RoomMailboxName  string `json:"room_mailbox_name"`
	Token            string `json:"token"`
	ExpiresAt        string `json:"expires_at"`
	Created          bool   `json:"created"`
}

func (s *Server) reserve(w http.ResponseWriter, r *http.Request) {
	in, ok := s.integrationOf(w, r)
	if !ok {
		return
	}
	if !in.EnableDynamicVMRs {
		writeProblem(w, Problem{Type: typeForbidden, Title: "Single-use VMRs are off", Status: http.StatusForbidden,
			Detail: "the integration " + in.Name + " does not offer single-use VMRs"})
		return
	}
	who, p := s.identify(r, in)
	if p != nil {
		writeProblem(w, *p)
		return
	}
	// Only JSON: a form or text/plain POST from some other web page would
	// otherwise reach this without a CORS preflight.
	if ct := r.Header.Get("Content-Type"); !strings.HasPrefix(strings.ToLower(strings.TrimSpace(ct)), "application/json") {
		writeProblem(w, Problem{Type: typeBadRequest, Title: "JSON required", Status: http.StatusUnsupportedMediaType,
			Detail: "send Content-Type: application/json"})
		return
	}
	var body ReservationRequest
	dec := json.NewDecoder(r.Body)
	dec.DisallowUnknownFields()
	err := dec.Decode(&body)
	if err == nil {
		// One object and nothing after it: reading on to the end also holds
		// what follows the object to the size limit.
		if _, next := dec.Token(); next != io.EOF {
			err = next
			if err == nil {
				err = errors.New("unexpected data after the JSON object")
			}
		}
	}
	if err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			writeProblem(w, Problem{Type: typeTooLarge, Title: "Request too large", Status: http.StatusRequestEntityTooLarge,
				Detail: fmt.Sprintf("request bodies are limited to %d KB", maxBody>>10)})
			return
		}
		writeProblem(w, Problem{Type: typeBadRequest, Title: "Invalid request", Status: http.StatusBadRequest,
			Detail: `send a JSON object {"item_key": "…"}: ` + err.Error()})
		return
	}
	key := strings.TrimSpace(body.ItemKey)
	if key == "" || len(key) > 512 {
		writeProblem(w, badField("item_key", problem.ItemKeyLength.Errorf(problem.Args(512), "required, at most 512 characters"),
			"item_key must be 1 to 512 characters"))
		return
	}
	if schedulerKey(key) {
		writeProblem(w, badField("item_key", problem.ItemKeyPlaceholder.Errorf(nil, `must not start with "placeholder:"`),
			`item_key may not start with "placeholder:": the scheduler keeps its own reservations under that prefix; use another key (the add-in uses the compose item's id)`))
		return
	}
	if allowed, wait := s.limiter.allow(who.Key); !allowed {
		secs := int(wait.Seconds()) + 1
		w.Header().Set("Retry-After", strconv.Itoa(secs))
		writeProblem(w, Problem{Type: typeRateLimited, Title: "Too many reservations", Status: http.StatusTooManyRequests,
			Detail: fmt.Sprintf("at most %d reservations a minute per user; try again in %d s", s.limiter.rate(), secs)})
		return
	}
	stored, owner := key, alias.Owner{Email: who.Email}
	if who.Method != PaneAuthNone {
		stored = ownedItemKey(who.Key, key)
		owner.Key, owner.Verified = storedIdentity(who.Key), who.Verified
	}
	a, created, err := s.cfg.Aliases.ReserveAs(r.Context(), in, stored, owner)
	if err == nil && !created && who.Method == PaneAuthNone && a.UserEmail != who.Email {
		// Another user's compose item: never hand out their reservation.
		writeProblem(w, Problem{Type: typeConflict, Title: "Item key in use", Status: http.StatusConflict,
			Detail: "this item_key belongs to another user's reservation; use a new key"})
		return
	}
	if errors.Is(err, alias.ErrExhausted) {
		s.log.Error("alias space exhausted", "integration", in.Name, "error", err)
		writeProblem(w, Problem{Type: typeUnavailable, Title: "No alias available", Status: http.StatusServiceUnavailable,
			Detail: "no free single-use alias could be found; an admin must raise the alias length or free reservations"})
		return
	}
	if err != nil {
		s.internal(w, "reserving an alias", err)
		return
	}
	res, err := s.reservation(r, in, a, created)
	if err != nil {
		s.renderFailed(w, "rendering the joining instructions", err)
		return
	}
	status := http.StatusOK
	if created {
		status = http.StatusCreated
		if s.cfg.Observer != nil {
			s.cfg.Observer.Reserved(in.Name)
		}
	}
	writeJSON(w, status, res)
}

// schedulerItemPrefix starts the item keys of the reservations the
// scheduler makes itself for placeholder meetings ("placeholder:<uid>");
// one taken by the add-in first would hand its alias to that meeting.
const schedulerItemPrefix = "placeholder:"

// schedulerKey tells whether an item key is in the scheduler's namespace,
// whatever its case.
func schedulerKey(key string) bool {
	return len(key) >= len(schedulerItemPrefix) && strings.EqualFold(key[:len(schedulerItemPrefix)], schedulerItemPrefix)
}

// ownedItemKey stores a signed-in user's item key under their stable
// identity, so a compose item's reservation goes back only to the subject
// that made it, even when another account later has the same address.
// The identity is hashed (it need not be readable in the database) and a
// key that would pass the store's 512 characters is hashed too.
func ownedItemKey(identity, key string) string {
	owner := sha256.Sum256([]byte(identity))
	prefix := "oidc:" + base64.RawURLEncoding.EncodeToString(owner[:18]) + ":"
	if len(prefix)+len(key) > 512 {
		k := sha256.Sum256([]byte(key))
		key = "sha256:" + base64.RawURLEncoding.EncodeToString(k[:])
	}
	return prefix + key
}

// storedIdentity is the identity a reservation records: readable when it
// fits the store's 600 characters, else its hash (an Exchange metadata
// URL can be long).
func storedIdentity(key string) string {
	if len(key) <= 600 {
		return key
	}
	h := sha256.Sum256([]byte(key))
	return "sha256:" + base64.RawURLEncoding.EncodeToString(h[:])
}

// reservation renders the joining instructions for a reserved alias and
// makes sure they carry the token.
func (s *Server) reservation(r *http.Request, in *integration.Integration, a *alias.ScheduledAlias, created bool) (*Reservation, error) {
	token := TokenPrefix + a.UUID
	vars := map[string]any{"alias": a.Alias, "numeric_alias": a.NumericAlias, "alias_uuid": a.UUID, "addin_server_domain": in.AddinServerDomain}
	body, err := s.cfg.Templates.Render(r.Context(), "meeting_instructions_template", in.MeetingInstructionsTemplate, vars)
	if err != nil {
		return nil, err
	}
	// The scheduler finds the meeting's reservation by this token, whatever
	// the admin's template says.
	if !strings.Contains(body, token) {
		body += `<p style="color:#707070;font-size:smaller">` + html.EscapeString(token) + `</p>`
	}
	res := &Reservation{Alias: a.Alias, NumericAlias: a.NumericAlias, AliasUUID: a.UUID, InstructionsHTML: body,
		Location: a.Alias, RoomMailboxName: in.RoomMailboxName, Token: token, Created: created,
		ExpiresAt: a.ExpiresAt.UTC().Format("2006-01-02T15:04:05Z")}
	if in.RoomMailboxEmailAddress != nil {
		res.RoomMailbox = *in.RoomMailboxEmailAddress
	}
	return res, nil
}

// defaultNAAAuthority is MSAL's authority when the integration names none.
const defaultNAAAuthority = "https://login.microsoftonline.com/common"

// naaSettings are the pane's MSAL settings for nested app authentication:
// the SPA's client id, the authority, and the scope of the add-in's web
// API (its Application ID URI + "/access_as_user", the scope Office SSO
// registrations expose).
func naaSettings(in *integration.Integration) (clientID, authority string, scopes []string) {
	if in.AddinApplicationID != nil {
		clientID = strings.TrimSpace(*in.AddinApplicationID)
	}
	authority = strings.TrimSpace(in.AddinAuthorityURL)
	if authority == "" {
		authority = defaultNAAAuthority
	}
	if api := apiAudiences(in.AddinServerDomain, in.AddinNAAWebAPIApplicationID); len(api) > 0 {
		scopes = []string{api[len(api)-1] + "/access_as_user"}
	}
	return clientID, authority, scopes
}

// PersonalVMR is one of the user's own rooms, rendered for the pane.
type PersonalVMR struct {
	ID               int64    `json:"id"`
	Name             string   `json:"name"`
	Description      string   `json:"description"`
	Aliases          []string `json:"aliases"`
	InstructionsHTML string   `json:"instructions_html"`
	Location         string   `json:"location"`
}

// PersonalVMRs is the answer to the personal VMR list: whose, and theirs.
type PersonalVMRs struct {
	User string        `json:"user"`
	VMRs []PersonalVMR `json:"vmrs"`
}

func (s *Server) personalVMRs(w http.ResponseWriter, r *http.Request) {
	in, ok := s.integrationOf(w, r)
	if !ok {
		return
	}
	if !in.EnablePersonalVMRs {
		writeProblem(w, Problem{Type: typeForbidden, Title: "Personal VMRs are off", Status: http.StatusForbidden,
			Detail: "the integration " + in.Name + " does not offer personal VMRs"})
		return
	}
	// The rooms are listed by the address the personal VMR sign-in
	// verified. Only a development host on loopback takes the pane's word
	// for it, as it does for reservations, unless the pane signed in.
	var email string
	switch {
	case s.cfg.Auth == AuthNone && r.Header.Get(sessionHeader) == "":
		who, p := s.identify(r, in)
		if p != nil {
			writeProblem(w, *p)
			return
		}
		email = who.Email
	case signInConfigured(in):
		sess, p := s.signedIn(r, in)
		if p != nil {
			writeProblem(w, *p)
			return
		}
		email = sess.email
	default:
		writeProblem(w, Problem{Type: typeUnauthorized, Title: "Personal VMR sign-in not configured", Status: http.StatusUnauthorized,
			Detail: "personal VMR sign-in is not configured for this integration: set personal_vmr_oauth_client_id and the authorization and token endpoints"})
		return
	}
	if email == "" {
		// Listing by no address lists every room: never.
		writeProblem(w, Problem{Type: typeSignInRequired, Title: "Sign-in required", Status: http.StatusUnauthorized,
			Detail: "sign in to see your personal rooms (the pane's sign-in button)"})
		return
	}
	list, err := s.cfg.Conferences.List(r.Context(), email)
	if err != nil {
		s.internal(w, "listing personal VMRs", err)
		return
	}
	out := make([]PersonalVMR, 0, len(list))
	for _, c := range list {
		p, err := conference.RenderPersonal(r.Context(), s.cfg.Templates, in, c)
		if err != nil {
			s.renderFailed(w, "rendering a personal VMR", err)
			return
		}
		out = append(out, PersonalVMR{ID: c.ID, Name: p.Name, Description: p.Description, InstructionsHTML: p.InstructionsHTML, Location: p.Location,
			Aliases: append(append(append([]string{}, p.DomainAliases...), p.NumericAliases...), p.OtherAliases...)})
	}
	writeJSON(w, http.StatusOK, PersonalVMRs{User: email, VMRs: out})
}
