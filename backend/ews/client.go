package ews

import (
	"bytes"
	"context"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"vmr-companion/backend/backoff"
)

// Config says where and as whom the client works.
type Config struct {
	URL string // https://host/EWS/Exchange.asmx
	// HTTPClient carries TLS roots and authentication (package ews/auth
	// builds it); nil means http.DefaultClient.
	HTTPClient *http.Client
	// Mailbox is the SMTP address of the mailbox to work in (the room
	// mailbox): used in DistinguishedFolderId/Mailbox and X-AnchorMailbox.
	Mailbox string
	// Impersonate adds the ExchangeImpersonation header for Mailbox
	// (ApplicationImpersonation role, or app permissions on Office 365).
	Impersonate bool
	// Version is RequestServerVersion; "" means Exchange2013_SP1, which
	// Exchange 2016, 2019 and Office 365 all accept.
	Version string
	Retry   RetryPolicy
	// Sleep waits between attempts; nil sleeps for real, honouring ctx.
	Sleep     func(ctx context.Context, d time.Duration) error
	UserAgent string
}

// RetryPolicy bounds retries; zero fields take the defaults (4 attempts,
// 500ms base, 30s max). Delays grow exponentially with full jitter.
type RetryPolicy struct {
	MaxAttempts         int
	BaseDelay, MaxDelay time.Duration
}

// MaxResponseBytes bounds a response body; a mailbox item with large
// attachments in its MIME is the biggest thing we read.
const MaxResponseBytes = 64 << 20

// maxResponseBytes is MaxResponseBytes; tests lower it.
var maxResponseBytes int64 = MaxResponseBytes

const (
	nsSOAP     = "http://schemas.xmlsoap.org/soap/envelope/"
	nsTypes    = "http://schemas.microsoft.com/exchange/services/2006/types"
	nsMessages = "http://schemas.microsoft.com/exchange/services/2006/messages"

	defaultVersion   = "Exchange2013_SP1"
	defaultUserAgent = "vmr-companion"
)

// Client talks to one EWS endpoint, working in one mailbox. It is safe for
// concurrent use.
type Client struct {
	url         string
	hc          *http.Client
	mailbox     string
	impersonate bool
	version     string
	retry       RetryPolicy
	sleep       func(ctx context.Context, d time.Duration) error
	userAgent   string
	// header is the SOAP header, built once: it only depends on the fields above.
	header string
	// badMailbox is why the mailbox As was given is unusable; every call
	// fails with it before anything is sent.
	badMailbox error
}

// New checks cfg and returns a client.
func New(cfg Config) (*Client, error) {
	u, err := url.Parse(cfg.URL)
	if err != nil || u.Host == "" {
		return nil, fmt.Errorf("ews: the EWS URL %q is not a valid URL; use https://<server>/EWS/Exchange.asmx", cfg.URL)
	}
	if u.Scheme != "https" {
		return nil, fmt.Errorf("ews: the EWS URL %q must use https (Exchange credentials never travel in clear text); use https://%s%s", cfg.URL, u.Host, u.Path)
	}
	if cfg.Impersonate && cfg.Mailbox == "" {
		return nil, errors.New("ews: impersonation needs a mailbox: set the room mailbox's SMTP address")
	}
	if cfg.Mailbox != "" {
		if _, err := CheckAddress(cfg.Mailbox); err != nil {
			return nil, fmt.Errorf("%w; set the mailbox to its SMTP address", err)
		}
	}
	c := &Client{
		url:         u.String(),
		hc:          cfg.HTTPClient,
		mailbox:     cfg.Mailbox,
		impersonate: cfg.Impersonate,
		version:     cfg.Version,
		retry:       cfg.Retry,
		sleep:       cfg.Sleep,
		userAgent:   cfg.UserAgent,
	}
	if c.hc == nil {
		c.hc = http.DefaultClient
	}
	if c.version == "" {
		c.version = defaultVersion
	}
	if c.retry.MaxAttempts <= 0 {
		c.retry.MaxAttempts = 4
	}
	if c.retry.BaseDelay <= 0 {
		c.retry.BaseDelay = 500 * time.Millisecond
	}
	if c.retry.MaxDelay <= 0 {
		c.retry.MaxDelay = 30 * time.Second
	}
	if c.sleep == nil {
		c.sleep = sleepCtx
	}
	if c.userAgent == "" {
		c.userAgent = defaultUserAgent
	}
	c.header = c.buildHeader()
	return c, nil
}

