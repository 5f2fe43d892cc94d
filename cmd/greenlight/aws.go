package main

import (
	"context"
	"net/http"
	"time"

	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/cloudformation"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch"
	lambdasdk "github.com/aws/aws-sdk-go-v2/service/lambda"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/sfn"

	"github.com/greenlight/greenlight/internal/decision"
	"github.com/greenlight/greenlight/internal/ledger"
	"github.com/greenlight/greenlight/internal/stackref"
)

// awsClients holds one narrow client per AWS need of the release commands.
// Tests fill it with fakes.
type awsClients struct {
	stacks     stackref.Describer
	objects    ledger.Objects
	executions executionReader
	// starter starts a configuration-only release, which has no upload.
	starter   executionStarter
	functions functionAPI
	alarms    alarmDescriber
	// tasks ends a release's bake or approval at once.
	tasks decision.Responder
	// now, when set, is the clock of the cloud the clients talk to.
	now func() time.Time
}

// connector builds the AWS clients; commands call it only once their flags
// are valid, so --help and usage errors never need credentials.
type connector func(ctx context.Context) (*awsClients, error)

// connectAWS builds clients from the standard AWS configuration and checks
// that a region and credentials are there before any call is made.
func connectAWS(ctx context.Context) (*awsClients, error) {
	cfg, err := config.LoadDefaultConfig(ctx)
	if err != nil {
		return nil, environmentf("load AWS configuration: %w", err)
	}
	if cfg.Region == "" {
		return nil, environmentf("no AWS region: set AWS_REGION or a region in your AWS profile")
	}
	if cfg.Credentials == nil {
		return nil, environmentf("no AWS credentials: set AWS_PROFILE or AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY")
	}
	credCtx, cancel := context.WithTimeout(ctx, 20*time.Second)
	defer cancel()
	if _, err := cfg.Credentials.Retrieve(credCtx); err != nil {
		return nil, environmentf("no AWS credentials: set AWS_PROFILE or AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY (%w)", err)
	}
	// A custom endpoint (the local cloud, or another S3-compatible store)
	// serves buckets path-style.
	pathStyle := cfg.BaseEndpoint != nil
	var now func() time.Time
	if cfg.BaseEndpoint != nil {
		now = cloudClock(ctx, http.DefaultClient, *cfg.BaseEndpoint)
	}
	return &awsClients{
		stacks:     cloudformation.NewFromConfig(cfg),
		objects:    s3.NewFromConfig(cfg, func(o *s3.Options) { o.UsePathStyle = pathStyle }),
		executions: sfn.NewFromConfig(cfg),
		starter:    sfn.NewFromConfig(cfg),
		functions:  lambdasdk.NewFromConfig(cfg),
		alarms:     cloudwatch.NewFromConfig(cfg),
		tasks:      sfn.NewFromConfig(cfg),
		now:        now,
	}, nil
}
