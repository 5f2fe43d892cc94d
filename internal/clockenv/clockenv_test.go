package clockenv

import (
	"strings"
	"testing"
	"time"
)

func TestFromEnv(t *testing.T) {
	origin := time.Now().Add(-10 * time.Second)
	tests := []struct {
		name string
		env  []string
		// wantAhead is roughly how far ahead of the wall clock the result is.
		wantAhead time.Duration
	}{
		{name: "unset: wall clock", env: nil},
		{name: "scale 60 for ten seconds", env: Env(60, origin), wantAhead: 590 * time.Second},
		{name: "scale 1", env: Env(1, origin)},
		{name: "bad scale", env: []string{ScaleVar + "=fast", OriginVar + "=1"}},
		{name: "bad origin", env: []string{ScaleVar + "=60", OriginVar + "=yesterday"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			vars := map[string]string{}
			for _, kv := range tt.env {
				k, v, _ := strings.Cut(kv, "=")
				vars[k] = v
			}
			now := FromEnv(func(k string) string { return vars[k] })
			ahead := time.Until(now())
			if d := ahead - tt.wantAhead; d < -2*time.Second || d > 2*time.Second {
				t.Errorf("clock is %v ahead of the wall clock, want about %v", ahead, tt.wantAhead)
			}
		})
	}
}
