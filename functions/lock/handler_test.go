package main

import (
	"context"
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"

	sfntypes "github.com/aws/aws-sdk-go-v2/service/sfn/types"
	"github.com/aws/smithy-go"

	"github.com/greenlight/greenlight/internal/drift"
	"github.com/greenlight/greenlight/internal/drift/drifttest"
	"github.com/greenlight/greenlight/internal/failure"
	"github.com/greenlight/greenlight/internal/ledger"
	"github.com/greenlight/greenlight/internal/ledger/ledgertest"
	"github.com/greenlight/greenlight/internal/release"
	"github.com/greenlight/greenlight/internal/release/releasetest"
	"github.com/greenlight/greenlight/internal/traffic"
)

const other = "arn:aws:states:us-east-1:123456789012:execution:greenlight:other"

var throttled = &smithy.GenericAPIError{Code: "SlowDown"}

// lastRelease is what the last release left orders in.
var lastRelease = drift.Left{Function: "orders", ReleaseID: "orders-41", State: drift.State{
	LiveAlias: "live", Version: "3", CodeSHA256: "sha-3", Configuration: release.FunctionConfig{MemorySize: 128},
}}

func TestHandle(t *testing.T) {
	tests := []struct {
		name     string
		holder   string
		status   sfntypes.ExecutionStatus
		s3Err    error
		noRecord bool
		outside  func(*drifttest.Function) // a change made outside greenlight
		wantErr  any
		wantLock string
		// wantDrift is each drift sentence's start.
		wantDrift []string
	}{
		{name: "free", wantLock: "mine"},
		{name: "held by a running release", holder: other, status: sfntypes.ExecutionStatusRunning, wantErr: new(*failure.LockHeldError), wantLock: other},
		{name: "stale lock taken over", holder: other, status: sfntypes.ExecutionStatusAborted, wantLock: "mine"},
		{name: "s3 throttled", s3Err: throttled, wantErr: new(*failure.ThrottledError)},
		{name: "first release with greenlight: no record, no warning", noRecord: true, wantLock: "mine",
			outside: func(f *drifttest.Function) { f.CodeSHA256 = "sha-x" }},
		{name: "live pointed by hand", wantLock: "mine", outside: func(f *drifttest.Function) { _ = pointLive(f, "2") },
			wantDrift: []string{"live alias live of orders serves version 2, the last release (orders-41) left it on 3"}},
		{name: "code and configuration changed by IaC", wantLock: "mine",
			outside:   func(f *drifttest.Function) { f.CodeSHA256, f.MemorySize = "sha-x", 1024 },
			wantDrift: []string{"$LATEST code changed outside greenlight", "$LATEST configuration changed outside greenlight: memorySize: 128 → 1024"}},
		{name: "alias read throttled: retried with the lock held", wantLock: "mine", wantErr: new(*failure.ThrottledError),
			outside: func(f *drifttest.Function) { f.Errs["GetAlias"] = throttled }},
		{name: "$LATEST refused: the release goes on with a warning", wantLock: "mine",
			outside:   func(f *drifttest.Function) { f.LatestErr = &smithy.GenericAPIError{Code: "AccessDeniedException"} },
			wantDrift: []string{drift.Unchecked}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx := context.Background()
			d := releasetest.Load(t)
			b := ledgertest.NewBucket()
			l := &ledger.Ledger{S3: b, Bucket: "artifacts", Executions: ledgertest.Executions{other: tt.status}}
			if !tt.noRecord {
				if err := l.RecordLeft(ctx, lastRelease); err != nil {
					t.Fatal(err)
				}
			}
			if tt.holder != "" {
				b.Put(t, ledger.Record{Function: "orders", ExecutionARN: tt.holder})
			}
			b.Err = tt.s3Err
			f := drifttest.New(map[string]traffic.Alias{"live": {Version: "3"}}, "sha-3", nil)
			if tt.outside != nil {
				tt.outside(f)
			}
			h := &Handler{Ledger: l, Lambda: f}
			got, err := h.Handle(ctx, d)
			if tt.wantErr != nil {
				if !errors.As(err, tt.wantErr) {
					t.Fatalf("error = %v (%T), want %T", err, err, tt.wantErr)
				}
			} else if err != nil {
				t.Fatal(err)
			} else {
				if got.State.Phase != release.PhaseLocked {
					t.Errorf("phase = %s", got.State.Phase)
				}
				if !startsWith(got.Drift, tt.wantDrift) {
					t.Errorf("drift = %q, want sentences starting %q", got.Drift, tt.wantDrift)
				}
			}
			b.Err = nil
			if tt.wantLock == "" {
				return
			}
			rec, _ := b.Record(t, "orders")
			want := tt.wantLock
			if want == "mine" {
				want = d.ExecutionARN
			}
			if rec.ExecutionARN != want {
				t.Errorf("lock holder = %q, want %q", rec.ExecutionARN, want)
			}
			if want == d.ExecutionARN && (rec.ReleaseAlarm != d.State.ReleaseAlarm || len(rec.Alarms) != 1) {
				t.Errorf("lock record = %+v", rec)
			}
		})
	}
}

