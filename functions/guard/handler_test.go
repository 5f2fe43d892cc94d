package main

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"reflect"
	"strings"
	"testing"

	"github.com/aws/aws-lambda-go/events"
	lambdatypes "github.com/aws/aws-sdk-go-v2/service/lambda/types"
	"github.com/aws/smithy-go"

	"github.com/greenlight/greenlight/internal/decision"
	"github.com/greenlight/greenlight/internal/decision/decisiontest"
	"github.com/greenlight/greenlight/internal/failure"
	"github.com/greenlight/greenlight/internal/ledger"
	"github.com/greenlight/greenlight/internal/ledger/ledgertest"
	"github.com/greenlight/greenlight/internal/release"
	"github.com/greenlight/greenlight/internal/traffic"
	"github.com/greenlight/greenlight/internal/traffic/traffictest"
)

func event(t *testing.T, state string) events.CloudWatchEvent {
	t.Helper()
	b, err := os.ReadFile("testdata/alarm-event.json")
	if err != nil {
		t.Fatal(err)
	}
	var e events.CloudWatchEvent
	if err := json.Unmarshal(b, &e); err != nil {
		t.Fatal(err)
	}
	e.Detail = json.RawMessage(strings.Replace(string(e.Detail), `"value": "ALARM"`, `"value": "`+state+`"`, 1))
	return e
}

func record(fn string, phase release.Phase, weight float64, alarms ...string) ledger.Record {
	return ledger.Record{Function: fn, ExecutionARN: "arn:" + fn, Blue: "3", Green: "4", LiveAlias: "live",
		Alarms: alarms, ReleaseAlarm: "greenlight-" + fn + "-errors", Phase: phase, Weight: weight}
}

func TestHandle(t *testing.T) {
	b := ledgertest.NewBucket()
	b.Put(t, record("orders", release.PhaseShifting, 0.1, "orders-5xx"))
	b.Put(t, record("billing", release.PhaseShifting, 0.1, "billing-5xx"))
	b.Put(t, record("cart", release.PhaseTested, 0, "orders-5xx"))
	b.Put(t, record("search", release.PhasePromoted, 1, "orders-5xx"))
	a := traffictest.New(map[string]traffic.Alias{"live": {Version: "3", Weights: map[string]float64{"4": 0.1}}})
	h := &Handler{Lambda: a, Ledger: &ledger.Ledger{S3: b, Bucket: "artifacts"}}

	got, err := h.Handle(context.Background(), event(t, "ALARM"))
	if err != nil {
		t.Fatal(err)
	}
	want := Result{Alarm: "orders-5xx", Halted: []string{"cart", "orders"}, Restored: []string{"orders"}}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("result = %+v, want %+v", got, want)
	}
	if live, _ := a.Alias("live"); live.Version != "3" || len(live.Weights) != 0 {
		t.Errorf("live = %+v, want blue at 100 %%", live)
	}
	for fn, halted := range map[string]bool{"orders": true, "cart": true, "billing": false, "search": false} {
		rec, _ := b.Record(t, fn)
		if (rec.Halt != nil) != halted {
			t.Errorf("%s halted = %v, want %v", fn, rec.Halt != nil, halted)
		}
		if halted && (rec.Halt.By != By || !strings.Contains(rec.Halt.Reason, "orders-5xx is ALARM: Threshold Crossed")) {
			t.Errorf("%s halt = %+v", fn, rec.Halt)
		}
	}
}

func TestHandleReleaseAlarm(t *testing.T) {
	b := ledgertest.NewBucket()
	b.Put(t, record("orders", release.PhaseShifting, 1))
	a := traffictest.New(map[string]traffic.Alias{"live": {Version: "4"}})
	e := event(t, "ALARM")
	e.Detail = json.RawMessage(strings.Replace(string(e.Detail), `"alarmName": "orders-5xx"`, `"alarmName": "greenlight-orders-errors"`, 1))
	got, err := (&Handler{Lambda: a, Ledger: &ledger.Ledger{S3: b, Bucket: "artifacts"}}).Handle(context.Background(), e)
	if err != nil {
		t.Fatal(err)
	}
	if len(got.Restored) != 1 {
		t.Errorf("result = %+v", got)
	}
	if live, _ := a.Alias("live"); live.Version != "3" {
		t.Errorf("live = %+v", live)
	}
}

