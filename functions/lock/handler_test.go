package main

import (
	"context"
	"errors"
	"testing"

	sfntypes "github.com/aws/aws-sdk-go-v2/service/sfn/types"
	"github.com/aws/smithy-go"

	"github.com/greenlight/greenlight/internal/failure"
	"github.com/greenlight/greenlight/internal/ledger"
	"github.com/greenlight/greenlight/internal/ledger/ledgertest"
	"github.com/greenlight/greenlight/internal/release"
	"github.com/greenlight/greenlight/internal/release/releasetest"
)

const other = "arn:aws:states:us-east-1:123456789012:execution:greenlight:other"

func TestHandle(t *testing.T) {
	tests := []struct {
		name     string
		holder   string
		status   sfntypes.ExecutionStatus
		s3Err    error
		wantErr  any
		wantLock string
	}{
		{name: "free", wantLock: "mine"},
		{name: "held by a running release", holder: other, status: sfntypes.ExecutionStatusRunning, wantErr: new(*failure.LockHeldError), wantLock: other},
		{name: "stale lock taken over", holder: other, status: sfntypes.ExecutionStatusAborted, wantLock: "mine"},
		{name: "s3 throttled", s3Err: &smithy.GenericAPIError{Code: "SlowDown"}, wantErr: new(*failure.ThrottledError)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := releasetest.Load(t)
			b := ledgertest.NewBucket()
			if tt.holder != "" {
				b.Put(t, ledger.Record{Function: "orders", ExecutionARN: tt.holder})
			}
			b.Err = tt.s3Err
			h := &Handler{Ledger: &ledger.Ledger{S3: b, Bucket: "artifacts", Executions: ledgertest.Executions{other: tt.status}}}
			got, err := h.Handle(context.Background(), d)
			if tt.wantErr != nil {
				if !errors.As(err, tt.wantErr) {
					t.Fatalf("error = %v (%T), want %T", err, err, tt.wantErr)
				}
			} else if err != nil {
				t.Fatal(err)
			} else if got.State.Phase != release.PhaseLocked {
				t.Errorf("phase = %s", got.State.Phase)
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
