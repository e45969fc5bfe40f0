package scheduler

import (
	"context"
	"errors"
	"fmt"
	"html"
	"slices"
	"strings"
	"time"

	"vmr-companion/backend/alias"
	"vmr-companion/backend/ews"
	"vmr-companion/backend/ical"
	"vmr-companion/backend/integration"
)

// Decision codes (see LogEntry.Code).
const (
	CodeAcceptNewSingle        = "accept_new_single"
	CodeAcceptNewSeries        = "accept_new_series"
	CodeAcceptEditedSingle     = "accept_edited_single"
	CodeAcceptEditedSeries     = "accept_edited_series"
	CodeAcceptEditedOccurrence = "accept_edited_occurrence"
	CodeCancelled              = "cancelled"
	CodeCancelledOccurrence    = "cancelled_occurrence"
	CodeRejectInvalidAliasID   = "reject_invalid_alias_id"
	CodeRejectAliasConflict    = "reject_alias_conflict"
	CodeRejectAliasDeleted     = "reject_alias_deleted"
	CodeRejectSinglePast       = "reject_single_past"
	CodeRejectSeriesPast       = "reject_series_past"
	CodeRejectGeneralError     = "reject_general_error"
	CodeIgnored                = "ignored"
	// CodeRejectNotOrganizer: someone other than the meeting's organizer
	// (or the user who reserved the room, or their delegate) sent it.
	CodeRejectNotOrganizer = "reject_not_organizer"
	// CodeRejectOrganizerMismatch: the iCalendar ORGANIZER is not the
	// organizer Exchange resolved for the message.
	CodeRejectOrganizerMismatch = "reject_organizer_mismatch"
	// CodeRejectPlaceholderRefused: a placeholder meeting from outside the
	// integration's Exchange domains, or with an unusable address.
	CodeRejectPlaceholderRefused = "reject_placeholder_refused"
	// CodeRejectPlaceholderLimit: the organizer sent more placeholder
	// meetings than Config.PlaceholderLimit allows in an hour.
	CodeRejectPlaceholderLimit = "reject_placeholder_rate_limited"
	// CodeAcceptAssignedWithoutAddin: a meeting that invited the room
	// mailbox without the add-in got a single-use VMR (assign_without_addin),
	// and the organizer's meeting is updated with the joining block.
	CodeAcceptAssignedWithoutAddin = "accept_assigned_without_addin"
	// CodeAcceptHealedJoinBlock: an update of an accepted meeting came
	// without its token; it keeps its VMR and the joining block is put back
	// into the organizer's meeting (heal_join_block).
	CodeAcceptHealedJoinBlock = "accept_healed_join_block"
)

// fill says what a decision writes into the organizer's meeting.
type fill int

const (
	fillNone        fill = iota
	fillPlaceholder      // replace the placeholder with the joining block
	fillAssign           // add the joining block to a meeting booked without the add-in
	fillHeal             // put the joining block back into an accepted meeting
)

// replyTemplate names the integration's template field for each code.
var replyTemplate = map[string]string{
	CodeAcceptNewSingle:        "accept_new_single_meeting_template",
	CodeAcceptNewSeries:        "accept_new_recurring_series_template",
	CodeAcceptEditedSingle:     "accept_edited_single_meeting_template",
	CodeAcceptEditedSeries:     "accept_edited_recurring_series_template",
	CodeAcceptEditedOccurrence: "accept_edited_occurrence_template",
	CodeRejectInvalidAliasID:   "reject_invalid_alias_id_template",
	CodeRejectAliasConflict:    "reject_alias_conflict_template",
	CodeRejectAliasDeleted:     "reject_alias_deleted_template",
	CodeRejectSinglePast:       "reject_single_meeting_past",
	CodeRejectSeriesPast:       "reject_recurring_series_past_template",
	CodeRejectGeneralError:     "reject_general_error_template",
	// The codes below have no template of their own: the reply is the
	// nearest existing one, the log says why.
	CodeRejectNotOrganizer:       "reject_invalid_alias_id_template",
	CodeRejectOrganizerMismatch:  "reject_general_error_template",
	CodeRejectPlaceholderRefused: "reject_invalid_alias_id_template",
	CodeRejectPlaceholderLimit:   "reject_general_error_template",
}

// Renderer renders an integration's template field (backend/templates).
type Renderer interface {
	Render(ctx context.Context, field, source string, vars map[string]any) (string, error)
}

// Aliases finds and, for placeholder meetings, makes reservations
// (backend/alias).
type Aliases interface {
	Lookup(ctx context.Context, id string) (*alias.ScheduledAlias, error)
	Reserve(ctx context.Context, in *integration.Integration, itemKey, userEmail string) (*alias.ScheduledAlias, bool, error)
}

// decider turns one mailbox item into an Outcome. An error means the
// decision could not be made now (the store failed) and the item is tried
// again; everything about the item itself ends in an Outcome.
type decider struct {
	in        *integration.Integration
	repo      Repository
	aliases   Aliases
	templates Renderer
	now       time.Time
	txID      string
	// horizon caps a placeholder conference without an end
	// (Config.PlaceholderHorizon); limit counts placeholder meetings per
	// organizer (nil: no limit).
	horizon time.Duration
	limit   *placeholderLimit
}

