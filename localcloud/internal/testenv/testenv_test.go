package testenv

import (
	"bytes"
	"fmt"
	"os"
	"strings"
	"testing"
)

// recorder is a testing.TB that records how a test was ended instead of
// ending it.
type recorder struct {
	testing.TB
	fatal, skip string
}

func (r *recorder) Helper()      {}
func (r *recorder) Name() string { return "TestNeedsCases" }
func (r *recorder) Fatalf(format string, args ...any) {
	r.fatal = fmt.Sprintf(format, args...)
}
func (r *recorder) Skipf(format string, args ...any) {
	r.skip = fmt.Sprintf(format, args...)
}

func TestMissing(t *testing.T) {
	tests := []struct {
		ci   string
		fail bool
	}{
		{"", false},
		{"false", false},
		{"0", false},
		{"yes", false}, // not a boolean: not CI
		{"true", true},
		{"TRUE", true},
		{"1", true},
	}
	for _, tt := range tests {
		t.Run("CI="+tt.ci, func(t *testing.T) {
			t.Setenv(CIVar, tt.ci)
			if got := InCI(); got != tt.fail {
				t.Errorf("InCI() = %v, want %v", got, tt.fail)
			}
			var lines bytes.Buffer
			summary = &lines
			t.Cleanup(func() { summary = os.Stdout })
			r := &recorder{TB: t}
			Missing(r, "no cases in %s", "/nowhere")
			ended, other := r.skip, r.fatal
			if tt.fail {
				ended, other = r.fatal, r.skip
			}
			if !strings.Contains(ended, "no cases in /nowhere") {
				t.Errorf("fail=%v: the test ended with %q, want the message", tt.fail, ended)
			}
			if other != "" {
				t.Errorf("fail=%v: the test was also ended with %q", tt.fail, other)
			}
			wantLine := "skipped: test=TestNeedsCases no cases in /nowhere\n"
			if tt.fail {
				wantLine = ""
			}
			if lines.String() != wantLine {
				t.Errorf("fail=%v: summary %q, want %q", tt.fail, lines.String(), wantLine)
			}
		})
	}
}
