package drift_test

import (
	"context"
	"errors"
	"reflect"
	"strings"
	"testing"

	lambdatypes "github.com/aws/aws-sdk-go-v2/service/lambda/types"
	"github.com/aws/smithy-go"

	"github.com/greenlight/greenlight/internal/drift"
	"github.com/greenlight/greenlight/internal/drift/drifttest"
	"github.com/greenlight/greenlight/internal/failure"
	"github.com/greenlight/greenlight/internal/ledger"
	"github.com/greenlight/greenlight/internal/ledger/ledgertest"
	"github.com/greenlight/greenlight/internal/release"
	"github.com/greenlight/greenlight/internal/traffic"
)

const releaseID = "orders-2026-11-22T10-00-00Z"

func left(change func(*drift.State)) drift.Left {
	l := drift.Left{Function: "orders", ReleaseID: releaseID, State: drift.State{
		LiveAlias: "live", Version: "5", CodeSHA256: "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG=",
		Configuration: release.FunctionConfig{MemorySize: 512, Environment: map[string]string{"FOO": "a", "API_KEY": "s1"}},
	}}
	if change != nil {
		change(&l.State)
	}
	return l
}

func TestCompare(t *testing.T) {
	tests := []struct {
		name string
		left drift.Left
		now  func(*drift.State)
		want []string
	}{
		{"as left", left(nil), nil, nil},
		{"live pointed by hand", left(nil), func(s *drift.State) { s.Version = "7" },
			[]string{"live alias live of orders serves version 7, the last release (" + releaseID + ") left it on 5"}},
		{"live split by hand", left(nil), func(s *drift.State) { s.Weights = map[string]float64{"8": 0.1} },
			[]string{"live alias live routes 10 % to version 8 besides 5"}},
		{"split left, collapsed by hand", left(func(s *drift.State) { s.Weights = map[string]float64{"6": 0.25} }), nil,
			[]string{"live alias live no longer routes 25 % to version 6, as the last release (" + releaseID + ") left it"}},
		{"live deleted", left(nil), func(s *drift.State) { s.Version = "" },
			[]string{"live alias live of orders is gone, the last release (" + releaseID + ") left it on version 5"}},
		{"live created", left(func(s *drift.State) { s.Version = "" }), func(s *drift.State) { s.Version = "1" },
			[]string{"live alias live of orders was created outside greenlight on version 1, the last release (" + releaseID + ") left none"}},
		{"another live alias is not compared", left(nil), func(s *drift.State) { s.LiveAlias, s.Version = "prod", "9" }, nil},
		{"code", left(nil), func(s *drift.State) { s.CodeSHA256 = "ZYXWVUTSRQPONMLKJIHGFEDCBA9876543210zyxwvut=" },
			[]string{"$LATEST code changed outside greenlight (sha256 abcdefghij… → ZYXWVUTSRQ…)"}},
		{"configuration, secrets masked", left(nil), func(s *drift.State) {
			s.Configuration = release.FunctionConfig{MemorySize: 1024, Environment: map[string]string{"FOO": "b", "API_KEY": "s2", "NEW": "x"}}
		}, []string{"$LATEST configuration changed outside greenlight: environment.API_KEY: **** → ****, environment.FOO: a → b, environment.NEW: (unset) → x, memorySize: 512 → 1024"}},
		{"everything", left(nil), func(s *drift.State) {
			s.Version, s.CodeSHA256, s.Configuration.Timeout = "7", "new", 30
		}, []string{
			"live alias live of orders serves version 7, the last release (" + releaseID + ") left it on 5",
			"$LATEST code changed outside greenlight (sha256 abcdefghij… → new)",
			"$LATEST configuration changed outside greenlight: timeout: (unset) → 30",
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			now := left(tt.now).State
			if got := drift.Compare(tt.left, now); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("Compare =\n%q\nwant\n%q", got, tt.want)
			}
		})
	}
}

var (
	throttled    = &smithy.GenericAPIError{Code: "ThrottlingException"}
	accessDenied = &smithy.GenericAPIError{Code: "AccessDeniedException", Message: "not authorized"}
)

// function is orders as left(nil) describes it.
func function() *drifttest.Function {
	l := left(nil)
	f := drifttest.New(map[string]traffic.Alias{"live": {Version: "5"}}, l.CodeSHA256, l.Configuration.Environment)
	f.MemorySize = 512
	return f
}

