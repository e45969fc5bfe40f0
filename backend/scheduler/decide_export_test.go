package scheduler

import (
	"context"
	"time"

	"vmr-companion/backend/ews"
	"vmr-companion/backend/integration"
)

// DecideItem runs the decision about one item, as a pass does, without
// committing it (FuzzDecide).
func DecideItem(ctx context.Context, cfg Config, in *integration.Integration, now time.Time, txID string, item *ews.Item) (*Outcome, error) {
	d := &decider{in: in, repo: cfg.Repository, aliases: cfg.Aliases, templates: cfg.Templates, now: now, txID: txID,
		horizon: DefaultPlaceholderHorizon, limit: newPlaceholderLimit(DefaultPlaceholderLimit)}
	return d.decide(ctx, item)
}

// ReplyTemplate is the template field a decision code replies with.
func ReplyTemplate(code string) (string, bool) {
	f, ok := replyTemplate[code]
	return f, ok
}
