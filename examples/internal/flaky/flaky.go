// Package flaky makes a demo build fail a share of its requests, the way a
// bad release does under traffic while it still passes its health check: it
// counts the requests and fails those whose count, modulo ten, it was told.
package flaky

import (
	"fmt"
	"slices"
	"sync/atomic"
)

// BrokenVersionError is the error of a failed request; Lambda reports its
// name as the errorType.
type BrokenVersionError struct {
	Version string
	Request uint64
}

func (e *BrokenVersionError) Error() string {
	return fmt.Sprintf("%s failed request %d", e.Version, e.Request)
}

// Requests counts the requests of one build. It is safe for concurrent use.
type Requests struct {
	version string
	failOn  []uint64
	n       atomic.Uint64
}

// New counts the requests of version, failing those whose count modulo ten
// is in failOn: {3, 6, 9} fails 30 %, and none fails the first request.
func New(version string, failOn ...uint64) *Requests {
	return &Requests{version: version, failOn: failOn}
}

// Next counts a request and returns the error it fails with, or nil.
func (r *Requests) Next() error {
	n := r.n.Add(1)
	if slices.Contains(r.failOn, n%10) {
		return &BrokenVersionError{Version: r.version, Request: n}
	}
	return nil
}