// meeting is what the scheduler reads from an item.
type meeting struct {
	item      *ews.Item
	cal       *ical.Calendar
	uid       string
	master    *ical.Event
	overrides []*ical.Event
	// event is the VEVENT the item is about: the master, or the one
	// occurrence it changes or cancels.
	event *ical.Event
	// organizer is the organizer Exchange resolved (lower-case address);
	// icalOrganizer is the ORGANIZER the sender wrote into the iCalendar;
	// delegate is who sent on the organizer's behalf, as Exchange reports
	// it ("" when the organizer sent it).
	organizer     ews.Mailbox
	icalOrganizer string
	delegate      string
}

func (d *decider) decide(ctx context.Context, item *ews.Item) (*Outcome, error) {
	out := &Outcome{IntegrationID: d.in.ID, ItemID: item.ID.ID, ChangeKey: item.ID.ChangeKey,
		Entry: LogEntry{TransactionID: d.txID, Time: d.now, ItemUID: item.UID, Subject: item.Subject, Organizer: exchangeOrganizer(item).Email}}
	m, err := read(item)
	if err != nil {
		if isCancellation(item, nil) {
			return d.ignore(out, "the cancellation could not be read: "+err.Error()), nil
		}
		return d.reject(ctx, out, CodeRejectGeneralError, nil, "the invitation could not be read: "+err.Error())
	}
	out.Entry.ItemUID, out.Entry.Organizer, out.delegate = m.uid, m.organizer.Email, m.delegate
	if m.event.Summary != "" {
		out.Entry.Subject = m.event.Summary
	}
	cancellation := isCancellation(item, m.cal)
	// Only Exchange's organizer counts: the iCalendar is whatever the
	// sender wrote.
	if why := organizerProblem(m); why != "" {
		if cancellation {
			return d.ignore(out, "a cancellation nothing was changed for: "+why), nil
		}
		return d.reject(ctx, out, CodeRejectOrganizerMismatch, nil, why)
	}
	if cancellation {
		return d.cancel(ctx, out, m)
	}
	return d.request(ctx, out, m)
}

// organizerProblem says why the message's organizer cannot be trusted, or "".
func organizerProblem(m *meeting) string {
	switch {
	case m.organizer.Email == "":
		return "Exchange named no SMTP address for the message's organizer, so it cannot be told who may change the meeting"
	case m.icalOrganizer != "" && !sameAddress(m.icalOrganizer, m.organizer.Email):
		return fmt.Sprintf("the invitation's iCalendar names the organizer %s, but Exchange says it comes from %s",
			clip(m.icalOrganizer), clip(m.organizer.Email))
	}
	return ""
}

// exchangeOrganizer is the meeting's organizer as Exchange resolved it:
// the owner also when a delegate sent it on the owner's behalf. Its SMTP
// address, from Organizer or else From; an X.500 address alone ("EX", a
// user Exchange could not resolve) gives none.
func exchangeOrganizer(item *ews.Item) ews.Mailbox {
	for _, o := range []ews.Mailbox{item.Organizer, item.From} {
		email := normalAddress(o.Email)
		if email != "" && strings.Contains(email, "@") && (o.RoutingType == "" || strings.EqualFold(o.RoutingType, "SMTP")) {
			return ews.Mailbox{Name: strings.TrimSpace(o.Name), Email: email}
		}
	}
	return ews.Mailbox{Name: strings.TrimSpace(item.Organizer.Name)}
}

func normalAddress(s string) string { return lowerASCII(strings.TrimSpace(s)) }

// sameAddress compares addresses case-insensitively (stored ones were
// lower-cased with strings.ToLower, fresh ones with lowerASCII).
func sameAddress(a, b string) bool {
	return a != "" && strings.EqualFold(strings.TrimSpace(a), strings.TrimSpace(b))
}

// clip shortens a sender-written value for a log line.
func clip(s string) string {
	if len(s) > 100 {
		s = strings.ToValidUTF8(s[:100], "") + "…"
	}
	return strings.ToValidUTF8(s, "?")
}

func isCancellation(item *ews.Item, cal *ical.Calendar) bool {
	if cal != nil && strings.EqualFold(cal.Method, "CANCEL") {
		return true
	}
	return item.Kind == "MeetingCancellation" || strings.HasPrefix(item.ItemClass, "IPM.Schedule.Meeting.Canceled")
}

