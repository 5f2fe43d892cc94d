package ledger_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/s3"
	sfntypes "github.com/aws/aws-sdk-go-v2/service/sfn/types"
	"github.com/aws/smithy-go"

	"github.com/greenlight/greenlight/internal/decision"
	"github.com/greenlight/greenlight/internal/failure"
	"github.com/greenlight/greenlight/internal/ledger"
	"github.com/greenlight/greenlight/internal/ledger/ledgertest"
	"github.com/greenlight/greenlight/internal/release"
	"github.com/greenlight/greenlight/internal/release/releasetest"
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

// TestAcquireByAnEndedExecution: a lock task that runs on after its
// execution was stopped lets the lock go again.
func TestAcquireByAnEndedExecution(t *testing.T) {
	for _, status := range []sfntypes.ExecutionStatus{sfntypes.ExecutionStatusAborted, sfntypes.ExecutionStatusTimedOut} {
		b := ledgertest.NewBucket()
		_, err := newLedger(b, ledgertest.Executions{mine: status}).Acquire(context.Background(), ledger.Record{Function: "orders", ExecutionARN: mine})
		if !errors.Is(err, ledger.ErrEnded) {
			t.Errorf("%s: error %v, want ErrEnded", status, err)
		}
		if r, ok := b.Record(t, "orders"); ok {
			t.Errorf("%s: the lock is held by %s", status, r.ExecutionARN)
		}
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

func TestTheFirstDecisionWins(t *testing.T) {
	halt := func(l *ledger.Ledger, reason string) error {
		_, err := l.Halt(context.Background(), "orders", ledger.Action{Reason: reason, By: "guard"})
		return err
	}
	promote := func(l *ledger.Ledger, reason string) error {
		_, err := l.RequestPromote(context.Background(), "orders", ledger.Action{Reason: reason, By: "cli"})
		return err
	}
	tests := []struct {
		name          string
		first, second func(*ledger.Ledger, string) error
		won           decision.Kind
		refused       bool // the second call fails with a DecidedError
	}{
		{"halt twice keeps the first reason", halt, halt, decision.Rollback, false},
		{"promote twice keeps the first reason", promote, promote, decision.Promote, false},
		{"a promote after a halt is refused", halt, promote, decision.Rollback, true},
		{"a halt after a promote is refused", promote, halt, decision.Promote, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := ledgertest.NewBucket()
			b.Put(t, ledger.Record{Function: "orders", ExecutionARN: mine})
			l := newLedger(b, nil)
			if err := tt.first(l, "first"); err != nil {
				t.Fatal(err)
			}
			err := tt.second(l, "second")
			var decided *ledger.DecidedError
			switch {
			case !tt.refused && err != nil:
				t.Fatalf("repeating the decision: %v", err)
			case tt.refused && (!errors.As(err, &decided) || decided.Decision != tt.won || decided.Action.Reason != "first"):
				t.Fatalf("the opposite decision: err = %v, want a DecidedError for %s", err, tt.won)
			case tt.refused && !strings.Contains(err.Error(), "first"):
				t.Errorf("error %q does not say what won", err)
			}
			got, _ := b.Record(t, "orders")
			winner := got.Halt
			if tt.won == decision.Promote {
				winner = got.Promote
			}
			if winner == nil || winner.Reason != "first" || !winner.At.Equal(now) {
				t.Errorf("record = %+v, want the first %s kept", got, tt.won)
			}
			if got.Halt != nil && got.Promote != nil {
				t.Errorf("record carries both decisions: %+v", got)
			}
		})
	}
	if _, err := newLedger(ledgertest.NewBucket(), nil).Halt(context.Background(), "payments", ledger.Action{}); !errors.Is(err, ledger.ErrNotHeld) {
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

func TestAwaitAndDecided(t *testing.T) {
	halt := &ledger.Action{Reason: "alarm x", By: "guard"}
	promote := &ledger.Action{Reason: "operator promote", By: "ops"}
	tests := []struct {
		name     string
		existing ledger.Record
		wait     decision.Wait
		want     decision.Kind // "" while the release must go on waiting
		wantErr  error
	}{
		{"nothing decided", ledger.Record{}, decision.Bake, "", nil},
		{"halted before the bake", ledger.Record{Halt: halt}, decision.Bake, decision.Rollback, nil},
		{"promoted before the bake", ledger.Record{Promote: promote}, decision.Bake, decision.Promote, nil},
		{"halt wins over promote", ledger.Record{Halt: halt, Promote: promote}, decision.Approval, decision.Rollback, nil},
		{"approved this step", ledger.Record{Approved: &ledger.Approval{Step: 1}}, decision.Approval, decision.Approve, nil},
		{"approved an earlier step", ledger.Record{Approved: &ledger.Approval{Step: 0}}, decision.Approval, "", nil},
		{"an approval does not end a bake", ledger.Record{Approved: &ledger.Approval{Step: 1}}, decision.Bake, "", nil},
		{"lock taken", ledger.Record{ExecutionARN: theirs}, decision.Bake, "", ledger.ErrNotHeld},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := ledgertest.NewBucket()
			tt.existing.Function = "orders"
			if tt.existing.ExecutionARN == "" {
				tt.existing.ExecutionARN = mine
			}
			b.Put(t, tt.existing)
			r, err := newLedger(b, nil).Await(context.Background(), "orders", mine, ledger.Wait{For: tt.wait, Token: "tok", Step: 1})
			if !errors.Is(err, tt.wantErr) {
				t.Fatalf("Await = %v, want %v", err, tt.wantErr)
			}
			if err != nil {
				return
			}
			if !r.Waiting(tt.wait) || r.Wait.Token != "tok" || !r.Wait.Since.Equal(now) {
				t.Errorf("wait = %+v, want %s with the token since now", r.Wait, tt.wait)
			}
			d, ok := r.Decided(tt.wait, 1)
			if d.Decision != tt.want || ok != (tt.want != "") {
				t.Errorf("Decided = %+v, %v; want %q", d, ok, tt.want)
			}
		})
	}
}

func TestApprove(t *testing.T) {
	tests := []struct {
		name     string
		existing ledger.Record
		wantErr  error
		wantBy   string
	}{
		{"waiting for approval", ledger.Record{Wait: &ledger.Wait{For: decision.Approval, Step: 2}}, nil, "ops"},
		{"already approved keeps the first", ledger.Record{Wait: &ledger.Wait{For: decision.Approval, Step: 2},
			Approved: &ledger.Approval{Action: ledger.Action{By: "first"}, Step: 2}}, nil, "first"},
		{"baking", ledger.Record{Wait: &ledger.Wait{For: decision.Bake, Step: 2}}, ledger.ErrNotWaiting, ""},
		{"not waiting", ledger.Record{}, ledger.ErrNotWaiting, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := ledgertest.NewBucket()
			tt.existing.Function, tt.existing.ExecutionARN = "orders", mine
			b.Put(t, tt.existing)
			r, err := newLedger(b, nil).Approve(context.Background(), "orders", ledger.Action{Reason: "looks good", By: "ops"})
			if !errors.Is(err, tt.wantErr) {
				t.Fatalf("Approve = %v, want %v", err, tt.wantErr)
			}
			if err == nil && (r.Approved == nil || r.Approved.By != tt.wantBy || r.Approved.Step != 2) {
				t.Errorf("approved = %+v, want by %s at step 2", r.Approved, tt.wantBy)
			}
		})
	}
	if _, err := newLedger(ledgertest.NewBucket(), nil).Approve(context.Background(), "orders", ledger.Action{}); !errors.Is(err, ledger.ErrNotHeld) {
		t.Errorf("Approve without a release = %v, want ErrNotHeld", err)
	}
}

