package main

import (
	"context"
	"errors"
	"reflect"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch"
	cwtypes "github.com/aws/aws-sdk-go-v2/service/cloudwatch/types"
	"github.com/aws/smithy-go"

	"github.com/greenlight/greenlight/internal/drift/drifttest"
	"github.com/greenlight/greenlight/internal/failure"
	"github.com/greenlight/greenlight/internal/ledger"
	"github.com/greenlight/greenlight/internal/ledger/ledgertest"
	"github.com/greenlight/greenlight/internal/release/releasetest"
	"github.com/greenlight/greenlight/internal/traffic"
)

const other = "arn:aws:states:us-east-1:123456789012:execution:greenlight:other"

// fakeAlarms deletes alarms; err fails every call, errs the calls that
// name an alarm.
type fakeAlarms struct {
	mu      sync.Mutex
	deleted []string
	err     error
	errs    map[string]error
}

func (f *fakeAlarms) DeleteAlarms(_ context.Context, in *cloudwatch.DeleteAlarmsInput, _ ...func(*cloudwatch.Options)) (*cloudwatch.DeleteAlarmsOutput, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.err != nil {
		return nil, f.err
	}
	for _, a := range in.AlarmNames {
		if err := f.errs[a]; err != nil {
			return nil, err
		}
	}
	f.deleted = append(f.deleted, in.AlarmNames...)
	return &cloudwatch.DeleteAlarmsOutput{}, nil
}

func TestHandle(t *testing.T) {
	tests := []struct {
		name     string
		holder   string
		alarmErr error
		aliasErr error
		wantErr  any
		wantKept bool
		wantLeft bool // what the release left is recorded
	}{
		{name: "ours", holder: "mine", wantLeft: true},
		{name: "already released", holder: ""},
		{name: "held by another execution", holder: other, wantKept: true},
		{name: "cloudwatch refuses", holder: "mine", alarmErr: &cwtypes.LimitExceededFault{}, wantErr: new(*failure.OperationError), wantKept: true},
		{name: "alarm already gone", holder: "mine", alarmErr: &cwtypes.ResourceNotFound{Message: aws.String("The named resource does not exist.")}, wantLeft: true},
		{name: "lambda throttled: retried with the lock kept", holder: "mine", aliasErr: &smithy.GenericAPIError{Code: "TooManyRequestsException"},
			wantErr: new(*failure.ThrottledError), wantKept: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := releasetest.Load(t)
			b := ledgertest.NewBucket()
			switch tt.holder {
			case "mine":
				b.Put(t, ledger.Record{Function: "orders", ExecutionARN: d.ExecutionARN})
			case other:
				b.Put(t, ledger.Record{Function: "orders", ExecutionARN: other})
			}
			cw := &fakeAlarms{err: tt.alarmErr}
			f := drifttest.New(map[string]traffic.Alias{"live": {Version: "4"}}, "sha-4", map[string]string{"FEATURE": "on"})
			if tt.aliasErr != nil {
				f.Errs["GetAlias"] = tt.aliasErr
			}
			l := &ledger.Ledger{S3: b, Bucket: "artifacts"}
			h := &Handler{Ledger: l, CloudWatch: cw, Lambda: f}
			for range 2 { // idempotent
				_, err := h.Handle(context.Background(), d)
				if tt.wantErr != nil {
					if !errors.As(err, tt.wantErr) {
						t.Fatalf("error = %v (%T)", err, err)
					}
				} else if err != nil {
					t.Fatal(err)
				}
			}
			if _, kept := b.Record(t, "orders"); kept != tt.wantKept {
				t.Errorf("lock kept = %v, want %v", kept, tt.wantKept)
			}
			left, recorded, err := l.LeftOf(context.Background(), "orders")
			if err != nil {
				t.Fatal(err)
			}
			if recorded != tt.wantLeft {
				t.Errorf("left recorded = %v, want %v", recorded, tt.wantLeft)
			} else if recorded && (left.ReleaseID != d.ReleaseID || left.ExecutionARN != d.ExecutionARN || left.LiveAlias != "live" ||
				left.Version != "4" || left.CodeSHA256 != "sha-4" || left.Configuration.Environment["FEATURE"] != "on") {
				t.Errorf("left = %+v", left)
			}
			if tt.alarmErr == nil && !reflect.DeepEqual(cw.deleted, []string{d.State.ReleaseAlarm, d.State.ReleaseAlarm}) {
				t.Errorf("deleted alarms = %v", cw.deleted)
			}
		})
	}
}
