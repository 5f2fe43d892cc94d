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
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
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

// DebianAWSCLI is where Debian's awscli package installs the AWS CLI: the
// client the local cloud is held to (an older CLI v2, which speaks the query
// protocols), and the one .ci/run installs.
const DebianAWSCLI = "/usr/bin/aws"

// AWSCLI is an AWS CLI that runs.
type AWSCLI struct {
	Path    string
	Version string // from `aws --version`: 2.9.19 for aws-cli/2.9.19
}

// AWSCLIs returns the AWS CLIs to test with: Debian's first, then the aws on
// PATH when it is another program (a newer CLI speaks newer protocols); a
// program that does not answer --version does not count. Without Debian's,
// the test ends with Missing in CI, or when there is no other CLI either;
// elsewhere it goes on with the other one and logs that Debian's was not
// tried.
func AWSCLIs(t testing.TB) []AWSCLI {
	t.Helper()
	var clis []AWSCLI
	seen := map[string]bool{}
	candidates := []string{DebianAWSCLI}
	if p, err := exec.LookPath("aws"); err == nil {
		candidates = append(candidates, p)
	}
	debian := "not installed"
	for _, c := range candidates {
		real, err := filepath.EvalSymlinks(c)
		if err != nil || seen[real] {
			continue
		}
		seen[real] = true
		out, err := exec.Command(c, "--version").CombinedOutput()
		version := strings.Fields(string(out))
		if err != nil || len(version) == 0 {
			t.Logf("%s does not run: %v: %s", c, err, out)
			if c == DebianAWSCLI {
				debian = "installed but does not run"
			}
			continue
		}
		clis = append(clis, AWSCLI{Path: c, Version: strings.TrimPrefix(version[0], "aws-cli/")})
	}
	if len(clis) == 0 || clis[0].Path != DebianAWSCLI {
		msg := fmt.Sprintf("Debian's AWS CLI is %s at %s (apt-get install awscli; .ci/run does)", debian, DebianAWSCLI)
		if InCI() || len(clis) == 0 {
			Missing(t, "%s", msg)
			return nil
		}
		t.Logf("%s: testing with %s (%s) only", msg, clis[0].Path, clis[0].Version)
	}
	return clis
}