// As returns a client on the same endpoint and transport working in another
// mailbox (to update an organizer's meeting, say).
//
// mailbox usually comes from a message (a meeting's organizer): when it is
// not one bare SMTP address (CheckAddress), the client's every call fails
// with ErrInvalidAddress and sends nothing, so the address never reaches
// the X-AnchorMailbox header or the impersonation header.
func (c *Client) As(mailbox string, impersonate bool) *Client {
	n := *c
	n.mailbox, n.impersonate, n.badMailbox = mailbox, impersonate && mailbox != "", nil
	if mailbox != "" {
		if _, err := CheckAddress(mailbox); err != nil {
			n.mailbox, n.impersonate, n.badMailbox = "", false, fmt.Errorf("%w; the request was not sent", err)
		}
	}
	n.header = n.buildHeader()
	return &n
}

// Mailbox is the SMTP address the client works in ("" for the account's own).
func (c *Client) Mailbox() string { return c.mailbox }

func sleepCtx(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

func (c *Client) buildHeader() string {
	var b strings.Builder
	b.WriteString(`<soap:Header><t:RequestServerVersion Version="`)
	xmlEscape(&b, c.version)
	b.WriteString(`"/>`)
	if c.impersonate {
		b.WriteString(`<t:ExchangeImpersonation><t:ConnectingSID><t:PrimarySmtpAddress>`)
		xmlEscape(&b, c.mailbox)
		b.WriteString(`</t:PrimarySmtpAddress></t:ConnectingSID></t:ExchangeImpersonation>`)
	}
	b.WriteString(`</soap:Header>`)
	return b.String()
}

// envelope wraps the body written by body in a SOAP envelope.
func (c *Client) envelope(body func(b *bytes.Buffer)) []byte {
	b := bytes.NewBuffer(make([]byte, 0, 1024))
	b.WriteString(`<?xml version="1.0" encoding="utf-8"?>` + "\n" +
		`<soap:Envelope xmlns:soap="` + nsSOAP + `" xmlns:t="` + nsTypes + `" xmlns:m="` + nsMessages + `">`)
	b.WriteString(c.header)
	b.WriteString(`<soap:Body>`)
	body(b)
	b.WriteString(`</soap:Body></soap:Envelope>`)
	return b.Bytes()
}

type stringWriter interface {
	io.Writer
	WriteString(string) (int, error)
}

// xmlEscape writes s escaped for text and attribute values. Whatever XML
// 1.0 forbids (control characters, U+FFFE, U+FFFF, invalid UTF-8) is
// dropped: a sender controls many of these values, and one such character
// would make Exchange refuse the whole request.
func xmlEscape(w stringWriter, s string) {
	last := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c >= utf8.RuneSelf {
			r, size := utf8.DecodeRuneInString(s[i:])
			if (r != utf8.RuneError || size > 1) && xmlChar(r) {
				i += size
				continue
			}
			w.WriteString(s[last:i])
			i += size
			last = i
			continue
		}
		var esc string
		switch c {
		case '<':
			esc = "&lt;"
		case '>':
			esc = "&gt;"
		case '&':
			esc = "&amp;"
		case '"':
			esc = "&quot;"
		case '\'':
			esc = "&apos;"
		case '\r':
			esc = "&#xD;"
		case '\n':
			esc = "&#xA;"
		case '\t':
			esc = "&#x9;"
		default:
			if c >= 0x20 {
				i++
				continue
			}
			// Other control characters are not allowed in XML 1.0.
		}
		w.WriteString(s[last:i])
		w.WriteString(esc)
		i++
		last = i
	}
	w.WriteString(s[last:])
}

// xmlChar tells whether XML 1.0 allows r (production Char, section 2.2),
// leaving out the control characters xmlEscape handles itself.
func xmlChar(r rune) bool {
	return r >= 0x20 && r <= 0xD7FF || r >= 0xE000 && r <= 0xFFFD || r >= 0x10000 && r <= 0x10FFFF
}

// writeFolder writes a DistinguishedFolderId in the client's mailbox.
func (c *Client) writeFolder(b *bytes.Buffer, folder FolderName) {
	b.WriteString(`<t:DistinguishedFolderId Id="`)
	xmlEscape(b, string(folder))
	if c.mailbox == "" {
		b.WriteString(`"/>`)
		return
	}
	b.WriteString(`"><t:Mailbox><t:EmailAddress>`)
	xmlEscape(b, c.mailbox)
	b.WriteString(`</t:EmailAddress></t:Mailbox></t:DistinguishedFolderId>`)
}

func writeItemID(b *bytes.Buffer, elem string, id ItemID) {
	b.WriteString(`<t:` + elem + ` Id="`)
	xmlEscape(b, id.ID)
	if id.ChangeKey != "" {
		b.WriteString(`" ChangeKey="`)
		xmlEscape(b, id.ChangeKey)
	}
	b.WriteString(`"/>`)
}

