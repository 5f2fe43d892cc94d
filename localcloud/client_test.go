package localcloud

import (
	"errors"
	"net/http"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sns"

	"github.com/greenlight/greenlight/localcloud/cfn"
	"github.com/greenlight/greenlight/localcloud/fault"
)

func TestClient(t *testing.T) {
	c := start(t, "")
	ctx := t.Context()
	cl, err := NewClient(c.Endpoint()+"/", nil)
	if err != nil {
		t.Fatal(err)
	}

	h, err := cl.Health(ctx)
	if err != nil {
		t.Fatal(err)
	}
	equal(t, "endpoint", h.Endpoint, c.Endpoint())
	equal(t, "services", h.Services, []string{"cloudformation", "events", "lambda", "monitoring", "s3", "sns", "states"})
	cs, err := cl.Clock(ctx)
	if err != nil {
		t.Fatal(err)
	}
	equal(t, "clock scale", cs.Scale, 60.0)

	path, err := filepath.Abs("testdata/assembly/app.template.json")
	if err != nil {
		t.Fatal(err)
	}
	st, err := cl.Deploy(ctx, DeployRequest{Template: path, StackName: "client"})
	if err != nil {
		t.Fatal(err)
	}
	equal(t, "stack status", st.Status, cfn.StatusCreateComplete)
	stacks, err := cl.Stacks(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(stacks) != 1 {
		t.Fatalf("%d stacks, want 1", len(stacks))
	}
	equal(t, "stack name", stacks[0].Name, "client")

	_, err = cl.Deploy(ctx, DeployRequest{Template: "/does/not/exist.template.json"})
	var ce *ControlError
	if !errors.As(err, &ce) {
		t.Fatalf("Deploy of a missing template: got %v, want a *ControlError", err)
	}
	equal(t, "status", ce.Status, http.StatusBadRequest)
	if !strings.Contains(ce.Message, "no such file") {
		t.Errorf("message %q does not say the file is missing", ce.Message)
	}

	rule := fault.Rule{Service: "sns", Operation: "Publish", Latency: 1, Count: -1}
	if err := cl.AddFault(ctx, rule); err != nil {
		t.Fatal(err)
	}
	rules, err := cl.Faults(ctx)
	if err != nil {
		t.Fatal(err)
	}
	equal(t, "rules", rules, []fault.Rule{rule})
	if err := cl.ResetFaults(ctx); err != nil {
		t.Fatal(err)
	}
	rules, err = cl.Faults(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(rules) != 0 {
		t.Errorf("rules after a reset = %v, want none", rules)
	}
	err = cl.AddFault(ctx, fault.Rule{Service: "nope"})
	if !errors.As(err, &ce) {
		t.Fatalf("AddFault of a bad rule: got %v, want a *ControlError", err)
	}
	equal(t, "status", ce.Status, http.StatusBadRequest)

	topic := st.Outputs["TopicArn"].Value
	if _, err := sns.NewFromConfig(c.AWSConfig()).Publish(ctx, &sns.PublishInput{TopicArn: aws.String(topic), Message: aws.String("hi")}); err != nil {
		t.Fatal(err)
	}
	msgs, err := cl.Inbox(ctx, topic)
	if err != nil {
		t.Fatal(err)
	}
	if len(msgs) != 1 {
		t.Fatalf("%d messages, want 1", len(msgs))
	}
	equal(t, "message", msgs[0].Message, "hi")
	all, err := cl.Inboxes(ctx)
	if err != nil {
		t.Fatal(err)
	}
	equal(t, "messages in all inboxes", len(all[topic]), 1)
	_, err = cl.Inbox(ctx, "missing")
	if !errors.As(err, &ce) {
		t.Fatalf("Inbox of a missing topic: got %v, want a *ControlError", err)
	}
	equal(t, "status", ce.Status, http.StatusNotFound)
}

func TestNewClientRejectsBadEndpoints(t *testing.T) {
	for _, e := range []string{"", "localhost:4566", "ftp://x", "http://"} {
		if _, err := NewClient(e, nil); err == nil {
			t.Errorf("NewClient(%q) succeeded, want an error", e)
		}
	}
}
