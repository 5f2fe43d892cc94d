package main

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sfn"
	sfntypes "github.com/aws/aws-sdk-go-v2/service/sfn/types"

	"github.com/greenlight/greenlight/internal/decision"
	"github.com/greenlight/greenlight/internal/ledger"
	"github.com/greenlight/greenlight/internal/release"
	"github.com/greenlight/greenlight/internal/strategy"
)

func TestFrameOf(t *testing.T) {
	var shifting release.Document
	if err := json.Unmarshal([]byte(fixture(t, "shifting.json")), &shifting); err != nil {
		t.Fatal(err)
	}
	// The first step of a linear release has baked longer than its 30 s.
	linear := shifting
	linear.Strategy = strategy.Strategy{Name: "Linear10PercentEvery1Minute"}
	linear.Schedule = []strategy.Step{{Percent: 10, BakeSeconds: 30}, {Percent: 20, BakeSeconds: 30}, {Percent: 100}}
	linear.State.BakeSeconds = 30
	const arn = "arn:aws:states:us-east-1:123456789012:execution:greenlight:r1"
	d := &sfn.DescribeExecutionOutput{ExecutionArn: aws.String(arn), Input: aws.String(fixture(t, "s3-event.json")), StartDate: aws.Time(t0), Status: sfntypes.ExecutionStatusRunning}
	// The bake and the approval gate record what they wait for, and since
	// when, in the lock record.
	waiting := func(w decision.Wait, since time.Time) *ledger.Record {
		return &ledger.Record{ExecutionARN: arn, Function: "orders", Wait: &ledger.Wait{For: w, Step: shifting.State.Step, Since: since}}
	}
	approved := waiting(decision.Approval, t0.Add(time.Minute))
	approved.Approved = &ledger.Approval{Action: ledger.Action{By: "greenlight-cli:alice", Reason: "dashboards fine", At: t0.Add(2 * time.Minute)}, Step: shifting.State.Step}
	gated := shifting
	gated.State.ApprovalSeconds = 3600
	now := t0.Add(3 * time.Minute)
	bake := entered(sfntypes.HistoryEventTypeTaskStateEntered, "Bake", t0.Add(time.Minute), "{}")
	approval := entered(sfntypes.HistoryEventTypeTaskStateEntered, "Wait for approval", t0.Add(time.Minute), "{}")
	shift := entered(sfntypes.HistoryEventTypeTaskStateEntered, "Shift traffic", t0.Add(time.Minute), "{}")
	exited := sfntypes.HistoryEvent{Type: sfntypes.HistoryEventTypeTaskStateExited, StateExitedEventDetails: &sfntypes.StateExitedEventDetails{Name: aws.String("Run tests")}}

	tests := []struct {
		name   string
		events []sfntypes.HistoryEvent // newest first
		doc    *release.Document
		rec    *ledger.Record
		alarms []alarmState
		want   frame
	}{
		{
			name: "before the first document", events: []sfntypes.HistoryEvent{shift}, doc: nil,
			want: frame{Function: "orders", Status: "RUNNING", Elapsed: 3 * time.Minute, State: "Shift traffic"},
		},
		{
			name: "baking, alarms from CloudWatch over recorded ones", events: []sfntypes.HistoryEvent{exited, bake}, doc: &shifting,
			rec:    waiting(decision.Bake, t0.Add(time.Minute)),
			alarms: []alarmState{{Name: "greenlight-orders-errors", State: "ALARM"}},
			want: frame{
				Function: "orders", ReleaseID: "orders-20261122T101500Z-c469", Status: "RUNNING", Elapsed: 3 * time.Minute, State: "Bake",
				Strategy: "Canary10Percent5Minutes", Step: 1, Steps: 2, Weight: 0.1, Blue: "3", Green: "4",
				Alarms: []alarmState{{Name: "orders-5xx", State: "OK"}, {Name: "greenlight-orders-errors", State: "ALARM"}},
				Next:   &nextStep{In: 3 * time.Minute, Percent: 100},
			},
		},
		{
			name: "next step is a shift", events: []sfntypes.HistoryEvent{bake}, doc: &linear,
			rec: waiting(decision.Bake, t0.Add(time.Minute)),
			want: frame{
				Function: "orders", ReleaseID: "orders-20261122T101500Z-c469", Status: "RUNNING", Elapsed: 3 * time.Minute, State: "Bake",
				Strategy: "Linear10PercentEvery1Minute", Step: 1, Steps: 3, Weight: 0.1, Blue: "3", Green: "4",
				Alarms: []alarmState{{Name: "orders-5xx", State: "OK"}, {Name: "greenlight-orders-errors", State: "OK"}},
				Next:   &nextStep{In: -90 * time.Second, Percent: 20},
			},
		},
		{
			name: "baking, lock record of another execution: no countdown", events: []sfntypes.HistoryEvent{bake}, doc: &shifting,
			rec: &ledger.Record{ExecutionARN: "arn:other", Wait: &ledger.Wait{For: decision.Bake, Step: shifting.State.Step, Since: t0}},
			want: frame{
				Function: "orders", ReleaseID: "orders-20261122T101500Z-c469", Status: "RUNNING", Elapsed: 3 * time.Minute, State: "Bake",
				Strategy: "Canary10Percent5Minutes", Step: 1, Steps: 2, Weight: 0.1, Blue: "3", Green: "4",
				Alarms: []alarmState{{Name: "orders-5xx", State: "OK"}, {Name: "greenlight-orders-errors", State: "OK"}},
			},
		},
		{
			name: "waiting for approval", events: []sfntypes.HistoryEvent{approval}, doc: &gated,
			rec: waiting(decision.Approval, t0.Add(time.Minute)),
			want: frame{
				Function: "orders", ReleaseID: "orders-20261122T101500Z-c469", Status: "RUNNING", Elapsed: 3 * time.Minute, State: "Wait for approval",
				Strategy: "Canary10Percent5Minutes", Step: 1, Steps: 2, Weight: 0.1, Blue: "3", Green: "4",
				Alarms:   []alarmState{{Name: "orders-5xx", State: "OK"}, {Name: "greenlight-orders-errors", State: "OK"}},
				Approval: &approvalWait{Step: shifting.State.Step + 1, Waited: 2 * time.Minute, TimesOut: 58 * time.Minute},
			},
		},
		{
			name: "approved, not yet verified", events: []sfntypes.HistoryEvent{approval}, doc: &gated, rec: approved,
			want: frame{
				Function: "orders", ReleaseID: "orders-20261122T101500Z-c469", Status: "RUNNING", Elapsed: 3 * time.Minute, State: "Wait for approval",
				Strategy: "Canary10Percent5Minutes", Step: 1, Steps: 2, Weight: 0.1, Blue: "3", Green: "4",
				Alarms:   []alarmState{{Name: "orders-5xx", State: "OK"}, {Name: "greenlight-orders-errors", State: "OK"}},
				Approved: []release.Approval{{Step: shifting.State.Step, By: "greenlight-cli:alice", Reason: "dashboards fine", At: t0.Add(2 * time.Minute)}},
			},
		},
		{
			name: "shifting: no countdown", events: []sfntypes.HistoryEvent{shift}, doc: &shifting,
			want: frame{
				Function: "orders", ReleaseID: "orders-20261122T101500Z-c469", Status: "RUNNING", Elapsed: 3 * time.Minute, State: "Shift traffic",
				Strategy: "Canary10Percent5Minutes", Step: 1, Steps: 2, Weight: 0.1, Blue: "3", Green: "4",
				Alarms: []alarmState{{Name: "orders-5xx", State: "OK"}, {Name: "greenlight-orders-errors", State: "OK"}},
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := frameOf(d, tt.events, tt.doc, tt.rec, tt.alarms, now)
			g, _ := json.Marshal(got)
			w, _ := json.Marshal(tt.want)
			if string(g) != string(w) {
				t.Errorf("frame\n%s\nwant\n%s", g, w)
			}
		})
	}
}

