package main

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch"
	awslambda "github.com/aws/aws-sdk-go-v2/service/lambda"
	lambdatypes "github.com/aws/aws-sdk-go-v2/service/lambda/types"
	"github.com/aws/smithy-go"

	"github.com/greenlight/greenlight/internal/alarm"
	"github.com/greenlight/greenlight/internal/bundle"
	"github.com/greenlight/greenlight/internal/failure"
	"github.com/greenlight/greenlight/internal/ledger"
	"github.com/greenlight/greenlight/internal/release"
	"github.com/greenlight/greenlight/internal/traffic"
)

// functionDeployer is the part of the Lambda API that deploy uses.
type functionDeployer interface {
	GetFunctionConfiguration(context.Context, *awslambda.GetFunctionConfigurationInput, ...func(*awslambda.Options)) (*awslambda.GetFunctionConfigurationOutput, error)
	UpdateFunctionCode(context.Context, *awslambda.UpdateFunctionCodeInput, ...func(*awslambda.Options)) (*awslambda.UpdateFunctionCodeOutput, error)
	UpdateFunctionConfiguration(context.Context, *awslambda.UpdateFunctionConfigurationInput, ...func(*awslambda.Options)) (*awslambda.UpdateFunctionConfigurationOutput, error)
	PublishVersion(context.Context, *awslambda.PublishVersionInput, ...func(*awslambda.Options)) (*awslambda.PublishVersionOutput, error)
	traffic.Aliases
}

// alarmWriter creates the release alarm.
type alarmWriter interface {
	PutMetricAlarm(context.Context, *cloudwatch.PutMetricAlarmInput, ...func(*cloudwatch.Options)) (*cloudwatch.PutMetricAlarmOutput, error)
}

// lockUpdater records blue, green and the release alarm in the lock record,
// where the alarm guard finds them, and which artifact each version runs.
type lockUpdater interface {
	Update(ctx context.Context, fn, executionARN string, change func(*ledger.Record)) (ledger.Record, error)
	RecordCode(ctx context.Context, fn, version string, a release.Artifact) error
	CodeOf(ctx context.Context, fn, version string) (release.Artifact, bool, error)
}

var (
	_ functionDeployer = (*awslambda.Client)(nil)
	_ alarmWriter      = (*cloudwatch.Client)(nil)
	_ lockUpdater      = (*ledger.Ledger)(nil)
)

// Default bounds on waiting for a code update to finish.
const (
	defaultUpdateTimeout = 2 * time.Minute
	defaultPollDelay     = time.Second
	// firstPollDelay is the first pause: most updates finish within a
	// fraction of a second, and every pause is deployer overhead.
	firstPollDelay = 100 * time.Millisecond
)

// Handler deploys the green version. Every step is safe to repeat, so the
// workflow may retry the whole task on a conflict or throttling.
type Handler struct {
	S3         objectReader
	Lambda     functionDeployer
	CloudWatch alarmWriter
	Ledger     lockUpdater
	// UpdateTimeout bounds the wait for LastUpdateStatus Successful (zero:
	// two minutes); PollDelay is the longest pause between checks (zero: a
	// second): the pauses start at 100 ms and double up to it.
	UpdateTimeout time.Duration
	PollDelay     time.Duration
}

