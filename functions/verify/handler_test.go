package main

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch"
	cwtypes "github.com/aws/aws-sdk-go-v2/service/cloudwatch/types"
	lambdatypes "github.com/aws/aws-sdk-go-v2/service/lambda/types"

	"github.com/greenlight/greenlight/internal/failure"
	"github.com/greenlight/greenlight/internal/ledger"
	"github.com/greenlight/greenlight/internal/ledger/ledgertest"
	"github.com/greenlight/greenlight/internal/release"
	"github.com/greenlight/greenlight/internal/release/releasetest"
)

type fakeAlarms struct {
	states map[string]cwtypes.StateValue
	err    error
}

func (f *fakeAlarms) DescribeAlarms(_ context.Context, in *cloudwatch.DescribeAlarmsInput, _ ...func(*cloudwatch.Options)) (*cloudwatch.DescribeAlarmsOutput, error) {
	if f.err != nil {
		return nil, f.err
	}
	out := &cloudwatch.DescribeAlarmsOutput{}
	for _, n := range in.AlarmNames {
		if s, ok := f.states[n]; ok {
			out.MetricAlarms = append(out.MetricAlarms, cwtypes.MetricAlarm{AlarmName: aws.String(n), StateValue: s, StateReason: aws.String("Threshold Crossed: 3 datapoints")})
		}
	}
	return out, nil
}

func TestHandle(t *testing.T) {
	tests := []struct {
		name     string
		step     int
		promote  bool
		wantStep int
		wantNext string
	}{
		{"more partial steps", 0, false, 1, release.NextShift},
		{"last partial step", 1, false, 2, release.NextPromote},
		{"all at once step done", 2, false, 3, release.NextPromote},
		{"operator promote", 0, true, 1, release.NextPromote},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := releasetest.Load(t)
			d.State.Step = tt.step
			b := ledgertest.NewBucket()
			rec := ledger.Record{Function: "orders", ExecutionARN: d.ExecutionARN}
			if tt.promote {
				rec.Promote = &ledger.Action{Reason: "looks good", By: "cli"}
			}
			b.Put(t, rec)
			cw := &fakeAlarms{states: map[string]cwtypes.StateValue{"orders-5xx": cwtypes.StateValueOk, d.State.ReleaseAlarm: cwtypes.StateValueOk}}
			got, err := (&Handler{CloudWatch: cw, Ledger: &ledger.Ledger{S3: b, Bucket: "artifacts"}}).Handle(context.Background(), d)
			if err != nil {
				t.Fatal(err)
			}
			if got.State.Step != tt.wantStep || got.State.Next != tt.wantNext {
				t.Errorf("step %d next %q, want %d %q", got.State.Step, got.State.Next, tt.wantStep, tt.wantNext)
			}
			if got.State.AlarmStates["orders-5xx"] != "OK" || got.State.AlarmStates[d.State.ReleaseAlarm] != "OK" {
				t.Errorf("alarm states = %v", got.State.AlarmStates)
			}
		})
	}
}

func TestHandleStops(t *testing.T) {
	tests := []struct {
		name     string
		record   *ledger.Record
		states   map[string]cwtypes.StateValue
		cwErr    error
		wantErr  any
		wantText string
	}{
		{name: "release alarm breached", states: map[string]cwtypes.StateValue{"orders-5xx": cwtypes.StateValueOk, "greenlight-orders-20261122T101500Z-c469-errors": cwtypes.StateValueAlarm},
			wantErr: new(*failure.AlarmBreachedError), wantText: "greenlight-orders-20261122T101500Z-c469-errors is ALARM (Threshold Crossed: 3 datapoints)"},
		{name: "user alarm deleted", states: map[string]cwtypes.StateValue{"greenlight-orders-20261122T101500Z-c469-errors": cwtypes.StateValueOk},
			wantErr: new(*failure.AlarmBreachedError), wantText: "orders-5xx is MISSING"},
		{name: "halted by the guard", record: &ledger.Record{Halt: &ledger.Action{Reason: "orders-5xx went to ALARM", By: "guard"}},
			wantErr: new(*failure.HaltedError), wantText: "orders-5xx went to ALARM"},
		{name: "lock gone", record: &ledger.Record{Function: "gone"}, wantErr: new(*failure.HaltedError)},
		{name: "cloudwatch throttled", cwErr: &cwtypes.LimitExceededFault{ErrorCodeOverride: aws.String("Throttling")}, wantErr: new(*failure.ThrottledError)},
		{name: "cloudwatch down", cwErr: &lambdatypes.ServiceException{}, wantErr: new(*failure.ThrottledError)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := releasetest.Load(t)
			b := ledgertest.NewBucket()
			rec := ledger.Record{Function: "orders", ExecutionARN: d.ExecutionARN}
			if tt.record != nil {
				rec.Halt = tt.record.Halt
				if tt.record.Function != "" {
					rec.ExecutionARN = "other"
				}
			}
			b.Put(t, rec)
			cw := &fakeAlarms{states: tt.states, err: tt.cwErr}
			_, err := (&Handler{CloudWatch: cw, Ledger: &ledger.Ledger{S3: b, Bucket: "artifacts"}}).Handle(context.Background(), d)
			if !errors.As(err, tt.wantErr) {
				t.Fatalf("error = %v (%T), want %T", err, err, tt.wantErr)
			}
			if tt.wantText != "" && !strings.Contains(err.Error(), tt.wantText) {
				t.Errorf("error %q does not say %q", err, tt.wantText)
			}
		})
	}
}
