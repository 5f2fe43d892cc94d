package testenv

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
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
func (r *recorder) Name() string { return "TestNeedsStack" }
func (r *recorder) Fatalf(format string, args ...any) {
	r.fatal = fmt.Sprintf(format, args...)
}
func (r *recorder) Skipf(format string, args ...any) {
	r.skip = fmt.Sprintf(format, args...)
}

// captureSummary sends the "skipped: " lines to a buffer for the test.
func captureSummary(t *testing.T) *bytes.Buffer {
	var lines bytes.Buffer
	summary = &lines
	t.Cleanup(func() { summary = os.Stdout })
	return &lines
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
			lines := captureSummary(t)
			r := &recorder{TB: t}
			Missing(r, "no stack at %s", "/nowhere")
			ended, other := r.skip, r.fatal
			if tt.fail {
				ended, other = r.fatal, r.skip
			}
			if !strings.Contains(ended, "no stack at /nowhere") {
				t.Errorf("fail=%v: the test ended with %q, want the message", tt.fail, ended)
			}
			if other != "" {
				t.Errorf("fail=%v: the test was also ended with %q", tt.fail, other)
			}
			wantLine := "skipped: test=TestNeedsStack no stack at /nowhere\n"
			if tt.fail {
				wantLine = ""
			}
			if lines.String() != wantLine {
				t.Errorf("fail=%v: summary %q, want %q", tt.fail, lines.String(), wantLine)
			}
		})
	}
}

func TestAssembly(t *testing.T) {
	stack := t.TempDir()
	if err := os.WriteFile(filepath.Join(stack, "manifest.json"), []byte(`{"version":"48.0.0"}`), 0o644); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name  string
		dir   string
		found bool
	}{
		{"synthesized", stack, true},
		{"empty folder", t.TempDir(), false},
		{"no folder", filepath.Join(stack, "missing"), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Setenv(CIVar, "")
			captureSummary(t)
			r := &recorder{TB: t}
			if got := Assembly(r, tt.dir); got != tt.dir {
				t.Errorf("Assembly(%s) = %s", tt.dir, got)
			}
			if r.fatal != "" || (r.skip == "") == !tt.found {
				t.Errorf("skipped %q, failed %q; want a skip: %v", r.skip, r.fatal, !tt.found)
			}
			if !tt.found && !strings.Contains(r.skip, "make synth-local") {
				t.Errorf("the skip %q does not say how to make the stack", r.skip)
			}
		})
	}
}
