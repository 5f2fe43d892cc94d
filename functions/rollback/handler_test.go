package main

import (
	"context"
	"errors"
	"reflect"
	"strings"
	"testing"

	lambdatypes "github.com/aws/aws-sdk-go-v2/service/lambda/types"

	"github.com/greenlight/greenlight/internal/failure"
	"github.com/greenlight/greenlight/internal/ledger"
	"github.com/greenlight/greenlight/internal/ledger/ledgertest"
	"github.com/greenlight/greenlight/internal/release"
	"github.com/greenlight/greenlight/internal/release/releasetest"
	"github.com/greenlight/greenlight/internal/traffic"
	"github.com/greenlight/greenlight/internal/traffic/traffictest"
)

var (
	blueOnly = traffic.Alias{Version: "3", Weights: map[string]float64{}}
	split    = traffic.Alias{Version: "3", Weights: map[string]float64{"4": 0.05}}
)

func TestHandle(t *testing.T) {
	tests := []struct {
		name          string
		state         func(*release.State)
		aliases       map[string]traffic.Alias
		wantLive      *traffic.Alias
		wantCandidate *traffic.Alias
		// lockGone: the lock record was deleted by hand and nobody took
		// it; rollback takes it back (unlock releases it afterwards).
		lockGone bool
	}{
		{"during a shift", func(*release.State) {},
			map[string]traffic.Alias{"live": split, "green": {Version: "4"}}, &blueOnly, &blueOnly, false},
		{"after promote", func(*release.State) {},
			map[string]traffic.Alias{"live": {Version: "4"}, "green": {Version: "4"}}, &blueOnly, &blueOnly, false},
		{"deploy failed before returning its state", func(s *release.State) { *s = release.State{Phase: release.PhaseLocked} },
			map[string]traffic.Alias{"live": {Version: "3"}, "green": {Version: "4"}}, &traffic.Alias{Version: "3"}, &blueOnly, false},
		{"first release before live exists", func(s *release.State) { s.FirstRelease, s.Blue = true, "" },
			map[string]traffic.Alias{"green": {Version: "4"}}, nil, &traffic.Alias{Version: "4"}, false},
		{"no candidate alias", func(*release.State) {},
			map[string]traffic.Alias{"live": split}, &blueOnly, nil, false},
		{"lock deleted by hand during a shift", func(*release.State) {},
			map[string]traffic.Alias{"live": split, "green": {Version: "4"}}, &blueOnly, &blueOnly, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := releasetest.Load(t)
			tt.state(&d.State)
			b := ledgertest.NewBucket()
			if !tt.lockGone {
				b.Put(t, ledger.Record{Function: "orders", ExecutionARN: d.ExecutionARN, Weight: 0.05})
			}
			a := traffictest.New(tt.aliases)
			h := &Handler{Lambda: a, Ledger: &ledger.Ledger{S3: b, Bucket: "artifacts"}}
			got, err := h.Handle(context.Background(), d)
			if err != nil {
				t.Fatal(err)
			}
			calls := len(a.Calls)
			if _, err := h.Handle(context.Background(), got); err != nil {
				t.Fatal(err)
			}
			for _, c := range a.Calls[calls:] {
				if c != "GetAlias" {
					t.Errorf("second rollback called %s; it should find nothing to do", c)
				}
			}
			for name, want := range map[string]*traffic.Alias{"live": tt.wantLive, "green": tt.wantCandidate} {
				alias, ok := a.Alias(name)
				if want == nil {
					if ok {
						t.Errorf("%s alias exists: %+v", name, alias)
					}
				} else if !reflect.DeepEqual(alias, *want) {
					t.Errorf("%s = %+v, want %+v", name, alias, *want)
				}
			}
			if got.State.Phase != release.PhaseRolledBack || got.State.Weight != 0 {
				t.Errorf("state = %+v", got.State)
			}
			if rec, _ := b.Record(t, "orders"); rec.Phase != release.PhaseRolledBack || rec.Weight != 0 || rec.ExecutionARN != d.ExecutionARN {
				t.Errorf("lock record = %+v", rec)
			}
		})
	}
}

