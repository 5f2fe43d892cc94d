package main

import (
	"context"
	"fmt"
	"strings"
	"testing"

	cwtypes "github.com/aws/aws-sdk-go-v2/service/cloudwatch/types"

	"github.com/greenlight/greenlight/internal/failure"
	"github.com/greenlight/greenlight/internal/ledger"
	"github.com/greenlight/greenlight/internal/ledger/ledgertest"
	"github.com/greenlight/greenlight/internal/release"
	"github.com/greenlight/greenlight/internal/release/releasetest"
	"github.com/greenlight/greenlight/internal/strategy"
)

var (
	halt    = &ledger.Action{Reason: "operator", By: "cli"}
	promote = &ledger.Action{Reason: "looks good", By: "cli"}
)

// verifyGroup verifies group shop (releasetest.Group) after the first of
// ten steps, every member's lock held and every alarm OK but those in
// alarms; records adds to the members' records.
func verifyGroup(t *testing.T, records map[string]ledger.Record, alarms ...string) (*release.Document, error) {
	t.Helper()
	d := releasetest.Group(t)
	d.Schedule = strategy.Schedule(strategy.Strategy{Name: strategy.Linear10PercentEvery1Minute})
	b := ledgertest.NewBucket()
	b.Hold(t, d)
	for fn, add := range records {
		rec, _ := b.Record(t, fn)
		rec.Halt, rec.Promote = add.Halt, add.Promote
		b.Put(t, rec)
	}
	cw := &fakeAlarms{states: map[string]cwtypes.StateValue{}}
	for i := range d.Members {
		for _, a := range d.Member(i).WatchedAlarms() {
			cw.states[a] = cwtypes.StateValueOk
		}
	}
	for _, a := range alarms {
		cw.states[a] = cwtypes.StateValueAlarm
	}
	return (&Handler{CloudWatch: cw, Ledger: &ledger.Ledger{S3: b, Bucket: "artifacts"}}).Handle(context.Background(), d)
}

// TestGroupVerifyPromoteOnAnyMember: a promote request on any member's
// record promotes the whole group; without one, the group shifts again.
func TestGroupVerifyPromoteOnAnyMember(t *testing.T) {
	tests := []struct {
		name     string
		records  map[string]ledger.Record
		wantNext string
	}{
		{"no request: the next step", nil, release.NextShift},
		{"request on the first member", map[string]ledger.Record{"shop-api": {Promote: promote}}, release.NextPromote},
		{"request on the last released member", map[string]ledger.Record{"shop-worker": {Promote: promote}}, release.NextPromote},
		{"request on the member not released", map[string]ledger.Record{"shop-admin": {Promote: promote}}, release.NextPromote},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := verifyGroup(t, tt.records)
			if err != nil {
				t.Fatal(err)
			}
			if got.State.Step != 1 || got.State.Next != tt.wantNext {
				t.Errorf("step %d next %q, want 1 %q", got.State.Step, got.State.Next, tt.wantNext)
			}
		})
	}
}

// TestGroupVerifyStops: any member's alarm or halt stops the group, with
// the error of the member's own verify naming it; a halt wins over a
// promote request on another member, whatever their order.
func TestGroupVerifyStops(t *testing.T) {
	tests := []struct {
		name     string
		records  map[string]ledger.Record
		alarms   []string
		wantErr  string // the error's type name
		wantText string
	}{
		{name: "alarm of one member", alarms: []string{"shop-worker-5xx"},
			wantErr: failure.NameAlarmBreached, wantText: "alarm breached: shop-worker-5xx is ALARM (shop-worker: Threshold Crossed"},
		{name: "halt on one member", records: map[string]ledger.Record{"shop-worker": {Halt: halt}},
			wantErr: failure.NameHalted, wantText: "release halted by cli: shop-worker: operator"},
		{name: "halt on the member not released", records: map[string]ledger.Record{"shop-admin": {Halt: halt}},
			wantErr: failure.NameHalted, wantText: "release halted by cli: shop-admin: operator"},
		{name: "halt after a promote request in member order", records: map[string]ledger.Record{"shop-api": {Promote: promote}, "shop-worker": {Halt: halt}},
			wantErr: failure.NameHalted, wantText: "release halted by cli: shop-worker: operator"},
		{name: "halt before a promote request in member order", records: map[string]ledger.Record{"shop-api": {Halt: halt}, "shop-worker": {Promote: promote}},
			wantErr: failure.NameHalted, wantText: "release halted by cli: shop-api: operator"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := verifyGroup(t, tt.records, tt.alarms...)
			if got := errName(err); got != tt.wantErr {
				t.Fatalf("error = %v (%s), want a %s", err, got, tt.wantErr)
			}
			if !strings.HasPrefix(err.Error(), tt.wantText) {
				t.Errorf("error %q does not start %q", err, tt.wantText)
			}
		})
	}
}

// errName is the name Step Functions sees for err: its Go type name.
func errName(err error) string {
	if err == nil {
		return ""
	}
	return strings.TrimPrefix(fmt.Sprintf("%T", err), "*failure.")
}