// read parses the item's iCalendar and takes the organizer from Exchange:
// the owner of the meeting, also when a delegate sent it on the owner's
// behalf.
func read(item *ews.Item) (*meeting, error) {
	if len(item.MimeContent) == 0 {
		return nil, errors.New("the message has no MIME content")
	}
	cal, err := ical.ParseMIME(item.MimeContent, ical.ParseOptions{})
	if err != nil {
		return nil, err
	}
	if len(cal.Events) == 0 {
		return nil, errors.New("the calendar part holds no event")
	}
	m := &meeting{item: item, cal: cal, uid: item.UID}
	if m.uid == "" {
		m.uid = cal.Events[0].UID
	}
	m.master, m.overrides = cal.Series(m.uid)
	if m.master == nil && len(m.overrides) == 0 {
		return nil, fmt.Errorf("the calendar part has no event with the meeting's UID %q", m.uid)
	}
	// A request about one occurrence carries only that occurrence's VEVENT.
	m.event = m.master
	if m.master == nil {
		m.event = m.overrides[0]
	}
	m.organizer = exchangeOrganizer(item)
	m.icalOrganizer = normalAddress(m.event.Organizer.Email)
	if m.organizer.Name == "" && sameAddress(m.icalOrganizer, m.organizer.Email) {
		m.organizer.Name = strings.TrimSpace(m.event.Organizer.Name)
	}
	if sender := normalAddress(item.Sender.Email); sender != "" && sender != m.organizer.Email && forwardedBy(m) == "" {
		m.delegate = sender
	}
	return m, nil
}

func (d *decider) ignore(out *Outcome, why string) *Outcome {
	out.Entry.Success, out.Entry.Code, out.Entry.Description = true, CodeIgnored, why
	return out
}

// cancel removes the conference of a cancelled meeting, or one occurrence
// of a series.
func (d *decider) cancel(ctx context.Context, out *Outcome, m *meeting) (*Outcome, error) {
	rec, err := d.repo.Meeting(ctx, d.in.ID, m.uid)
	if errors.Is(err, ErrNotFound) {
		return d.ignore(out, "cancellation of a meeting that has no video room"), nil
	}
	if err != nil {
		return nil, err
	}
	if rec.State == StateCancelled {
		return d.ignore(out, "the meeting was already cancelled"), nil
	}
	if !rec.isOrganizer(m.organizer.Email) {
		return d.ignore(out, "a cancellation from "+m.organizer.Email+", who is not the organizer ("+rec.Organizer+
			") of the meeting with this UID; the video room "+rec.Alias+" is unchanged"), nil
	}
	if occ := m.event.RecurrenceID; !occ.IsZero() && rec.Kind == KindRecurring {
		occ = occ.UTC()
		if !slices.ContainsFunc(rec.Cancelled, occ.Equal) {
			rec.Cancelled = append(rec.Cancelled, occ)
			slices.SortFunc(rec.Cancelled, time.Time.Compare)
		}
		rec.Moved = withoutMoved(rec.Moved, occ)
		out.Conference = rec
		out.Entry.Success, out.Entry.Code = true, CodeCancelledOccurrence
		out.Entry.Description = "the occurrence of " + occ.Format(time.RFC3339) + " was cancelled; the video room stays for the rest of the series"
		return out, nil
	}
	rec.State = StateCancelled
	out.Conference, out.DeleteAlias = rec, rec.ScheduledAliasID
	out.Entry.Success, out.Entry.Code = true, CodeCancelled
	out.Entry.Description = "the meeting was cancelled; its video room " + rec.Alias + " is removed"
	return out, nil
}

