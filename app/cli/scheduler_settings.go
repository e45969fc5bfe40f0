package cli

import (
	"fmt"
	"time"

	"github.com/spf13/cobra"

	"vmr-companion/backend/scheduler"
)

// schedulerSettings are the scheduler's flags that serve and scheduler run
// both take: the rule for meetings that carry the add-in's placeholder
// (the service reserves their alias: how long an endless series keeps its
// room, how many such meetings one organizer may send in an hour), the
// mailbox lease's time and the poll interval.
type schedulerSettings struct {
	horizon time.Duration
	limit   int
	// leaseTTL is how long a mailbox lease lasts unless renewed; poll is
	// the pause between passes.
	leaseTTL time.Duration
	poll     time.Duration
}

func (p *schedulerSettings) flags(cmd *cobra.Command) {
	cmd.Flags().DurationVar(&p.horizon, "placeholder-horizon", scheduler.DefaultPlaceholderHorizon,
		"how long the room of a placeholder meeting whose series has no end lasts (at least 24h)")
	cmd.Flags().IntVar(&p.limit, "placeholder-limit", scheduler.DefaultPlaceholderLimit,
		"placeholder meetings one organizer may send in an hour; 0 turns the limit off")
	cmd.Flags().DurationVar(&p.poll, "poll", scheduler.DefaultPoll,
		"how often a room mailbox is read when it has nothing new (1s to 1h)")
	cmd.Flags().DurationVar(&p.leaseTTL, "lease-ttl", scheduler.DefaultLeaseTTL,
		"how long a mailbox stays with an instance that stopped renewing it: another instance takes it after that (3s to 10m)")
}

func (p *schedulerSettings) apply(s *scheduler.Scheduler) error {
	if err := s.SetPlaceholderPolicy(p.horizon, p.limit); err != nil {
		return fmt.Errorf("--placeholder-horizon/--placeholder-limit: %w", err)
	}
	if err := s.SetLeaseTTL(p.leaseTTL); err != nil {
		return fmt.Errorf("--lease-ttl: %w", err)
	}
	if err := s.SetPoll(p.poll); err != nil {
		return fmt.Errorf("--poll: %w", err)
	}
	return nil
}
