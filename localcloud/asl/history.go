package asl

import (
	"encoding/json"
	"math"
	"time"
)

// EventType is a history event type as Step Functions names it.
type EventType string

// The history event types the engine records.
const (
	ExecutionStarted      EventType = "ExecutionStarted"
	ExecutionSucceeded    EventType = "ExecutionSucceeded"
	ExecutionFailed       EventType = "ExecutionFailed"
	ExecutionAborted      EventType = "ExecutionAborted"
	ExecutionTimedOut     EventType = "ExecutionTimedOut"
	TaskScheduled         EventType = "TaskScheduled"
	TaskStarted           EventType = "TaskStarted"
	TaskSubmitted         EventType = "TaskSubmitted"
	TaskSucceeded         EventType = "TaskSucceeded"
	TaskFailed            EventType = "TaskFailed"
	TaskTimedOut          EventType = "TaskTimedOut"
	LambdaScheduled       EventType = "LambdaFunctionScheduled"
	LambdaStarted         EventType = "LambdaFunctionStarted"
	LambdaSucceeded       EventType = "LambdaFunctionSucceeded"
	LambdaFailed          EventType = "LambdaFunctionFailed"
	LambdaTimedOut        EventType = "LambdaFunctionTimedOut"
	MapStateStarted       EventType = "MapStateStarted"
	MapStateSucceeded     EventType = "MapStateSucceeded"
	MapStateFailed        EventType = "MapStateFailed"
	MapStateAborted       EventType = "MapStateAborted"
	MapIterationStarted   EventType = "MapIterationStarted"
	MapIterationSucceeded EventType = "MapIterationSucceeded"
	MapIterationFailed    EventType = "MapIterationFailed"
	MapIterationAborted   EventType = "MapIterationAborted"
	MapRunStarted         EventType = "MapRunStarted"
	MapRunSucceeded       EventType = "MapRunSucceeded"
	MapRunFailed          EventType = "MapRunFailed"
	ParallelStateStarted  EventType = "ParallelStateStarted"
	ParallelSucceeded     EventType = "ParallelStateSucceeded"
	ParallelFailed        EventType = "ParallelStateFailed"
	ParallelAborted       EventType = "ParallelStateAborted"
)

// entered and exited name the per-type state events, such as
// "PassStateEntered" and "PassStateExited".
func entered(stateType string) EventType { return EventType(stateType + "StateEntered") }
func exited(stateType string) EventType  { return EventType(stateType + "StateExited") }

// Event is one history event, with the JSON names of the Step Functions API.
// Inputs and outputs are JSON text, as the API returns them.
type Event struct {
	Timestamp       EpochTime `json:"timestamp"`
	Type            EventType `json:"type"`
	ID              int64     `json:"id"`
	PreviousEventID int64     `json:"previousEventId"`

	ExecutionStarted   *ExecutionStartedDetails `json:"executionStartedEventDetails,omitempty"`
	ExecutionSucceeded *OutputDetails           `json:"executionSucceededEventDetails,omitempty"`
	ExecutionFailed    *FailureDetails          `json:"executionFailedEventDetails,omitempty"`
	ExecutionAborted   *FailureDetails          `json:"executionAbortedEventDetails,omitempty"`
	ExecutionTimedOut  *FailureDetails          `json:"executionTimedOutEventDetails,omitempty"`

	StateEntered *StateEnteredDetails `json:"stateEnteredEventDetails,omitempty"`
	StateExited  *StateExitedDetails  `json:"stateExitedEventDetails,omitempty"`

	TaskScheduled *TaskScheduledDetails `json:"taskScheduledEventDetails,omitempty"`
	TaskStarted   *TaskDetails          `json:"taskStartedEventDetails,omitempty"`
	TaskSubmitted *TaskOutputDetails    `json:"taskSubmittedEventDetails,omitempty"`
	TaskSucceeded *TaskOutputDetails    `json:"taskSucceededEventDetails,omitempty"`
	TaskFailed    *TaskFailureDetails   `json:"taskFailedEventDetails,omitempty"`
	TaskTimedOut  *TaskFailureDetails   `json:"taskTimedOutEventDetails,omitempty"`

	LambdaScheduled *LambdaScheduledDetails `json:"lambdaFunctionScheduledEventDetails,omitempty"`
	LambdaSucceeded *OutputDetails          `json:"lambdaFunctionSucceededEventDetails,omitempty"`
	LambdaFailed    *FailureDetails         `json:"lambdaFunctionFailedEventDetails,omitempty"`
	LambdaTimedOut  *FailureDetails         `json:"lambdaFunctionTimedOutEventDetails,omitempty"`

	MapStateStarted       *MapStateStartedDetails `json:"mapStateStartedEventDetails,omitempty"`
	MapIterationStarted   *MapIterationDetails    `json:"mapIterationStartedEventDetails,omitempty"`
	MapIterationSucceeded *MapIterationDetails    `json:"mapIterationSucceededEventDetails,omitempty"`
	MapIterationFailed    *MapIterationDetails    `json:"mapIterationFailedEventDetails,omitempty"`
	MapIterationAborted   *MapIterationDetails    `json:"mapIterationAbortedEventDetails,omitempty"`
	MapRunStarted         *MapRunStartedDetails   `json:"mapRunStartedEventDetails,omitempty"`
	MapRunFailed          *FailureDetails         `json:"mapRunFailedEventDetails,omitempty"`
}

