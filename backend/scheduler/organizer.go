package scheduler

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"vmr-companion/backend/ews"
)

var (
	errMeetingNotFound       = errors.New("the meeting is not in the organizer's calendar")
	errNoPlaceholder   error = noPlaceholderError{}
)

// noPlaceholderError says the organizer's meeting has no placeholder to
// replace. Like errMeetingNotFound (which it matches with errors.Is, so the
// outbox treats it as final), no retry can change that.
type noPlaceholderError struct{}

func (noPlaceholderError) Error() string {
	return "the organizer's meeting no longer holds the placeholder, so it was left unchanged"
}

func (noPlaceholderError) Is(target error) bool { return target == errMeetingNotFound }

// The last part of an update_body entry's key says what it does (the
// outbox's kinds are fixed by the store's schema): updateSuffix replaces
// the placeholder, joinSuffix adds the joining block to a meeting that has
// none (booked without the add-in, or its block was removed).
const (
	updateSuffix = "/update"
	joinSuffix   = "/join"
)

// updateOrganizer puts the joining instructions into the organizer's
// meeting in place of the placeholder (or, for a joinSuffix entry, where
// the block was or at the end), and sends the update to attendees.
// The meeting may change between reading and writing it (a reply arrives):
// it is then read again.
func (p *pass) updateOrganizer(ctx context.Context, e OutboxEntry) error {
	rec, err := p.s.cfg.Repository.Meeting(ctx, p.in.ID, e.MeetingUID)
	if err != nil {
		return err
	}
	cal := p.mbox.Organizer(e.Mailbox)
	for attempt := 0; ; attempt++ {
		err := p.updateOnce(ctx, cal, rec, e)
		var ee *ews.Error
		if attempt < 3 && errors.As(err, &ee) && ee.ResponseCode == "ErrorIrresolvableConflict" {
			continue
		}
		return err
	}
}

// seriesLookahead is how far past its first day a series is looked for
// when that day holds none of its occurrences (the organizer deleted or
// moved the first one): a month holds an occurrence of any daily, weekly
// or monthly series.
const seriesLookahead = 32 * 24 * time.Hour

func (p *pass) updateOnce(ctx context.Context, cal OrganizerMailbox, rec *Record, e OutboxEntry) error {
	windows := [][2]time.Time{{rec.Start.Add(-time.Hour), rec.Start.Add(24 * time.Hour)}}
	if rec.Recurrence != "" {
		windows = append(windows, [2]time.Time{rec.Start.Add(24 * time.Hour), rec.Start.Add(24*time.Hour + seriesLookahead)})
	}
	for _, w := range windows {
		items, err := cal.FindCalendarItems(ctx, w[0], w[1], 200)
		if err != nil {
			return err
		}
		for _, it := range items {
			if it.UID == e.MeetingUID {
				return p.writeMeeting(ctx, cal, it, e)
			}
		}
	}
	return fmt.Errorf("%w (%s, UID %s)", errMeetingNotFound, e.Mailbox, e.MeetingUID)
}

// writeMeeting puts the entry's block into the organizer's meeting, which
// the calendar view listed as it.
func (p *pass) writeMeeting(ctx context.Context, cal OrganizerMailbox, it *ews.Item, e OutboxEntry) error {
	current, err := p.organizerMeeting(ctx, cal, it)
	if err != nil {
		return err
	}
	if current == nil {
		return fmt.Errorf("%w (%s, UID %s)", errMeetingNotFound, e.Mailbox, e.MeetingUID)
	}
	if id, _ := findToken(current.Body); id != "" {
		// An earlier attempt got through (or the organizer put a room
		// in themselves): writing again would send attendees a
		// second update.
		return nil
	}
	var updated string
	var ok bool
	if strings.HasSuffix(e.Key, joinSuffix) {
		updated, ok = insertInstructions(current.Body, e.Body), true
	} else {
		updated, ok = replacePlaceholder(current.Body, e.Body)
	}
	if !ok {
		// The organizer took the placeholder out, or the meeting never
		// had one: their text is theirs, nothing is added to it.
		return fmt.Errorf("%w (%s, UID %s)", errNoPlaceholder, e.Mailbox, e.MeetingUID)
	}
	_, err = cal.UpdateBody(ctx, current.ID, updated, true)
	return err
}

