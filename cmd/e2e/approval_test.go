package e2e

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/greenlight/greenlight/cmd/internal/demo"
	"github.com/greenlight/greenlight/internal/decision"
	"github.com/greenlight/greenlight/internal/ledger"
)

// gated is a canary whose one partial step waits for approval after a
// minute's bake (a second at timeScale), at most timeout seconds.
func gated(timeout int) map[string]any {
	return map[string]any{
		"steps":                  []map[string]any{{"percent": 50, "bakeSeconds": 60, "approval": true}},
		"approvalTimeoutSeconds": timeout,
	}
}

// TestApprovalGates runs a release whose canary step needs approval three
// times: approved with `greenlight approve`, rejected with `greenlight
// rollback`, and left without an answer until the approval timeout.
func TestApprovalGates(t *testing.T) {
	b := newHarness(t)
	ctx := context.Background()
	book := &ledger.Ledger{S3: b.s3, Bucket: b.bucket}
	stories := []struct {
		name    string
		timeout int      // approval timeout, seconds of the cloud's clock
		command []string // the operator's answer; none lets the approval time out
		status  string
		// subject holds words the last notification carries.
		subject []string
		// approvedBy, when set, must be recorded in the notification.
		approvedBy string
	}{
		{"approved → promoted", 3600, []string{"approve", "--reason", "dashboards look fine"}, "SUCCEEDED",
			[]string{"promoted to version"}, "dashboards look fine"},
		{"rejected → rolled back", 3600, []string{"rollback", "--reason", "checkout latency"}, "FAILED",
			[]string{"rolled back to version", "halted by operator"}, ""},
		// Fifteen minutes of the cloud's clock: fifteen seconds, long
		// enough for status to see the wait on a loaded machine.
		{"no answer → rolled back at the timeout", 900, nil, "FAILED",
			[]string{"rolled back to version", "ApprovalTimedOut"}, ""},
	}
	count := newTally(t, "approval", len(stories))
	for i, s := range stories {
		t.Run(s.name, func(t *testing.T) {
			t.Parallel()
			defer count.record(t)
			fn := fmt.Sprintf("%sapproval%d", functionPrefix, i)
			blue := b.createFunction(t, fn)
			arn := b.execution(t, b.release(t, fn, "a", artifact(t, "v2"), map[string]any{"strategy": gated(s.timeout), "tests": healthTest}))
			eventually(t, "the release to wait for approval", time.Minute, func() bool {
				r, _, err := book.Get(ctx, fn)
				return err == nil && r.ExecutionARN == arn && r.Waiting(decision.Approval)
			})
			if out, err := cli(ctx, t, b.local, "status", "--function", fn); err != nil || !strings.Contains(string(out), "waiting for approval of step 1") {
				t.Errorf("greenlight status while the release waits (%v):\n%s", err, out)
			}
			if s.command != nil {
				out, err := cli(ctx, t, b.local, append(s.command, "--function", fn)...)
				if err != nil {
					t.Fatalf("greenlight %s: %v\n%s", s.command[0], err, out)
				}
			}
			e := b.check(t, arn, demo.Expect{Function: fn, Blue: blue})
			for _, v := range e.Violations {
				t.Errorf("invariant: %s", v)
			}
			live := blue
			if s.status == "SUCCEEDED" {
				live = e.Candidate
			}
			wantEnding(t, e, s.status, live, s.subject...)
			if s.approvedBy != "" && (e.Notification == nil || !strings.Contains(e.Notification.Body, s.approvedBy)) {
				t.Errorf("the notification does not record the approval %q", s.approvedBy)
			}
		})
	}
}