// writeMasterID names the series of the occurrence id (the schema's
// RecurringMasterItemIdType: the occurrence's id in OccurrenceId). The
// occurrence's ChangeKey says nothing about the master's version, so it is
// left out.
func writeMasterID(b *bytes.Buffer, occurrence ItemID) {
	b.WriteString(`<t:RecurringMasterItemId OccurrenceId="`)
	xmlEscape(b, occurrence.ID)
	b.WriteString(`"/>`)
}

// call sends one operation, retrying as the policy and safe allow, and
// decodes the answer into resp; check turns response messages into an
// error (and decides whether that error is worth a retry).
// safe says whether the operation may be repeated after an unclear failure
// (reads); unsafe ones are retried only when Exchange said it did not
// process the request.
func (c *Client) call(ctx context.Context, op string, safe bool, body []byte, check func(*wireResponse) error) (*wireResponse, error) {
	var lastErr error
	for attempt := 1; ; attempt++ {
		resp, err := c.once(ctx, op, body)
		if err == nil && check != nil {
			err = check(resp)
		}
		if err == nil {
			return resp, nil
		}
		lastErr = err
		if attempt >= c.retry.MaxAttempts || !c.retryable(err, safe) || ctx.Err() != nil {
			return nil, lastErr
		}
		if err := c.sleep(ctx, c.delay(attempt, err)); err != nil {
			return nil, fmt.Errorf("ews: %s: gave up waiting to retry (%v) after: %w", op, err, lastErr)
		}
	}
}

func (c *Client) retryable(err error, safe bool) bool {
	if IsAuth(err) {
		return false
	}
	if safe {
		return IsTransient(err)
	}
	var ee *Error
	return errors.As(err, &ee) && transientCodes[ee.ResponseCode]
}

// delay is the server's BackOff hint when it gave one, else the shared
// back-off (exponential, full jitter).
func (c *Client) delay(attempt int, err error) time.Duration {
	var ee *Error
	if errors.As(err, &ee) && ee.BackOff > 0 {
		return ee.BackOff
	}
	return backoff.Full(attempt, c.retry.BaseDelay, c.retry.MaxDelay, nil)
}

// once does one HTTP exchange and decodes the SOAP answer.
func (c *Client) once(ctx context.Context, op string, body []byte) (*wireResponse, error) {
	if c.badMailbox != nil {
		return nil, fmt.Errorf("ews: %s: %w", op, c.badMailbox)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.url, bytes.NewReader(body))
	if err != nil {
		return nil, fmt.Errorf("ews: %s: building the request: %w", op, err)
	}
	req.Header.Set("Content-Type", "text/xml; charset=utf-8")
	req.Header.Set("Accept", "text/xml")
	req.Header.Set("User-Agent", c.userAgent)
	if id := PassOf(ctx); id != "" {
		req.Header.Set(PassHeader, id)
	}
	if c.mailbox != "" {
		req.Header.Set("X-AnchorMailbox", c.mailbox)
	}
	res, err := c.hc.Do(req)
	if err != nil {
		if ctx.Err() != nil {
			return nil, fmt.Errorf("ews: %s: %w", op, ctx.Err())
		}
		return nil, &transportError{op: op, url: c.url, network: isNetworkError(err), err: err}
	}
	defer func() {
		// Drain a little so the connection can be reused (NTLM binds auth to it).
		io.CopyN(io.Discard, res.Body, 4096)
		res.Body.Close()
	}()
	switch {
	case res.StatusCode == http.StatusOK:
	case res.StatusCode == http.StatusInternalServerError && isXML(res.Header.Get("Content-Type")):
		// SOAP faults come with 500; decode and fall back to HTTPError.
	default:
		return nil, httpError(op, res)
	}
	resp := new(wireResponse)
	err = decodeEnvelope(&limitedReader{r: res.Body, n: maxResponseBytes}, op, c.url, resp)
	if err != nil && res.StatusCode != http.StatusOK && errors.Is(err, ErrMalformed) {
		return nil, &HTTPError{Op: op, Status: res.StatusCode}
	}
	return resp, err
}

func isXML(ct string) bool { return strings.Contains(ct, "xml") }

func httpError(op string, res *http.Response) error {
	b, _ := io.ReadAll(io.LimitReader(res.Body, 512))
	return &HTTPError{Op: op, Status: res.StatusCode, Body: strings.ToValidUTF8(strings.TrimSpace(string(b)), "?")}
}

// limitedReader fails with ErrTooLarge past n bytes instead of truncating,
// so an oversize answer never parses as a shorter valid one.
type limitedReader struct {
	r io.Reader
	n int64
}

func (l *limitedReader) Read(p []byte) (int, error) {
	if l.n <= 0 {
		// At the limit: one more byte means too large, EOF means done.
		var one [1]byte
		for range 100 {
			n, err := l.r.Read(one[:])
			if n > 0 {
				return 0, ErrTooLarge
			}
			if err != nil {
				return 0, err
			}
		}
		return 0, io.ErrNoProgress
	}
	if int64(len(p)) > l.n {
		p = p[:l.n]
	}
	n, err := l.r.Read(p)
	l.n -= int64(n)
	return n, err
}

