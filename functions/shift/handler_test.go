package main

import (
	"context"
	"errors"
	"reflect"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch"
	cwtypes "github.com/aws/aws-sdk-go-v2/service/cloudwatch/types"
	lambdatypes "github.com/aws/aws-sdk-go-v2/service/lambda/types"

	"github.com/greenlight/greenlight/internal/failure"
	"github.com/greenlight/greenlight/internal/ledger"
	"github.com/greenlight/greenlight/internal/ledger/ledgertest"
	"github.com/greenlight/greenlight/internal/release"
	"github.com/greenlight/greenlight/internal/release/releasetest"
	"github.com/greenlight/greenlight/internal/strategy"
	"github.com/greenlight/greenlight/internal/traffic"
	"github.com/greenlight/greenlight/internal/traffic/traffictest"
)

var now = time.Date(2026, 11, 22, 10, 20, 0, 0, time.UTC)

// fakeAlarms reports alarms by name; names absent from the map do not exist.
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
			out.MetricAlarms = append(out.MetricAlarms, cwtypes.MetricAlarm{AlarmName: aws.String(n), StateValue: s, StateReason: aws.String("Threshold Crossed")})
		}
	}
	return out, nil
}

// haltingLedger halts the release while the step moves traffic, as the guard
// would.
type haltingLedger struct{ *ledger.Ledger }

func (l haltingLedger) Update(ctx context.Context, fn, arn string, change func(*ledger.Record)) (ledger.Record, error) {
	if _, err := l.Halt(ctx, fn, ledger.Action{Reason: "orders-5xx is ALARM", By: "guard"}); err != nil {
		return ledger.Record{}, err
	}
	return l.Ledger.Update(ctx, fn, arn, change)
}

type world struct {
	h       *Handler
	aliases *traffictest.Aliases
	alarms  *fakeAlarms
	bucket  *ledgertest.Bucket
}

func newWorld(t *testing.T, d *release.Document) *world {
	w := &world{
		aliases: traffictest.New(map[string]traffic.Alias{"live": {Version: "3"}, "green": {Version: "4"}}),
		alarms: &fakeAlarms{states: map[string]cwtypes.StateValue{
			"orders-5xx": cwtypes.StateValueOk, d.State.ReleaseAlarm: cwtypes.StateValueInsufficientData,
		}},
		bucket: ledgertest.NewBucket(),
	}
	w.bucket.Put(t, ledger.Record{Function: "orders", ExecutionARN: d.ExecutionARN})
	w.h = &Handler{Lambda: w.aliases, CloudWatch: w.alarms, Ledger: &ledger.Ledger{S3: w.bucket, Bucket: "artifacts"}, Now: func() time.Time { return now }}
	return w
}

func TestHandle(t *testing.T) {
	tests := []struct {
		name       string
		setup      func(*world, *release.Document)
		wantLive   traffic.Alias
		wantWeight float64
		wantBake   int
	}{
		{"first canary step", func(*world, *release.Document) {},
			traffic.Alias{Version: "3", Weights: map[string]float64{"4": 0.1}}, 0.1, 300},
		{"later step skips the alarm pre-check", func(w *world, d *release.Document) {
			d.Schedule = strategy.Schedule(strategy.Strategy{Name: strategy.Linear10PercentEvery1Minute})
			d.State.Step = 2
			w.alarms.err = errors.New("must not be called")
		}, traffic.Alias{Version: "3", Weights: map[string]float64{"4": 0.3}}, 0.3, 60},
		{"all at once", func(_ *world, d *release.Document) {
			d.Schedule = strategy.Schedule(strategy.Strategy{Name: strategy.AllAtOnce})
		}, traffic.Alias{Version: "4", Weights: map[string]float64{}}, 1, 0},
		{"first release creates live at green", func(w *world, d *release.Document) {
			w.aliases = traffictest.New(map[string]traffic.Alias{"green": {Version: "1"}})
			w.h.Lambda = w.aliases
			d.State.FirstRelease, d.State.Blue, d.State.Green = true, "", "1"
		}, traffic.Alias{Version: "1"}, 1, 300},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := releasetest.Load(t)
			w := newWorld(t, d)
			tt.setup(w, d)
			got, err := w.h.Handle(context.Background(), d)
			if err != nil {
				t.Fatal(err)
			}
			live, _ := w.aliases.Alias("live")
			if !reflect.DeepEqual(live, tt.wantLive) {
				t.Errorf("live = %+v, want %+v", live, tt.wantLive)
			}
			s := got.State
			if s.Weight != tt.wantWeight || s.BakeSeconds != tt.wantBake || s.Phase != release.PhaseShifting || len(s.StepsTaken) != 1 || !s.StepsTaken[0].At.Equal(now) {
				t.Errorf("state = %+v", s)
			}
			rec, _ := w.bucket.Record(t, "orders")
			if rec.Weight != tt.wantWeight || rec.Phase != release.PhaseShifting {
				t.Errorf("lock record = %+v", rec)
			}
		})
	}
}

