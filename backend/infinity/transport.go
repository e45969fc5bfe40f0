package infinity

import (
	"bytes"
	"context"
	"crypto/tls"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"vmr-companion/backend/backoff"
)

// MaxBody bounds a successful answer (a page of objects); MaxErrorBody an
// error's. A Management Node that sends more is refused, not buffered.
const (
	MaxBody      = 16 << 20
	MaxErrorBody = 64 << 10
	// maxRetryAfter caps a Retry-After so a hostile value cannot park the
	// client for days.
	maxRetryAfter = 5 * time.Minute
)

// call is one logical request; send may make several attempts of it.
type call struct {
	method string
	path   string // a path, or a relative URI from Infinity
	query  url.Values
	body   any // marshalled as JSON
	// form makes a form body anew for each attempt (a JWT assertion's
	// jti must not be sent twice).
	form     func() (url.Values, error)
	noAuth   bool
	resource string // for messages: "conference", "ms_exchange_connector"
	id       int
	// retryPost allows retrying a POST on 5xx and network errors; only
	// for the token request, which creates nothing.
	retryPost bool
}

// send runs c with retries and decodes a 2xx answer into out (when not
// nil). It returns the answer's headers (Location after a POST).
func (c *Client) send(ctx context.Context, cl call, out any) (http.Header, error) {
	u, err := c.resolve(cl.path)
	if err != nil {
		return nil, err
	}
	if cl.query != nil {
		u.RawQuery = cl.query.Encode()
	}
	var payload []byte
	contentType := ""
	if cl.body != nil {
		if payload, err = json.Marshal(cl.body); err != nil {
			return nil, fmt.Errorf("infinity: encoding the %s: %w", cl.resource, err)
		}
		contentType = "application/json"
	}
	idempotent := cl.method != http.MethodPost || cl.retryPost
	reauthed := false
	for attempt := 1; ; attempt++ {
		if cl.form != nil {
			form, err := cl.form()
			if err != nil {
				return nil, err
			}
			payload, contentType = []byte(form.Encode()), "application/x-www-form-urlencoded"
		}
		h, status, retryAfter, err := c.attempt(ctx, cl, u, payload, contentType, out)
		if err == nil {
			return h, nil
		}
		if status == http.StatusUnauthorized && !cl.noAuth && !reauthed {
			// An expired or revoked bearer token: fetch a new one once.
			if _, ok := c.auth.(*oauth); ok {
				c.auth.forget()
				reauthed = true
				attempt--
				continue
			}
		}
		if cl.method == http.MethodDelete && status == http.StatusNotFound && attempt > 1 {
			return h, nil // an earlier attempt deleted it before its answer was lost
		}
		if !retryable(status, idempotent) || attempt >= c.cfg.MaxAttempts || ctx.Err() != nil {
			if _, ok := errors.AsType[*AuthError](err); ok {
				c.authFailed.Store(true)
			}
			return nil, err
		}
		wait := backoff.Full(attempt, c.cfg.RetryBase, c.cfg.RetryMax, c.cfg.Rand)
		if retryAfter > wait {
			wait = retryAfter
		}
		if serr := c.sleep(ctx, wait); serr != nil {
			return nil, fmt.Errorf("%w (gave up waiting to retry: %v)", err, serr)
		}
	}
}

// retryable: 429 always (Infinity did nothing), 5xx and network errors
// (status 0) only when repeating cannot create a second object.
func retryable(status int, idempotent bool) bool {
	switch {
	case status == http.StatusTooManyRequests:
		return true
	case status == 0 || status >= 500:
		return idempotent
	}
	return false
}

