package desktop

import (
	"context"
	"fmt"
	"time"

	"vmr-companion/backend/atomicfile"
	"vmr-companion/backend/diagnostics"
	"vmr-companion/backend/integration"
	"vmr-companion/backend/scheduler"
)

// SchedulerService shows the scheduled conferences, the operations log and
// each integration's worker, with start/stop and the connection test.
type SchedulerService struct {
	ctx          context.Context
	scheduler    *scheduler.Scheduler
	integrations *integration.Service
	diagnose     func(ctx context.Context, in *integration.Integration) *diagnostics.Report
	bundle       func(r *diagnostics.Report, in *integration.Integration) ([]byte, error)
	dialogs      dialogs
	now          func() time.Time
}

// Conferences lists the scheduled conferences of one integration (or all
// with an empty name) that are upcoming or ended in the last 24 hours.
func (s *SchedulerService) Conferences(integrationName string) ([]scheduler.ScheduledConference, error) {
	return s.scheduler.Conferences(s.ctx, integrationName, s.now().Add(-24*time.Hour))
}

// Log returns the latest operations log entries, newest first.
func (s *SchedulerService) Log(integrationName string, limit int) ([]scheduler.LogEntry, error) {
	return s.scheduler.Log(s.ctx, integrationName, limit)
}

// Workers reports every integration's worker.
func (s *SchedulerService) Workers() ([]scheduler.Status, error) {
	return s.scheduler.Statuses(s.ctx)
}

// StartWorker starts (or restarts) an integration's worker.
func (s *SchedulerService) StartWorker(integrationName string) (*scheduler.Status, error) {
	if err := s.scheduler.StartWorker(s.ctx, integrationName); err != nil {
		return nil, err
	}
	return s.scheduler.Status(s.ctx, integrationName)
}

// StopWorker stops an integration's worker.
func (s *SchedulerService) StopWorker(integrationName string) (*scheduler.Status, error) {
	s.scheduler.StopWorker(integrationName)
	return s.scheduler.Status(s.ctx, integrationName)
}

// RunOnce processes what waits in an integration's mailbox now.
func (s *SchedulerService) RunOnce(integrationName string) (*scheduler.Summary, error) {
	sum, err := s.scheduler.RunOnce(s.ctx, integrationName)
	if err != nil && sum != nil && (sum.Error != "" || sum.Held != "") {
		return sum, nil // the summary carries the error and its advice, or who holds the mailbox
	}
	return sum, err
}

// Quarantined lists the items and replies set aside after failing, of one
// integration (or all with an empty name), newest first.
func (s *SchedulerService) Quarantined(integrationName string) ([]scheduler.Failure, error) {
	return s.scheduler.Quarantined(s.ctx, integrationName)
}

// Retry puts a quarantined item (kind "item") or reply (kind "outbox")
// back in line; the running worker tries it at once.
func (s *SchedulerService) Retry(integrationName, kind, id string) error {
	return s.scheduler.Retry(s.ctx, integrationName, kind, id)
}

// TestConnection runs the diagnostics of an integration.
func (s *SchedulerService) TestConnection(integrationName string) (*diagnostics.Report, error) {
	in, err := s.integrations.Get(s.ctx, integrationName)
	if err != nil {
		return nil, err
	}
	return s.diagnose(s.ctx, in), nil
}

// SaveDiagnostics runs the diagnostics and saves the bundle (secrets
// redacted) where the user chooses; it returns the path, or "" when the
// user cancelled.
func (s *SchedulerService) SaveDiagnostics(integrationName string) (string, error) {
	in, err := s.integrations.Get(s.ctx, integrationName)
	if err != nil {
		return "", err
	}
	report := s.diagnose(s.ctx, in)
	data, err := s.bundle(report, in)
	if err != nil {
		return "", err
	}
	path, err := s.dialogs.Save(s.ctx, "Save the diagnostics bundle", fmt.Sprintf("vmr-companion-diagnostics-%s.json", in.Name), "json")
	if err != nil || path == "" {
		return "", err
	}
	if err := atomicfile.Write(path, data, 0o600); err != nil {
		return "", err
	}
	return path, nil
}
