package ledger_test

import (
	"context"
	"errors"
	"reflect"
	"testing"

	"github.com/aws/smithy-go"

	"github.com/greenlight/greenlight/internal/drift"
	"github.com/greenlight/greenlight/internal/failure"
	"github.com/greenlight/greenlight/internal/ledger/ledgertest"
	"github.com/greenlight/greenlight/internal/release"
)

func TestLeft(t *testing.T) {
	ctx := context.Background()
	b := ledgertest.NewBucket()
	l := newLedger(b, nil)
	if _, ok, err := l.LeftOf(ctx, "orders"); ok || err != nil {
		t.Fatalf("LeftOf before any release = %v, %v; want none", ok, err)
	}
	want := drift.Left{Function: "orders", ReleaseID: "orders-42", ExecutionARN: mine, State: drift.State{
		LiveAlias: "live", Version: "4", Weights: map[string]float64{"5": 0.1}, CodeSHA256: "sha",
		Configuration: release.FunctionConfig{MemorySize: 256, Environment: map[string]string{"A": "b"}, Logging: release.Logging{LogFormat: "JSON"}},
	}}
	if err := l.RecordLeft(ctx, want); err != nil {
		t.Fatal(err)
	}
	want.At = now
	got, ok, err := l.LeftOf(ctx, "orders")
	if err != nil || !ok || !reflect.DeepEqual(got, want) {
		t.Errorf("LeftOf = %+v, %v, %v; want %+v", got, ok, err, want)
	}
	for range 2 { // forgetting what is gone does nothing
		if err := l.ForgetLeft(ctx, "orders"); err != nil {
			t.Fatal(err)
		}
	}
	if _, ok, _ := l.LeftOf(ctx, "orders"); ok {
		t.Error("record kept after ForgetLeft")
	}
	b.Err = &smithy.GenericAPIError{Code: "SlowDown"}
	if _, _, err := l.LeftOf(ctx, "orders"); !errors.As(err, new(*failure.ThrottledError)) {
		t.Errorf("LeftOf on a throttled bucket: %v (%T), want a *failure.ThrottledError", err, err)
	}
	if err := l.RecordLeft(ctx, want); !errors.As(err, new(*failure.ThrottledError)) {
		t.Errorf("RecordLeft on a throttled bucket: %v (%T), want a *failure.ThrottledError", err, err)
	}
}