// decodeEnvelope reads a SOAP envelope, decoding the element inside Body
// into into, or a Fault into an *Error.
func decodeEnvelope(r io.Reader, op, endpoint string, into any) error {
	d := xml.NewDecoder(r)
	depth := 0
	inBody := false
	for {
		tok, err := d.Token()
		if err != nil {
			return decodeError(err, op, endpoint)
		}
		switch t := tok.(type) {
		case xml.StartElement:
			depth++
			switch {
			case depth == 1 && t.Name.Local != "Envelope":
				return fmt.Errorf("%w: the server's answer to %s is <%s>, not a SOAP envelope; is %s an EWS endpoint?", ErrMalformed, op, t.Name.Local, endpoint)
			case depth == 2 && t.Name.Local == "Body":
				inBody = true
			case depth == 2:
				if err := d.Skip(); err != nil {
					return decodeError(err, op, endpoint)
				}
				depth--
			case depth == 3 && inBody && t.Name.Local == "Fault":
				var f wireFault
				if err := d.DecodeElement(&f, &t); err != nil {
					return decodeError(err, op, endpoint)
				}
				return faultError(op, &f)
			case depth == 3 && inBody:
				if err := d.DecodeElement(into, &t); err != nil {
					return decodeError(err, op, endpoint)
				}
				return nil
			}
		case xml.EndElement:
			depth--
			if depth <= 1 && inBody {
				return fmt.Errorf("%w: the server's answer to %s has an empty SOAP body; is %s an EWS endpoint?", ErrMalformed, op, endpoint)
			}
		}
	}
}

func decodeError(err error, op, endpoint string) error {
	if errors.Is(err, ErrTooLarge) {
		return fmt.Errorf("ews: %s: the answer is larger than %d bytes, more than any item this client reads; check the URL points at EWS: %w", op, maxResponseBytes, ErrTooLarge)
	}
	var se *xml.SyntaxError
	if errors.As(err, &se) {
		return fmt.Errorf("%w: the server's answer to %s is not well-formed XML at line %d: %s; is %s an EWS endpoint?", ErrMalformed, op, se.Line, se.Msg, endpoint)
	}
	if errors.Is(err, io.EOF) {
		return fmt.Errorf("%w: the server's answer to %s ended before the SOAP envelope did; is %s an EWS endpoint?", ErrMalformed, op, endpoint)
	}
	var te *transportError
	if !errors.As(err, &te) {
		// A read error mid-body: the connection broke.
		return &transportError{op: op, url: endpoint, network: true, err: err}
	}
	return err
}

func faultError(op string, f *wireFault) error {
	code := strings.TrimSpace(f.Detail.ResponseCode)
	if code == "" {
		code = strings.TrimSpace(f.Code)
		if i := strings.IndexByte(code, ':'); i >= 0 {
			code = code[i+1:]
		}
	}
	text := strings.TrimSpace(f.Detail.Message)
	if text == "" {
		text = strings.TrimSpace(f.String)
	}
	return &Error{Op: op, ResponseClass: "Fault", ResponseCode: code, MessageText: text, BackOff: backOff(f.Detail.MessageXML)}
}

func backOff(values []wireValue) time.Duration {
	for _, v := range values {
		if v.Name == "BackOffMilliseconds" {
			if ms, err := strconv.ParseInt(strings.TrimSpace(v.Value), 10, 64); err == nil && ms > 0 {
				return time.Duration(ms) * time.Millisecond
			}
		}
	}
	return 0
}

// messageError is the error of one ResponseMessage, nil on success.
// Warnings count as errors: for the operations used here Exchange only warns
// when it did not do the whole job.
func messageError(op string, m *wireMessage) error {
	if m.ResponseClass == "Success" || (m.ResponseClass == "" && (m.ResponseCode == "NoError" || m.ResponseCode == "")) {
		return nil
	}
	return &Error{Op: op, ResponseClass: m.ResponseClass, ResponseCode: m.ResponseCode, MessageText: m.MessageText, BackOff: backOff(m.MessageXML)}
}

// checkAll fails on the first failed message and on an answer with no
// messages at all.
func checkAll(op string) func(*wireResponse) error {
	return func(r *wireResponse) error {
		if len(r.Messages.List) == 0 {
			return fmt.Errorf("%w: the server's answer to %s has no response message", ErrMalformed, op)
		}
		for i := range r.Messages.List {
			if err := messageError(op, &r.Messages.List[i]); err != nil {
				return err
			}
		}
		return nil
	}
}
