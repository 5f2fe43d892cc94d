package decision_test

import (
	"context"
	"encoding/json"
	"errors"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sfn"
	sfntypes "github.com/aws/aws-sdk-go-v2/service/sfn/types"

	"github.com/greenlight/greenlight/internal/decision"
)

type responder struct {
	calls []*sfn.SendTaskSuccessInput
	err   error
}

func (r *responder) SendTaskSuccess(_ context.Context, in *sfn.SendTaskSuccessInput, _ ...func(*sfn.Options)) (*sfn.SendTaskSuccessOutput, error) {
	r.calls = append(r.calls, in)
	return &sfn.SendTaskSuccessOutput{}, r.err
}

func TestSend(t *testing.T) {
	boom := errors.New("boom")
	tests := []struct {
		name    string
		token   string
		err     error
		calls   int
		wantErr error
	}{
		{"answered", "tok", nil, 1, nil},
		{"no token", "", nil, 0, nil},
		{"task timed out", "tok", &sfntypes.TaskTimedOut{Message: aws.String("closed")}, 1, nil},
		{"task does not exist", "tok", &sfntypes.TaskDoesNotExist{}, 1, nil},
		{"invalid token", "tok", &sfntypes.InvalidToken{}, 1, nil},
		{"other error", "tok", boom, 1, boom},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := &responder{err: tt.err}
			d := decision.Decision{Decision: decision.Rollback, Reason: "alarm", By: "guard"}
			err := decision.Send(context.Background(), r, tt.token, d)
			if !errors.Is(err, tt.wantErr) {
				t.Fatalf("Send = %v, want %v", err, tt.wantErr)
			}
			if len(r.calls) != tt.calls {
				t.Fatalf("%d calls, want %d", len(r.calls), tt.calls)
			}
			if tt.calls == 0 {
				return
			}
			var got decision.Decision
			if err := json.Unmarshal([]byte(aws.ToString(r.calls[0].Output)), &got); err != nil || got != d {
				t.Errorf("output %s (%v), want %+v", aws.ToString(r.calls[0].Output), err, d)
			}
			if aws.ToString(r.calls[0].TaskToken) != tt.token {
				t.Errorf("token %q, want %q", aws.ToString(r.calls[0].TaskToken), tt.token)
			}
		})
	}
}
