package main

import (
	"errors"
	"fmt"

	"github.com/spf13/cobra"
)

// Exit codes, documented in the root command's help.
const (
	exitOK          = 0
	exitFailed      = 1
	exitUsage       = 2
	exitNotFound    = 3
	exitEnvironment = 4
)

// coded is implemented by the errors that choose their own exit code.
type coded interface {
	exitCode() int
}

// exitCode maps the error a command returned to the process exit code.
func exitCode(err error) int {
	if err == nil {
		return exitOK
	}
	var c coded
	if errors.As(err, &c) {
		return c.exitCode()
	}
	return exitFailed
}

// usageError reports a command line that cannot be run as given.
type usageError struct{ err error }

func (e *usageError) Error() string { return e.err.Error() }
func (e *usageError) Unwrap() error { return e.err }
func (e *usageError) exitCode() int { return exitUsage }

func usagef(format string, args ...any) error {
	return &usageError{err: fmt.Errorf(format, args...)}
}

// notFoundError reports a function, release or execution that does not exist.
type notFoundError struct{ err error }

func (e *notFoundError) Error() string { return e.err.Error() }
func (e *notFoundError) Unwrap() error { return e.err }
func (e *notFoundError) exitCode() int { return exitNotFound }

func notFoundf(format string, args ...any) error {
	return &notFoundError{err: fmt.Errorf(format, args...)}
}

// environmentError reports missing credentials, region or stack: nothing is
// wrong with the command, but it cannot reach what it needs.
type environmentError struct{ err error }

func (e *environmentError) Error() string { return e.err.Error() }
func (e *environmentError) Unwrap() error { return e.err }
func (e *environmentError) exitCode() int { return exitEnvironment }

func environmentf(format string, args ...any) error {
	return &environmentError{err: fmt.Errorf(format, args...)}
}

// releaseFailedError reports a release that ended other than promoted or no-op.
type releaseFailedError struct {
	ReleaseID string
	Outcome   string
	Cause     string
}

func (e *releaseFailedError) Error() string {
	msg := fmt.Sprintf("release %s %s", e.ReleaseID, e.Outcome)
	if e.Cause != "" {
		msg += ": " + e.Cause
	}
	return msg
}
func (e *releaseFailedError) exitCode() int { return exitFailed }

// reportedError is an error the command has already shown the user, such
// as a failed release whose closing line is on stdout: it keeps its exit
// code and is not printed again.
type reportedError struct{ err error }

func (e *reportedError) Error() string { return e.err.Error() }
func (e *reportedError) Unwrap() error { return e.err }

// noArgs rejects positional arguments as a usage error.
func noArgs(cmd *cobra.Command, args []string) error {
	if len(args) > 0 {
		return usagef("unknown command or argument %q for %q; see %q", args[0], cmd.CommandPath(), cmd.CommandPath()+" --help")
	}
	return nil
}
