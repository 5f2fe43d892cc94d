package main

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sns"
	"github.com/aws/smithy-go"

	"github.com/greenlight/greenlight/internal/drift/drifttest"
	"github.com/greenlight/greenlight/internal/ledger"
	"github.com/greenlight/greenlight/internal/ledger/ledgertest"
	"github.com/greenlight/greenlight/internal/notice"
	"github.com/greenlight/greenlight/internal/release"
	"github.com/greenlight/greenlight/internal/traffic"
)

const (
	mine   = "arn:aws:states:us-east-1:123456789012:execution:greenlight-releases:mine"
	theirs = "arn:aws:states:us-east-1:123456789012:execution:greenlight-releases:theirs"
)

var now = time.Date(2026, 11, 22, 10, 30, 0, 0, time.UTC)

// topic records what was published.
type topic struct {
	published []*sns.PublishInput
	err       error
}

func (p *topic) Publish(_ context.Context, in *sns.PublishInput, _ ...func(*sns.Options)) (*sns.PublishOutput, error) {
	if p.err != nil {
		return nil, p.err
	}
	p.published = append(p.published, in)
	return &sns.PublishOutput{}, nil
}

func event(t *testing.T, status string) events.CloudWatchEvent {
	t.Helper()
	b, err := os.ReadFile("testdata/status-change.json")
	if err != nil {
		t.Fatal(err)
	}
	var e events.CloudWatchEvent
	if err := json.Unmarshal(b, &e); err != nil {
		t.Fatal(err)
	}
	e.Detail = json.RawMessage(strings.Replace(string(e.Detail), `"status": "ABORTED"`, `"status": "`+status+`"`, 1))
	return e
}

func record(arn string, phase release.Phase, blue string) ledger.Record {
	return ledger.Record{Function: "orders", ExecutionARN: arn, ReleaseID: "orders-42", Blue: blue, Green: "4",
		LiveAlias: "live", Phase: phase, Weight: 0.1, AcquiredAt: now.Add(-10 * time.Minute)}
}

func TestHandle(t *testing.T) {
	split := traffic.Alias{Version: "3", Weights: map[string]float64{"4": 0.1}}
	tests := []struct {
		name     string
		status   string
		record   *ledger.Record
		wantLive traffic.Alias
		want     Result
		subject  string
		locked   bool // the lock is still there afterwards
	}{
		{"stopped mid-bake: blue restored", "ABORTED", ptr(record(mine, release.PhaseShifting, "3")),
			traffic.Alias{Version: "3"}, Result{Restored: []string{"orders"}, Released: []string{"orders"}},
			"greenlight: orders release aborted (execution ABORTED), live on version 3", false},
		{"timed out after promote: green kept", "TIMED_OUT", ptr(record(mine, release.PhasePromoted, "3")),
			traffic.Alias{Version: "4"}, Result{Restored: []string{"orders"}, Released: []string{"orders"}},
			"greenlight: orders release aborted (execution TIMED_OUT), live on version 4", false},
		{"first release failed before traffic", "FAILED", ptr(record(mine, release.PhaseTested, "")),
			split, Result{Released: []string{"orders"}},
			"greenlight: orders release aborted (execution FAILED), live unchanged", false},
		{"succeeded", "SUCCEEDED", ptr(record(mine, release.PhaseShifting, "3")), split, Result{}, "", true},
		{"still running", "RUNNING", ptr(record(mine, release.PhaseShifting, "3")), split, Result{}, "", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := ledgertest.NewBucket()
			if tt.record != nil {
				b.Put(t, *tt.record)
			}
			a := drifttest.New(map[string]traffic.Alias{"live": split}, "sha-4", nil)
			p := &topic{}
			h := &Handler{Ledger: &ledger.Ledger{S3: b, Bucket: "artifacts"}, Lambda: a, SNS: p, TopicARN: "arn:topic", Now: func() time.Time { return now }}
			got, err := h.Handle(context.Background(), event(t, tt.status))
			if err != nil {
				t.Fatal(err)
			}
			tt.want.ExecutionARN, tt.want.Status = mine, tt.status
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("result = %+v, want %+v", got, tt.want)
			}
			if live, _ := a.Alias("live"); live.Version != tt.wantLive.Version || len(live.Weights) != len(tt.wantLive.Weights) {
				t.Errorf("live = %+v, want %+v", live, tt.wantLive)
			}
			if _, ok := b.Record(t, "orders"); ok != tt.locked {
				t.Errorf("locked = %v, want %v", ok, tt.locked)
			}
			// What the release left is recorded before its lock is released.
			left, recorded, err := h.Ledger.(*ledger.Ledger).LeftOf(context.Background(), "orders")
			if err != nil {
				t.Fatal(err)
			}
			if recorded == tt.locked || recorded && (left.ExecutionARN != mine || left.ReleaseID != "orders-42" ||
				left.Version != tt.wantLive.Version || left.CodeSHA256 != "sha-4") {
				t.Errorf("left = %+v (recorded %v), want the restored state recorded when the lock is released", left, recorded)
			}
			if tt.subject == "" {
				if len(p.published) != 0 {
					t.Errorf("published %q, want nothing", aws.ToString(p.published[0].Subject))
				}
				return
			}
			if len(p.published) != 1 {
				t.Fatalf("published %d notifications, want 1", len(p.published))
			}
			m := p.published[0]
			if got := aws.ToString(m.Subject); got != tt.subject {
				t.Errorf("subject %q, want %q", got, tt.subject)
			}
			if ev := aws.ToString(m.MessageAttributes[notice.AttrEvent].StringValue); ev != string(notice.Aborted) {
				t.Errorf("event attribute %q, want %q", ev, notice.Aborted)
			}
			var body notice.Body
			if err := json.Unmarshal([]byte(aws.ToString(m.Message)), &body); err != nil {
				t.Fatal(err)
			}
			if body.ExecutionARN != mine || body.ReleaseID != "orders-42" || !strings.Contains(body.Reason, "OperatorStop: stopped by alice") {
				t.Errorf("body = %+v, want the execution, the release and who stopped it", body)
			}
		})
	}
}

