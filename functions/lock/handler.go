package main

import (
	"context"

	"github.com/greenlight/greenlight/internal/ledger"
	"github.com/greenlight/greenlight/internal/release"
)

// acquirer takes a function's lock.
type acquirer interface {
	Acquire(ctx context.Context, r ledger.Record) (ledger.Record, error)
}

var _ acquirer = (*ledger.Ledger)(nil)

// Handler acquires the lock of the release's function. A lock held by another
// running execution is a *failure.LockHeldError, which the workflow retries
// with backoff: that retry is the release queue.
type Handler struct {
	Ledger acquirer
}

// Handle takes the lock and marks the release locked.
func (h *Handler) Handle(ctx context.Context, d *release.Document) (*release.Document, error) {
	if _, err := h.Ledger.Acquire(ctx, ledger.RecordFor(d)); err != nil {
		return nil, err
	}
	d.State.Phase = release.PhaseLocked
	return d, nil
}
