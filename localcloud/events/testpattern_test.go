package events

import (
	"context"
	"net/http/httptest"
	"os"
	"os/exec"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/eventbridge"

	"github.com/greenlight/greenlight/localcloud/internal/testenv"
)

const testEvent = `{"id":"1","source":"orders","detail-type":"Release","account":"000000000000","region":"us-east-1","time":"2026-01-01T00:00:00Z","detail":{"state":{"status":"running"}}}`

func TestTestEventPattern(t *testing.T) {
	f := start(t, "")
	tests := []struct {
		name, pattern, event string
		want                 bool
		code                 string
	}{
		{"match", `{"source":["orders"]}`, testEvent, true, ""},
		{"no match", `{"source":["billing"]}`, testEvent, false, ""},
		{"dotted key", `{"detail":{"state.status":["running"]}}`, testEvent, true, ""},
		{"invalid pattern", `{"source":"orders"}`, testEvent, false, "InvalidEventPatternException"},
		{"event without region", `{"source":["orders"]}`, strings.Replace(testEvent, `"region":"us-east-1",`, "", 1), false, "ValidationException"},
		{"event not an object", `{"source":["orders"]}`, `["orders"]`, false, "ValidationException"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, err := f.client.TestEventPattern(context.Background(), &eventbridge.TestEventPatternInput{
				EventPattern: aws.String(tt.pattern), Event: aws.String(tt.event)})
			if code := errorCode(err); code != tt.code {
				t.Fatalf("error = %v, want code %q", err, tt.code)
			}
			if err == nil && out.Result != tt.want {
				t.Errorf("Result = %t, want %t", out.Result, tt.want)
			}
		})
	}
}

// TestTestEventPatternCLI asks `aws events test-event-pattern`.
func TestTestEventPatternCLI(t *testing.T) {
	for _, cli := range testenv.AWSCLIs(t) {
		t.Run(cli.Version, func(t *testing.T) {
			svc, err := New(Options{})
			if err != nil {
				t.Fatal(err)
			}
			srv := httptest.NewServer(svc)
			defer func() { srv.Close(); svc.Close() }()
			run := func(pattern string) (string, error) {
				cmd := exec.Command(cli.Path, "--endpoint-url", srv.URL, "--region", "us-east-1", "--output", "json",
					"events", "test-event-pattern", "--event-pattern", pattern, "--event", testEvent)
				cmd.Env = append(os.Environ(), "AWS_ACCESS_KEY_ID=test", "AWS_SECRET_ACCESS_KEY=test", "AWS_CONFIG_FILE=/dev/null",
					"AWS_SHARED_CREDENTIALS_FILE=/dev/null", "AWS_PAGER=")
				out, err := cmd.CombinedOutput()
				return string(out), err
			}
			out, err := run(`{"detail":{"state":{"status":["running"]}}}`)
			if err != nil || !strings.Contains(out, `"Result": true`) {
				t.Errorf("matching pattern: %v\n%s", err, out)
			}
			out, err = run(`{"source":[{"anything-but":{"prefix":""}}]}`)
			if err == nil || !strings.Contains(out, "InvalidEventPatternException") || !strings.Contains(out, "Null prefix/suffix not allowed") {
				t.Errorf("invalid pattern: %v\n%s", err, out)
			}
		})
	}
}