// request decides about a new or changed meeting.
func (d *decider) request(ctx context.Context, out *Outcome, m *meeting) (*Outcome, error) {
	rec, err := d.repo.Meeting(ctx, d.in.ID, m.uid)
	switch {
	case errors.Is(err, ErrNotFound):
		rec = nil
	case err != nil:
		return nil, err
	}
	// A UID is no secret (every attendee has it): only the organizer on
	// record changes their meeting.
	if rec != nil && !rec.isOrganizer(m.organizer.Email) {
		return d.reject(ctx, out, CodeRejectNotOrganizer, nil, "a request from "+m.organizer.Email+
			" reuses the UID of a meeting organized by "+rec.Organizer+"; its video room "+rec.Alias+" is unchanged")
	}
	uuid, placeholder := findToken(m.item.Body, m.event.Description)
	var res *alias.ScheduledAlias
	mode := fillNone
	switch {
	case uuid != "":
		res, err = d.aliases.Lookup(ctx, uuid)
		if errors.Is(err, alias.ErrNotFound) {
			return d.reject(ctx, out, CodeRejectInvalidAliasID, nil, "the invitation's room reference "+uuid+" is unknown")
		}
		if err != nil {
			return nil, err
		}
		if res.IntegrationID != d.in.ID {
			return d.reject(ctx, out, CodeRejectInvalidAliasID, nil, "the invitation's room reference belongs to another integration")
		}
	case placeholder:
		if out, refused := d.refuseOrganizerWrite(ctx, out, m, rec, fillPlaceholder); refused {
			return out, nil
		}
		mode = fillPlaceholder
		var created bool
		res, created, err = d.aliases.Reserve(ctx, d.in, placeholderKey(m.uid), m.organizer.Email)
		if err != nil {
			return d.reject(ctx, out, CodeRejectGeneralError, nil, "no alias could be reserved for a meeting with the placeholder: "+err.Error())
		}
		if created {
			d.limit.add(d.in.ID, m.organizer.Email, d.now)
		}
	case rec != nil && d.in.HealJoinBlock && m.master != nil && rec.State == StateActive:
		// The organizer's update lost the joining block: the meeting keeps
		// its room, as if the token were there. An older version changes
		// nothing, and costs the organizer nothing.
		if m.event.Sequence < rec.Sequence {
			return d.ignore(out, fmt.Sprintf("an older version of the meeting (sequence %d, known %d)", m.event.Sequence, rec.Sequence)), nil
		}
		if out, refused := d.refuseOrganizerWrite(ctx, out, m, rec, fillHeal); refused {
			return out, nil
		}
		res, err = d.aliases.Lookup(ctx, rec.AliasUUID)
		if errors.Is(err, alias.ErrNotFound) {
			return d.reject(ctx, out, CodeRejectInvalidAliasID, nil, "the update carries no room reference and the meeting's reservation is gone")
		}
		if err != nil {
			return nil, err
		}
		mode = fillHeal
	case rec == nil && d.in.AssignWithoutAddin:
		if out, refused := d.refuseOrganizerWrite(ctx, out, m, rec, fillAssign); refused {
			return out, nil
		}
		// The placeholder's reservation key: a retry of the decision, or
		// an update before the block was written, finds the same room.
		var created bool
		res, created, err = d.aliases.Reserve(ctx, d.in, placeholderKey(m.uid), m.organizer.Email)
		if err != nil {
			return d.reject(ctx, out, CodeRejectGeneralError, nil, "no alias could be reserved for a meeting booked without the add-in: "+err.Error())
		}
		if created {
			d.limit.add(d.in.ID, m.organizer.Email, d.now)
		}
		mode = fillAssign
	default:
		why := "the invitation carries no room reference: the room mailbox was invited without the add-in"
		if rec != nil {
			why = "the update of the meeting with the video room " + rec.Alias + " carries no room reference (the joining block was removed)"
		}
		return d.reject(ctx, out, CodeRejectInvalidAliasID, nil, why)
	}
	// The room binds to the user who reserved it (or the owner of the
	// calendar they, as a delegate, sent from); one reserved with no user
	// binds to the first organizer whose meeting carries it. From then on
	// the meeting's record says who may change it (checked above).
	if rec == nil && res.UserEmail != "" && !sameAddress(res.UserEmail, m.organizer.Email) && !sameAddress(res.UserEmail, m.delegate) {
		return d.reject(ctx, out, CodeRejectNotOrganizer, nil, "the video room "+res.Alias+" was reserved by "+res.UserEmail+
			"; a meeting organized by "+m.organizer.Email+" cannot use it")
	}
	if res.DeletedAt != nil {
		return d.reject(ctx, out, CodeRejectAliasDeleted, res, "the alias "+res.Alias+" was deleted when its meeting was cancelled")
	}
	if res.EWSItemUID != "" && res.EWSItemUID != m.uid {
		return d.reject(ctx, out, CodeRejectAliasConflict, res, "the alias "+res.Alias+" already belongs to the meeting "+res.EWSItemUID)
	}
	if rec != nil && rec.ScheduledAliasID != res.ID {
		return d.reject(ctx, out, CodeRejectAliasConflict, res, "the meeting already has the video room "+rec.Alias)
	}
	if rec != nil && m.event.Sequence < rec.Sequence {
		return d.ignore(out, fmt.Sprintf("an older version of the meeting (sequence %d, known %d)", m.event.Sequence, rec.Sequence)), nil
	}
	if m.master == nil {
		return d.occurrence(ctx, out, m, res, rec)
	}
	return d.series(ctx, out, m, res, rec, mode)
}

// What the organizer reads under the accept reply when the service, not
// the add-in, put the joining block into their meeting.
const (
	assignedNote = "<p>This meeting was made without the video meeting add-in, so the service added the video room itself " +
		"and updated your meeting with the joining details; your attendees receive that update. " +
		"Next time, use the add-in's button in Outlook's new-meeting window: the details are then in the invitation from the start.</p>"
	healedNote = "<p>The joining details were missing from this update of your meeting. The meeting keeps its video room, " +
		"and the details have been put back into your meeting; your attendees receive that update.</p>"
)

// placeholderKey is the reservation item key of a placeholder meeting: a
// namespace the add-in API refuses, so no compose window can take it.
func placeholderKey(uid string) string { return "placeholder:" + uid }

// isOrganizer tells whether email may change or cancel the meeting: its
// recorded organizer (records from before organizers were kept have none).
func (r *Record) isOrganizer(email string) bool {
	return r.Organizer == "" || sameAddress(r.Organizer, email)
}

