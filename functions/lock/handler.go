package main

import (
	"context"

	"github.com/greenlight/greenlight/internal/drift"
	"github.com/greenlight/greenlight/internal/ledger"
	"github.com/greenlight/greenlight/internal/release"
)

// book takes a function's lock and tells what the last release left.
type book interface {
	Acquire(ctx context.Context, r ledger.Record) (ledger.Record, error)
	drift.History
}

var _ book = (*ledger.Ledger)(nil)

// Handler acquires the lock of the release's function. A lock held by another
// running execution is a *failure.LockHeldError, which the workflow retries
// with backoff: that retry is the release queue.
//
// With the lock held, nothing but this release changes the function through
// greenlight, so it is the moment to check for drift: what changed the
// function outside greenlight since the last release ended.
type Handler struct {
	Ledger book
	Lambda drift.Reader
}

// Handle takes the lock, checks for drift (Document.Drift, for the started
// notification) and marks the release locked. Drift never stops a release;
// a check that is throttled is retried by the workflow, and taking the lock
// again is a no-op for the execution that holds it.
func (h *Handler) Handle(ctx context.Context, d *release.Document) (*release.Document, error) {
	if _, err := h.Ledger.Acquire(ctx, ledger.RecordFor(d)); err != nil {
		return nil, err
	}
	found, err := drift.Check(ctx, h.Lambda, h.Ledger, d.Function, d.LiveAlias)
	if err != nil {
		return nil, err
	}
	d.Drift = found
	d.State.Phase = release.PhaseLocked
	return d, nil
}
