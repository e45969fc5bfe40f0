package scheduler

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"vmr-companion/backend/ews"
)

var errMeetingNotFound = errors.New("the meeting is not in the organizer's calendar")

// updateOrganizer puts the joining instructions into the organizer's
// meeting in place of the placeholder, and sends the update to attendees.
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

func (p *pass) updateOnce(ctx context.Context, cal OrganizerMailbox, rec *Record, e OutboxEntry) error {
	items, err := cal.FindCalendarItems(ctx, rec.Start.Add(-time.Hour), rec.Start.Add(24*time.Hour), 200)
	if err != nil {
		return err
	}
	for _, it := range items {
		if it.UID != e.MeetingUID {
			continue
		}
		// FindItem returns no bodies: read the meeting's own.
		full, err := cal.GetItems(ctx, []ews.ItemID{it.ID})
		if err != nil {
			return err
		}
		if len(full) != 1 {
			break
		}
		if full[0].Err != nil {
			return full[0].Err
		}
		current := full[0].Item
		if id, _ := findToken(current.Body); id != "" {
			return nil // an earlier attempt got through
		}
		_, err = cal.UpdateBody(ctx, current.ID, replacePlaceholder(current.Body, e.Body), true)
		return err
	}
	return fmt.Errorf("%w (%s, UID %s)", errMeetingNotFound, e.Mailbox, e.MeetingUID)
}

// replacePlaceholder swaps the placeholder's block for the instructions
// and drops its marker; when Outlook reshaped the block beyond recognition,
// the instructions go at the end of the body.
func replacePlaceholder(body, instructions string) string {
	const hole = "\x00"
	lower := strings.ToLower(body)
	if i := strings.Index(lower, "vmr-companion-instructions"); i >= 0 {
		if start := strings.LastIndex(lower[:i], "<div"); start >= 0 {
			if end := closingDiv(lower, start); end > 0 {
				body = body[:start] + hole + body[end:]
			}
		}
	}
	if i := strings.Index(strings.ToLower(body), placeholderToken); i >= 0 {
		body = body[:i] + body[i+len(placeholderToken):]
	}
	if strings.Contains(body, hole) {
		return strings.Replace(body, hole, instructions, 1)
	}
	if i := strings.LastIndex(strings.ToLower(body), "</body>"); i >= 0 {
		return body[:i] + instructions + body[i:]
	}
	return body + instructions
}

// closingDiv returns the index just past the </div> that closes the <div at
// start, or -1.
func closingDiv(lower string, start int) int {
	depth := 0
	for i := start; i < len(lower); {
		open := strings.Index(lower[i:], "<div")
		shut := strings.Index(lower[i:], "</div>")
		switch {
		case shut < 0:
			return -1
		case open >= 0 && open < shut:
			depth++
			i += open + len("<div")
		default:
			depth--
			i += shut + len("</div>")
			if depth == 0 {
				return i
			}
		}
	}
	return -1
}