// organizerMeeting reads, with its body (FindItem returns none), the
// meeting a calendar view listed as it: the item itself, or for an
// occurrence or exception of a series the series (its recurring master),
// since the calendar view never lists the series and a write to an
// occurrence's id would change that occurrence only. It returns nil when the server answered
// with no item.
func (p *pass) organizerMeeting(ctx context.Context, cal OrganizerMailbox, it *ews.Item) (*ews.Item, error) {
	if it.CalendarItemType == "Occurrence" || it.CalendarItemType == "Exception" {
		return cal.GetRecurringMaster(ctx, it.ID)
	}
	full, err := cal.GetItems(ctx, []ews.ItemID{it.ID})
	if err != nil {
		return nil, err
	}
	if len(full) != 1 {
		return nil, nil
	}
	if full[0].Err != nil {
		return nil, full[0].Err
	}
	return full[0].Item, nil
}

// replacePlaceholder swaps the placeholder's block for the instructions
// and drops the placeholder's marker. It changes nothing and says false
// when the body holds no placeholder: a meeting without one (the organizer
// removed it, or it never had one) is never written to. When Outlook
// dropped the block's markup, the instructions take the marker's place.
func replacePlaceholder(body, instructions string) (string, bool) {
	if _, placeholder := findToken(body); !placeholder {
		return body, false
	}
	// Positions come from an ASCII-only lower-casing, which keeps byte
	// offsets (see lowerASCII).
	lower := lowerASCII(body)
	start, end := -1, -1
	if i := strings.Index(lower, "vmr-companion-instructions"); i >= 0 {
		// The marker must sit in the <div> tag itself (its class), not in
		// text inside some outer <div>, which would take the organizer's
		// whole text with it.
		if s := strings.LastIndex(lower[:i], "<div"); s >= 0 && !strings.Contains(lower[s:i], ">") {
			if e := closingDiv(lower, s); e > 0 {
				start, end = s, e
			}
		}
	}
	if start < 0 {
		i := strings.Index(lower, placeholderToken)
		if i < 0 {
			// Only the tag-stripped text holds the marker (split across
			// spans): there is no safe place to put the instructions.
			return body, false
		}
		start, end = i, i+len(placeholderToken)
	}
	return dropMarkers(body[:start]) + instructions + dropMarkers(body[end:]), true
}

// insertInstructions puts the joining block into a meeting body that has
// no token: in place of the placeholder when it holds one, else in place
// of what is left of an earlier block (its <div> kept, its token mangled),
// else before </body>, else at the end. The organizer's own text is kept.
func insertInstructions(body, instructions string) string {
	if updated, ok := replacePlaceholder(body, instructions); ok {
		return updated
	}
	lower := lowerASCII(body)
	if i := strings.Index(lower, "vmr-companion-instructions"); i >= 0 {
		if s := strings.LastIndex(lower[:i], "<div"); s >= 0 && !strings.Contains(lower[s:i], ">") {
			if e := closingDiv(lower, s); e > 0 {
				return body[:s] + instructions + body[e:]
			}
		}
	}
	if i := strings.LastIndex(lower, "</body>"); i >= 0 {
		return body[:i] + instructions + body[i:]
	}
	return body + instructions
}

// dropMarkers removes every placeholder marker from s, also one that the
// removal of another joins together, in one pass (a hostile body may hold
// many thousands).
func dropMarkers(s string) string {
	const n = len(placeholderToken)
	if !strings.Contains(lowerASCII(s), placeholderToken) {
		return s
	}
	out := make([]byte, 0, len(s))
	for i := 0; i < len(s); i++ {
		out = append(out, s[i])
		if s[i]|0x20 == 'g' && len(out) >= n && lowerASCII(string(out[len(out)-n:])) == placeholderToken {
			out = out[:len(out)-n]
		}
	}
	return string(out)
}

// closingDiv returns the index just past the </div> that closes the <div at
// start, or -1. lower is the body lower-cased with lowerASCII. Each search
// result is kept until passed, so a body of many thousand <div stays linear.
func closingDiv(lower string, start int) int {
	depth := 0
	open, shut := -1, -1 // absolute positions of the next <div and </div>
	for i := start; i < len(lower); {
		if open < i && open != -2 {
			if k := strings.Index(lower[i:], "<div"); k >= 0 {
				open = i + k
			} else {
				open = -2 // none left
			}
		}
		if shut < i {
			k := strings.Index(lower[i:], "</div>")
			if k < 0 {
				return -1
			}
			shut = i + k
		}
		if open >= 0 && open < shut {
			depth++
			i = open + len("<div")
			continue
		}
		depth--
		i = shut + len("</div>")
		if depth == 0 {
			return i
		}
	}
	return -1
}
