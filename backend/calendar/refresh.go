package calendar

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"path/filepath"
	"time"
)

// Cache keeps the last good copy of each source's meetings (the store's
// Calendars), so that a failed refresh still shows them, marked stale.
type Cache interface {
	Save(ctx context.Context, key, source string, meetings []Meeting, at time.Time) error
	Load(ctx context.Context, key, source string) (meetings []Meeting, fetchedAt time.Time, lastError string, err error)
	RecordFailure(ctx context.Context, key, source, msg string, at time.Time) error
}

// Snapshot is what a refresh gives the window.
type Snapshot struct {
	Source    string    `json:"source"` // Source.Name()
	Meetings  []Meeting `json:"meetings"`
	FetchedAt time.Time `json:"fetched_at,omitzero"`
	// Stale: the refresh failed and Meetings is the last good copy; Error
	// says why.
	Stale bool   `json:"stale"`
	Error string `json:"error,omitempty"`
	// Warnings are what was guessed or skipped in the calendar, and the
	// series that could not be expanded in full.
	Warnings []string `json:"warnings,omitempty"`
}

// SourceID identifies a source in the cache. It holds no secret: a feed's
// URL, whose path often is one, is replaced by a digest.
func SourceID(src Source) string {
	switch s := src.(type) {
	case *URLFeed:
		sum := sha256.Sum256([]byte(s.URL))
		return "url:" + hex.EncodeToString(sum[:12])
	case *FileCalendar:
		if abs, err := filepath.Abs(s.Path); err == nil {
			return "file:" + abs
		}
		return "file:" + s.Path
	case *EWSCalendar:
		if s.Client != nil {
			return "ews:" + s.Client.Mailbox()
		}
		return "ews:"
	}
	return src.Name()
}

// Refresh loads src, lists the meetings of w and saves them in cache under
// key. When the source fails, the failure is recorded, the cached copy is
// returned marked stale, and the error is returned too; the copy itself is
// never changed by a failure. A calendar some of whose series could not be
// expanded is saved with the rest and the problem in Warnings.
func Refresh(ctx context.Context, cache Cache, key string, src Source, w Window, d *Detector, now time.Time) (Snapshot, error) {
	id := SourceID(src)
	snap := Snapshot{Source: src.Name()}
	cal, err := src.Load(ctx)
	if err != nil {
		// The context may be what failed: record with a fresh one.
		rec, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
		defer cancel()
		if rerr := cache.RecordFailure(rec, key, id, err.Error(), now); rerr != nil {
			err = errors.Join(err, rerr)
		}
		cached, at, _, lerr := cache.Load(rec, key, id)
		if lerr != nil {
			err = errors.Join(err, lerr)
		}
		snap.Meetings, snap.FetchedAt, snap.Stale, snap.Error = cached, at, true, err.Error()
		return snap, err
	}
	meetings, merr := MeetingsWithin(cal, w, d, NewBudget(ctx))
	snap.Warnings = append(snap.Warnings, cal.Warnings...)
	if merr != nil {
		snap.Warnings = append(snap.Warnings, merr.Error())
	}
	if meetings == nil {
		meetings = []Meeting{}
	}
	snap.Meetings, snap.FetchedAt = meetings, now
	if err := cache.Save(ctx, key, id, meetings, now); err != nil {
		return snap, fmt.Errorf("calendar: keeping a copy of %s for offline use: %w", snap.Source, err)
	}
	return snap, nil
}