func TestRenderFrame(t *testing.T) {
	base := frame{Function: "orders", ReleaseID: "r1", Status: "RUNNING", Elapsed: 95 * time.Second, State: "Bake",
		Strategy: "Canary10Percent5Minutes", Step: 1, Steps: 2, Weight: 0.1, Blue: "3", Green: "4",
		Alarms: []alarmState{{Name: "orders-5xx", State: "OK"}, {Name: "greenlight-orders-errors"}}}
	withNext := func(n nextStep) frame { f := base; f.Next = &n; return f }
	tests := []struct {
		name string
		f    frame
		want string
	}{
		{"baking", withNext(nextStep{In: 4*time.Minute + 5*time.Second, Percent: 100}), `function orders  release r1  RUNNING 1m35s
step     Bake  (step 1/2, Canary10Percent5Minutes)
traffic  [██░░░░░░░░░░░░░░░░░░]  10%  green v4  blue v3
alarms   orders-5xx OK, greenlight-orders-errors -
next     promote in 4m05s
`},
		{"next shift due", withNext(nextStep{In: -time.Second, Percent: 20}), "next     shift to 20% now\n"},
		{"waiting for approval", func() frame {
			f := base
			f.Approval = &approvalWait{Step: 1, Waited: 2 * time.Minute, TimesOut: 58 * time.Minute}
			f.Approved = []release.Approval{{Step: 0, By: "greenlight-cli:bob"}}
			return f
		}(), "waiting  approval of step 1 for 2m00s (rolls back in 58m00s): greenlight approve -f orders\napproved step 1 by greenlight-cli:bob\n"},
		{"before the document", frame{Function: "orders", Status: "RUNNING", State: "Prepare release"}, `function orders  release -  RUNNING 0s
step     Prepare release
traffic  [░░░░░░░░░░░░░░░░░░░░]   0%  green -  blue -
alarms   -
`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := renderFrame(tt.f)
			if !strings.HasSuffix(got, tt.want) {
				t.Errorf("renderFrame =\n%s\nwant (suffix)\n%s", got, tt.want)
			}
		})
	}
}

func TestViewPrintsOnlyChanges(t *testing.T) {
	var buf bytes.Buffer
	v := newView(&buf)
	f := frame{Function: "orders", Status: "RUNNING", State: "Bake", Next: &nextStep{In: time.Minute, Percent: 100}}
	v.show(f)
	f.Elapsed, f.Next = 10*time.Second, &nextStep{In: 50 * time.Second, Percent: 100}
	v.show(f) // only the clocks moved
	f.State = "Verify alarms"
	v.show(f)
	if n := strings.Count(buf.String(), "function orders"); n != 2 {
		t.Errorf("printed %d frames, want 2:\n%s", n, buf.String())
	}
}