// refuseOrganizerWrite rejects a meeting whose organizer's calendar the
// service must not write to (a placeholder meeting, one booked without
// the add-in, one whose joining block is to be put back): its organizer is
// outside the integration's Exchange domains (the service would write into
// a mailbox it does not serve) or has had too many such writes lately. A
// new meeting counts against the limit when its room is reserved; putting
// a block back counts too, so that a client that keeps dropping it cannot
// make the service rewrite the meeting without end.
func (d *decider) refuseOrganizerWrite(ctx context.Context, out *Outcome, m *meeting, rec *Record, mode fill) (*Outcome, bool) {
	what := map[fill]string{fillPlaceholder: "placeholder meeting", fillAssign: "meeting booked without the add-in",
		fillHeal: "meeting whose joining block was removed"}[mode]
	reject := func(code, why string) (*Outcome, bool) {
		o, err := d.reject(ctx, out, code, nil, why)
		if err != nil {
			// reject only fails through the store, which it does not use.
			o = out
		}
		return o, true
	}
	addr, err := ews.CheckAddress(m.organizer.Email)
	if err != nil {
		return reject(CodeRejectPlaceholderRefused, "the "+what+"'s organizer address is unusable: "+err.Error())
	}
	// A forwarded invitation keeps its organizer but comes From the one
	// who forwarded it (a delegate's comes From the owner, Sent by the
	// delegate): nobody but the organizer may have the service change
	// the organizer's meeting, and a forward must not use up their limit.
	if from := forwardedBy(m); from != "" {
		return reject(CodeRejectPlaceholderRefused, "the "+what+" was forwarded to the room by "+clip(from)+
			", not sent by its organizer "+addr+"; the service changes a meeting only at its organizer's request: ask "+addr+" to invite the room")
	}
	if !inDomains(addr, d.in.Domains) {
		return reject(CodeRejectPlaceholderRefused, "the "+what+"'s organizer "+addr+
			" is outside the integration's Exchange domains ("+strings.Join(d.in.Domains, ", ")+"); only their own users' meetings are written to")
	}
	if (rec == nil || mode == fillHeal) && !d.limit.allow(d.in.ID, addr, d.now) {
		return reject(CodeRejectPlaceholderLimit, fmt.Sprintf("%s sent more than %d meetings the service had to write the joining block into within an hour "+
			"(with the placeholder, without the add-in or without their joining block); later ones are declined until the hour has passed", addr, d.limit.max))
	}
	if mode == fillHeal {
		d.limit.add(d.in.ID, addr, d.now)
	}
	return out, false
}

// forwardedBy is who forwarded the meeting request to the room, when its
// From is an SMTP address other than the organizer's; empty otherwise
// (sent by the organizer, or by a delegate on the organizer's behalf).
func forwardedBy(m *meeting) string {
	from := m.item.From
	email := normalAddress(from.Email)
	if email == "" || !strings.Contains(email, "@") || (from.RoutingType != "" && !strings.EqualFold(from.RoutingType, "SMTP")) {
		return ""
	}
	if sameAddress(email, m.organizer.Email) {
		return ""
	}
	return email
}

// inDomains tells whether addr's domain is one of the integration's
// Exchange domains (names, or URLs whose host is the name).
func inDomains(addr string, domains []string) bool {
	at := strings.LastIndexByte(addr, '@')
	if at < 0 {
		return false
	}
	domain := strings.TrimSuffix(addr[at+1:], ".")
	for _, d := range domains {
		d = normalAddress(d)
		d = strings.TrimPrefix(strings.TrimPrefix(d, "https://"), "http://")
		if i := strings.IndexAny(d, "/:"); i >= 0 {
			d = d[:i]
		}
		if d != "" && strings.TrimSuffix(d, ".") == domain {
			return true
		}
	}
	return false
}

