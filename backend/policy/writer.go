package policy

import (
	"context"
	"errors"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"
)

// DefaultQueue bounds the decisions waiting for the operations log.
const DefaultQueue = 16384

// maxBatch bounds the decisions written in one transaction, and linger
// how long the first of them waits for others.
const (
	maxBatch = 2048
	linger   = 50 * time.Millisecond
)

// writer keeps the operations log off the answers' path: requests queue
// their decisions (never waiting: a full queue drops and counts), and one
// goroutine writes what is queued in one transaction at a time.
type writer struct {
	repo    Repository
	log     *slog.Logger
	queue   chan Decision
	flushes chan chan error
	dropped atomic.Int64
	stop    chan struct{}
	done    chan struct{}
	once    sync.Once
}

func newWriter(repo Repository, log *slog.Logger, size int) *writer {
	if size <= 0 {
		size = DefaultQueue
	}
	w := idleWriter(repo, log, size)
	go w.run()
	return w
}

// idleWriter is a writer whose goroutine is not started yet.
func idleWriter(repo Repository, log *slog.Logger, size int) *writer {
	return &writer{repo: repo, log: log, queue: make(chan Decision, size), flushes: make(chan chan error),
		stop: make(chan struct{}), done: make(chan struct{})}
}

func (w *writer) add(d Decision) {
	select {
	case w.queue <- d:
	default:
		w.dropped.Add(1)
	}
}

func (w *writer) run() {
	defer close(w.done)
	var batch []Decision
	// due fires linger after the first decision of a batch: a busy
	// endpoint then writes a few large transactions a second instead of
	// thousands of small ones (each commit costs more than its rows).
	var due <-chan time.Time
	for {
		select {
		case d := <-w.queue:
			batch = append(batch, d)
			switch {
			case len(batch) >= maxBatch:
				w.write(batch)
				batch, due = batch[:0], nil
			case due == nil:
				due = time.After(linger)
			}
		case <-due:
			w.write(batch)
			batch, due = batch[:0], nil
		case ack := <-w.flushes:
			ack <- w.writeAll(batch)
			batch, due = batch[:0], nil
		case <-w.stop:
			w.writeAll(batch)
			return
		}
	}
}

// drain adds what is queued, up to limit decisions in all.
func (w *writer) drain(batch []Decision, limit int) []Decision {
	for len(batch) < limit {
		select {
		case d := <-w.queue:
			batch = append(batch, d)
		default:
			return batch
		}
	}
	return batch
}

// writeAll writes pending and everything queued now, batch by batch.
func (w *writer) writeAll(pending []Decision) error {
	var errs []error
	batch := pending
	for {
		if batch = w.drain(batch, maxBatch); len(batch) == 0 {
			return errors.Join(errs...)
		}
		if err := w.write(batch); err != nil {
			errs = append(errs, err)
		}
		batch = batch[:0]
	}
}

// write logs each answer to the process log, one line with its request
// id, here off the answers' path, and those about our aliases to the
// operations log too (the others have no integration).
func (w *writer) write(batch []Decision) error {
	ours := batch[:0:0]
	for _, d := range batch {
		if d.IntegrationID == 0 {
			w.log.Info("policy: not ours, left to Infinity", "request_id", d.RequestID, "alias", d.Alias, "caller", d.Caller,
				"action", d.Action, "why", d.Why)
			continue
		}
		w.log.Info("policy: answered", "request_id", d.RequestID, "integration_id", d.IntegrationID, "alias", d.Alias,
			"caller", d.Caller, "action", d.Action, "code", d.Code, "why", d.Why)
		ours = append(ours, d)
	}
	if n := w.dropped.Swap(0); n > 0 {
		w.log.Warn("policy: the operations log fell behind; decisions were answered but not logged", "dropped", n)
	}
	if len(ours) == 0 {
		return nil
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := w.repo.LogDecisions(ctx, ours); err != nil {
		w.log.Error("policy: writing decisions to the operations log failed", "decisions", len(ours), "error", err)
		return err
	}
	return nil
}

func (w *writer) flush(ctx context.Context) error {
	ack := make(chan error, 1)
	select {
	case w.flushes <- ack:
	case <-w.done:
		return errors.New("policy: the operations log writer has stopped")
	case <-ctx.Done():
		return ctx.Err()
	}
	select {
	case err := <-ack:
		return err
	case <-ctx.Done():
		return ctx.Err()
	}
}

func (w *writer) close(ctx context.Context) error {
	w.once.Do(func() { close(w.stop) })
	select {
	case <-w.done:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
