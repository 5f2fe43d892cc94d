package main

import (
	"context"
	"errors"
	"reflect"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch"
	cwtypes "github.com/aws/aws-sdk-go-v2/service/cloudwatch/types"

	"github.com/greenlight/greenlight/internal/failure"
	"github.com/greenlight/greenlight/internal/ledger"
	"github.com/greenlight/greenlight/internal/ledger/ledgertest"
	"github.com/greenlight/greenlight/internal/release/releasetest"
)

const other = "arn:aws:states:us-east-1:123456789012:execution:greenlight:other"

type fakeAlarms struct {
	deleted []string
	err     error
}

func (f *fakeAlarms) DeleteAlarms(_ context.Context, in *cloudwatch.DeleteAlarmsInput, _ ...func(*cloudwatch.Options)) (*cloudwatch.DeleteAlarmsOutput, error) {
	if f.err != nil {
		return nil, f.err
	}
	f.deleted = append(f.deleted, in.AlarmNames...)
	return &cloudwatch.DeleteAlarmsOutput{}, nil
}

func TestHandle(t *testing.T) {
	tests := []struct {
		name     string
		holder   string
		alarmErr error
		wantErr  any
		wantKept bool
	}{
		{name: "ours", holder: "mine"},
		{name: "already released", holder: ""},
		{name: "held by another execution", holder: other, wantKept: true},
		{name: "cloudwatch refuses", holder: "mine", alarmErr: &cwtypes.LimitExceededFault{}, wantErr: new(*failure.OperationError), wantKept: true},
		{name: "alarm already gone", holder: "mine", alarmErr: &cwtypes.ResourceNotFound{Message: aws.String("The named resource does not exist.")}},
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
			h := &Handler{Ledger: &ledger.Ledger{S3: b, Bucket: "artifacts"}, CloudWatch: cw}
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
			if tt.alarmErr == nil && !reflect.DeepEqual(cw.deleted, []string{d.State.ReleaseAlarm, d.State.ReleaseAlarm}) {
				t.Errorf("deleted alarms = %v", cw.deleted)
			}
		})
	}
}