// series accepts a single meeting or a whole series, new or edited.
func (d *decider) series(ctx context.Context, out *Outcome, m *meeting, res *alias.ScheduledAlias, rec *Record, mode fill) (*Outcome, error) {
	ev := m.master
	before := time.Duration(d.in.MeetingBufferBefore) * time.Minute
	after := time.Duration(d.in.MeetingBufferAfter) * time.Minute
	recurring := ev.IsRecurring()
	var until, capped time.Time
	if recurring {
		last, bounded, err := ical.LastEnd(ev, m.overrides)
		if err != nil {
			return d.reject(ctx, out, CodeRejectGeneralError, res, "the series' recurrence could not be expanded: "+err.Error())
		}
		switch {
		case bounded && last.Before(d.now):
			return d.reject(ctx, out, CodeRejectSeriesPast, res, "every occurrence of the series ended by "+last.UTC().Format(time.RFC3339))
		case bounded:
			until = last.Add(after)
		case strings.HasPrefix(res.ItemKey, placeholderKey("")) && d.horizon > 0:
			// Nobody reserved this room on purpose: an endless series
			// gets it up to the horizon, and the reply says so.
			capped = latest(ev.Start, d.now).Add(d.horizon)
			until = capped
		}
	} else {
		if ev.End.Before(d.now) {
			return d.reject(ctx, out, CodeRejectSinglePast, res, "the meeting ended at "+ev.End.UTC().Format(time.RFC3339))
		}
		until = ev.End.Add(after)
	}
	code := map[[2]bool]string{{false, false}: CodeAcceptNewSingle, {false, true}: CodeAcceptNewSeries,
		{true, false}: CodeAcceptEditedSingle, {true, true}: CodeAcceptEditedSeries}[[2]bool{rec != nil, recurring}]

	if rec == nil {
		rec = &Record{IntegrationID: d.in.ID, ScheduledAliasID: res.ID}
		rec.Alias, rec.NumericAlias, rec.AliasUUID, rec.MeetingUID = res.Alias, res.NumericAlias, res.UUID, m.uid
		out.UseAlias = res.ID
	}
	name, err := d.render(ctx, "conference_name_template", d.in.ConferenceNameTemplate, map[string]any{
		"subject": ev.Summary, "organizer_name": m.organizer.Name, "organizer_email": m.organizer.Email})
	if err != nil {
		return d.reject(ctx, out, CodeRejectGeneralError, res, "the conference name template failed: "+err.Error())
	}
	desc, err := d.render(ctx, "conference_description_template", d.in.ConferenceDescriptionTemplate, map[string]any{
		"organizer_email": m.organizer.Email})
	if err != nil {
		return d.reject(ctx, out, CodeRejectGeneralError, res, "the conference description template failed: "+err.Error())
	}
	rec.ConferenceName, rec.Description = name, desc
	rec.Kind = KindSingle
	rec.Recurrence = ""
	if recurring {
		rec.Kind, rec.Recurrence = KindRecurring, ev.RRule
	}
	rec.State, rec.Subject, rec.Organizer, rec.OrganizerName = StateActive, ev.Summary, m.organizer.Email, m.organizer.Name
	rec.Sequence = ev.Sequence
	rec.Start, rec.End = ev.Start.UTC(), ev.End.UTC()
	rec.ValidFrom, rec.ValidUntil = ev.Start.Add(-before).UTC(), until.UTC()
	rec.Cancelled = cancelledOccurrences(ev, m.overrides)
	rec.TimeZone, rec.Moved = "", nil
	if recurring {
		rec.TimeZone = zoneName(ev.Zone)
		rec.Moved = movedOccurrences(ev, m.overrides, rec.Cancelled)
		// A moved occurrence may start before the series does.
		for _, mo := range rec.Moved {
			if from := mo.Start.Add(-before); from.Before(rec.ValidFrom) {
				rec.ValidFrom = from
			}
		}
	}
	out.Conference = rec
	out.Entry.Success, out.Entry.Code = true, code
	out.Entry.Description = describeWindow(rec)
	if err := d.reply(ctx, out, ews.ResponseKind("accept"), code, res, ev.Summary); err != nil {
		return d.reject(ctx, out, CodeRejectGeneralError, res, "the reply template failed: "+err.Error())
	}
	if !capped.IsZero() {
		day := capped.UTC().Format("2 January 2006")
		out.Outbox[len(out.Outbox)-1].Body += "<p>This series has no end date, so its video room works until " + day +
			". Send an update of the series before then to keep it.</p>"
		out.Entry.Description += " (the series has no end: capped at the placeholder horizon)"
	}
	if mode == fillNone {
		return out, nil
	}
	instructions, err := d.instructions(ctx, res)
	if err != nil {
		return d.reject(ctx, out, CodeRejectGeneralError, res, "the joining instructions template failed: "+err.Error())
	}
	key := d.txID + updateSuffix
	switch mode {
	case fillPlaceholder:
		out.Entry.Description += "; the placeholder in the organizer's meeting is replaced with the joining instructions"
	case fillAssign:
		key = d.txID + joinSuffix
		out.Entry.Code = CodeAcceptAssignedWithoutAddin
		out.Entry.Description += "; booked without the add-in: the joining instructions are added to the organizer's meeting"
		out.Outbox[len(out.Outbox)-1].Body += assignedNote
	case fillHeal:
		key = d.txID + joinSuffix
		out.Entry.Code = CodeAcceptHealedJoinBlock
		out.Entry.Description += "; the update came without its joining block: it is put back into the organizer's meeting"
		out.Outbox[len(out.Outbox)-1].Body += healedNote
	}
	out.Outbox = append(out.Outbox, OutboxEntry{Key: key, Kind: OutUpdateBody, Mailbox: m.organizer.Email,
		MeetingUID: m.uid, Body: instructions})
	return out, nil
}

