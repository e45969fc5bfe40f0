package ical

import (
	"bufio"
	"bytes"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	"net/mail"
	"net/textproto"
	"strings"

	"golang.org/x/text/encoding/htmlindex"
)

// ErrNoCalendarPart means a message carries no iCalendar part.
var ErrNoCalendarPart = errors.New("calendar: the message has no text/calendar part")

// maxMIMEDepth and maxMIMEParts bound the walk through nested multiparts.
const (
	maxMIMEDepth = 8
	maxMIMEParts = 200
)

// ParseMIME parses the meeting in an RFC 822 message, as EWS GetItem returns
// it in MimeContent: the first text/calendar part (else an application/ics
// attachment), found depth-first through multipart/alternative, mixed or
// related parts, decoded from base64 or quoted-printable and from its
// charset to UTF-8. When raw is itself iCalendar it is parsed directly.
func ParseMIME(raw []byte, opt ParseOptions) (*Calendar, error) {
	if len(raw) > MaxInputBytes {
		return nil, fmt.Errorf("calendar: the message is larger than %d MiB", MaxInputBytes>>20)
	}
	if LooksLikeICalendar(raw) {
		return parseBytes(raw, opt)
	}
	msg, err := mail.ReadMessage(bytes.NewReader(raw))
	if err != nil {
		return nil, fmt.Errorf("%w: it is neither iCalendar nor a readable RFC 822 message (%v)", ErrNoCalendarPart, err)
	}
	w := &mimeWalker{}
	if err := w.walk(textproto.MIMEHeader(msg.Header), msg.Body, 0); err != nil {
		return nil, err
	}
	part := w.calendar
	if part == nil {
		part = w.attachment
	}
	if part == nil {
		return nil, ErrNoCalendarPart
	}
	return parseBytes(part, opt)
}

type mimeWalker struct {
	parts      int
	calendar   []byte // first text/calendar part, decoded
	attachment []byte // first application/ics part, decoded
}

func (w *mimeWalker) walk(h textproto.MIMEHeader, body io.Reader, depth int) error {
	w.parts++
	if w.parts > maxMIMEParts || depth > maxMIMEDepth {
		return fmt.Errorf("calendar: the message has more than %d parts or is nested more than %d deep; it is not a meeting request", maxMIMEParts, maxMIMEDepth)
	}
	ctype := h.Get("Content-Type")
	if ctype == "" {
		ctype = "text/plain"
	}
	mediaType, params, err := mime.ParseMediaType(ctype)
	if err != nil {
		return nil // an unreadable part cannot be the calendar; the others may be
	}
	switch {
	case strings.HasPrefix(mediaType, "multipart/"):
		boundary := params["boundary"]
		if boundary == "" {
			return nil
		}
		mr := multipart.NewReader(body, boundary)
		for w.calendar == nil {
			p, err := mr.NextRawPart()
			if err == io.EOF {
				return nil
			}
			if err != nil {
				return nil // a truncated multipart still gives what came before
			}
			if err := w.walk(p.Header, p, depth+1); err != nil {
				return err
			}
		}
		return nil
	case mediaType == "text/calendar" && w.calendar == nil, mediaType == "application/ics" && w.attachment == nil:
		data, err := decodePart(h.Get("Content-Transfer-Encoding"), params["charset"], body)
		if err != nil {
			return fmt.Errorf("calendar: decoding the %s part: %w", mediaType, err)
		}
		if mediaType == "text/calendar" {
			w.calendar = data
		} else {
			w.attachment = data
		}
	}
	return nil
}

// decodePart undoes a part's transfer encoding and converts its charset to
// UTF-8 (iCalendar's default, RFC 5545 3.1.4).
func decodePart(encoding, charset string, body io.Reader) ([]byte, error) {
	r := body
	switch strings.ToLower(strings.TrimSpace(encoding)) {
	case "base64":
		r = base64.NewDecoder(base64.StdEncoding, &spaceStripper{r: bufio.NewReader(body)})
	case "quoted-printable":
		r = quotedprintable.NewReader(body)
	case "", "7bit", "8bit", "binary":
	default:
		return nil, fmt.Errorf("unknown Content-Transfer-Encoding %q", encoding)
	}
	data, err := io.ReadAll(io.LimitReader(r, MaxInputBytes+1))
	if err != nil {
		return nil, fmt.Errorf("%s content: %w", encoding, err)
	}
	if len(data) > MaxInputBytes {
		return nil, fmt.Errorf("the part is larger than %d MiB", MaxInputBytes>>20)
	}
	switch cs := strings.ToLower(strings.TrimSpace(charset)); cs {
	case "", "utf-8", "utf8", "us-ascii", "ascii":
		return data, nil
	default:
		enc, err := htmlindex.Get(cs)
		if err != nil {
			return nil, fmt.Errorf("unknown charset %q", charset)
		}
		out, err := enc.NewDecoder().Bytes(data)
		if err != nil {
			return nil, fmt.Errorf("converting from %s: %w", charset, err)
		}
		return out, nil
	}
}

// spaceStripper drops the whitespace that base64 bodies are wrapped with
// (base64.NewDecoder skips only CR and LF).
type spaceStripper struct{ r *bufio.Reader }

func (s *spaceStripper) Read(p []byte) (int, error) {
	n := 0
	for n < len(p) {
		c, err := s.r.ReadByte()
		if err != nil {
			if n > 0 {
				return n, nil
			}
			return 0, err
		}
		if c == ' ' || c == '\t' || c == '\r' || c == '\n' {
			continue
		}
		p[n] = c
		n++
	}
	return n, nil
}
