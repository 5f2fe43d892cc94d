package traffic

import (
	"context"
	"reflect"
	"testing"

	"github.com/greenlight/greenlight/internal/ledger"
	"github.com/greenlight/greenlight/internal/ledger/ledgertest"
	"github.com/greenlight/greenlight/internal/release"
)

func TestRetract(t *testing.T) {
	moved := Alias{Version: "3", Weights: map[string]float64{"4": 0.1}}
	tests := []struct {
		name     string
		holder   string // the lock's holder when Retract runs; "" for none
		live     Alias
		first    bool
		wantLive Alias
		wantLock string // the holder afterwards
	}{
		{"lock free, live as moved: blue restored", "", moved, false, Alias{Version: "3", Weights: map[string]float64{}}, ""},
		{"lock free, live moved since: left", "", Alias{Version: "9"}, false, Alias{Version: "9"}, ""},
		{"another release holds the lock: left", "arn:later", moved, false, moved, "arn:later"},
		{"a first release has no blue", "", Alias{Version: "4"}, true, Alias{Version: "4"}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := &release.Document{Function: "orders", LiveAlias: "live", ExecutionARN: "arn:mine",
				State: release.State{Blue: "3", Green: "4", FirstRelease: tt.first}}
			if tt.first {
				d.State.Blue = ""
			}
			b := ledgertest.NewBucket()
			if tt.holder != "" {
				b.Put(t, ledger.Record{Function: d.Function, ExecutionARN: tt.holder})
			}
			a := &fakeAliases{aliases: map[string]Alias{d.LiveAlias: tt.live}}
			if err := Retract(context.Background(), a, &ledger.Ledger{S3: b, Bucket: "artifacts"}, d, moved); err != nil {
				t.Fatal(err)
			}
			if got := a.aliases[d.LiveAlias]; !reflect.DeepEqual(got, tt.wantLive) {
				t.Errorf("live = %+v, want %+v", got, tt.wantLive)
			}
			r, ok := b.Record(t, d.Function)
			if holder := map[bool]string{true: r.ExecutionARN}[ok]; holder != tt.wantLock {
				t.Errorf("lock held by %q, want %q", holder, tt.wantLock)
			}
		})
	}
}