// TestHandleEndedBeforeTheLock: an execution stopped or timed out before it
// took its lock changed nothing, but the topic hears that the release will
// not happen, once; one that failed that early notified on its own.
func TestHandleEndedBeforeTheLock(t *testing.T) {
	for _, tt := range []struct {
		name, status, subject string
		queued                bool // another release holds the lock
	}{
		{"stopped in prepare", "ABORTED", "greenlight: orders release aborted (execution ABORTED), live unchanged", false},
		{"stopped in the queue", "ABORTED", "greenlight: orders release aborted (execution ABORTED), live unchanged", true},
		{"timed out in the queue", "TIMED_OUT", "greenlight: orders release aborted (execution TIMED_OUT), live unchanged", true},
		{"failed in prepare", "FAILED", "", false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			b := ledgertest.NewBucket()
			if tt.queued {
				b.Put(t, record(theirs, release.PhaseShifting, "3"))
			}
			a := drifttest.New(map[string]traffic.Alias{"live": {Version: "3"}}, "sha-4", nil)
			p := &topic{}
			h := &Handler{Ledger: &ledger.Ledger{S3: b, Bucket: "artifacts"}, Lambda: a, SNS: p, TopicARN: "arn:topic", Now: func() time.Time { return now }}
			for range 2 { // the second delivery of the event
				if _, err := h.Handle(context.Background(), event(t, tt.status)); err != nil {
					t.Fatal(err)
				}
			}
			for _, c := range a.Calls {
				if c != "GetAlias" {
					t.Errorf("called %s on an execution that held no lock", c)
				}
			}
			if r, ok := b.Record(t, "orders"); ok != tt.queued || ok && r.ExecutionARN != theirs {
				t.Errorf("lock record = %+v (%v), want the other release's kept", r, ok)
			}
			switch {
			case tt.subject == "" && len(p.published) != 0:
				t.Errorf("published %q, want nothing", aws.ToString(p.published[0].Subject))
			case tt.subject != "" && len(p.published) != 1:
				t.Fatalf("published %d notifications, want 1", len(p.published))
			case tt.subject != "" && aws.ToString(p.published[0].Subject) != tt.subject:
				t.Errorf("subject %q, want %q", aws.ToString(p.published[0].Subject), tt.subject)
			}
		})
	}
}

