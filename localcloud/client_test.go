package localcloud

import (
	"errors"
	"net/http"
	"path/filepath"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sns"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/greenlight/greenlight/localcloud/cfn"
	"github.com/greenlight/greenlight/localcloud/fault"
)

func TestClient(t *testing.T) {
	c := start(t, "")
	ctx := t.Context()
	cl, err := NewClient(c.Endpoint()+"/", nil)
	require.NoError(t, err)

	h, err := cl.Health(ctx)
	require.NoError(t, err)
	assert.Equal(t, c.Endpoint(), h.Endpoint)
	assert.Equal(t, []string{"cloudformation", "events", "lambda", "monitoring", "s3", "sns", "states"}, h.Services)
	cs, err := cl.Clock(ctx)
	require.NoError(t, err)
	assert.Equal(t, 60.0, cs.Scale)

	path, err := filepath.Abs("testdata/assembly/app.template.json")
	require.NoError(t, err)
	st, err := cl.Deploy(ctx, DeployRequest{Template: path, StackName: "client"})
	require.NoError(t, err)
	assert.Equal(t, cfn.StatusCreateComplete, st.Status)
	stacks, err := cl.Stacks(ctx)
	require.NoError(t, err)
	require.Len(t, stacks, 1)
	assert.Equal(t, "client", stacks[0].Name)

	_, err = cl.Deploy(ctx, DeployRequest{Template: "/does/not/exist.template.json"})
	var ce *ControlError
	require.True(t, errors.As(err, &ce), "got %v", err)
	assert.Equal(t, http.StatusBadRequest, ce.Status)
	assert.Contains(t, ce.Message, "no such file")

	rule := fault.Rule{Service: "sns", Operation: "Publish", Latency: 1, Count: -1}
	require.NoError(t, cl.AddFault(ctx, rule))
	rules, err := cl.Faults(ctx)
	require.NoError(t, err)
	assert.Equal(t, []fault.Rule{rule}, rules)
	require.NoError(t, cl.ResetFaults(ctx))
	rules, err = cl.Faults(ctx)
	require.NoError(t, err)
	assert.Empty(t, rules)
	err = cl.AddFault(ctx, fault.Rule{Service: "nope"})
	require.True(t, errors.As(err, &ce))
	assert.Equal(t, http.StatusBadRequest, ce.Status)

	topic := st.Outputs["TopicArn"].Value
	_, err = sns.NewFromConfig(c.AWSConfig()).Publish(ctx, &sns.PublishInput{TopicArn: aws.String(topic), Message: aws.String("hi")})
	require.NoError(t, err)
	msgs, err := cl.Inbox(ctx, topic)
	require.NoError(t, err)
	require.Len(t, msgs, 1)
	assert.Equal(t, "hi", msgs[0].Message)
	all, err := cl.Inboxes(ctx)
	require.NoError(t, err)
	assert.Len(t, all[topic], 1)
	_, err = cl.Inbox(ctx, "missing")
	require.True(t, errors.As(err, &ce))
	assert.Equal(t, http.StatusNotFound, ce.Status)
}

func TestNewClientRejectsBadEndpoints(t *testing.T) {
	for _, e := range []string{"", "localhost:4566", "ftp://x", "http://"} {
		_, err := NewClient(e, nil)
		assert.Error(t, err, e)
	}
}
