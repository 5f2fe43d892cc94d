package main

import (
	"context"
	"errors"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	awslambda "github.com/aws/aws-sdk-go-v2/service/lambda"
	lambdatypes "github.com/aws/aws-sdk-go-v2/service/lambda/types"
	"github.com/aws/smithy-go"

	"github.com/greenlight/greenlight/internal/failure"
	"github.com/greenlight/greenlight/internal/release"
)

// updateConfigurationInput sets every field of want on $LATEST, guarded by
// the revision read.
func updateConfigurationInput(fn, revision string, want release.FunctionConfig) *awslambda.UpdateFunctionConfigurationInput {
	in := &awslambda.UpdateFunctionConfigurationInput{
		FunctionName: &fn,
		RevisionId:   &revision,
		Environment:  &lambdatypes.Environment{Variables: want.Environment},
		Layers:       want.Layers,
	}
	if in.Environment.Variables == nil {
		in.Environment.Variables = map[string]string{}
	}
	if in.Layers == nil {
		in.Layers = []string{}
	}
	if want.MemorySize != 0 {
		in.MemorySize = &want.MemorySize
	}
	if want.Timeout != 0 {
		in.Timeout = &want.Timeout
	}
	if want.EphemeralStorage != 0 {
		in.EphemeralStorage = &lambdatypes.EphemeralStorage{Size: &want.EphemeralStorage}
	}
	if want.Handler != "" {
		in.Handler = &want.Handler
	}
	if want.Runtime != "" {
		in.Runtime = lambdatypes.Runtime(want.Runtime)
	}
	if l := want.Logging; l != (release.Logging{}) {
		in.LoggingConfig = &lambdatypes.LoggingConfig{
			LogFormat:           lambdatypes.LogFormat(l.LogFormat),
			ApplicationLogLevel: lambdatypes.ApplicationLogLevel(l.ApplicationLogLevel),
			SystemLogLevel:      lambdatypes.SystemLogLevel(l.SystemLogLevel),
		}
		if l.LogGroup != "" {
			in.LoggingConfig.LogGroup = &l.LogGroup
		}
	}
	return in
}

// configure makes $LATEST's configuration want, when it is not already, and
// waits until Lambda has applied it.
func (h *Handler) configure(ctx context.Context, fn string, latest *awslambda.GetFunctionConfigurationOutput, want release.FunctionConfig) error {
	if len(release.Changes(release.FunctionConfigOf(latest), want)) == 0 {
		return nil
	}
	_, err := h.Lambda.UpdateFunctionConfiguration(ctx, updateConfigurationInput(fn, aws.ToString(latest.RevisionId), want))
	if err != nil {
		if isBadConfiguration(err) {
			return &failure.ArtifactError{Reason: "Lambda refused the configuration", Err: err}
		}
		return failure.Classify("update configuration of "+fn, err)
	}
	_, err = h.waitUpdated(ctx, fn)
	return err
}

// isBadConfiguration reports an error that repeating the same
// configuration cannot mend: a value Lambda refuses (InvalidParameterValue,
// or ValidationException for a value outside an enumeration, such as an
// unknown runtime), a layer that does not exist or may not be used.
func isBadConfiguration(err error) bool {
	var apiErr smithy.APIError
	if !errors.As(err, &apiErr) {
		return false
	}
	switch apiErr.ErrorCode() {
	case "InvalidParameterValueException", "ValidationException", "ResourceNotFoundException", "AccessDeniedException", "KMSAccessDeniedException":
		return true
	}
	return false
}

// restoreCode puts blue's code on $LATEST for a configuration-only release,
// when it is not there already (a rolled-back release left its own), from
// the artifact greenlight recorded for blue. It returns the code's SHA-256
// and the artifact, zero when blue's code was already in place.
func (h *Handler) restoreCode(ctx context.Context, d *release.Document, blueSHA string) (string, release.Artifact, error) {
	fn := d.Function
	latest, err := h.Lambda.GetFunctionConfiguration(ctx, &awslambda.GetFunctionConfigurationInput{FunctionName: &fn})
	if err != nil {
		return "", release.Artifact{}, failure.Classify("read function "+fn, err)
	}
	if d.State.FirstRelease {
		return aws.ToString(latest.CodeSha256), release.Artifact{}, nil
	}
	a, known, err := h.Ledger.CodeOf(ctx, fn, d.State.Blue)
	if err != nil {
		return "", release.Artifact{}, err
	}
	if aws.ToString(latest.CodeSha256) == blueSHA {
		return blueSHA, a, nil
	}
	if !known {
		return "", release.Artifact{}, &failure.ArtifactError{Reason: fmt.Sprintf(
			"$LATEST of %s runs other code than version %s (live), and greenlight did not publish version %s, so it cannot put that code back: release with an artifact",
			fn, d.State.Blue, d.State.Blue)}
	}
	withCode := *d
	withCode.Artifact = a
	sha, err := h.updateCode(ctx, &withCode)
	if err != nil {
		return "", release.Artifact{}, err
	}
	if sha != blueSHA {
		return "", release.Artifact{}, &failure.ArtifactError{Reason: fmt.Sprintf("the recorded code of version %s has CodeSha256 %s, the version runs %s", d.State.Blue, sha, blueSHA)}
	}
	return sha, a, nil
}
