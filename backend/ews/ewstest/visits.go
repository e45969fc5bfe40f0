package ewstest

import (
	"net/http"
	"regexp"
	"strconv"
	"strings"

	"vmr-companion/backend/ews"
)

// Visit says who sent one request: the instance (the host and pid its
// User-Agent names, see ews.InstanceUserAgent) and the scheduler pass
// (ews.PassHeader), in which mailbox. Tests of several instances check
// from these that each mailbox had one owner at a time.
type Visit struct {
	// Seq numbers the requests in the order they arrived, from 1.
	Seq       int64
	Operation string
	// Mailbox is the mailbox acted in: the impersonated one, else
	// X-AnchorMailbox, else the room (lower case).
	Mailbox string
	Host    string
	PID     int
	Pass    string
}

// maxVisitField bounds what one visit keeps of a header (the headers come
// from clients under test, not from outsiders, but memory stays bounded).
const maxVisitField = 128

var instanceUA = regexp.MustCompile(`\(([^;()]*); pid (\d{1,10})\)`)

// visitOf is the next visit, of request c. Callers hold mu.
func (s *Server) visitOf(c *call, h http.Header) Visit {
	s.seq++
	v := Visit{Seq: s.seq, Operation: c.op, Mailbox: s.st.Room, Pass: clip(h.Get(ews.PassHeader))}
	for _, m := range []string{c.impersonate, c.anchor} {
		if m != "" {
			v.Mailbox = clip(strings.ToLower(m))
			break
		}
	}
	if m := instanceUA.FindStringSubmatch(h.Get("User-Agent")); m != nil {
		v.Host = clip(m[1])
		v.PID, _ = strconv.Atoi(m[2])
	}
	return v
}

func clip(v string) string {
	if len(v) > maxVisitField {
		return v[:maxVisitField]
	}
	return v
}

// Visits returns who sent every request so far, in order of arrival.
func (s *Server) Visits() []Visit {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Visit(nil), s.visits...)
}