// TestCheckUnchanged: a halt or a promote request written on the record of
// a member the group does not change is the group's.
func TestCheckUnchanged(t *testing.T) {
	ctx := context.Background()
	tests := []struct {
		name        string
		write       func(l *ledger.Ledger) error // on shop-admin, the member not released
		wantPromote bool
		wantHalt    bool
	}{
		{name: "nothing written", write: func(*ledger.Ledger) error { return nil }},
		{name: "halted by the guard", wantHalt: true, write: func(l *ledger.Ledger) error {
			_, err := l.Halt(ctx, "shop-admin", ledger.Action{Reason: "alarm shop-admin-5xx is ALARM", By: "guard"})
			return err
		}},
		{name: "promote requested", wantPromote: true, write: func(l *ledger.Ledger) error {
			_, err := l.RequestPromote(ctx, "shop-admin", ledger.Action{By: "alice"})
			return err
		}},
		{name: "a halt on a released member is not this check's", write: func(l *ledger.Ledger) error {
			_, err := l.Halt(ctx, "shop-api", ledger.Action{Reason: "operator rollback", By: "alice"})
			return err
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := releasetest.Group(t)
			b := ledgertest.NewBucket()
			b.Hold(t, d)
			l := &ledger.Ledger{S3: b, Bucket: "artifacts"}
			if err := tt.write(l); err != nil {
				t.Fatal(err)
			}
			promote, err := ledger.CheckUnchanged(ctx, l, d)
			var halted *failure.HaltedError
			if tt.wantHalt != errors.As(err, &halted) {
				t.Fatalf("err = %v, want a halt: %v", err, tt.wantHalt)
			}
			if tt.wantHalt && !strings.HasPrefix(halted.Reason, "shop-admin: ") {
				t.Errorf("halt %q does not name the member", halted.Reason)
			}
			if !tt.wantHalt && err != nil {
				t.Fatal(err)
			}
			if promote != tt.wantPromote {
				t.Errorf("promote = %v, want %v", promote, tt.wantPromote)
			}
		})
	}
}
