// Command testfn is the function the local cloud's tests deploy. What it does
// is chosen by the event, so one binary covers success, errors, crashes and
// timeouts, and a call of a peer function through the local Lambda API.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-lambda-go/lambdacontext"
	"github.com/aws/aws-sdk-go-v2/config"
	awslambda "github.com/aws/aws-sdk-go-v2/service/lambda"
)

type event struct {
	SleepMs int             `json:"sleepMs"`
	Fail    string          `json:"fail"`
	Crash   bool            `json:"crash"`
	Big     int             `json:"big"`
	Echo    json.RawMessage `json:"echo"`
	// Peer names a function to invoke, with the SDK configured from the
	// environment, through the qualifier this invocation came through.
	Peer string `json:"peer"`
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
	// Peer is the peer's reply.
	Peer json.RawMessage `json:"peer,omitempty"`
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
	if e.Peer != "" {
		var err error
		if r.Peer, err = invokePeer(ctx, e.Peer, lc.InvokedFunctionArn); err != nil {
			return reply{}, err
		}
	}
	return r, nil
}

// invokePeer invokes peer through the qualifier of invokedARN (none when
// the ARN has none) and returns its reply, as a function of a release group
// calls the other members.
func invokePeer(ctx context.Context, peer, invokedARN string) (json.RawMessage, error) {
	if fields := strings.Split(invokedARN, ":"); len(fields) == 8 {
		peer += ":" + fields[7]
	}
	cfg, err := config.LoadDefaultConfig(ctx)
	if err != nil {
		return nil, err
	}
	out, err := awslambda.NewFromConfig(cfg).Invoke(ctx, &awslambda.InvokeInput{FunctionName: &peer})
	if err != nil {
		return nil, fmt.Errorf("invoke %s: %w", peer, err)
	}
	if out.FunctionError != nil {
		return nil, fmt.Errorf("%s failed: %s", peer, out.Payload)
	}
	return out.Payload, nil
}

func main() {
	if os.Getenv("EXIT_AT_INIT") != "" {
		os.Exit(4)
	}
	lambda.Start(handle)
}