func (c *Client) attempt(ctx context.Context, cl call, u *url.URL, payload []byte, contentType string, out any) (http.Header, int, time.Duration, error) {
	var body io.Reader
	if payload != nil {
		body = bytes.NewReader(payload)
	}
	c.requests.Add(1)
	req, err := http.NewRequestWithContext(ctx, cl.method, u.String(), body)
	if err != nil {
		return nil, -1, 0, fmt.Errorf("infinity: %w", err)
	}
	req.Header.Set("Accept", "application/json")
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	if !cl.noAuth {
		// Before taking a slot: fetching a token takes one itself.
		if err := c.auth.apply(ctx, req); err != nil {
			return nil, -1, 0, err
		}
	}
	select {
	case c.sem <- struct{}{}:
	case <-ctx.Done():
		return nil, -1, 0, ctx.Err()
	}
	defer func() { <-c.sem }()
	resp, err := c.http.Do(req)
	if err != nil {
		if ctx.Err() != nil {
			return nil, -1, 0, ctx.Err()
		}
		var cv *tls.CertificateVerificationError
		if errors.As(err, &cv) {
			// Permanent until the admin acts: not retried.
			return nil, -1, 0, fmt.Errorf("infinity: the certificate of %s is not trusted: %w (if an internal CA issued it, give that CA's PEM file)", u.Host, redactURL(err))
		}
		return nil, 0, 0, fmt.Errorf("infinity: %s %s: %w", cl.method, u.Path, redactURL(err))
	}
	defer resp.Body.Close()
	if resp.StatusCode >= 200 && resp.StatusCode < 300 {
		if out == nil || resp.StatusCode == http.StatusNoContent {
			return resp.Header, resp.StatusCode, 0, nil
		}
		if err := decodeBounded(resp.Body, MaxBody, out); err != nil {
			return nil, -1, 0, fmt.Errorf("infinity: %s %s: %w", cl.method, u.Path, err)
		}
		return resp.Header, resp.StatusCode, 0, nil
	}
	raw, _ := io.ReadAll(io.LimitReader(resp.Body, MaxErrorBody))
	return nil, resp.StatusCode, retryAfter(resp.Header.Get("Retry-After"), c.now()),
		c.statusError(cl, resp.StatusCode, raw)
}

// decodeBounded decodes one JSON value of at most limit bytes.
func decodeBounded(r io.Reader, limit int64, out any) error {
	data, err := io.ReadAll(io.LimitReader(r, limit+1))
	if err != nil {
		return fmt.Errorf("reading the answer: %w", err)
	}
	if int64(len(data)) > limit {
		return fmt.Errorf("the answer is larger than %d MiB: refused", limit>>20)
	}
	return decodeJSON(data, out)
}

// decodeJSON explains bad JSON with its position instead of passing on
// json's terse errors.
func decodeJSON(data []byte, out any) error {
	err := json.Unmarshal(data, out)
	var syn *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case err == nil:
		return nil
	case errors.As(err, &syn):
		return fmt.Errorf("the answer is not JSON (at byte %d: %v)", syn.Offset, syn)
	case errors.As(err, &typ):
		return fmt.Errorf("the answer's field %q is a JSON %s where %s was expected", typ.Field, typ.Value, typ.Type)
	}
	return fmt.Errorf("the answer cannot be read: %w", err)
}

// retryAfter reads delay-seconds or an HTTP date; bad values count as none.
func retryAfter(v string, now time.Time) time.Duration {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0
	}
	var d time.Duration
	if n, err := strconv.Atoi(v); err == nil {
		if n < 0 {
			return 0
		}
		d = time.Duration(min(n, int(maxRetryAfter/time.Second))) * time.Second
	} else if t, err := http.ParseTime(v); err == nil {
		d = t.Sub(now)
	}
	return max(0, min(d, maxRetryAfter))
}

// redactURL drops the URL net/http puts in its errors (it holds no secret
// here, but keeps messages short) while keeping the cause.
func redactURL(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		return ue.Err
	}
	return err
}

func isStatus(err error, status int) bool {
	var se *StatusError
	var fe *FieldErrors
	return (errors.As(err, &se) && se.Status == status) || (errors.As(err, &fe) && status == http.StatusBadRequest)
}