func TestHandleIgnores(t *testing.T) {
	for _, state := range []string{"OK", "INSUFFICIENT_DATA"} {
		b := ledgertest.NewBucket()
		b.Put(t, record("orders", release.PhaseShifting, 0.1, "orders-5xx"))
		a := traffictest.New(map[string]traffic.Alias{"live": {Version: "3", Weights: map[string]float64{"4": 0.1}}})
		got, err := (&Handler{Lambda: a, Ledger: &ledger.Ledger{S3: b, Bucket: "artifacts"}}).Handle(context.Background(), event(t, state))
		if err != nil || len(got.Halted) != 0 || len(a.Calls) != 0 {
			t.Errorf("%s: result %+v, err %v, calls %v", state, got, err, a.Calls)
		}
	}
}

func TestHandleErrors(t *testing.T) {
	tests := []struct {
		name    string
		event   func(*testing.T) events.CloudWatchEvent
		s3Err   error
		lErr    error
		wantErr any
	}{
		{"not an alarm event", func(*testing.T) events.CloudWatchEvent { return events.CloudWatchEvent{Detail: json.RawMessage(`{}`)} }, nil, nil, new(*failure.ValidationError)},
		{"s3 throttled", func(t *testing.T) events.CloudWatchEvent { return event(t, "ALARM") }, &smithy.GenericAPIError{Code: "SlowDown"}, nil, new(*failure.ThrottledError)},
		{"alias throttled", func(t *testing.T) events.CloudWatchEvent { return event(t, "ALARM") }, nil, &lambdatypes.TooManyRequestsException{}, new(*failure.ThrottledError)},
		{"alias conflict", func(t *testing.T) events.CloudWatchEvent { return event(t, "ALARM") }, nil, &lambdatypes.ResourceConflictException{}, new(*failure.ConflictError)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := ledgertest.NewBucket()
			b.Put(t, record("orders", release.PhaseShifting, 0.1, "orders-5xx"))
			b.Err = tt.s3Err
			a := traffictest.New(map[string]traffic.Alias{"live": {Version: "3", Weights: map[string]float64{"4": 0.1}}})
			a.Errs["UpdateAlias"] = tt.lErr
			_, err := (&Handler{Lambda: a, Ledger: &ledger.Ledger{S3: b, Bucket: "artifacts"}}).Handle(context.Background(), tt.event(t))
			if !errors.As(err, tt.wantErr) {
				t.Fatalf("error = %v (%T), want %T", err, err, tt.wantErr)
			}
		})
	}
}

// racingBook lists the records as they were, then lets another writer change
// them before the guard's halt lands.
type racingBook struct {
	*ledger.Ledger
	between func(ctx context.Context) error
}

func (b racingBook) List(ctx context.Context) ([]ledger.Record, error) {
	rs, err := b.Ledger.List(ctx)
	if err != nil {
		return nil, err
	}
	return rs, b.between(ctx)
}