// Handle checks the artifact, configures and updates $LATEST, publishes,
// and records blue and green. Green's configuration is blue's with the
// release's change; a release whose code and configuration both equal
// blue's ends as a no-op.
//
// A group release deploys every member before any test runs: a member in
// the bundle gets its <function>.zip, extracted beside the bundle; a member
// that is neither in the bundle nor configured, or whose green equals blue,
// is not released, and its candidate alias points at blue, so that tests
// that enter through the candidate aliases see the whole stack. The group
// is a no-op when no member is released.
func (h *Handler) Handle(ctx context.Context, d *release.Document) (*release.Document, error) {
	if !d.IsGroup() {
		return h.deploy(ctx, d)
	}
	err := d.ConcurrentMembers(false, func(m *release.Document) error {
		if !m.Requested() {
			return failure.OfMember(m.Function, h.keepBlue(ctx, m))
		}
		if m.FromBundle {
			a, err := bundle.Extract(ctx, h.S3, d.Artifact, m.Function, bundle.Key(d.ReleaseID, m.Function))
			if err != nil {
				return failure.OfMember(m.Function, err)
			}
			m.Artifact = a
		}
		if _, err := h.deploy(ctx, m); err != nil {
			return failure.OfMember(m.Function, err)
		}
		if m.State.Noop {
			return failure.OfMember(m.Function, h.keepBlue(ctx, m))
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	d.State.Noop, d.State.Phase = d.AllNoop(), release.PhaseDeployed
	if d.State.Noop {
		d.State.Phase = release.PhaseNoop
	}
	return d, nil
}

// keepBlue marks a group member that the release does not change: green is
// blue, and the candidate alias points at blue (when the member has a live
// alias to read blue from).
func (h *Handler) keepBlue(ctx context.Context, m *release.Document) error {
	live, err := traffic.Get(ctx, h.Lambda, m.Function, m.LiveAlias)
	if err != nil {
		return failure.Classify("read live alias", err)
	}
	s := &m.State
	s.Noop, s.Phase, s.Blue, s.FirstRelease = true, release.PhaseNoop, "", live == nil
	if live != nil {
		s.Blue = live.Version
		if err := traffic.Point(ctx, h.Lambda, m.Function, m.CandidateAlias, s.Blue); err != nil {
			return failure.Classify("point candidate alias", err)
		}
	}
	s.Green = s.Blue
	if _, err := h.Ledger.Update(ctx, m.Function, m.ExecutionARN, func(r *ledger.Record) {
		r.Blue, r.Green, r.Phase = s.Blue, s.Green, s.Phase
	}); err != nil {
		return ledger.AsHalt(m.Function, err)
	}
	return nil
}

// deploy deploys one function: the release's, or a group member's.
func (h *Handler) deploy(ctx context.Context, d *release.Document) (*release.Document, error) {
	fn := d.Function
	if !d.ConfigurationOnly() {
		if err := checkArtifact(ctx, h.S3, d.Artifact); err != nil {
			return nil, err
		}
	}
	live, err := traffic.Get(ctx, h.Lambda, fn, d.LiveAlias)
	if err != nil {
		return nil, failure.Classify("read live alias", err)
	}
	latest, err := h.Lambda.GetFunctionConfiguration(ctx, &awslambda.GetFunctionConfigurationInput{FunctionName: &fn})
	if err != nil {
		return nil, failure.Classify("read function "+fn, err)
	}
	blue, blueSHA := release.FunctionConfigOf(latest), ""
	if live != nil {
		d.State.Blue, d.State.FirstRelease = live.Version, false
		cfg, err := h.Lambda.GetFunctionConfiguration(ctx, &awslambda.GetFunctionConfigurationInput{FunctionName: &fn, Qualifier: &live.Version})
		if err != nil {
			return nil, failure.Classify(fmt.Sprintf("read version %s of %s", live.Version, fn), err)
		}
		blue, blueSHA = release.FunctionConfigOf(cfg), aws.ToString(cfg.CodeSha256)
	} else {
		d.State.Blue, d.State.FirstRelease = "", true
	}

	want := d.Configuration.Apply(blue)
	if err := h.configure(ctx, fn, latest, want); err != nil {
		return nil, err
	}
	d.State.Changes = release.Changes(blue, want)
	code := d.Artifact
	var codeSHA string
	if d.ConfigurationOnly() {
		codeSHA, code, err = h.restoreCode(ctx, d, blueSHA)
	} else {
		codeSHA, err = h.updateCode(ctx, d)
	}
	if err != nil {
		return nil, err
	}
	d.State.CodeChanged = codeSHA != blueSHA
	if !d.State.CodeChanged && len(d.State.Changes) == 0 {
		d.State.Noop, d.State.Green, d.State.Phase = true, d.State.Blue, release.PhaseNoop
		return d, nil
	}
	revision, err := h.waitUpdated(ctx, fn)
	if err != nil {
		return nil, err
	}
	pub, err := h.Lambda.PublishVersion(ctx, &awslambda.PublishVersionInput{
		FunctionName: &fn,
		CodeSha256:   &codeSHA,
		RevisionId:   &revision,
		Description:  aws.String(versionDescription(d)),
	})
	if err != nil {
		return nil, failure.Classify("publish version of "+fn, err)
	}
	d.State.Green = aws.ToString(pub.Version)
	if code != (release.Artifact{}) {
		if err := h.Ledger.RecordCode(ctx, fn, d.State.Green, code); err != nil {
			return nil, err
		}
	}
	if err := traffic.Point(ctx, h.Lambda, fn, d.CandidateAlias, d.State.Green); err != nil {
		return nil, failure.Classify("point candidate alias", err)
	}
	if _, err := h.CloudWatch.PutMetricAlarm(ctx, alarm.ReleaseAlarmInput(d)); err != nil {
		return nil, failure.Classify("create alarm "+d.State.ReleaseAlarm, err)
	}
	d.State.Phase = release.PhaseDeployed
	if _, err := h.Ledger.Update(ctx, fn, d.ExecutionARN, func(r *ledger.Record) {
		r.Blue, r.Green, r.ReleaseAlarm, r.Phase = d.State.Blue, d.State.Green, d.State.ReleaseAlarm, d.State.Phase
	}); err != nil {
		return nil, ledger.AsHalt(fn, err)
	}
	return d, nil
}

// versionDescription is the description of the version a release
// publishes: greenlight's words, then the release's own when it has some.
func versionDescription(d *release.Document) string {
	s := "greenlight " + d.ReleaseID
	if c := d.Configuration; c != nil && c.Description != nil && *c.Description != "" {
		s += ": " + *c.Description
	}
	return s
}

// updateCode points $LATEST at the artifact, guarded by the revision it read,
// and returns the new code's SHA-256 as Lambda computed it.
func (h *Handler) updateCode(ctx context.Context, d *release.Document) (string, error) {
	fn, a := d.Function, d.Artifact
	latest, err := h.Lambda.GetFunctionConfiguration(ctx, &awslambda.GetFunctionConfigurationInput{FunctionName: &fn})
	if err != nil {
		return "", failure.Classify("read function "+fn, err)
	}
	out, err := h.Lambda.UpdateFunctionCode(ctx, &awslambda.UpdateFunctionCodeInput{
		FunctionName:    &fn,
		S3Bucket:        &a.Bucket,
		S3Key:           &a.Key,
		S3ObjectVersion: &a.VersionID,
		RevisionId:      latest.RevisionId,
	})
	if err != nil {
		if isBadCode(err) {
			return "", &failure.ArtifactError{Reason: "Lambda refused the code", Err: err}
		}
		return "", failure.Classify("update code of "+fn, err)
	}
	sha := aws.ToString(out.CodeSha256)
	if a.SHA256 != "" && sha != a.SHA256 {
		return "", &failure.ArtifactError{Reason: fmt.Sprintf("Lambda computed CodeSha256 %s, the release expects %s", sha, a.SHA256)}
	}
	return sha, nil
}

func isBadCode(err error) bool {
	var apiErr smithy.APIError
	if !errors.As(err, &apiErr) {
		return false
	}
	switch apiErr.ErrorCode() {
	case "InvalidZipFileException", "RequestTooLargeException", "RequestEntityTooLargeException",
		"CodeStorageExceededException", "CodeVerificationFailedException", "InvalidCodeSignatureException":
		return true
	case "InvalidParameterValueException":
		// Lambda refuses a zip over its unzipped size limit with
		// "Unzipped size must be smaller than 262144000 bytes"; retrying
		// the same bytes cannot help.
		msg := strings.ToLower(apiErr.ErrorMessage())
		return strings.Contains(msg, "unzipped size") || strings.Contains(msg, "zip")
	}
	return false
}

// waitUpdated polls, bounded, until the code update is done and returns the
// function's revision, which the publish is pinned to.
func (h *Handler) waitUpdated(ctx context.Context, fn string) (string, error) {
	timeout, delay := h.UpdateTimeout, h.PollDelay
	if timeout <= 0 {
		timeout = defaultUpdateTimeout
	}
	if delay <= 0 {
		delay = defaultPollDelay
	}
	pause := min(firstPollDelay, delay)
	deadline := time.Now().Add(timeout)
	for {
		cfg, err := h.Lambda.GetFunctionConfiguration(ctx, &awslambda.GetFunctionConfigurationInput{FunctionName: &fn})
		if err != nil {
			return "", failure.Classify("read function "+fn, err)
		}
		switch cfg.LastUpdateStatus {
		case lambdatypes.LastUpdateStatusSuccessful, "":
			return aws.ToString(cfg.RevisionId), nil
		case lambdatypes.LastUpdateStatusFailed:
			return "", &failure.ArtifactError{Reason: fmt.Sprintf("the code update of %s failed: %s: %s",
				fn, cfg.LastUpdateStatusReasonCode, aws.ToString(cfg.LastUpdateStatusReason))}
		}
		if time.Now().After(deadline) {
			return "", &failure.ThrottledError{Op: "wait for update of " + fn, Err: fmt.Errorf("still %s after %v", cfg.LastUpdateStatus, timeout)}
		}
		select {
		case <-ctx.Done():
			return "", &failure.ThrottledError{Op: "wait for update of " + fn, Err: ctx.Err()}
		case <-time.After(pause):
		}
		pause = min(2*pause, delay)
	}
}