func TestCheck(t *testing.T) {
	tests := []struct {
		name      string
		noRecord  bool
		change    func(*drifttest.Function, *ledgertest.Bucket)
		want      []string
		unchecked bool
		wantErr   bool
	}{
		{name: "as left"},
		{name: "first release with greenlight", noRecord: true, change: func(f *drifttest.Function, _ *ledgertest.Bucket) { f.CodeSHA256 = "other" }},
		{name: "changed", change: func(f *drifttest.Function, _ *ledgertest.Bucket) { f.MemorySize = 1024 },
			want: []string{"$LATEST configuration changed outside greenlight: memorySize: 512 → 1024"}},
		{name: "ledger throttled", change: func(_ *drifttest.Function, b *ledgertest.Bucket) { b.Err = throttled }, wantErr: true},
		{name: "ledger refuses", change: func(_ *drifttest.Function, b *ledgertest.Bucket) { b.Err = accessDenied }, unchecked: true},
		{name: "alias throttled", change: func(f *drifttest.Function, _ *ledgertest.Bucket) { f.Errs["GetAlias"] = throttled }, wantErr: true},
		{name: "$LATEST refused", change: func(f *drifttest.Function, _ *ledgertest.Bucket) { f.LatestErr = accessDenied }, unchecked: true},
		{name: "function deleted", change: func(f *drifttest.Function, _ *ledgertest.Bucket) {
			f.LatestErr = &lambdatypes.ResourceNotFoundException{}
		}, unchecked: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx := context.Background()
			b := ledgertest.NewBucket()
			l := &ledger.Ledger{S3: b, Bucket: "artifacts"}
			if !tt.noRecord {
				if err := l.RecordLeft(ctx, left(nil)); err != nil {
					t.Fatal(err)
				}
			}
			f := function()
			if tt.change != nil {
				tt.change(f, b)
			}
			got, err := drift.Check(ctx, f, l, "orders", "live")
			switch {
			case tt.wantErr:
				if !errors.As(err, new(*failure.ThrottledError)) {
					t.Fatalf("error = %v (%T), want a *failure.ThrottledError", err, err)
				}
			case err != nil:
				t.Fatal(err)
			case tt.unchecked:
				if len(got) != 1 || !strings.HasPrefix(got[0], drift.Unchecked+": ") {
					t.Errorf("Check = %q, want one sentence that drift was not checked", got)
				}
			case !reflect.DeepEqual(got, tt.want):
				t.Errorf("Check = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestLeave(t *testing.T) {
	tests := []struct {
		name      string
		err       func(*drifttest.Function)
		wantErr   bool
		wantLeft  bool // the record is this release's
		forgotten bool // the earlier release's record is gone
	}{
		{name: "recorded", wantLeft: true},
		{name: "throttled: retried, earlier record kept", err: func(f *drifttest.Function) { f.Errs["GetAlias"] = throttled }, wantErr: true},
		{name: "refused: earlier record forgotten", err: func(f *drifttest.Function) { f.LatestErr = accessDenied }, forgotten: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx := context.Background()
			l := &ledger.Ledger{S3: ledgertest.NewBucket(), Bucket: "artifacts"}
			earlier := left(nil)
			earlier.ReleaseID = "orders-earlier"
			if err := l.RecordLeft(ctx, earlier); err != nil {
				t.Fatal(err)
			}
			f := function()
			if tt.err != nil {
				tt.err(f)
			}
			f.CodeSHA256 = "green"
			this := drift.Left{Function: "orders", ReleaseID: releaseID, ExecutionARN: "arn:x", State: drift.State{LiveAlias: "live"}}
			for range 2 { // safe to repeat
				err := drift.Leave(ctx, f, l, this)
				if tt.wantErr != errors.As(err, new(*failure.ThrottledError)) || !tt.wantErr && err != nil {
					t.Fatalf("error = %v (%T)", err, err)
				}
			}
			got, ok, err := l.LeftOf(ctx, "orders")
			if err != nil {
				t.Fatal(err)
			}
			switch {
			case tt.forgotten:
				if ok {
					t.Errorf("record = %+v, want none", got)
				}
			case tt.wantLeft:
				if got.ReleaseID != releaseID || got.ExecutionARN != "arn:x" || got.Version != "5" || got.CodeSHA256 != "green" ||
					got.Configuration.MemorySize != 512 || got.At.IsZero() {
					t.Errorf("record = %+v", got)
				}
			default:
				if got.ReleaseID != "orders-earlier" {
					t.Errorf("record = %+v, want the earlier release's", got)
				}
			}
		})
	}
}