// TestHandleTwice: a second delivery of the same event finds nothing to do.
func TestHandleTwice(t *testing.T) {
	b := ledgertest.NewBucket()
	b.Put(t, record(mine, release.PhaseShifting, "3"))
	p := &topic{}
	h := &Handler{Ledger: &ledger.Ledger{S3: b, Bucket: "artifacts"}, Lambda: drifttest.New(map[string]traffic.Alias{"live": {Version: "3"}}, "sha-4", nil), SNS: p, Now: func() time.Time { return now }}
	for range 2 {
		if _, err := h.Handle(context.Background(), event(t, "ABORTED")); err != nil {
			t.Fatal(err)
		}
	}
	if len(p.published) != 1 {
		t.Errorf("published %d notifications, want 1", len(p.published))
	}
}

// TestHandleKeepsTheLockWhenTrafficFails: the lock says what to restore, so
// it stays until the traffic is right and the retried event finds it.
func TestHandleKeepsTheLockWhenTrafficFails(t *testing.T) {
	b := ledgertest.NewBucket()
	b.Put(t, record(mine, release.PhaseShifting, "3"))
	a := drifttest.New(map[string]traffic.Alias{"live": {Version: "3", Weights: map[string]float64{"4": 0.1}}}, "sha-4", nil)
	a.Errs["UpdateAlias"] = errors.New("throttled")
	h := &Handler{Ledger: &ledger.Ledger{S3: b, Bucket: "artifacts"}, Lambda: a, SNS: &topic{}, Now: func() time.Time { return now }}
	if _, err := h.Handle(context.Background(), event(t, "ABORTED")); err == nil {
		t.Fatal("no error")
	}
	if _, ok := b.Record(t, "orders"); !ok {
		t.Error("lock released before the traffic was restored")
	}
}

// TestHandleKeepsTheLockWhenRecordingFails: a throttled read of what the
// release left is retried with the lock still there; the retry records it
// and releases the lock.
func TestHandleKeepsTheLockWhenRecordingFails(t *testing.T) {
	b := ledgertest.NewBucket()
	b.Put(t, record(mine, release.PhaseShifting, "3"))
	f := drifttest.New(map[string]traffic.Alias{"live": {Version: "3", Weights: map[string]float64{"4": 0.1}}}, "sha-4", nil)
	f.LatestErr = &smithy.GenericAPIError{Code: "TooManyRequestsException"}
	l := &ledger.Ledger{S3: b, Bucket: "artifacts"}
	p := &topic{}
	h := &Handler{Ledger: l, Lambda: f, SNS: p, Now: func() time.Time { return now }}
	if _, err := h.Handle(context.Background(), event(t, "ABORTED")); err == nil {
		t.Fatal("no error")
	}
	if _, ok := b.Record(t, "orders"); !ok {
		t.Error("lock released before what the release left was recorded")
	}
	f.LatestErr = nil
	if _, err := h.Handle(context.Background(), event(t, "ABORTED")); err != nil {
		t.Fatalf("retry: %v", err)
	}
	if _, ok := b.Record(t, "orders"); ok {
		t.Error("lock kept after the retry")
	}
	if left, ok, err := l.LeftOf(context.Background(), "orders"); err != nil || !ok || left.Version != "3" || len(left.Weights) != 0 {
		t.Errorf("left = %+v (%v, %v), want version 3 at 100 %%", left, ok, err)
	}
	if len(p.published) != 1 {
		t.Errorf("published %d notifications, want 1", len(p.published))
	}
}

func TestHandleRejectsOtherEvents(t *testing.T) {
	h := &Handler{}
	if _, err := h.Handle(context.Background(), events.CloudWatchEvent{Detail: json.RawMessage(`{"alarmName":"x"}`)}); err == nil {
		t.Error("an alarm event was accepted")
	}
}

func ptr[T any](v T) *T { return &v }
