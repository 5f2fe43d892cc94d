// Package testenv decides what a test of the local cloud does when something
// it needs from outside the module is not there: the recorded conformance
// cases, the AWS CLI. On a developer's machine the test is skipped with a line
// that says what did not run and why; in continuous integration (CI=true),
// where .ci/run installs all of it, the test fails instead, so that a missing
// prerequisite cannot pass for a green run.
//
// cmd/internal/testenv is its twin for the cmd module, which cannot import
// this internal package.
package testenv

import (
	"fmt"
	"io"
	"os"
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
