package ledger_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/s3"
	sfntypes "github.com/aws/aws-sdk-go-v2/service/sfn/types"
	"github.com/aws/smithy-go"

	"github.com/greenlight/greenlight/internal/failure"
	"github.com/greenlight/greenlight/internal/ledger"
	"github.com/greenlight/greenlight/internal/ledger/ledgertest"
	"github.com/greenlight/greenlight/internal/release"
)

const (
	mine   = "arn:aws:states:us-east-1:123456789012:execution:greenlight:mine"
	theirs = "arn:aws:states:us-east-1:123456789012:execution:greenlight:theirs"
)

var now = time.Date(2026, 11, 22, 10, 0, 0, 0, time.UTC)

func newLedger(b *ledgertest.Bucket, execs ledgertest.Executions) *ledger.Ledger {
	return &ledger.Ledger{S3: b, Bucket: "artifacts", Executions: execs, Now: func() time.Time { return now }}
}

func TestAcquire(t *testing.T) {
	tests := []struct {
		name     string
		existing *ledger.Record
		execs    ledgertest.Executions
		wantErr  string // failure name, "" for success
		wantARN  string // holder afterwards
	}{
		{"free", nil, nil, "", mine},
		{"held by us", &ledger.Record{Function: "orders", ExecutionARN: mine, ReleaseID: "r1"}, nil, "", mine},
		{"held by a running execution", &ledger.Record{Function: "orders", ExecutionARN: theirs},
			ledgertest.Executions{theirs: sfntypes.ExecutionStatusRunning}, failure.NameLockHeld, theirs},
		{"stale: holder failed", &ledger.Record{Function: "orders", ExecutionARN: theirs},
			ledgertest.Executions{theirs: sfntypes.ExecutionStatusFailed}, "", mine},
		{"stale: holder unknown", &ledger.Record{Function: "orders", ExecutionARN: theirs}, ledgertest.Executions{}, "", mine},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := ledgertest.NewBucket()
			if tt.existing != nil {
				b.Put(t, *tt.existing)
			}
			_, err := newLedger(b, tt.execs).Acquire(context.Background(), ledger.Record{Function: "orders", ExecutionARN: mine, ReleaseID: "r2"})
			checkName(t, err, tt.wantErr)
			got, ok := b.Record(t, "orders")
			if !ok || got.ExecutionARN != tt.wantARN {
				t.Errorf("holder = %q (present %v), want %q", got.ExecutionARN, ok, tt.wantARN)
			}
		})
	}
}

func checkName(t *testing.T, err error, want string) {
	t.Helper()
	if want == "" {
		if err != nil {
			t.Fatalf("unexpected error %v", err)
		}
		return
	}
	var lh *failure.LockHeldError
	var ce *failure.ConflictError
	var te *failure.ThrottledError
	switch {
	case want == failure.NameLockHeld && errors.As(err, &lh):
	case want == failure.NameConflict && errors.As(err, &ce):
	case want == failure.NameThrottled && errors.As(err, &te):
	default:
		t.Fatalf("error = %v (%T), want %s", err, err, want)
	}
}

func TestAcquireClassifiesS3Errors(t *testing.T) {
	b := ledgertest.NewBucket()
	b.Err = &smithy.GenericAPIError{Code: "SlowDown"}
	_, err := newLedger(b, nil).Acquire(context.Background(), ledger.Record{Function: "orders", ExecutionARN: mine})
	checkName(t, err, failure.NameThrottled)
}

func TestUpdate(t *testing.T) {
	b := ledgertest.NewBucket()
	b.Put(t, ledger.Record{Function: "orders", ExecutionARN: mine})
	l := newLedger(b, nil)
	r, err := l.Update(context.Background(), "orders", mine, func(r *ledger.Record) { r.Weight = 0.1; r.Phase = release.PhaseShifting })
	if err != nil {
		t.Fatal(err)
	}
	if got, _ := b.Record(t, "orders"); got.Weight != 0.1 || got.Phase != release.PhaseShifting || !got.UpdatedAt.Equal(now) || r.Weight != 0.1 {
		t.Errorf("record = %+v", got)
	}
	if _, err := l.Update(context.Background(), "orders", theirs, func(*ledger.Record) {}); !errors.Is(err, ledger.ErrNotHeld) {
		t.Errorf("update by another execution: %v", err)
	}
	if _, err := l.Update(context.Background(), "payments", mine, func(*ledger.Record) {}); !errors.Is(err, ledger.ErrNotHeld) {
		t.Errorf("update of a missing record: %v", err)
	}
}

func TestHaltAndPromoteKeepTheFirstRequest(t *testing.T) {
	b := ledgertest.NewBucket()
	b.Put(t, ledger.Record{Function: "orders", ExecutionARN: mine})
	l := newLedger(b, nil)
	ctx := context.Background()
	for _, reason := range []string{"first", "second"} {
		if _, err := l.Halt(ctx, "orders", ledger.Action{Reason: reason, By: "guard"}); err != nil {
			t.Fatal(err)
		}
		if _, err := l.RequestPromote(ctx, "orders", ledger.Action{Reason: reason, By: "cli"}); err != nil {
			t.Fatal(err)
		}
	}
	got, _ := b.Record(t, "orders")
	if got.Halt == nil || got.Halt.Reason != "first" || !got.Halt.At.Equal(now) || got.Promote == nil || got.Promote.Reason != "first" {
		t.Errorf("record = %+v", got)
	}
	if _, err := l.Halt(ctx, "payments", ledger.Action{}); !errors.Is(err, ledger.ErrNotHeld) {
		t.Errorf("halt without a release: %v", err)
	}
}