func TestHandleRaces(t *testing.T) {
	tests := []struct {
		name         string
		between      func(ctx context.Context, l *ledger.Ledger, a *traffictest.Aliases) error
		wantRestored []string
		wantLive     traffic.Alias
		wantHalt     bool
	}{
		{
			name: "a shift records its step after the list",
			between: func(ctx context.Context, l *ledger.Ledger, a *traffictest.Aliases) error {
				if err := traffic.Split(ctx, a, "orders", "live", "3", "4", 0.1); err != nil {
					return err
				}
				_, err := l.Update(ctx, "orders", "arn:orders", func(r *ledger.Record) { r.Phase, r.Weight = release.PhaseShifting, 0.1 })
				return err
			},
			wantRestored: []string{"orders"},
			wantLive:     traffic.Alias{Version: "3"},
			wantHalt:     true,
		},
		{
			name: "promote records the promotion after the list",
			between: func(ctx context.Context, l *ledger.Ledger, a *traffictest.Aliases) error {
				if err := traffic.Point(ctx, a, "orders", "live", "4"); err != nil {
					return err
				}
				_, err := l.Update(ctx, "orders", "arn:orders", func(r *ledger.Record) { r.Phase, r.Weight = release.PhasePromoted, 1 })
				return err
			},
			wantLive: traffic.Alias{Version: "4"},
			wantHalt: true,
		},
		{
			name: "an operator promotes after the list",
			between: func(ctx context.Context, l *ledger.Ledger, a *traffictest.Aliases) error {
				if _, err := l.RequestPromote(ctx, "orders", ledger.Action{Reason: "operator promote", By: "greenlight-cli:ops"}); err != nil {
					return err
				}
				return traffic.Point(ctx, a, "orders", "live", "4")
			},
			wantLive: traffic.Alias{Version: "4"},
		},
		{
			name: "the release ends after the list",
			between: func(ctx context.Context, l *ledger.Ledger, _ *traffictest.Aliases) error {
				return l.Release(ctx, "orders", "arn:orders")
			},
			wantLive: traffic.Alias{Version: "3"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx := context.Background()
			b := ledgertest.NewBucket()
			b.Put(t, record("orders", release.PhaseTested, 0, "orders-5xx"))
			a := traffictest.New(map[string]traffic.Alias{"live": {Version: "3"}})
			l := &ledger.Ledger{S3: b, Bucket: "artifacts"}
			book := racingBook{Ledger: l, between: func(ctx context.Context) error { return tt.between(ctx, l, a) }}

			got, err := (&Handler{Lambda: a, Ledger: book}).Handle(ctx, event(t, "ALARM"))
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got.Restored, tt.wantRestored) {
				t.Errorf("restored = %v, want %v", got.Restored, tt.wantRestored)
			}
			if live, _ := a.Alias("live"); live.Version != tt.wantLive.Version || len(live.Weights) != 0 {
				t.Errorf("live = %+v, want version %s at 100 %%", live, tt.wantLive.Version)
			}
			rec, held := b.Record(t, "orders")
			if halted := held && rec.Halt != nil; halted != tt.wantHalt {
				t.Errorf("halted = %v, want %v", halted, tt.wantHalt)
			}
		})
	}
}

func TestHandleEndsTheWait(t *testing.T) {
	tests := []struct {
		name     string
		wait     *ledger.Wait
		closed   bool
		answered bool
	}{
		{"baking", &ledger.Wait{For: decision.Bake, Token: "tok"}, false, true},
		{"waiting for approval", &ledger.Wait{For: decision.Approval, Token: "tok"}, false, true},
		{"bake already over", &ledger.Wait{For: decision.Bake, Token: "tok"}, true, false},
		{"not waiting", nil, false, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := ledgertest.NewBucket()
			r := record("orders", release.PhaseShifting, 0.1, "orders-5xx")
			r.Wait = tt.wait
			b.Put(t, r)
			a := traffictest.New(map[string]traffic.Alias{"live": {Version: "3", Weights: map[string]float64{"4": 0.1}}})
			tasks := &decisiontest.Tasks{Closed: map[string]bool{"tok": tt.closed}}
			h := &Handler{Lambda: a, Ledger: &ledger.Ledger{S3: b, Bucket: "artifacts"}, Tasks: tasks}
			if _, err := h.Handle(context.Background(), event(t, "ALARM")); err != nil {
				t.Fatal(err)
			}
			d, ok := tasks.Answer("tok")
			if ok != tt.answered {
				t.Fatalf("answered = %v, want %v", ok, tt.answered)
			}
			if ok && (d.Decision != decision.Rollback || d.By != By || !strings.Contains(d.Reason, "orders-5xx is ALARM")) {
				t.Errorf("decision = %+v, want a rollback by the guard naming the alarm", d)
			}
			if live, _ := a.Alias("live"); live.Version != "3" || len(live.Weights) != 0 {
				t.Errorf("live = %+v, want blue at 100 %%", live)
			}
		})
	}
}