// occurrence accepts a change to one occurrence of a known series.
func (d *decider) occurrence(ctx context.Context, out *Outcome, m *meeting, res *alias.ScheduledAlias, rec *Record) (*Outcome, error) {
	ev := m.event
	if rec == nil || rec.Kind != KindRecurring {
		return d.reject(ctx, out, CodeRejectInvalidAliasID, res, "a change to one occurrence of a series that has no video room")
	}
	if ev.End.Before(d.now) {
		return d.reject(ctx, out, CodeRejectSinglePast, res, "the changed occurrence ended at "+ev.End.UTC().Format(time.RFC3339))
	}
	before := time.Duration(d.in.MeetingBufferBefore) * time.Minute
	after := time.Duration(d.in.MeetingBufferAfter) * time.Minute
	// A moved occurrence may leave the series' window: the room must be
	// there for it too.
	if from := ev.Start.Add(-before).UTC(); from.Before(rec.ValidFrom) {
		rec.ValidFrom = from
	}
	if until := ev.End.Add(after).UTC(); !rec.ValidUntil.IsZero() && until.After(rec.ValidUntil) {
		rec.ValidUntil = until
	}
	occ := ev.RecurrenceID.UTC()
	rec.Moved = withoutMoved(rec.Moved, occ)
	if strings.EqualFold(ev.Status, "CANCELLED") {
		if !slices.ContainsFunc(rec.Cancelled, occ.Equal) {
			rec.Cancelled = append(rec.Cancelled, occ)
			slices.SortFunc(rec.Cancelled, time.Time.Compare)
		}
	} else if mo, ok := moved(ev, rec.End.Sub(rec.Start)); ok && !slices.ContainsFunc(rec.Cancelled, occ.Equal) {
		rec.Moved = append(rec.Moved, mo)
		slices.SortFunc(rec.Moved, compareMoved)
	}
	out.Conference = rec
	out.Entry.Success, out.Entry.Code = true, CodeAcceptEditedOccurrence
	out.Entry.Description = "the occurrence of " + ev.RecurrenceID.UTC().Format(time.RFC3339) + " now runs " +
		ev.Start.UTC().Format(time.RFC3339) + " to " + ev.End.UTC().Format(time.RFC3339)
	if err := d.reply(ctx, out, ews.ResponseKind("accept"), CodeAcceptEditedOccurrence, res, ev.Summary); err != nil {
		return d.reject(ctx, out, CodeRejectGeneralError, res, "the reply template failed: "+err.Error())
	}
	return out, nil
}

func latest(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}

func cancelledOccurrences(master *ical.Event, overrides []*ical.Event) []time.Time {
	out := []time.Time{}
	for _, t := range master.ExDates {
		out = append(out, t.UTC())
	}
	for _, o := range overrides {
		if strings.EqualFold(o.Status, "CANCELLED") {
			out = append(out, o.RecurrenceID.UTC())
		}
	}
	slices.SortFunc(out, time.Time.Compare)
	return slices.CompactFunc(out, time.Time.Equal)
}

// zoneName is the IANA name of a series' zone, for the policy to expand
// its occurrences at their local wall time; "" for UTC and for zones the
// IANA database does not know by that name (a VTIMEZONE of the sender's
// own, a fixed offset), which the policy then expands in UTC.
func zoneName(loc *time.Location) string {
	if loc == nil {
		return ""
	}
	name := loc.String()
	switch name {
	case "", "UTC", "Local":
		return ""
	}
	if _, err := time.LoadLocation(name); err != nil {
		return ""
	}
	return name
}

// moved is the move an override makes of its occurrence, ok false when it
// keeps the occurrence's original start and length (a changed subject,
// say). length is the series' meeting length.
func moved(o *ical.Event, length time.Duration) (MovedOccurrence, bool) {
	orig := o.RecurrenceID.UTC()
	if o.RecurrenceID.IsZero() || (o.Start.Equal(orig) && o.End.Sub(o.Start) == length) {
		return MovedOccurrence{}, false
	}
	return MovedOccurrence{Original: orig, Start: o.Start.UTC(), End: o.End.UTC()}, true
}

// movedOccurrences lists the occurrences the overrides of a series move,
// leaving out cancelled ones (they are in cancelled, by original start).
func movedOccurrences(master *ical.Event, overrides []*ical.Event, cancelled []time.Time) []MovedOccurrence {
	out := []MovedOccurrence{}
	length := master.End.Sub(master.Start)
	for _, o := range overrides {
		if strings.EqualFold(o.Status, "CANCELLED") || slices.ContainsFunc(cancelled, o.RecurrenceID.Equal) {
			continue
		}
		if mo, ok := moved(o, length); ok {
			out = append(out, mo)
		}
	}
	slices.SortFunc(out, compareMoved)
	return out
}

// withoutMoved drops the move of the occurrence originally at occ (it was
// cancelled, or is about to be recorded anew).
func withoutMoved(list []MovedOccurrence, occ time.Time) []MovedOccurrence {
	return slices.DeleteFunc(list, func(m MovedOccurrence) bool { return m.Original.Equal(occ) })
}

func compareMoved(a, b MovedOccurrence) int { return a.Original.Compare(b.Original) }

func describeWindow(rec *Record) string {
	s := "video room " + rec.Alias + " valid from " + rec.ValidFrom.Format(time.RFC3339)
	if rec.ValidUntil.IsZero() {
		return s + " with no end (the series has none)"
	}
	return s + " to " + rec.ValidUntil.Format(time.RFC3339)
}

