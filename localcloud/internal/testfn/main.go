// Command testfn is the function the local cloud's tests deploy. What it does
// is chosen by the event, so one binary covers success, errors, crashes and
// timeouts.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"strings"
	"time"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-lambda-go/lambdacontext"
)

type event struct {
	SleepMs int             `json:"sleepMs"`
	Fail    string          `json:"fail"`
	Crash   bool            `json:"crash"`
	Big     int             `json:"big"`
	Echo    json.RawMessage `json:"echo"`
}

type reply struct {
	Label      string            `json:"label"`
	Version    string            `json:"version"`
	PID        int               `json:"pid"`
	ARN        string            `json:"arn"`
	RequestID  string            `json:"requestId"`
	DeadlineMs int64             `json:"deadlineMs"`
	Echo       json.RawMessage   `json:"echo,omitempty"`
	Env        map[string]string `json:"env"`
	Padding    string            `json:"padding,omitempty"`
}

func handle(ctx context.Context, e event) (reply, error) {
	if e.SleepMs > 0 {
		time.Sleep(time.Duration(e.SleepMs) * time.Millisecond)
	}
	if e.Crash {
		os.Exit(3)
	}
	if e.Fail != "" {
		return reply{}, errors.New(e.Fail)
	}
	lc, _ := lambdacontext.FromContext(ctx)
	deadline, _ := ctx.Deadline()
	env := map[string]string{}
	for _, kv := range os.Environ() {
		k, v, _ := strings.Cut(kv, "=")
		env[k] = v
	}
	r := reply{
		Label:      os.Getenv("LABEL"),
		Version:    os.Getenv("AWS_LAMBDA_FUNCTION_VERSION"),
		PID:        os.Getpid(),
		RequestID:  lc.AwsRequestID,
		ARN:        lc.InvokedFunctionArn,
		DeadlineMs: deadline.UnixMilli(),
		Echo:       e.Echo,
		Env:        env,
	}
	if e.Big > 0 {
		r.Padding = strings.Repeat("x", e.Big)
	}
	return r, nil
}

func main() {
	if os.Getenv("EXIT_AT_INIT") != "" {
		os.Exit(4)
	}
	lambda.Start(handle)
}
