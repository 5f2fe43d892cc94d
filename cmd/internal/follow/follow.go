// Package follow finds the release execution that an artifact upload
// started, and follows an execution until it ends. The CLI (deploy --wait,
// watch) and the demo both release by uploading releases/<function>/<build>.zip
// and then need the one execution that upload started among every
// execution of the state machine: Find reads each candidate's input as the
// state machine does (an EventBridge S3 "Object Created" event or a console
// input, parsed by internal/release) and compares the bucket, the key and
// the object version exactly, so that an upload of releases/orders/1.zip is
// never taken for one of releases/orders/11.zip, nor one version of a key
// for another. Execution polls one execution until it is no longer running.
package follow

import (
	"context"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sfn"
	sfntypes "github.com/aws/aws-sdk-go-v2/service/sfn/types"

	"github.com/greenlight/greenlight/internal/release"
)

// Describer is the Step Functions call Execution makes.
type Describer interface {
	DescribeExecution(ctx context.Context, in *sfn.DescribeExecutionInput, optFns ...func(*sfn.Options)) (*sfn.DescribeExecutionOutput, error)
}

// Executions are the Step Functions calls Find makes.
type Executions interface {
	sfn.ListExecutionsAPIClient
	Describer
}

var _ Executions = (*sfn.Client)(nil)

// Object names one version of an S3 object.
type Object struct {
	Bucket    string
	Key       string
	VersionID string // "" when the bucket is not versioned
}

func (o Object) String() string {
	s := "s3://" + o.Bucket + "/" + o.Key
	if o.VersionID != "" {
		s += " (version " + o.VersionID + ")"
	}
	return s
}

// Matches reports whether an execution started for o was started by the
// upload of want: same bucket, same key, same version. An empty version on
// either side (an unversioned bucket, a console input that leaves the
// version to prepare) matches any version.
func (o Object) Matches(want Object) bool {
	if o.Bucket != want.Bucket || o.Key != want.Key {
		return false
	}
	return o.VersionID == "" || want.VersionID == "" || o.VersionID == want.VersionID
}

// Subject is what an execution was started for, read from its input.
type Subject struct {
	// Function is the function a console input names, or the <name> of the
	// releases/<name>/ key an upload went to: a function or a group.
	Function string
	// Group is the group a console input names.
	Group  string
	Object Object
}

// Name is what the execution releases, as the release document names it
// too: the function, or the group of a group release.
func (s Subject) Name() string {
	if s.Function != "" {
		return s.Function
	}
	return s.Group
}

// SubjectOf reads the function or group and the artifact an execution input
// names: an EventBridge S3 "Object Created" event or a console input. An
// input it cannot read yields the zero Subject. An upload does not say
// whether its releases/<name>/ is a function's or a group's: only the
// deployer's configuration does, so an upload's name is in Function.
func SubjectOf(input string) Subject {
	data := []byte(input)
	parse := release.ParseConsole
	if release.IsEvent(data) {
		parse = release.ParseEvent
	}
	in, err := parse(data)
	if err != nil {
		return Subject{}
	}
	return Subject{
		Function: in.Function,
		Group:    in.Group,
		Object:   Object{Bucket: in.Artifact.Bucket, Key: in.Artifact.Key, VersionID: in.Artifact.VersionID},
	}
}

// ClockSkew is how much earlier than the upload an execution's start may be
// stamped and still be taken for the upload's: the clocks of the machine
// that uploads and of Step Functions differ.
const ClockSkew = 5 * time.Minute

// NotStartedError says no execution started for an upload before the
// context ended.
type NotStartedError struct {
	Object Object
	Err    error // the context's error
}

func (e *NotStartedError) Error() string {
	return fmt.Sprintf("no execution started for %s: %v", e.Object, e.Err)
}

func (e *NotStartedError) Unwrap() error { return e.Err }

// Find waits for the execution of the state machine stateMachineARN that
// the upload of obj started, and returns its ARN. It looks through the
// executions started since the upload (less ClockSkew), newest first,
// describes each once, and looks again every poll until ctx ends, with a
// *NotStartedError. A failing call while ctx lasts ends it with that error.
func Find(ctx context.Context, api Executions, stateMachineARN string, obj Object, since time.Time, poll time.Duration) (string, error) {
	cutoff := since.Add(-ClockSkew)
	seen := map[string]bool{}
	for {
		arn, err := scan(ctx, api, stateMachineARN, obj, cutoff, seen)
		switch {
		case arn != "":
			return arn, nil
		case err != nil && ctx.Err() == nil:
			return "", err
		}
		select {
		case <-ctx.Done():
			return "", &NotStartedError{Object: obj, Err: ctx.Err()}
		case <-time.After(poll):
		}
	}
}

// scan looks once through the executions started after cutoff for the one
// started for obj. seen holds the executions already described.
func scan(ctx context.Context, api Executions, stateMachineARN string, obj Object, cutoff time.Time, seen map[string]bool) (string, error) {
	p := sfn.NewListExecutionsPaginator(api, &sfn.ListExecutionsInput{StateMachineArn: &stateMachineARN})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return "", fmt.Errorf("list executions: %w", err)
		}
		for _, e := range page.Executions {
			if aws.ToTime(e.StartDate).Before(cutoff) {
				return "", nil // listed newest first: the rest are older
			}
			arn := aws.ToString(e.ExecutionArn)
			if seen[arn] {
				continue
			}
			d, err := api.DescribeExecution(ctx, &sfn.DescribeExecutionInput{ExecutionArn: &arn})
			if err != nil {
				return "", fmt.Errorf("describe execution %s: %w", arn, err)
			}
			seen[arn] = true
			if SubjectOf(aws.ToString(d.Input)).Object.Matches(obj) {
				return arn, nil
			}
		}
	}
	return "", nil
}

// Options tune Execution.
type Options struct {
	// Poll is the pause between two looks at the execution.
	Poll time.Duration
	// CallTimeout, when set, bounds the calls of one look, which then run to
	// their end even after ctx is done: cancelling a call while its response
	// is read leaves the SDK a body it cannot discard, which it reports as a
	// warning. ctx then ends only the pause between two looks. When zero,
	// the calls run under ctx.
	CallTimeout time.Duration
}

// Observer is handed every description of a followed execution, the last
// one (no longer running) included, with the context its calls should use.
// An error ends the following.
type Observer func(ctx context.Context, d *sfn.DescribeExecutionOutput) error

// Execution describes the execution arn every o.Poll and hands each
// description to observe (when not nil), until the execution is no longer
// RUNNING; it returns that last description. It ends early with ctx's
// error, or with the error of a call or of observe.
func Execution(ctx context.Context, api Describer, arn string, o Options, observe Observer) (*sfn.DescribeExecutionOutput, error) {
	for {
		d, err := look(ctx, api, arn, o.CallTimeout, observe)
		if err != nil {
			return nil, err
		}
		if d.Status != sfntypes.ExecutionStatusRunning {
			return d, nil
		}
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-time.After(o.Poll):
		}
	}
}

// look describes the execution once and hands the description to observe.
func look(ctx context.Context, api Describer, arn string, timeout time.Duration, observe Observer) (*sfn.DescribeExecutionOutput, error) {
	if timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(context.WithoutCancel(ctx), timeout)
		defer cancel()
	}
	d, err := api.DescribeExecution(ctx, &sfn.DescribeExecutionInput{ExecutionArn: &arn})
	if err != nil {
		return nil, fmt.Errorf("describe execution %s: %w", arn, err)
	}
	if observe != nil {
		if err := observe(ctx, d); err != nil {
			return nil, err
		}
	}
	return d, nil
}
