package main

import (
	"context"
	"errors"
	"reflect"
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

func TestHandle(t *testing.T) {
	tests := []struct {
		name    string
		aliases map[string]traffic.Alias
		first   bool
	}{
		{"shifting release", map[string]traffic.Alias{"live": {Version: "3", Weights: map[string]float64{"4": 0.25}}}, false},
		{"already promoted", map[string]traffic.Alias{"live": {Version: "4", Weights: map[string]float64{}}}, false},
		{"first release creates live", map[string]traffic.Alias{"green": {Version: "4"}}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := releasetest.Load(t)
			d.State.FirstRelease = tt.first
			b := ledgertest.NewBucket()
			b.Put(t, ledger.Record{Function: "orders", ExecutionARN: d.ExecutionARN})
			a := traffictest.New(tt.aliases)
			h := &Handler{Lambda: a, Ledger: &ledger.Ledger{S3: b, Bucket: "artifacts"}}
			for range 2 { // idempotent
				got, err := h.Handle(context.Background(), d)
				if err != nil {
					t.Fatal(err)
				}
				if got.State.Phase != release.PhasePromoted || got.State.Weight != 1 {
					t.Errorf("state = %+v", got.State)
				}
			}
			live, _ := a.Alias("live")
			if live.Version != "4" || len(live.Weights) != 0 {
				t.Errorf("live = %+v, want green 4 at 100 %%", live)
			}
			if rec, _ := b.Record(t, "orders"); rec.Phase != release.PhasePromoted {
				t.Errorf("lock record phase = %s", rec.Phase)
			}
		})
	}
}

func TestHandleErrors(t *testing.T) {
	tests := []struct {
		name     string
		halt     bool
		aliasErr error
		wantErr  any
	}{
		{"halted since the last verify", true, nil, new(*failure.HaltedError)},
		{"conflict", false, &lambdatypes.ResourceConflictException{}, new(*failure.ConflictError)},
		{"throttled", false, &lambdatypes.TooManyRequestsException{}, new(*failure.ThrottledError)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := releasetest.Load(t)
			b := ledgertest.NewBucket()
			rec := ledger.Record{Function: "orders", ExecutionARN: d.ExecutionARN}
			if tt.halt {
				rec.Halt = &ledger.Action{Reason: "operator", By: "cli"}
			}
			b.Put(t, rec)
			want := traffic.Alias{Version: "3", Weights: map[string]float64{"4": 0.25}}
			a := traffictest.New(map[string]traffic.Alias{"live": want})
			a.Errs["UpdateAlias"] = tt.aliasErr
			_, err := (&Handler{Lambda: a, Ledger: &ledger.Ledger{S3: b, Bucket: "artifacts"}}).Handle(context.Background(), d)
			if !errors.As(err, tt.wantErr) {
				t.Fatalf("error = %v (%T), want %T", err, err, tt.wantErr)
			}
			if live, _ := a.Alias("live"); !reflect.DeepEqual(live, want) {
				t.Errorf("live changed to %+v", live)
			}
		})
	}
}

// haltingLedger halts the release of function halted while promote moves
// its live alias, as the guard would when green's alarm fires at that
// moment.
type haltingLedger struct {
	*ledger.Ledger
	halted string
}

func (l haltingLedger) Update(ctx context.Context, fn, arn string, change func(*ledger.Record)) (ledger.Record, error) {
	if fn == l.halted {
		if _, err := l.Halt(ctx, fn, ledger.Action{Reason: fn + "-5xx is ALARM", By: "guard"}); err != nil {
			return ledger.Record{}, err
		}
	}
	return l.Ledger.Update(ctx, fn, arn, change)
}

func TestHaltDuringPromoteRestoresBlue(t *testing.T) {
	d := releasetest.Load(t)
	b := ledgertest.NewBucket()
	b.Put(t, ledger.Record{Function: "orders", ExecutionARN: d.ExecutionARN, Phase: release.PhaseShifting, Weight: 0.25})
	a := traffictest.New(map[string]traffic.Alias{"live": {Version: "3", Weights: map[string]float64{"4": 0.25}}})
	h := &Handler{Lambda: a, Ledger: haltingLedger{&ledger.Ledger{S3: b, Bucket: "artifacts"}, "orders"}}
	_, err := h.Handle(context.Background(), d)
	var he *failure.HaltedError
	if !errors.As(err, &he) || he.By != "guard" {
		t.Fatalf("error = %v, want the guard's halt", err)
	}
	if live, _ := a.Alias("live"); live.Version != "3" || len(live.Weights) != 0 {
		t.Errorf("live = %+v, want blue 3 at 100 %%", live)
	}
	if rec, _ := b.Record(t, "orders"); rec.Phase == release.PhasePromoted {
		t.Errorf("lock record says promoted on a halted release")
	}
}
