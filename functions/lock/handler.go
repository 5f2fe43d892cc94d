package main

import (
	"cmp"
	"context"
	"slices"

	"github.com/greenlight/greenlight/internal/drift"
	"github.com/greenlight/greenlight/internal/failure"
	"github.com/greenlight/greenlight/internal/ledger"
	"github.com/greenlight/greenlight/internal/release"
)

// book takes a function's lock and tells what the last release left.
type book interface {
	Acquire(ctx context.Context, r ledger.Record) (ledger.Record, error)
	Release(ctx context.Context, fn, executionARN string) error
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
//
// A group release takes the lock of every member, in the order of their
// names, all or none: when a member's lock is held by another release, the
// locks this task took are given back before the *failure.LockHeldError
// sends the release to the queue. So a group never holds part of its
// members while it waits, and a group and a release of one member (or two
// releases of the group) never wait for each other in a circle.
func (h *Handler) Handle(ctx context.Context, d *release.Document) (*release.Document, error) {
	if err := h.acquire(ctx, d); err != nil {
		return nil, err
	}
	var found []string
	err := d.EachMember(false, func(m *release.Document) error {
		drifted, err := drift.Check(ctx, h.Lambda, h.Ledger, m.Function, m.LiveAlias)
		if err != nil {
			return err
		}
		if d.IsGroup() {
			for i, s := range drifted {
				drifted[i] = m.Function + ": " + s
			}
		}
		found = append(found, drifted...)
		return nil
	})
	if err != nil {
		return nil, err
	}
	d.Drift = found
	d.State.Phase = release.PhaseLocked
	return d, nil
}

// acquire takes the lock of every function of the release, all or none.
func (h *Handler) acquire(ctx context.Context, d *release.Document) error {
	if !d.IsGroup() {
		_, err := h.Ledger.Acquire(ctx, ledger.RecordFor(d))
		return err
	}
	order := make([]int, len(d.Members))
	for i := range order {
		order[i] = i
	}
	slices.SortFunc(order, func(a, b int) int { return cmp.Compare(d.Members[a].Function, d.Members[b].Function) })
	for k, i := range order {
		_, err := h.Ledger.Acquire(ctx, ledger.RecordFor(d.Member(i)))
		if err == nil {
			continue
		}
		for _, j := range order[:k] {
			if rerr := h.Ledger.Release(ctx, d.Members[j].Function, d.ExecutionARN); rerr != nil {
				// The lock taken stays until a retry of this task takes
				// it again or the watchdog frees it; the retry is what
				// the workflow does with any error here.
				return failure.Classify("give back the lock of "+d.Members[j].Function, rerr)
			}
		}
		return err
	}
	return nil
}
