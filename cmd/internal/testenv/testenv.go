// Package testenv decides what a test of the programs does when something it
// needs from outside the module is not there: the synthesized stack (cdk.out),
// the AWS CLI, zip. On a developer's machine the test is skipped with a line
// that says what did not run and why; in continuous integration (CI=true),
// where .ci/run and make provide all of it, the test fails instead, so that a
// missing prerequisite cannot pass for a green run.
//
// localcloud/internal/testenv is its twin for the local cloud's module, which
// cannot import this internal package.
package testenv

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"testing"
)

// CIVar is the environment variable that CI services set to "true".
const CIVar = "CI"

// summary is where the "skipped: " lines go.
var summary io.Writer = os.Stdout

// InCI reports whether the tests run in continuous integration: CI holds a
// true value ("true", "1", ...).
func InCI() bool {
	ci, err := strconv.ParseBool(os.Getenv(CIVar))
	return err == nil && ci
}

// Missing ends the test because something it needs is missing; the message
// says what and how to get it. In CI the test fails; elsewhere it is skipped,
// and a "skipped: " summary line goes to standard output as well, which the
// Makefile's test summaries show beside the counts.
func Missing(t testing.TB, format string, args ...any) {
	t.Helper()
	msg := fmt.Sprintf(format, args...)
	if InCI() {
		t.Fatalf("%s (%s=%s: a missing prerequisite fails the test)", msg, CIVar, os.Getenv(CIVar))
		return // Fatalf does not return; a fake testing.TB may
	}
	fmt.Fprintf(summary, "skipped: test=%s %s\n", t.Name(), msg)
	t.Skipf("NOT RUN: %s (with %s=true this fails)", msg, CIVar)
}

// Assembly returns dir, made absolute, when it holds a synthesized cloud
// assembly (its manifest.json); otherwise it ends the test with Missing.
func Assembly(t testing.TB, dir string) string {
	t.Helper()
	abs, err := filepath.Abs(dir)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(abs, "manifest.json")); err != nil {
		Missing(t, "no synthesized stack at %s (%v): run `make synth-local` (make e2e does)", abs, err)
	}
	return abs
}