// reject answers the organizer with the template of code. For a general
// error the reply carries the transaction id, which the log line has too.
func (d *decider) reject(ctx context.Context, out *Outcome, code string, res *alias.ScheduledAlias, why string) (*Outcome, error) {
	out.Conference, out.UseAlias, out.DeleteAlias, out.Outbox = nil, 0, 0, nil
	out.Entry.Success, out.Entry.Code, out.Entry.Description = false, code, why
	if replyTemplate[code] == "reject_general_error_template" {
		out.Entry.Description += " (correlation id " + d.txID + ")"
	}
	if err := d.reply(ctx, out, ews.ResponseKind("decline"), code, res, out.Entry.Subject); err != nil && code != CodeRejectGeneralError {
		return d.reject(ctx, out, CodeRejectGeneralError, res, why+"; the reply template failed too: "+err.Error())
	} else if err != nil {
		// The general error template itself failed: say it plainly.
		out.Outbox = append(out.Outbox, OutboxEntry{Key: d.txID + "/reply", Kind: OutDecline, ItemID: out.ItemID,
			ChangeKey: out.ChangeKey, Body: "<p>The video room could not be set up. Reference: " + html.EscapeString(d.txID) + "</p>"})
	}
	return out, nil
}

// reply queues the meeting response with the code's template.
func (d *decider) reply(ctx context.Context, out *Outcome, kind ews.ResponseKind, code string, res *alias.ScheduledAlias, subject string) error {
	field := replyTemplate[code]
	vars := map[string]any{"subject": subject, "correlation_id": d.txID, "organizer_email": out.Entry.Organizer, "delegate_email": out.delegate}
	if res != nil {
		vars["alias"], vars["numeric_alias"] = res.Alias, res.NumericAlias
	}
	source := d.source(field)
	text, err := d.render(ctx, field, source, vars)
	if err != nil {
		return err
	}
	body := textToHTML(text)
	// A delegate booked for the owner: the accept says so, naming both, so
	// whichever of them reads it knows whose meeting has the room — unless
	// the admin's template says it in its own words.
	if kind == "accept" && out.delegate != "" && !strings.Contains(source, "delegate_email") {
		body += "<p>" + html.EscapeString(out.delegate) + " booked this meeting on behalf of " +
			html.EscapeString(out.Entry.Organizer) + ", whose meeting it is.</p>"
	}
	out.Outbox = append(out.Outbox, OutboxEntry{Key: d.txID + "/reply", Kind: string(kind), ItemID: out.ItemID,
		ChangeKey: out.ChangeKey, MeetingUID: out.Entry.ItemUID, Body: body})
	return nil
}

func (d *decider) source(field string) string {
	in := d.in
	return map[string]string{
		"accept_new_single_meeting_template":      in.AcceptNewSingleMeetingTemplate,
		"accept_new_recurring_series_template":    in.AcceptNewRecurringSeriesTemplate,
		"accept_edited_single_meeting_template":   in.AcceptEditedSingleMeetingTemplate,
		"accept_edited_recurring_series_template": in.AcceptEditedRecurringSeriesTemplate,
		"accept_edited_occurrence_template":       in.AcceptEditedOccurrenceTemplate,
		"reject_invalid_alias_id_template":        in.RejectInvalidAliasIDTemplate,
		"reject_alias_conflict_template":          in.RejectAliasConflictTemplate,
		"reject_alias_deleted_template":           in.RejectAliasDeletedTemplate,
		"reject_single_meeting_past":              in.RejectSingleMeetingPast,
		"reject_recurring_series_past_template":   in.RejectRecurringSeriesPastTemplate,
		"reject_general_error_template":           in.RejectGeneralErrorTemplate,
	}[field]
}

func (d *decider) render(ctx context.Context, field, source string, vars map[string]any) (string, error) {
	return d.templates.Render(ctx, field, source, vars)
}

// instructions renders the joining instructions for a placeholder meeting,
// with the token, as the add-in host does for a reservation.
func (d *decider) instructions(ctx context.Context, res *alias.ScheduledAlias) (string, error) {
	body, err := d.render(ctx, "meeting_instructions_template", d.in.MeetingInstructionsTemplate, map[string]any{
		"alias": res.Alias, "numeric_alias": res.NumericAlias, "alias_uuid": res.UUID, "addin_server_domain": d.in.AddinServerDomain})
	if err != nil {
		return "", err
	}
	if token := tokenPrefix + res.UUID; !strings.Contains(body, token) {
		body += `<p style="color:#707070;font-size:smaller">` + token + `</p>`
	}
	return body, nil
}

// textToHTML turns a rendered text template into the HTML of a reply.
func textToHTML(text string) string {
	var b strings.Builder
	for _, para := range strings.Split(strings.ReplaceAll(text, "\r\n", "\n"), "\n\n") {
		if strings.TrimSpace(para) == "" {
			continue
		}
		b.WriteString("<p>")
		b.WriteString(strings.ReplaceAll(html.EscapeString(para), "\n", "<br>"))
		b.WriteString("</p>")
	}
	return b.String()
}
