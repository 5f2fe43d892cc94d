package asl

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
)

// TestTaskResultTooLarge follows AWS's recording of a Lambda that returns
// more than 256 KiB (localstack tests/aws/services/stepfunctions/v2/
// error_handling/test_states_errors.snapshot.json, the four
// *_data_limit_exceeded_on_large_utf8_response tests): the task fails with
// States.DataLimitExceeded naming the service or the function, reported in
// TaskFailed or LambdaFunctionFailed, and a States.ALL catcher handles it.
func TestTaskResultTooLarge(t *testing.T) {
	big := TaskResolverFunc(func(context.Context, TaskRequest) (json.RawMessage, error) {
		return json.RawMessage(`"` + strings.Repeat("€", MaxPayloadSize/3+1) + `"`), nil
	})
	const fn = "arn:aws:lambda:us-east-1:000000000000:function:f"
	tests := []struct {
		name, resource, catch, wantStatus, wantCause, wantTypes string
	}{
		{
			name: "service integration caught by States.ALL", resource: "arn:aws:states:::lambda:invoke", catch: ErrAll,
			wantStatus: string(StatusSucceeded), wantCause: "The state/task 'lambda' returned a result with a size exceeding the maximum number of bytes service limit.",
			wantTypes: "ExecutionStarted TaskStateEntered TaskScheduled TaskStarted TaskFailed TaskStateExited PassStateEntered PassStateExited ExecutionSucceeded",
		},
		{
			name: "Lambda ARN caught by name", resource: fn, catch: ErrDataLimitExceeded,
			wantStatus: string(StatusSucceeded), wantCause: "The state/task '" + fn + "' returned a result with a size exceeding the maximum number of bytes service limit.",
			wantTypes: "ExecutionStarted TaskStateEntered LambdaFunctionScheduled LambdaFunctionStarted LambdaFunctionFailed TaskStateExited PassStateEntered PassStateExited ExecutionSucceeded",
		},
		{
			name: "uncaught", resource: fn, catch: "Other",
			wantStatus: string(StatusFailed), wantCause: "The state/task '" + fn + "' returned a result with a size exceeding the maximum number of bytes service limit.",
			wantTypes: "ExecutionStarted TaskStateEntered LambdaFunctionScheduled LambdaFunctionStarted LambdaFunctionFailed ExecutionFailed",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			def := `{"StartAt":"T","States":{"T":{"Type":"Task","Resource":"` + tt.resource + `","Catch":[{"ErrorEquals":["` + tt.catch + `"],"Next":"H"}],"End":true},"H":{"Type":"Pass","End":true}}}`
			r := runMachine(t, def, `{}`, big)
			if string(r.res.Status) != tt.wantStatus {
				t.Fatalf("status = %s, want %s (%+v)", r.res.Status, tt.wantStatus, r.res)
			}
			if r.types() != tt.wantTypes {
				t.Errorf("events = %s\nwant     %s", r.types(), tt.wantTypes)
			}
			want := `{"Error":"States.DataLimitExceeded","Cause":"` + tt.wantCause + `"}`
			if tt.wantStatus == string(StatusSucceeded) && r.res.Output != want {
				t.Errorf("output = %s\nwant     %s", r.res.Output, want)
			}
			if tt.wantStatus == string(StatusFailed) && (r.res.Error != ErrDataLimitExceeded || r.res.Cause != tt.wantCause) {
				t.Errorf("error = %s: %s", r.res.Error, r.res.Cause)
			}
		})
	}
}
