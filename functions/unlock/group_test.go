package main

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"

	cwtypes "github.com/aws/aws-sdk-go-v2/service/cloudwatch/types"

	"github.com/greenlight/greenlight/internal/drift/drifttest"
	"github.com/greenlight/greenlight/internal/failure"
	"github.com/greenlight/greenlight/internal/ledger"
	"github.com/greenlight/greenlight/internal/ledger/ledgertest"
	"github.com/greenlight/greenlight/internal/release/releasetest"
)

// TestGroupUnlockGoesOnAfterAMemberFails: every member is cleaned up and
// its lock released, even after another member's cleanup failed; the
// failing member keeps its lock for the retry, and the first failure in
// member order is returned, naming its member.
func TestGroupUnlockGoesOnAfterAMemberFails(t *testing.T) {
	tests := []struct {
		name    string
		failing []string // members whose release alarm cannot be deleted
		wantErr string   // the member the error names
	}{
		{name: "every member cleaned up"},
		{name: "one member fails", failing: []string{"shop-worker"}, wantErr: "shop-worker"},
		{name: "two members fail", failing: []string{"shop-worker", "shop-api"}, wantErr: "shop-api"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := releasetest.Group(t)
			b := ledgertest.NewBucket()
			b.Hold(t, d)
			cw := &fakeAlarms{errs: map[string]error{}}
			for _, m := range d.Members {
				if slices.Contains(tt.failing, m.Function) {
					cw.errs[m.State.ReleaseAlarm] = &cwtypes.LimitExceededFault{}
				}
			}
			l := &ledger.Ledger{S3: b, Bucket: "artifacts"}
			_, err := (&Handler{Ledger: l, CloudWatch: cw, Lambda: drifttest.FleetOf(d)}).Handle(context.Background(), d)
			if tt.wantErr == "" {
				if err != nil {
					t.Fatal(err)
				}
			} else if !errors.As(err, new(*failure.OperationError)) || !strings.HasPrefix(err.Error(), tt.wantErr+": delete alarm ") {
				t.Fatalf("error = %v (%T), want the OperationError of %s", err, err, tt.wantErr)
			}
			for _, fn := range d.Functions {
				failed := slices.Contains(tt.failing, fn)
				if _, kept := b.Record(t, fn); kept != failed {
					t.Errorf("%s lock kept = %v, want %v", fn, kept, failed)
				}
				if _, left, err := l.LeftOf(context.Background(), fn); err != nil || left == failed {
					t.Errorf("%s: what the release left recorded = %v (%v), want %v", fn, left, err, !failed)
				}
			}
		})
	}
}