func TestHandleRefuses(t *testing.T) {
	tests := []struct {
		name    string
		setup   func(*testing.T, *world, *release.Document)
		wantErr any
	}{
		{"alarm already in ALARM", func(_ *testing.T, w *world, _ *release.Document) {
			w.alarms.states["orders-5xx"] = cwtypes.StateValueAlarm
		}, new(*failure.AlarmBreachedError)},
		{"watched alarm missing", func(_ *testing.T, w *world, _ *release.Document) {
			delete(w.alarms.states, "orders-5xx")
		}, new(*failure.AlarmBreachedError)},
		{"halted", func(t *testing.T, w *world, d *release.Document) {
			w.bucket.Put(t, ledger.Record{Function: "orders", ExecutionARN: d.ExecutionARN, Halt: &ledger.Action{Reason: "operator", By: "cli"}})
		}, new(*failure.HaltedError)},
		{"lock lost", func(t *testing.T, w *world, _ *release.Document) {
			w.bucket.Put(t, ledger.Record{Function: "orders", ExecutionARN: "other"})
		}, new(*failure.HaltedError)},
		{"live alias deleted by someone", func(_ *testing.T, w *world, _ *release.Document) {
			w.aliases = traffictest.New(nil)
			w.h.Lambda = w.aliases
		}, new(*failure.HaltedError)},
		{"live moved by someone", func(_ *testing.T, w *world, _ *release.Document) {
			w.aliases = traffictest.New(map[string]traffic.Alias{"live": {Version: "2"}})
			w.h.Lambda = w.aliases
		}, new(*failure.HaltedError)},
		{"alias conflict", func(_ *testing.T, w *world, _ *release.Document) {
			w.aliases.Errs["UpdateAlias"] = &lambdatypes.ResourceConflictException{}
		}, new(*failure.ConflictError)},
		{"throttled", func(_ *testing.T, w *world, _ *release.Document) {
			w.aliases.Errs["UpdateAlias"] = &lambdatypes.TooManyRequestsException{}
		}, new(*failure.ThrottledError)},
		{"step outside the schedule", func(_ *testing.T, _ *world, d *release.Document) { d.State.Step = 5 }, new(*failure.OperationError)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := releasetest.Load(t)
			w := newWorld(t, d)
			tt.setup(t, w, d)
			before, _ := w.aliases.Alias("live")
			_, err := w.h.Handle(context.Background(), d)
			if !errors.As(err, tt.wantErr) {
				t.Fatalf("error = %v (%T), want %T", err, err, tt.wantErr)
			}
			if live, _ := w.aliases.Alias("live"); !reflect.DeepEqual(live, before) {
				t.Errorf("live moved from %+v to %+v", before, live)
			}
		})
	}
}

func TestHaltDuringShiftRestoresBlue(t *testing.T) {
	d := releasetest.Load(t)
	w := newWorld(t, d)
	w.h.Ledger = haltingLedger{&ledger.Ledger{S3: w.bucket, Bucket: "artifacts"}}
	_, err := w.h.Handle(context.Background(), d)
	var he *failure.HaltedError
	if !errors.As(err, &he) || he.By != "guard" {
		t.Fatalf("error = %v", err)
	}
	if live, _ := w.aliases.Alias("live"); live.Version != "3" || len(live.Weights) != 0 {
		t.Errorf("live = %+v, want blue 3 at 100 %%", live)
	}
}
