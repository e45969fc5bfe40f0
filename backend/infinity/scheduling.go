package infinity

import (
	"context"
	"net/url"
)

// Resources Infinity's own VMR scheduling (the Exchange integration's
// scheduling service) writes: an alias handed to a meeting, one object per
// meeting (per occurrence of a series) with its times, and the series.
const (
	ResScheduledAlias      = "scheduled_alias"
	ResScheduledConference = "scheduled_conference"
	ResRecurringConference = "recurring_conference"
)

// ScheduledAlias is a scheduled_alias: a single-use alias of an
// integration (exchange_connector), used by one meeting (ews_item_uid).
type ScheduledAlias struct {
	ID                     int     `json:"id,omitempty"`
	Alias                  string  `json:"alias"`
	AliasNumber            int     `json:"alias_number"`
	NumericAlias           string  `json:"numeric_alias"`
	UUID                   string  `json:"uuid"`
	ExchangeConnector      *Ref    `json:"exchange_connector"`
	IsUsed                 bool    `json:"is_used"`
	EWSItemUID             *string `json:"ews_item_uid"`
	ConferenceDeletionTime *Time   `json:"conference_deletion_time"`
	CreationTime           Time    `json:"creation_time,omitzero"`
	ResourceURI            string  `json:"resource_uri,omitempty"`
}

// ScheduledConference is a scheduled_conference: one meeting (or one
// occurrence of a series) of a conference, from start_time to end_time.
type ScheduledConference struct {
	ID                  int    `json:"id,omitempty"`
	Conference          *Ref   `json:"conference"`
	StartTime           Time   `json:"start_time"`
	EndTime             Time   `json:"end_time"`
	Subject             string `json:"subject"`
	EWSItemID           string `json:"ews_item_id"`
	EWSItemUID          string `json:"ews_item_uid"`
	RecurringConference *Ref   `json:"recurring_conference"`
	ScheduledAlias      *Ref   `json:"scheduled_alias"`
	ResourceURI         string `json:"resource_uri,omitempty"`
}

// RecurringConference is a recurring_conference: a series of a
// conference, its occurrences being scheduled_conference objects.
type RecurringConference struct {
	ID             int    `json:"id,omitempty"`
	Conference     *Ref   `json:"conference"`
	CurrentIndex   int    `json:"current_index"`
	EWSItemID      string `json:"ews_item_id"`
	IsDepleted     bool   `json:"is_depleted"`
	Subject        string `json:"subject"`
	ScheduledAlias *Ref   `json:"scheduled_alias"`
	ResourceURI    string `json:"resource_uri,omitempty"`
}

// ListScheduledAliases reads scheduled_alias objects; q holds filters
// such as alias=.
func (c *Client) ListScheduledAliases(ctx context.Context, q url.Values) ([]ScheduledAlias, error) {
	return listAll[ScheduledAlias](ctx, c, ResScheduledAlias, q)
}

// CreateScheduledAlias POSTs v and returns the new id.
func (c *Client) CreateScheduledAlias(ctx context.Context, v ScheduledAlias) (int, error) {
	return c.createTyped(ctx, ResScheduledAlias, v, nil)
}

// ListScheduledConferences reads scheduled_conference objects; q may
// filter by conference, ews_item_uid, start_time__gte and so on.
func (c *Client) ListScheduledConferences(ctx context.Context, q url.Values) ([]ScheduledConference, error) {
	return listAll[ScheduledConference](ctx, c, ResScheduledConference, q)
}

// CreateScheduledConference POSTs v and returns the new id.
func (c *Client) CreateScheduledConference(ctx context.Context, v ScheduledConference) (int, error) {
	return c.createTyped(ctx, ResScheduledConference, v, nil)
}

// ListRecurringConferences reads recurring_conference objects; q may
// filter by conference or ews_item_id.
func (c *Client) ListRecurringConferences(ctx context.Context, q url.Values) ([]RecurringConference, error) {
	return listAll[RecurringConference](ctx, c, ResRecurringConference, q)
}

// CreateRecurringConference POSTs v and returns the new id.
func (c *Client) CreateRecurringConference(ctx context.Context, v RecurringConference) (int, error) {
	return c.createTyped(ctx, ResRecurringConference, v, nil)
}
