package main

import (
	"context"
	"reflect"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sfn"
	sfntypes "github.com/aws/aws-sdk-go-v2/service/sfn/types"

	"github.com/greenlight/greenlight/internal/notice"
	"github.com/greenlight/greenlight/internal/release"
)

func TestDecodeDocument(t *testing.T) {
	doc := fixture(t, "shifting.json")
	tests := []struct {
		name      string
		data      string
		wantID    string
		wantEvent notice.Event
	}{
		{"document", doc, "orders-20261122T101500Z-c469", ""},
		{"notify envelope", `{"event":"rolledBack","release":` + doc + `}`, "orders-20261122T101500Z-c469", notice.RolledBack},
		{"prepare input", `{"input":{"function":"orders"},"executionArn":"arn"}`, "", ""},
		{"other schema version", `{"schemaVersion":2,"releaseId":"x"}`, "", ""},
		{"envelope without document", `{"event":"failed","release":{}}`, "", ""},
		{"array", `[1,2]`, "", ""},
		{"empty", ``, "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, event := decodeDocument(tt.data)
			id := ""
			if got != nil {
				id = got.ReleaseID
			}
			if id != tt.wantID || event != tt.wantEvent {
				t.Errorf("decodeDocument = (%q, %q), want (%q, %q)", id, event, tt.wantID, tt.wantEvent)
			}
		})
	}
}

func TestOutcomeOf(t *testing.T) {
	shifting := &release.Document{State: release.State{Phase: release.PhaseShifting}}
	rolled := &release.Document{State: release.State{Phase: release.PhaseRolledBack}}
	noop := &release.Document{State: release.State{Phase: release.PhaseNoop, Noop: true}}
	tests := []struct {
		name   string
		status sfntypes.ExecutionStatus
		trail  trail
		want   string
	}{
		{"running", sfntypes.ExecutionStatusRunning, trail{doc: shifting}, outcomeRunning},
		{"succeeded", sfntypes.ExecutionStatusSucceeded, trail{}, outcomePromoted},
		{"succeeded as no-op", sfntypes.ExecutionStatusSucceeded, trail{doc: noop}, outcomeNoop},
		{"no-op event", sfntypes.ExecutionStatusSucceeded, trail{doc: shifting, event: "noop"}, outcomeNoop},
		{"rolled back by event", sfntypes.ExecutionStatusFailed, trail{doc: shifting, event: "rolledBack"}, outcomeRolledBack},
		{"rolled back by phase", sfntypes.ExecutionStatusFailed, trail{doc: rolled}, outcomeRolledBack},
		{"rejected", sfntypes.ExecutionStatusFailed, trail{doc: shifting, event: "rejected"}, outcomeRejected},
		{"rollback failed", sfntypes.ExecutionStatusFailed, trail{doc: shifting, event: "rollbackFailed"}, outcomeRollbackFailed},
		{"failed without data", sfntypes.ExecutionStatusFailed, trail{}, outcomeFailed},
		{"unknown event", sfntypes.ExecutionStatusFailed, trail{doc: shifting, event: "started"}, outcomeFailed},
		{"timed out", sfntypes.ExecutionStatusTimedOut, trail{doc: shifting}, outcomeTimedOut},
		{"aborted", sfntypes.ExecutionStatusAborted, trail{}, outcomeAborted},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := outcomeOf(tt.status, tt.trail); got != tt.want {
				t.Errorf("outcomeOf = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestLastTrail(t *testing.T) {
	doc := fixture(t, "rolled-back.json")
	exec := &fakeExecution{
		arn: "e1", input: fixture(t, "s3-event.json"), start: t0, status: sfntypes.ExecutionStatusFailed,
		events: []sfntypes.HistoryEvent{
			entered(sfntypes.HistoryEventTypeExecutionStarted, "", t0, ""),
			entered(sfntypes.HistoryEventTypeTaskStateEntered, "Notify rolled back", t0.Add(time.Minute), `{"event":"rolledBack","release":`+doc+`}`),
			entered(sfntypes.HistoryEventTypeTaskStateEntered, "Release lock", t0.Add(2*time.Minute), doc),
			entered(sfntypes.HistoryEventTypeFailStateEntered, "Rolled back", t0.Add(3*time.Minute), `{}`),
		},
	}
	api := &fakeSFN{execs: []*fakeExecution{exec}}
	d, err := api.DescribeExecution(context.Background(), &sfn.DescribeExecutionInput{ExecutionArn: aws.String("e1")})
	if err != nil {
		t.Fatal(err)
	}
	tr, err := lastTrail(context.Background(), api, d)
	if err != nil {
		t.Fatal(err)
	}
	if tr.doc == nil || tr.doc.State.Phase != release.PhaseRolledBack || tr.event != "rolledBack" {
		t.Fatalf("trail = %+v, want the rolled back document and event", tr)
	}
	r := reportOf(d, tr, t0.Add(time.Hour))
	want := releaseReport{
		ReleaseID: "orders-20261122T101500Z-c469", Function: "orders", ExecutionARN: "e1", Status: "FAILED", Outcome: outcomeRolledBack,
		StartedAt: t0, StoppedAt: d.StopDate, DurationSeconds: 360, Strategy: "Canary10Percent5Minutes", Blue: "3", Green: "4",
		Error: "AlarmBreachedError", Cause: "greenlight-orders-errors is in ALARM",
	}
	if !reflect.DeepEqual(r, want) {
		t.Errorf("report =\n%+v\nwant\n%+v", r, want)
	}
}
