package cli

import (
	"errors"
	"fmt"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"vmr-companion/backend/calendar"
)

// maxMeetingDays bounds --days: ten years of a calendar is already far
// more than anyone reads in a terminal.
const maxMeetingDays = 3660

// meetingJSON is one line of `meetings --json`: the fields the issue
// names, times in UTC.
type meetingJSON struct {
	UID          string              `json:"uid"`
	RecurrenceID string              `json:"recurrence_id,omitempty"`
	Summary      string              `json:"summary"`
	Start        string              `json:"start"`
	End          string              `json:"end"`
	AllDay       bool                `json:"all_day"`
	Location     string              `json:"location"`
	Organizer    string              `json:"organizer"`
	VideoMeeting bool                `json:"video_meeting"`
	Video        *calendar.VideoLink `json:"video,omitempty"`
}

func (c *command) meetingsCmd() *cobra.Command {
	var (
		ics, from, integrationName string
		days                       int
		asJSON, useEWS             bool
	)
	cmd := &cobra.Command{
		Use:   "meetings (--ics FILE_OR_URL | --ews --integration NAME) [--from YYYY-MM-DD] [--days N] [--json]",
		Short: "List the meetings of a calendar, with this deployment's video meetings marked",
		Long: `List the meetings of an iCalendar file or feed (a .ics file, or a link such
as Outlook on the web's published calendar) for a period: every occurrence of
recurring meetings, with moved and cancelled ones applied. Meetings in a VMR
of this deployment (its aliases, web join links or reservation tokens) are
marked as video meetings. Times are printed in UTC.

With --ews it reads the signed-in user's own Exchange calendar instead
(vmr-companion signin --integration NAME first).`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			switch {
			case ics == "" && !useEWS:
				return usageError{errors.New("give the calendar: --ics with a .ics file or an https:// (or webcal://) link, or --ews --integration NAME for your Exchange calendar")}
			case ics != "" && useEWS:
				return usageError{errors.New("--ics and --ews each name a calendar: give one of them")}
			case useEWS && integrationName == "":
				return usageError{errors.New("--ews needs --integration NAME: the integration you signed in to")}
			}
			if days < 1 || days > maxMeetingDays {
				return usageError{fmt.Errorf("--days %d is out of range: give 1 to %d", days, maxMeetingDays)}
			}
			w, err := meetingsWindow(from, days, time.Now(), time.Local)
			if err != nil {
				return err
			}
			svc, err := c.services()
			if err != nil {
				return err
			}
			if svc.Calendars == nil {
				return errors.New("this build cannot read this deployment's VMRs to mark video meetings: use a release build")
			}
			d, err := svc.Calendars.Detector(c.ctx)
			if err != nil {
				return err
			}
			var src calendar.Source
			switch {
			case useEWS:
				if src, err = c.exchangeCalendar(integrationName); err != nil {
					return err
				}
			case looksLikeURL(ics):
				src = calendar.URLSource(ics, nil)
			default:
				src = calendar.FileSource(ics)
			}
			ms, warnings, err := calendar.Read(c.ctx, src, w, d)
			// What was guessed or skipped, and the series that could not
			// be expanded in full: the rest is listed.
			for _, warning := range warnings {
				fmt.Fprintln(cmd.ErrOrStderr(), "warning:", warning)
			}
			if err != nil {
				return err
			}
			if asJSON {
				out := make([]meetingJSON, 0, len(ms))
				for _, m := range ms {
					out = append(out, toMeetingJSON(m))
				}
				return writeJSON(cmd.OutOrStdout(), out)
			}
			return printMeetings(cmd, ms, w)
		},
	}
	cmd.Flags().StringVar(&ics, "ics", "", "the calendar: a .ics file, or an https:// or webcal:// link")
	cmd.Flags().BoolVar(&useEWS, "ews", false, "the signed-in user's own Exchange calendar (with --integration)")
	cmd.Flags().StringVar(&integrationName, "integration", "", "with --ews: the integration you signed in to")
	cmd.Flags().StringVar(&from, "from", "", "first day, YYYY-MM-DD in this computer's time zone (default: today)")
	cmd.Flags().IntVar(&days, "days", calendar.DefaultDays, "number of days")
	cmd.Flags().BoolVar(&asJSON, "json", false, "print JSON")
	return cmd
}

// exchangeCalendar is the signed-in user's own Exchange calendar.
func (c *command) exchangeCalendar(name string) (calendar.Source, error) {
	in, signIns, err := c.userSignIn(name)
	if err != nil {
		return nil, err
	}
	src, err := signIns.Exchange(c.ctx, in)
	return src, signedIn(err, in, name)
}

// meetingsWindow is [from 00:00, from + days) in loc; from "" is today.
func meetingsWindow(from string, days int, now time.Time, loc *time.Location) (calendar.Window, error) {
	day := now.In(loc)
	if from != "" {
		d, err := time.ParseInLocation("2006-01-02", from, loc)
		if err != nil {
			return calendar.Window{}, usageError{fmt.Errorf("--from %q is not a date like 2030-01-31", from)}
		}
		day = d
	}
	y, m, d := day.Date()
	return calendar.Window{From: time.Date(y, m, d, 0, 0, 0, 0, loc), To: time.Date(y, m, d+days, 0, 0, 0, 0, loc)}, nil
}

func looksLikeURL(s string) bool {
	l := strings.ToLower(s)
	for _, p := range []string{"https://", "http://", "webcal://", "webcals://"} {
		if strings.HasPrefix(l, p) {
			return true
		}
	}
	return false
}

func utc(t time.Time) string { return t.UTC().Format(time.RFC3339) }

func toMeetingJSON(m calendar.Meeting) meetingJSON {
	j := meetingJSON{UID: m.UID, Summary: m.Summary, Start: utc(m.Start), End: utc(m.End), AllDay: m.AllDay,
		Location: m.Location, Organizer: m.Organizer, VideoMeeting: m.Video != nil, Video: m.Video}
	if !m.RecurrenceID.IsZero() {
		j.RecurrenceID = utc(m.RecurrenceID)
	}
	return j
}

func printMeetings(cmd *cobra.Command, ms []calendar.Meeting, w calendar.Window) error {
	out := cmd.OutOrStdout()
	if len(ms) == 0 {
		fmt.Fprintf(out, "No meetings from %s to %s.\n", w.From.Format("2006-01-02"), w.To.AddDate(0, 0, -1).Format("2006-01-02"))
		return nil
	}
	tw := tabwriter.NewWriter(out, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "START (UTC)\tEND (UTC)\tSUMMARY\tLOCATION\tVIDEO\tUID\tRECURRENCE ID")
	for _, m := range ms {
		start, end := utc(m.Start), utc(m.End)
		if m.AllDay {
			start, end = m.Start.Format("2006-01-02")+" all day", m.End.Format("2006-01-02")
		}
		video := "-"
		if m.Video != nil {
			video = "yes"
			if m.Video.WebURL != "" {
				video = m.Video.WebURL
			} else if m.Video.SIPURI != "" {
				video = m.Video.SIPURI
			}
		}
		rid := "-"
		if !m.RecurrenceID.IsZero() {
			rid = utc(m.RecurrenceID)
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\n", start, end, oneLine(orDash(m.Summary)), oneLine(orDash(m.Location)), video, orDash(m.UID), rid)
	}
	return tw.Flush()
}

// oneLine keeps a table row on one line.
func oneLine(s string) string {
	r := []rune(strings.Join(strings.Fields(s), " "))
	if len(r) > 60 {
		return string(r[:57]) + "..."
	}
	return string(r)
}
