package bench

import (
	"encoding/json"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	sfntypes "github.com/aws/aws-sdk-go-v2/service/sfn/types"
)

// rollbackReason is the error name the "Roll back" state was entered with,
// "" when the release did not roll back.
func rollbackReason(h []sfntypes.HistoryEvent) string {
	for _, ev := range h {
		d := ev.StateEnteredEventDetails
		if d == nil || aws.ToString(d.Name) != "Roll back" {
			continue
		}
		var doc struct {
			Error struct {
				Error string `json:"Error"`
			} `json:"error"`
		}
		if json.Unmarshal([]byte(aws.ToString(d.Input)), &doc) != nil {
			return "unreadable"
		}
		return doc.Error.Error
	}
	return ""
}

// lambdaCall is one Lambda task invocation in a history.
type lambdaCall struct {
	resource string
	duration time.Duration // real time
}

// lambdaCalls lists the Lambda invocations of a history, with their
// durations turned from the cloud's clock into real time.
func lambdaCalls(h []sfntypes.HistoryEvent, scale float64) []lambdaCall {
	var calls []lambdaCall
	var open *lambdaCall
	var started time.Time
	for _, ev := range h {
		switch ev.Type {
		case sfntypes.HistoryEventTypeLambdaFunctionScheduled:
			calls = append(calls, lambdaCall{resource: aws.ToString(ev.LambdaFunctionScheduledEventDetails.Resource)})
			open = &calls[len(calls)-1]
		case sfntypes.HistoryEventTypeLambdaFunctionStarted:
			started = aws.ToTime(ev.Timestamp)
		case sfntypes.HistoryEventTypeLambdaFunctionSucceeded, sfntypes.HistoryEventTypeLambdaFunctionFailed,
			sfntypes.HistoryEventTypeLambdaFunctionTimedOut:
			if open != nil && !started.IsZero() {
				open.duration = wall(aws.ToTime(ev.Timestamp).Sub(started), scale)
			}
			open, started = nil, time.Time{}
		}
	}
	return calls
}

// transitions counts the states entered: what Step Functions standard
// workflows bill.
func transitions(h []sfntypes.HistoryEvent) int {
	n := 0
	for _, ev := range h {
		if ev.StateEnteredEventDetails != nil {
			n++
		}
	}
	return n
}

// entered is the cloud time at which the named state was first entered.
func entered(h []sfntypes.HistoryEvent, state string) (time.Time, bool) {
	for _, ev := range h {
		if d := ev.StateEnteredEventDetails; d != nil && aws.ToString(d.Name) == state {
			return aws.ToTime(ev.Timestamp), true
		}
	}
	return time.Time{}, false
}

// exited is the cloud time at which the named state was first left.
func exited(h []sfntypes.HistoryEvent, state string) (time.Time, bool) {
	for _, ev := range h {
		if d := ev.StateExitedEventDetails; d != nil && aws.ToString(d.Name) == state {
			return aws.ToTime(ev.Timestamp), true
		}
	}
	return time.Time{}, false
}

// ended is the cloud time of the execution's last event.
func ended(h []sfntypes.HistoryEvent) time.Time { return aws.ToTime(h[len(h)-1].Timestamp) }

// wall turns a span of the cloud's clock into real time.
func wall(d time.Duration, scale float64) time.Duration {
	return time.Duration(float64(d) / scale)
}