func TestRelease(t *testing.T) {
	tests := []struct {
		name    string
		holder  string
		release string
		kept    bool
	}{
		{"ours", mine, mine, false},
		{"theirs", theirs, mine, true},
		{"none", "", mine, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := ledgertest.NewBucket()
			if tt.holder != "" {
				b.Put(t, ledger.Record{Function: "orders", ExecutionARN: tt.holder})
			}
			l := newLedger(b, nil)
			for range 2 { // idempotent
				if err := l.Release(context.Background(), "orders", tt.release); err != nil {
					t.Fatal(err)
				}
			}
			if _, ok := b.Record(t, "orders"); ok != tt.kept {
				t.Errorf("record kept = %v, want %v", ok, tt.kept)
			}
		})
	}
}

// racingBucket lets another writer change the lock record after the ledger
// read it and before it deletes it.
type racingBucket struct {
	*ledgertest.Bucket
	before func(t *testing.T, b *ledgertest.Bucket)
	t      *testing.T
}

func (r *racingBucket) DeleteObject(ctx context.Context, in *s3.DeleteObjectInput, opts ...func(*s3.Options)) (*s3.DeleteObjectOutput, error) {
	if r.before != nil {
		r.before(r.t, r.Bucket)
		r.before = nil
	}
	return r.Bucket.DeleteObject(ctx, in, opts...)
}

func TestReleaseRaces(t *testing.T) {
	tests := []struct {
		name   string
		before func(t *testing.T, b *ledgertest.Bucket)
		kept   string // the holder left in the record, "" for none
	}{
		{"stale lock taken over", func(t *testing.T, b *ledgertest.Bucket) {
			b.Put(t, ledger.Record{Function: "orders", ExecutionARN: theirs})
		}, theirs},
		{"halt written", func(t *testing.T, b *ledgertest.Bucket) {
			b.Put(t, ledger.Record{Function: "orders", ExecutionARN: mine, Halt: &ledger.Action{Reason: "alarm", By: "guard"}})
		}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := ledgertest.NewBucket()
			b.Put(t, ledger.Record{Function: "orders", ExecutionARN: mine})
			l := &ledger.Ledger{S3: &racingBucket{Bucket: b, before: tt.before, t: t}, Bucket: "artifacts"}
			if err := l.Release(context.Background(), "orders", mine); err != nil {
				t.Fatal(err)
			}
			rec, ok := b.Record(t, "orders")
			if got := map[bool]string{true: rec.ExecutionARN}[ok]; got != tt.kept {
				t.Errorf("record held by %q, want %q", got, tt.kept)
			}
		})
	}
}

func TestList(t *testing.T) {
	b := ledgertest.NewBucket()
	for _, fn := range []string{"a", "b", "c"} {
		b.Put(t, ledger.Record{Function: fn, ExecutionARN: mine})
	}
	got, err := newLedger(b, nil).List(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 3 || got[0].Function != "a" || got[2].Function != "c" {
		t.Errorf("List = %+v", got)
	}
}

func TestRecordForAndWatches(t *testing.T) {
	d := &release.Document{Function: "orders", ExecutionARN: mine, ReleaseID: "r", Alarms: []string{"orders-5xx"},
		State: release.State{ReleaseAlarm: "greenlight-r-errors", Blue: "3", Green: "4"}}
	r := ledger.RecordFor(d)
	if r.Blue != "3" || r.Green != "4" || r.ReleaseID != "r" {
		t.Errorf("RecordFor = %+v", r)
	}
	for alarm, want := range map[string]bool{"orders-5xx": true, "greenlight-r-errors": true, "other": false} {
		if r.Watches(alarm) != want {
			t.Errorf("Watches(%s) = %v", alarm, !want)
		}
	}
}

func TestCheck(t *testing.T) {
	tests := []struct {
		name    string
		record  *ledger.Record
		wantErr bool
	}{
		{"held", &ledger.Record{Function: "orders", ExecutionARN: mine}, false},
		{"halted", &ledger.Record{Function: "orders", ExecutionARN: mine, Halt: &ledger.Action{Reason: "alarm", By: "guard"}}, true},
		{"taken", &ledger.Record{Function: "orders", ExecutionARN: theirs}, true},
		{"gone", nil, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := ledgertest.NewBucket()
			if tt.record != nil {
				b.Put(t, *tt.record)
			}
			_, err := newLedger(b, nil).Check(context.Background(), "orders", mine)
			var he *failure.HaltedError
			if tt.wantErr != errors.As(err, &he) {
				t.Fatalf("Check error = %v", err)
			}
		})
	}
	b := ledgertest.NewBucket()
	b.Err = &smithy.GenericAPIError{Code: "SlowDown"}
	_, err := newLedger(b, nil).Check(context.Background(), "orders", mine)
	checkName(t, err, failure.NameThrottled)
}
