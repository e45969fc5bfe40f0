package infinity

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"

	"vmr-companion/backend/secrets"
)

// Resource names, as in the API's paths.
const (
	ResConnector       = "ms_exchange_connector"
	ResExchangeDomain  = "exchange_domain"
	ResConference      = "conference"
	ResConferenceAlias = "conference_alias"
)

// MaxPages bounds one listing: a Management Node whose meta.next never
// ends (or loops) gets an error, not an endless pull.
const MaxPages = 100_000

// Meta is a list's paging block.
type Meta struct {
	Limit      int     `json:"limit"`
	Offset     int     `json:"offset"`
	Next       *string `json:"next"`
	Previous   *string `json:"previous"`
	TotalCount int     `json:"total_count"`
}

// ListPage is one page of a list answer.
type ListPage[T any] struct {
	Meta    Meta `json:"meta"`
	Objects []T  `json:"objects"`
}

// DecodeList reads one page of a list answer, checking its shape.
func DecodeList[T any](data []byte) (*ListPage[T], error) {
	var p struct {
		Meta    *Meta `json:"meta"`
		Objects *[]T  `json:"objects"`
	}
	if err := decodeJSON(data, &p); err != nil {
		return nil, err
	}
	if p.Meta == nil || p.Objects == nil {
		return nil, fmt.Errorf("the answer is not a list (no meta or objects)")
	}
	return &ListPage[T]{Meta: *p.Meta, Objects: *p.Objects}, nil
}

// rawPage defers decoding to DecodeList, so the client and the fuzz
// target read pages the same way.
type rawPage []byte

func (r *rawPage) UnmarshalJSON(b []byte) error { *r = append((*r)[:0], b...); return nil }

// Fields are the fields of a PATCH (only those that change) or extra
// fields of a POST. secrets.Secret values are sent in the clear (only
// here), every other value as JSON.
type Fields map[string]any

func (f Fields) MarshalJSON() ([]byte, error) {
	out := make(map[string]any, len(f))
	for k, v := range f {
		switch s := v.(type) {
		case secrets.Secret:
			v = s.Reveal()
		case *secrets.Secret:
			if s != nil {
				v = s.Reveal()
			}
		}
		out[k] = v
	}
	return json.Marshal(out)
}

func listAll[T any](ctx context.Context, c *Client, resource string, q url.Values) ([]T, error) {
	var all []T
	err := eachPage(ctx, c, resource, q, func(objects []T) error {
		all = append(all, objects...)
		return nil
	})
	if err != nil {
		return nil, err
	}
	return all, nil
}

// eachPage reads resource page by page, handing each page's objects to fn
// before the next is read, so a caller that keeps less than the objects
// holds one page at a time.
func eachPage[T any](ctx context.Context, c *Client, resource string, q url.Values, fn func([]T) error) error {
	next, query := ConfigPath+resource+"/", q
	seen := map[string]bool{}
	for pages := 0; ; pages++ {
		if pages >= MaxPages {
			return fmt.Errorf("infinity: listing %s: more than %d pages: stopped", resource, MaxPages)
		}
		var raw rawPage
		if _, err := c.send(ctx, call{method: http.MethodGet, path: next, query: query, resource: resource}, &raw); err != nil {
			return err
		}
		page, err := DecodeList[T](raw)
		if err != nil {
			return fmt.Errorf("infinity: listing %s: %w", resource, err)
		}
		raw = nil
		if err := fn(page.Objects); err != nil {
			return err
		}
		if page.Meta.Next == nil || *page.Meta.Next == "" {
			return nil
		}
		if seen[*page.Meta.Next] {
			return fmt.Errorf("infinity: listing %s: meta.next %q came back twice: stopped", resource, truncate(*page.Meta.Next, 200))
		}
		seen[*page.Meta.Next] = true
		next, query = *page.Meta.Next, nil // next carries the query
	}
}

func getOne[T any](ctx context.Context, c *Client, resource string, id int) (*T, error) {
	var out T
	_, err := c.send(ctx, call{method: http.MethodGet, path: ResourceURI(resource, id), resource: resource, id: id}, &out)
	if err != nil {
		return nil, err
	}
	return &out, nil
}

// create POSTs body and returns the new id from the Location header.
func (c *Client) create(ctx context.Context, resource string, body any) (int, error) {
	h, err := c.send(ctx, call{method: http.MethodPost, path: ConfigPath + resource + "/", body: body, resource: resource}, nil)
	if err != nil {
		return 0, err
	}
	id := IDFromURI(h.Get("Location"))
	if id == 0 {
		return 0, fmt.Errorf("infinity: Infinity created the %s but its Location header %q names no id", resource, truncate(h.Get("Location"), 200))
	}
	return id, nil
}

func (c *Client) createTyped(ctx context.Context, resource string, v any, extra Fields) (int, error) {
	body, err := writable(v)
	if err != nil {
		return 0, fmt.Errorf("infinity: encoding the %s: %w", resource, err)
	}
	f := Fields(body)
	for k, v := range extra {
		f[k] = v
	}
	return c.create(ctx, resource, f)
}

