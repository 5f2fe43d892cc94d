package asl

import (
	"errors"
	"strings"
	"testing"
)

func TestParseRejects(t *testing.T) {
	tests := []struct {
		name, def, want string
	}{
		{"not json", `{`, "INVALID_JSON_DESCRIPTION"},
		{"missing StartAt", `{"States":{"A":{"Type":"Succeed"}}}`, "The field 'StartAt' is required"},
		{"unknown StartAt", `{"StartAt":"B","States":{"A":{"Type":"Succeed"}}}`, "Missing 'Next' target: B at /StartAt"},
		{"unknown Next", `{"StartAt":"A","States":{"A":{"Type":"Pass","Next":"B"}}}`, "Missing 'Next' target: B at /States/A/Next"},
		{"unreachable", `{"StartAt":"A","States":{"A":{"Type":"Succeed"},"B":{"Type":"Succeed"}}}`, `State "B" is not reachable`},
		{"no Next or End", `{"StartAt":"A","States":{"A":{"Type":"Pass"}}}`, "has neither 'Next' nor 'End'"},
		{"Next and End", `{"StartAt":"A","States":{"A":{"Type":"Pass","Next":"A","End":true}}}`, "Only one of 'Next' or 'End'"},
		{"bad type", `{"StartAt":"A","States":{"A":{"Type":"Nope","End":true}}}`, "The field 'Type' must be one of"},
		{"field of other type", `{"StartAt":"A","States":{"A":{"Type":"Pass","Seconds":1,"End":true}}}`, "The field 'Seconds' is not supported"},
		{"JSONata", `{"QueryLanguage":"JSONata","StartAt":"A","States":{"A":{"Type":"Succeed"}}}`, "'QueryLanguage' is set to JSONata"},
		{"JSONata state", `{"StartAt":"A","States":{"A":{"Type":"Succeed","QueryLanguage":"JSONata"}}}`, "'QueryLanguage' is set to JSONata"},
		{"Assign", `{"StartAt":"A","States":{"A":{"Type":"Pass","Assign":{"x":1},"End":true}}}`, "The field 'Assign' is not supported"},
		{"Output", `{"StartAt":"A","States":{"A":{"Type":"Pass","Output":{},"End":true}}}`, "The field 'Output' is not supported"},
		{"bad ResultPath", `{"StartAt":"A","States":{"A":{"Type":"Pass","ResultPath":"$.a[*]","End":true}}}`, "INVALID_REFERENCE_PATH"},
		{"bad InputPath", `{"StartAt":"A","States":{"A":{"Type":"Pass","InputPath":"a","End":true}}}`, "INVALID_JSON_PATH"},
		{"bad parameter path", `{"StartAt":"A","States":{"A":{"Type":"Pass","Parameters":{"x.$":"nope"},"End":true}}}`, "SCHEMA_VALIDATION_FAILED: The value for the field 'x.$' must be a valid JSONPath or a valid intrinsic function call at /States/A/Parameters"},
		{"non-string parameter path", `{"StartAt":"A","States":{"A":{"Type":"Pass","Parameters":{"p":{"x.$":1}},"End":true}}}`, "SCHEMA_VALIDATION_FAILED: The value for the field 'x.$' must be a valid JSONPath or a valid intrinsic function call at /States/A/Parameters/p"},
		{"bad intrinsic", `{"StartAt":"A","States":{"A":{"Type":"Pass","Parameters":{"x.$":"States.Nope()"},"End":true}}}`, "The value for the field 'x.$' must be a valid JSONPath or a valid intrinsic function call"},
		{"Wait without time", `{"StartAt":"A","States":{"A":{"Type":"Wait","End":true}}}`, "exactly one of 'Seconds'"},
		{"Wait bad timestamp", `{"StartAt":"A","States":{"A":{"Type":"Wait","Timestamp":"tomorrow","End":true}}}`, "valid ISO-8601 timestamp"},
		{"Choice without rules", `{"StartAt":"A","States":{"A":{"Type":"Choice"}}}`, "The field 'Choices' is required"},
		{"Choice bad operator", `{"StartAt":"A","States":{"A":{"Type":"Choice","Choices":[{"Variable":"$.x","Foo":1,"Next":"A"}]}}}`, "The field 'Foo' is not supported"},
		{"Choice two operators", `{"StartAt":"A","States":{"A":{"Type":"Choice","Choices":[{"Variable":"$.x","NumericEquals":1,"StringEquals":"a","Next":"A"}]}}}`, "exactly one comparison operator"},
		{"Choice wrong value type", `{"StartAt":"A","States":{"A":{"Type":"Choice","Choices":[{"Variable":"$.x","NumericEquals":"1","Next":"A"}]}}}`, "must be a NUMBER"},
		{"Choice Condition", `{"StartAt":"A","States":{"A":{"Type":"Choice","Choices":[{"Condition":"{% true %}","Next":"A"}]}}}`, "'Condition' belongs to the JSONata"},
		{"Task without Resource", `{"StartAt":"A","States":{"A":{"Type":"Task","End":true}}}`, "The field 'Resource' must be an ARN"},
		{"heartbeat too long", `{"StartAt":"A","States":{"A":{"Type":"Task","Resource":"arn:aws:states:::x:y","TimeoutSeconds":5,"HeartbeatSeconds":5,"End":true}}}`, "HeartbeatSeconds must be smaller"},
		{"retry States.ALL not alone", `{"StartAt":"A","States":{"A":{"Type":"Task","Resource":"arn:aws:states:::x:y","Retry":[{"ErrorEquals":["States.ALL","X"]}],"End":true}}}`, "States.ALL must appear alone"},
		{"catch bad Next", `{"StartAt":"A","States":{"A":{"Type":"Task","Resource":"arn:aws:states:::x:y","Catch":[{"ErrorEquals":["States.ALL"],"Next":"Z"}],"End":true}}}`, "Missing 'Next' target: Z at /States/A/Catch[0]/Next"},
		{"Parallel bad branch", `{"StartAt":"A","States":{"A":{"Type":"Parallel","Branches":[{"StartAt":"X","States":{"Y":{"Type":"Succeed"}}}],"End":true}}}`, "Missing 'Next' target: X at /States/A/Branches[0]/StartAt"},
		{"Map without processor", `{"StartAt":"A","States":{"A":{"Type":"Map","End":true}}}`, "The field 'ItemProcessor' is required"},
		{"Map ItemReader", `{"StartAt":"A","States":{"A":{"Type":"Map","ItemReader":{},"ItemProcessor":{"StartAt":"B","States":{"B":{"Type":"Succeed"}}},"End":true}}}`, "ItemReader"},
		{"inline tolerated", `{"StartAt":"A","States":{"A":{"Type":"Map","ToleratedFailureCount":1,"ItemProcessor":{"StartAt":"B","States":{"B":{"Type":"Succeed"}}},"End":true}}}`, "only allowed in DISTRIBUTED mode"},
		{"top-level unknown field", `{"StartAt":"A","Foo":1,"States":{"A":{"Type":"Succeed"}}}`, "The field 'Foo' is not supported"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse([]byte(tt.def))
			var de *DefinitionError
			if !errors.As(err, &de) {
				t.Fatalf("err = %v, want a *DefinitionError", err)
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("err = %v, want it to contain %q", err, tt.want)
			}
			if !strings.HasPrefix(err.Error(), "Invalid State Machine Definition: '") {
				t.Errorf("err = %v, want the AWS prefix", err)
			}
		})
	}
}

