package demo

import (
	"context"
	"fmt"
	"log/slog"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudformation"

	"github.com/greenlight/greenlight/internal/clockenv"
	"github.com/greenlight/greenlight/internal/stackref"
	"github.com/greenlight/greenlight/localcloud"
)

// NewCloud builds a local cloud whose function processes read the cloud's
// clock the way greenlight's functions expect it (package clockenv): every
// program that runs the deployer on the local cloud builds it here.
func NewCloud(opts localcloud.Options) (*localcloud.Cloud, error) {
	opts.ClockEnv = clockenv.Env
	return localcloud.New(opts)
}

// LocalOptions configure a local cloud with the greenlight stack applied.
type LocalOptions struct {
	// Template is the synthesized template (make synth-local writes
	// cdk.out/Greenlight.template.json); its folder holds the code assets.
	Template string
	// TimeScale speeds up the cloud's clock: bakes, alarm periods, waits.
	TimeScale float64
	// Logger receives the local cloud's logs; nil discards them.
	Logger *slog.Logger
	// VerifySignatures makes the cloud verify every request's signature,
	// made with a random secret, and want a random control token; also
	// on when VerifySignaturesVar says so.
	VerifySignatures bool
}

// Local is an in-process local cloud with the greenlight stack applied.
type Local struct {
	Cloud   *localcloud.Cloud
	Control *localcloud.Client
	Stack   stackref.Stack

	token string // the control token, "" when the cloud wants none
}

// StartLocal starts a local cloud on a free loopback port, in memory, and
// applies the template to it as the stack stackref.DefaultName.
func StartLocal(ctx context.Context, opts LocalOptions) (*Local, error) {
	cloudOpts := localcloud.Options{Addr: "127.0.0.1:0", TimeScale: opts.TimeScale, Logger: opts.Logger}
	if opts.VerifySignatures || VerifyFromEnv() {
		cloudOpts.VerifySignatures = true
		cloudOpts.SecretAccessKey = NewSecret()
		cloudOpts.ControlToken = NewSecret()
	}
	cloud, err := NewCloud(cloudOpts)
	if err != nil {
		return nil, err
	}
	if err := cloud.Start(context.WithoutCancel(ctx)); err != nil {
		_ = cloud.Close()
		return nil, err
	}
	l := &Local{Cloud: cloud, token: cloudOpts.ControlToken}
	if l.Control, err = localcloud.NewClient(cloud.Endpoint(), nil); err != nil {
		_ = cloud.Close()
		return nil, err
	}
	l.Control = l.Control.WithToken(cloudOpts.ControlToken)
	if _, err := cloud.Deploy(ctx, opts.Template, stackref.DefaultName, nil); err != nil {
		_ = cloud.Close()
		return nil, fmt.Errorf("apply %s: %w", opts.Template, err)
	}
	if l.Stack, err = stackref.Find(ctx, l.cloudFormation(), stackref.DefaultName); err != nil {
		_ = cloud.Close()
		return nil, err
	}
	return l, nil
}

// Config is an AWS SDK configuration that talks to the local cloud.
func (l *Local) Config() aws.Config { return l.Cloud.AWSConfig() }

// Env is the environment a process (the greenlight CLI, the AWS CLI) needs
// to reach the local cloud: see Env.
func (l *Local) Env(ctx context.Context) ([]string, error) {
	return Env(ctx, l.Cloud, l.token)
}

// Runner returns a Runner for the demo function, with artifacts built for
// this machine and notifications read from the local SNS inbox.
func (l *Local) Runner() *Runner {
	goos, goarch := HostTarget()
	r := NewRunner(l.Config(), l.Stack, goos, goarch)
	r.RoleARN = "arn:aws:iam::000000000000:role/greenlight-demo"
	r.Messages = l.Messages
	return r
}

// Messages returns the notifications published to the stack's topic.
func (l *Local) Messages(ctx context.Context) ([]Message, error) {
	return Inbox(l.Control, l.Stack.TopicARN)(ctx)
}

// Inbox reads the notifications published to topic from the inbox of the
// local cloud c controls.
func Inbox(c *localcloud.Client, topic string) func(context.Context) ([]Message, error) {
	return func(ctx context.Context) ([]Message, error) {
		ms, err := c.Inbox(ctx, topic)
		if err != nil {
			return nil, err
		}
		out := make([]Message, 0, len(ms))
		for _, m := range ms {
			attrs := make(map[string]string, len(m.Attributes))
			for k, a := range m.Attributes {
				attrs[k] = a.StringValue
			}
			out = append(out, Message{Subject: m.Subject, Body: m.Message, Attributes: attrs})
		}
		return out, nil
	}
}

// Close stops the local cloud and the function processes it runs.
func (l *Local) Close() error { return l.Cloud.Close() }

func (l *Local) cloudFormation() stackref.Describer {
	return cloudformation.NewFromConfig(l.Config())
}
