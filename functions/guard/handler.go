package main

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"

	"github.com/aws/aws-lambda-go/events"
	awslambda "github.com/aws/aws-sdk-go-v2/service/lambda"

	"github.com/greenlight/greenlight/internal/decision"
	"github.com/greenlight/greenlight/internal/failure"
	"github.com/greenlight/greenlight/internal/ledger"
	"github.com/greenlight/greenlight/internal/release"
	"github.com/greenlight/greenlight/internal/traffic"
)

// guardBook finds the releases in progress and halts them.
type guardBook interface {
	List(ctx context.Context) ([]ledger.Record, error)
	Halt(ctx context.Context, fn string, a ledger.Action) (ledger.Record, error)
}

var (
	_ guardBook       = (*ledger.Ledger)(nil)
	_ traffic.Aliases = (*awslambda.Client)(nil)
)

// By is how the guard signs the halts it writes.
const By = "guard"

// alarmStateChange is the detail of a "CloudWatch Alarm State Change" event.
type alarmStateChange struct {
	AlarmName string `json:"alarmName"`
	State     struct {
		Value  string `json:"value"`
		Reason string `json:"reason"`
	} `json:"state"`
}

// Result says what the guard did, for its log.
type Result struct {
	Alarm    string   `json:"alarm"`
	Halted   []string `json:"halted"`   // functions whose release was halted
	Restored []string `json:"restored"` // functions whose live alias was put back on blue
}

// Handler halts releases whose alarm fired.
type Handler struct {
	Lambda traffic.Aliases
	Ledger guardBook
	// Tasks answers the task token of a release waiting in its bake or
	// approval, so that it ends at once.
	Tasks decision.Responder
}

// Handle halts every release in progress that watches the alarm and, where
// green already receives traffic, points the live alias back at blue with
// routing cleared. The halt is written first, so that a shift running at the
// same moment sees it and undoes its own step. A release waiting in its bake
// or approval is woken at once (its task token is answered with a rollback
// decision): its verify sees the halt and takes the rollback path, which
// notifies and unlocks.
func (h *Handler) Handle(ctx context.Context, e events.CloudWatchEvent) (Result, error) {
	var c alarmStateChange
	if err := json.Unmarshal(e.Detail, &c); err != nil || c.AlarmName == "" {
		return Result{}, &failure.ValidationError{Problems: []string{"event is not a CloudWatch alarm state change"}}
	}
	res := Result{Alarm: c.AlarmName}
	if c.State.Value != "ALARM" {
		return res, nil
	}
	records, err := h.Ledger.List(ctx)
	if err != nil {
		return res, failure.Classify("list releases", err)
	}
	var firstErr error
	for _, r := range records {
		if !r.Watches(c.AlarmName) || r.Phase == release.PhasePromoted || r.Phase == release.PhaseRolledBack {
			continue
		}
		halted, restored, err := h.stop(ctx, r, c)
		if err != nil {
			firstErr = cmp.Or(firstErr, err)
			continue
		}
		if halted {
			res.Halted = append(res.Halted, r.Function)
		}
		if restored {
			res.Restored = append(res.Restored, r.Function)
		}
	}
	return res, firstErr
}

func (h *Handler) stop(ctx context.Context, listed ledger.Record, c alarmStateChange) (halted, restored bool, err error) {
	// Decide on the record the halt was written to, not the listed one: a
	// shift that recorded its step in between has already moved traffic and,
	// having seen no halt, will not undo it.
	r, err := h.Ledger.Halt(ctx, listed.Function, ledger.Action{Reason: "alarm " + c.AlarmName + " is ALARM: " + c.State.Reason, By: By})
	if errors.Is(err, ledger.ErrNotHeld) {
		return false, false, nil // the release ended meanwhile
	}
	if decided := (*ledger.DecidedError)(nil); errors.As(err, &decided) {
		// An operator promoted the release before the alarm: live serves
		// green at 100 % already and the release ends promoted, as it
		// would had the alarm fired just after the promotion.
		return false, false, nil
	}
	if err != nil {
		return false, false, failure.Classify("halt release of "+listed.Function, err)
	}
	if r.Phase == release.PhasePromoted || r.Phase == release.PhaseRolledBack {
		// The release finished after the list: promote has returned and will
		// not look at the halt, so moving live now would leave it serving
		// blue under a release reported as promoted.
		return false, false, nil
	}
	if r.Blue != "" && r.Weight > 0 {
		// Otherwise green serves no live traffic; a shift under way sees the
		// halt and undoes its step.
		if err := traffic.Point(ctx, h.Lambda, r.Function, r.LiveAlias, r.Blue); err != nil {
			return true, false, failure.Classify("restore blue of "+r.Function, err)
		}
		restored = true
	}
	if r.Wait != nil {
		d := decision.Decision{Decision: decision.Rollback, Reason: r.Halt.Reason, By: r.Halt.By}
		if err := decision.Send(ctx, h.Tasks, r.Wait.Token, d); err != nil {
			return true, restored, failure.Classify("end the "+string(r.Wait.For)+" of "+r.Function, err)
		}
	}
	return true, restored, nil
}