func TestParseAccepts(t *testing.T) {
	def := `{
	  "Comment": "every state type", "TimeoutSeconds": 60, "QueryLanguage": "JSONPath",
	  "StartAt": "P",
	  "States": {
	    "P": {"Type": "Pass", "Result": {"x": 1}, "ResultPath": "$.p", "Next": "C"},
	    "C": {"Type": "Choice", "Choices": [
	        {"And": [{"Variable": "$.p.x", "IsPresent": true}, {"Not": {"Variable": "$.p.x", "NumericEqualsPath": "$.p.y"}}], "Next": "W"},
	        {"Variable": "$.s", "StringMatches": "log-*.txt", "Next": "F"}],
	      "Default": "T"},
	    "W": {"Type": "Wait", "SecondsPath": "$.p.x", "Next": "T"},
	    "T": {"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke", "TimeoutSecondsPath": "$.t",
	          "Retry": [{"ErrorEquals": ["States.Timeout"], "JitterStrategy": "FULL", "MaxDelaySeconds": 5}],
	          "Catch": [{"ErrorEquals": ["States.ALL"], "ResultPath": "$.error", "Next": "F"}], "Next": "M"},
	    "M": {"Type": "Map", "ItemsPath": "$.items", "ItemSelector": {"v.$": "$$.Map.Item.Value"}, "MaxConcurrency": 2,
	          "ItemProcessor": {"ProcessorConfig": {"Mode": "INLINE"}, "StartAt": "I", "States": {"I": {"Type": "Succeed"}}}, "Next": "Par"},
	    "Par": {"Type": "Parallel", "Branches": [{"StartAt": "B", "States": {"B": {"Type": "Pass", "End": true}}}], "Next": "S"},
	    "S": {"Type": "Succeed"},
	    "F": {"Type": "Fail", "ErrorPath": "$.error.Error", "CausePath": "States.Format('failed: {}', $.error.Cause)"}
	  }
	}`
	m, err := Parse([]byte(def))
	if err != nil {
		t.Fatal(err)
	}
	if m.TimeoutSeconds != 60 || len(m.States) != 8 || m.States["M"].MaxConcurrency != 2 {
		t.Errorf("parsed machine = %+v", m)
	}
}
