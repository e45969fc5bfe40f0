package calendar

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"time"
)

// Cache keeps the last good copy of each source's meetings (the store's
// Calendars), so that a failed refresh still shows them, marked stale.
type Cache interface {
	Save(ctx context.Context, key, source string, meetings []Meeting, at time.Time) error
	Load(ctx context.Context, key, source string) (meetings []Meeting, fetchedAt time.Time, lastError string, err error)
	RecordFailure(ctx context.Context, key, source, msg string, at time.Time) error
}

// Names of sources in the cache. They hold no secret and need no network
// call: a file or a feed is named by a digest of its path or link (a
// feed's link often is a secret), Exchange by the integration. Names
// stored by earlier versions keep working, so this scheme stays.
func FileCacheName(path string) string                { return "file:" + digest(path) }
func FeedCacheName(link string) string                { return "url:" + digest(link) }
func ExchangeCacheName(integrationUUID string) string { return "ews:" + integrationUUID }

func digest(s string) string {
	sum := sha256.Sum256([]byte(s))
	return hex.EncodeToString(sum[:8])
}

// Snapshot is the meetings of one source as last read.
type Snapshot struct {
	Meetings  []Meeting `json:"meetings"`
	FetchedAt time.Time `json:"fetched_at,omitzero"`
	// Stale: the last refresh failed and Meetings is the last good copy;
	// Error says why.
	Stale bool   `json:"stale"`
	Error string `json:"error,omitempty"`
	// Warnings are what was guessed or skipped in the calendar, and the
	// series that could not be expanded in full.
	Warnings []string `json:"warnings,omitempty"`
}

// Cached is the copy of the source name in cache under key, without
// reading the source: no meetings and a zero time for a source never read.
func Cached(ctx context.Context, cache Cache, key, name string) (Snapshot, error) {
	ms, at, lastErr, err := cache.Load(ctx, key, name)
	if err != nil {
		return Snapshot{}, err
	}
	if ms == nil {
		ms = []Meeting{}
	}
	return Snapshot{Meetings: ms, FetchedAt: at, Stale: lastErr != "", Error: lastErr}, nil
}

// Read loads src and lists the meetings of w, with d's video meetings
// marked: the one reading of a calendar, for the window's refresh and the
// command line. Warnings are what was guessed or skipped in the calendar,
// and the series that could not be expanded in full; a calendar none of
// whose series could be expanded is an error, not an empty list.
func Read(ctx context.Context, src Source, w Window, d *Detector) ([]Meeting, []string, error) {
	cal, err := src.Load(ctx)
	if err != nil {
		return nil, nil, err
	}
	meetings, err := MeetingsWithin(cal, w, d, NewBudget(ctx))
	warnings := append([]string(nil), cal.Warnings...)
	switch {
	case err != nil && len(meetings) == 0:
		return nil, warnings, err
	case err != nil:
		warnings = append(warnings, err.Error())
	}
	if meetings == nil {
		meetings = []Meeting{}
	}
	return meetings, warnings, nil
}

// Refresh loads src, lists the meetings of w and saves them in cache under
// key and name. When the source fails, the failure is recorded, the cached
// copy is returned marked stale, and the error is returned too; the copy
// itself is never changed by a failure. A calendar some of whose series
// could not be expanded is saved with the rest and the problem in
// Warnings; one whose series all failed is a failure, so that a good copy
// is not replaced by nothing. A refresh cancelled (not timed out) is not a
// failure of the source: nothing is recorded, and the copy comes back as
// it was, with the context's error.
func Refresh(ctx context.Context, cache Cache, key, name string, src Source, w Window, d *Detector, now time.Time) (Snapshot, error) {
	meetings, warnings, err := Read(ctx, src, w, d)
	// The context may be what failed: the cache is used with a fresh one.
	rec, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
	defer cancel()
	if err != nil && errors.Is(ctx.Err(), context.Canceled) {
		snap, lerr := Cached(rec, cache, key, name)
		return snap, errors.Join(ctx.Err(), lerr)
	}
	if err != nil {
		if rerr := cache.RecordFailure(rec, key, name, err.Error(), now); rerr != nil {
			err = errors.Join(err, rerr)
		}
		snap, lerr := Cached(rec, cache, key, name)
		if lerr != nil {
			err = errors.Join(err, lerr)
		}
		snap.Stale, snap.Error = true, err.Error()
		return snap, err
	}
	snap := Snapshot{Meetings: meetings, FetchedAt: now, Warnings: warnings}
	if err := cache.Save(ctx, key, name, meetings, now); err != nil {
		return snap, fmt.Errorf("calendar: keeping a copy of %s for offline use: %w", src.Name(), err)
	}
	return snap, nil
}