func TestHandleFails(t *testing.T) {
	tests := []struct {
		name      string
		setup     func(*release.Document, *traffictest.Aliases)
		aliases   map[string]traffic.Alias
		wantCause any
	}{
		{"first release already live on green", func(d *release.Document, _ *traffictest.Aliases) { d.State.FirstRelease, d.State.Blue = true, "" },
			map[string]traffic.Alias{"live": {Version: "4"}}, new(*failure.OperationError)},
		{"throttled", func(_ *release.Document, a *traffictest.Aliases) {
			a.Errs["UpdateAlias"] = &lambdatypes.TooManyRequestsException{}
		},
			map[string]traffic.Alias{"live": split}, new(*failure.ThrottledError)},
		{"conflict", func(_ *release.Document, a *traffictest.Aliases) {
			a.Errs["GetAlias"] = &lambdatypes.ResourceConflictException{}
		},
			map[string]traffic.Alias{"live": split}, new(*failure.ConflictError)},
		{"blue version deleted", func(_ *release.Document, a *traffictest.Aliases) {
			a.Errs["UpdateAlias"] = &lambdatypes.ResourceNotFoundException{}
		},
			map[string]traffic.Alias{"live": split}, new(*failure.OperationError)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := releasetest.Load(t)
			a := traffictest.New(tt.aliases)
			tt.setup(d, a)
			b := ledgertest.NewBucket()
			b.Put(t, ledger.Record{Function: "orders", ExecutionARN: d.ExecutionARN})
			_, err := (&Handler{Lambda: a, Ledger: &ledger.Ledger{S3: b, Bucket: "artifacts"}}).Handle(context.Background(), d)
			var rf *failure.RollbackFailedError
			if !errors.As(err, &rf) {
				t.Fatalf("error = %v (%T), want a RollbackFailedError", err, err)
			}
			if !errors.As(rf.Err, tt.wantCause) {
				t.Errorf("cause = %v (%T), want %T", rf.Err, rf.Err, tt.wantCause)
			}
		})
	}
}

// A release that lost its lock, or whose live alias someone else changed,
// moves no traffic: it stops and says why.
func TestHandleStops(t *testing.T) {
	tests := []struct {
		name  string
		lock  string // the lock holder; "" for none
		live  traffic.Alias
		cause string // the Cause of the error that led to rollback
		want  string
	}{
		{"lock gone after a later release came and went", "", traffic.Alias{Version: "9"}, "", "this release did not set"},
		{"lock gone after a later release of the same code", "", traffic.Alias{Version: "4"}, "", "lock of orders was lost and live serves version 4"},
		{"lock gone and live split otherwise", "", traffic.Alias{Version: "3", Weights: map[string]float64{"4": 0.5}}, "", "not where this release left it"},
		{"lock taken by a later release", "arn:later", traffic.Alias{Version: "9"}, "", "lock of orders is taken by another release"},
		{"lock taken by a later release, live untouched yet", "arn:later", split, "", "lock of orders is taken by another release"},
		{"live changed by an operator", "self", traffic.Alias{Version: "3", Weights: map[string]float64{"4": 0.5}},
			`{"errorMessage":"release halted by outside change: the live alias orders:live was changed","errorType":"HaltedError"}`, "changed outside greenlight"},
		{"live on a version this release never set", "self", traffic.Alias{Version: "7"}, "", "this release did not set"},
		{"live weighted to another version", "self", traffic.Alias{Version: "3", Weights: map[string]float64{"7": 0.5}}, "", "this release did not set"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := releasetest.Load(t)
			if tt.cause != "" {
				d.Error = &release.TaskError{Error: failure.NameHalted, Cause: tt.cause}
			}
			b := ledgertest.NewBucket()
			switch tt.lock {
			case "self":
				b.Put(t, ledger.Record{Function: "orders", ExecutionARN: d.ExecutionARN})
			case "":
			default:
				b.Put(t, ledger.Record{Function: "orders", ExecutionARN: tt.lock})
			}
			a := traffictest.New(map[string]traffic.Alias{"live": tt.live, "green": {Version: "4"}})
			got, err := (&Handler{Lambda: a, Ledger: &ledger.Ledger{S3: b, Bucket: "artifacts"}}).Handle(context.Background(), d)
			if err != nil {
				t.Fatal(err)
			}
			if got.State.Phase != release.PhaseStopped || !strings.Contains(got.State.Stopped, tt.want) {
				t.Errorf("phase %s, stopped %q; want stopped mentioning %q", got.State.Phase, got.State.Stopped, tt.want)
			}
			for _, c := range a.Calls {
				if c != "GetAlias" {
					t.Errorf("a stopped rollback called %s", c)
				}
			}
			if live, _ := a.Alias("live"); !reflect.DeepEqual(live, tt.live) {
				t.Errorf("live = %+v, want it left at %+v", live, tt.live)
			}
		})
	}
}