// Patch sends only fields to object id of resource.
func (c *Client) Patch(ctx context.Context, resource string, id int, fields Fields) error {
	_, err := c.send(ctx, call{method: http.MethodPatch, path: ResourceURI(resource, id), body: fields, resource: resource, id: id}, nil)
	return err
}

// Delete removes object id of resource.
func (c *Client) Delete(ctx context.Context, resource string, id int) error {
	_, err := c.send(ctx, call{method: http.MethodDelete, path: ResourceURI(resource, id), resource: resource, id: id}, nil)
	return err
}

// ListConnectors reads every ms_exchange_connector (with nested domains);
// q holds filters such as name=.
func (c *Client) ListConnectors(ctx context.Context, q url.Values) ([]Connector, error) {
	return listAll[Connector](ctx, c, ResConnector, q)
}

// EachConnectorPage reads every ms_exchange_connector like ListConnectors,
// handing each page to fn as it arrives (a large listing is never held
// whole); an error of fn stops the listing and is returned.
func (c *Client) EachConnectorPage(ctx context.Context, q url.Values, fn func([]Connector) error) error {
	return eachPage(ctx, c, ResConnector, q, fn)
}

// GetConnector reads one ms_exchange_connector.
func (c *Client) GetConnector(ctx context.Context, id int) (*Connector, error) {
	return getOne[Connector](ctx, c, ResConnector, id)
}

// CreateConnector POSTs v (without its read-only fields and domains) plus
// extra (e.g. secrets) and returns the new id.
func (c *Client) CreateConnector(ctx context.Context, v Connector, extra Fields) (int, error) {
	return c.createTyped(ctx, ResConnector, v, extra)
}

// ListExchangeDomains reads exchange_domain objects; q may filter by
// exchange_connector.
func (c *Client) ListExchangeDomains(ctx context.Context, q url.Values) ([]ExchangeDomain, error) {
	return listAll[ExchangeDomain](ctx, c, ResExchangeDomain, q)
}

// CreateExchangeDomain adds domain to connector connectorID.
func (c *Client) CreateExchangeDomain(ctx context.Context, connectorID int, domain string) (int, error) {
	return c.createTyped(ctx, ResExchangeDomain, ExchangeDomain{Domain: domain, ExchangeConnector: RefTo(ResConnector, connectorID)}, nil)
}

// ListConferences reads every conference (with nested aliases); q holds
// filters.
func (c *Client) ListConferences(ctx context.Context, q url.Values) ([]Conference, error) {
	return listAll[Conference](ctx, c, ResConference, q)
}

// EachConferencePage reads every conference like ListConferences, handing
// each page to fn as it arrives; an error of fn stops the listing.
func (c *Client) EachConferencePage(ctx context.Context, q url.Values, fn func([]Conference) error) error {
	return eachPage(ctx, c, ResConference, q, fn)
}

// GetConference reads one conference.
func (c *Client) GetConference(ctx context.Context, id int) (*Conference, error) {
	return getOne[Conference](ctx, c, ResConference, id)
}

// CreateConference POSTs v (without aliases, which are objects of their
// own) and returns the new id.
func (c *Client) CreateConference(ctx context.Context, v Conference, extra Fields) (int, error) {
	return c.createTyped(ctx, ResConference, v, extra)
}

// ListConferenceAliases reads conference_alias objects; q may filter by
// conference.
func (c *Client) ListConferenceAliases(ctx context.Context, q url.Values) ([]ConferenceAlias, error) {
	return listAll[ConferenceAlias](ctx, c, ResConferenceAlias, q)
}

// CreateConferenceAlias adds alias to conference conferenceID.
func (c *Client) CreateConferenceAlias(ctx context.Context, conferenceID int, alias, description string) (int, error) {
	return c.createTyped(ctx, ResConferenceAlias, ConferenceAlias{Alias: alias, Description: description, Conference: RefTo(ResConference, conferenceID)}, nil)
}

// Check reads one connector to prove the address, the certificate and the
// credentials (the window's Test button). The reference names no version
// or whoami endpoint, so none is called.
func (c *Client) Check(ctx context.Context) error {
	_, err := c.send(ctx, call{method: http.MethodGet, path: ConfigPath + ResConnector + "/", query: url.Values{"limit": {"1"}}, resource: ResConnector}, nil)
	return err
}

// StatusPath is the prefix of the read-only status resources.
const StatusPath = "/api/admin/status/v1/"

// Version reads the Management Node's software version from the status
// resource management_vm (field version). The reference does not confirm
// that resource or field: a 404, or an answer without a version, is ""
// (unknown), not an error, so a node that does not say still connects.
func (c *Client) Version(ctx context.Context) (string, error) {
	var raw rawPage
	_, err := c.send(ctx, call{method: http.MethodGet, path: StatusPath + "management_vm/", resource: "management_vm"}, &raw)
	var nf *NotFoundError
	if errors.As(err, &nf) {
		return "", nil
	}
	if err != nil {
		return "", err
	}
	page, err := DecodeList[struct {
		Version string `json:"version"`
	}](raw)
	if err != nil || len(page.Objects) == 0 {
		return "", nil
	}
	return truncate(page.Objects[0].Version, 100), nil
}
