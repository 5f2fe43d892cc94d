package testenv

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
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

func TestAWSCLIs(t *testing.T) {
	_, err := os.Stat(DebianAWSCLI)
	debian := err == nil
	tests := []struct {
		name   string
		script string // the aws on PATH
		want   bool   // it is among the CLIs
	}{
		{"runs", "#!/bin/sh\necho aws-cli/9.9.9 Python/3.11 Linux\n", true},
		{"does not run", "#!/bin/sh\necho 'pyenv: aws: command not found' >&2\nexit 127\n", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			fake := filepath.Join(dir, "aws")
			if err := os.WriteFile(fake, []byte(tt.script), 0o755); err != nil {
				t.Fatal(err)
			}
			t.Setenv("PATH", dir)
			t.Setenv(CIVar, "")
			summary = io.Discard
			t.Cleanup(func() { summary = os.Stdout })
			r := &recorder{TB: t}
			clis := AWSCLIs(r)
			found := slices.Contains(clis, AWSCLI{Path: fake, Version: "9.9.9"})
			if found != tt.want {
				t.Errorf("AWSCLIs() = %+v: the aws on PATH is there: %v, want %v", clis, found, tt.want)
			}
			if debian && (len(clis) == 0 || clis[0].Path != DebianAWSCLI) {
				t.Errorf("AWSCLIs() = %+v, want Debian's first", clis)
			}
			wantSkip := !debian && !tt.want
			if (r.skip != "") != wantSkip || r.fatal != "" {
				t.Errorf("skipped %q, failed %q; want a skip: %v", r.skip, r.fatal, wantSkip)
			}
		})
	}
}