// TestRetryAfterThrottle checks that a drift check retried after a throttle
// takes the lock it already holds and then warns.
func TestRetryAfterThrottle(t *testing.T) {
	ctx := context.Background()
	d := releasetest.Load(t)
	l := &ledger.Ledger{S3: ledgertest.NewBucket(), Bucket: "artifacts", Executions: ledgertest.Executions{}}
	if err := l.RecordLeft(ctx, lastRelease); err != nil {
		t.Fatal(err)
	}
	f := drifttest.New(map[string]traffic.Alias{"live": {Version: "2"}}, "sha-3", nil)
	f.Errs["GetAlias"] = throttled
	h := &Handler{Ledger: l, Lambda: f}
	if _, err := h.Handle(ctx, d); !errors.As(err, new(*failure.ThrottledError)) {
		t.Fatalf("first attempt: error = %v, want throttled", err)
	}
	delete(f.Errs, "GetAlias")
	got, err := h.Handle(ctx, d)
	if err != nil {
		t.Fatalf("retry: %v", err)
	}
	if want := []string{"live alias live of orders serves version 2, the last release (orders-41) left it on 3"}; !reflect.DeepEqual(got.Drift, want) {
		t.Errorf("drift = %q, want %q", got.Drift, want)
	}
}

func pointLive(f *drifttest.Function, version string) error {
	return traffic.Point(context.Background(), f, "orders", "live", version)
}

func startsWith(got, prefixes []string) bool {
	if len(got) != len(prefixes) {
		return false
	}
	for i := range got {
		if !strings.HasPrefix(got[i], prefixes[i]) {
			return false
		}
	}
	return true
}

// TestGroupAllOrNone: a group takes every member's lock or none, so that it
// never holds part of its members while it waits in the queue.
func TestGroupAllOrNone(t *testing.T) {
	ctx := context.Background()
	group := func() *release.Document {
		d, err := release.NewGroup(release.GroupRequest{
			Group: "shop", Source: release.SourceConsole, ExecutionARN: "arn:aws:states:us-east-1:123456789012:execution:greenlight:group",
			StartedAt: time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC),
			Members: []release.MemberRequest{
				{Function: "shop-worker", Configuration: &release.Configuration{MemorySize: new(int32(256))}},
				{Function: "shop-api", Configuration: &release.Configuration{MemorySize: new(int32(256))}},
			},
		})
		if err != nil {
			t.Fatal(err)
		}
		return d
	}
	tests := []struct {
		name    string
		held    string // a member locked by another running release
		wantErr bool
	}{
		{name: "every member free"},
		{name: "first member in name order held", held: "shop-api", wantErr: true},
		{name: "last member in name order held", held: "shop-worker", wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := ledgertest.NewBucket()
			l := &ledger.Ledger{S3: b, Bucket: "artifacts", Executions: ledgertest.Executions{other: sfntypes.ExecutionStatusRunning}}
			if tt.held != "" {
				b.Put(t, ledger.Record{Function: tt.held, ExecutionARN: other})
			}
			d := group()
			h := &Handler{Ledger: l, Lambda: drifttest.New(map[string]traffic.Alias{"live": {Version: "3"}}, "sha-3", nil)}
			_, err := h.Handle(ctx, d)
			if tt.wantErr != errors.As(err, new(*failure.LockHeldError)) {
				t.Fatalf("error = %v, want a LockHeldError: %v", err, tt.wantErr)
			}
			for _, fn := range d.Functions {
				rec, ok := b.Record(t, fn)
				switch {
				case fn == tt.held:
					if rec.ExecutionARN != other {
						t.Errorf("%s: the other release's lock became %q", fn, rec.ExecutionARN)
					}
				case tt.wantErr && ok:
					t.Errorf("%s: locked by %q while the group waits for %s", fn, rec.ExecutionARN, tt.held)
				case !tt.wantErr && (rec.ExecutionARN != d.ExecutionARN || rec.Group != "shop"):
					t.Errorf("%s: lock %+v, want the group's", fn, rec)
				}
			}
		})
	}
}