// EpochTime is a time that encodes as seconds since the epoch, the way the
// Step Functions JSON protocol sends timestamps.
type EpochTime time.Time

// MarshalJSON encodes the time as fractional epoch seconds.
func (t EpochTime) MarshalJSON() ([]byte, error) {
	ms := time.Time(t).UnixMilli()
	return json.Marshal(float64(ms) / 1000)
}

// UnmarshalJSON decodes fractional epoch seconds.
func (t *EpochTime) UnmarshalJSON(b []byte) error {
	var f float64
	if err := json.Unmarshal(b, &f); err != nil {
		return err
	}
	sec, frac := math.Modf(f)
	*t = EpochTime(time.Unix(int64(sec), int64(math.Round(frac*1000))*int64(time.Millisecond)).UTC())
	return nil
}

// Truncation says whether a payload in an event was cut short.
type Truncation struct {
	Truncated bool `json:"truncated"`
}

// ExecutionStartedDetails details an ExecutionStarted event.
type ExecutionStartedDetails struct {
	Input        string      `json:"input"`
	InputDetails *Truncation `json:"inputDetails,omitempty"`
	RoleARN      string      `json:"roleArn,omitempty"`
}

// OutputDetails carries an output payload.
type OutputDetails struct {
	Output        string      `json:"output"`
	OutputDetails *Truncation `json:"outputDetails,omitempty"`
}

// FailureDetails carries an error name and cause.
type FailureDetails struct {
	Error string `json:"error,omitempty"`
	Cause string `json:"cause,omitempty"`
}

// StateEnteredDetails details a *StateEntered event.
type StateEnteredDetails struct {
	Name         string      `json:"name"`
	Input        string      `json:"input"`
	InputDetails *Truncation `json:"inputDetails,omitempty"`
}

// StateExitedDetails details a *StateExited event.
type StateExitedDetails struct {
	Name          string      `json:"name"`
	Output        string      `json:"output"`
	OutputDetails *Truncation `json:"outputDetails,omitempty"`
}

// TaskScheduledDetails details a TaskScheduled event.
type TaskScheduledDetails struct {
	ResourceType       string `json:"resourceType"`
	Resource           string `json:"resource"`
	Region             string `json:"region"`
	Parameters         string `json:"parameters"`
	TimeoutInSeconds   int64  `json:"timeoutInSeconds,omitempty"`
	HeartbeatInSeconds int64  `json:"heartbeatInSeconds,omitempty"`
}

// TaskDetails names a task's resource.
type TaskDetails struct {
	ResourceType string `json:"resourceType"`
	Resource     string `json:"resource"`
}

// TaskOutputDetails details TaskSucceeded and TaskSubmitted events.
type TaskOutputDetails struct {
	ResourceType  string      `json:"resourceType"`
	Resource      string      `json:"resource"`
	Output        string      `json:"output"`
	OutputDetails *Truncation `json:"outputDetails,omitempty"`
}

// TaskFailureDetails details TaskFailed and TaskTimedOut events.
type TaskFailureDetails struct {
	ResourceType string `json:"resourceType"`
	Resource     string `json:"resource"`
	Error        string `json:"error,omitempty"`
	Cause        string `json:"cause,omitempty"`
}

// LambdaScheduledDetails details a LambdaFunctionScheduled event.
type LambdaScheduledDetails struct {
	Resource         string      `json:"resource"`
	Input            string      `json:"input"`
	InputDetails     *Truncation `json:"inputDetails,omitempty"`
	TimeoutInSeconds int64       `json:"timeoutInSeconds,omitempty"`
}

// MapStateStartedDetails details a MapStateStarted event.
type MapStateStartedDetails struct {
	Length int `json:"length"`
}

// MapIterationDetails names a Map iteration.
type MapIterationDetails struct {
	Name  string `json:"name"`
	Index int    `json:"index"`
}

// MapRunStartedDetails details a MapRunStarted event.
type MapRunStartedDetails struct {
	MapRunARN string `json:"mapRunArn"`
}
