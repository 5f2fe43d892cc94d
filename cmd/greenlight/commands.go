package main

import (
	"context"
	"encoding/json"
	"io"
	"os"
	"time"

	"github.com/spf13/cobra"

	"github.com/greenlight/greenlight/internal/ledger"
	"github.com/greenlight/greenlight/internal/stackref"
)

// releaseApp carries what the release commands share: how to reach AWS, the
// clock, and how often to poll a running release. Tests replace all three.
type releaseApp struct {
	connect connector
	now     func() time.Time
	poll    time.Duration
	// callTimeout bounds the calls of one poll of a running release.
	callTimeout time.Duration
	// findTimeout bounds how long deploy --wait looks for the execution its
	// upload started.
	findTimeout time.Duration
}

func newReleaseApp(connect connector) *releaseApp {
	return &releaseApp{connect: connect, now: time.Now, poll: 2 * time.Second, callTimeout: 30 * time.Second, findTimeout: 2 * time.Minute}
}

// addReleaseCommands attaches deploy, status, watch, history, rollback and
// promote to root.
func addReleaseCommands(root *cobra.Command, a *releaseApp) {
	root.AddCommand(
		newDeployCmd(a),
		newStatusCmd(a),
		newWatchCmd(a),
		newHistoryCmd(a),
		newRollbackCmd(a),
		newPromoteCmd(a),
		newApproveCmd(a),
	)
}

// session is a connection to one deployed greenlight stack.
type session struct {
	*awsClients
	stack stackref.Stack
}

// open connects to AWS and discovers the stack's outputs.
func (a *releaseApp) open(ctx context.Context, stack string) (*session, error) {
	c, err := a.connect(ctx)
	if err != nil {
		return nil, err
	}
	if c.now != nil {
		// Execution timestamps come from the cloud's clock; durations and
		// countdowns must too.
		a.now = c.now
	}
	out, err := discoverStack(ctx, c.stacks, stack)
	if err != nil {
		return nil, err
	}
	return &session{awsClients: c, stack: out}, nil
}

// stackFlag adds --stack, defaulting to $GREENLIGHT_STACK or "greenlight".
func stackFlag(cmd *cobra.Command, p *string) {
	cmd.Flags().StringVar(p, "stack", stackref.NameFromEnv(os.Getenv), "name of the deployed greenlight stack (env "+stackref.NameVar+")")
}

// outputFlag adds --output text|json.
func outputFlag(cmd *cobra.Command, p *string) {
	cmd.Flags().StringVarP(p, "output", "o", "text", "output format: text or json")
}

func checkOutput(format string) error {
	if format != "text" && format != "json" {
		return usagef("--output %q: use text or json", format)
	}
	return nil
}

func writeJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

// ledger returns the lock records of the session's stack.
func (s *session) ledger(now func() time.Time) *ledger.Ledger {
	return &ledger.Ledger{S3: s.objects, Bucket: s.stack.Bucket, Executions: s.executions, Now: now}
}
