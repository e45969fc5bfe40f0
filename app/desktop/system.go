package desktop

import (
	"context"
	"log/slog"
	"time"

	"vmr-companion/backend/secrets"
)

// SystemService tells the window about the installation.
type SystemService struct {
	ctx          context.Context
	keychain     *secrets.Keychain
	databasePath string
	version      string
	logger       *slog.Logger
	started      time.Time
}

// Info is shown on the window's About panel and in status bars.
type Info struct {
	Version       string `json:"version"`
	DatabasePath  string `json:"database_path"`
	KeychainOK    bool   `json:"keychain_ok"`
	KeychainIssue string `json:"keychain_issue"`
}

// Info reports the version, where the data lives, and whether the keychain
// can be used.
func (s *SystemService) Info() Info {
	info := Info{Version: s.version, DatabasePath: s.databasePath, KeychainOK: true}
	if err := s.keychain.Check(s.ctx); err != nil {
		info.KeychainOK, info.KeychainIssue = false, err.Error()
	}
	return info
}

// Ready is called by the window once it has painted; the time since the
// process started goes to the log, which the start-up benchmark reads.
func (s *SystemService) Ready() {
	s.logger.Info("window ready", "since_start_ms", time.Since(s.started).Milliseconds())
}
