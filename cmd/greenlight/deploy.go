package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"

	"github.com/aws/aws-sdk-go-v2/aws"
	lambdasdk "github.com/aws/aws-sdk-go-v2/service/lambda"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/sfn"
	"github.com/spf13/cobra"

	"github.com/greenlight/greenlight/cmd/internal/follow"
	"github.com/greenlight/greenlight/internal/failure"
	"github.com/greenlight/greenlight/internal/release"
)

type deployOptions struct {
	function, artifact, strategy, build, manifest string
	wait                                          bool
	stack, output                                 string
	configuration                                 configurationFlags
}

// deployResult is what deploy reports; --output json prints it.
type deployResult struct {
	Function string `json:"function"`
	Build    string `json:"build,omitempty"`
	Bucket   string `json:"bucket,omitempty"`
	Key      string `json:"key,omitempty"`
	// ExecutionARN is the release a configuration-only deploy started.
	ExecutionARN string         `json:"executionArn,omitempty"`
	VersionID    string         `json:"versionId,omitempty"`
	ManifestKey  string         `json:"manifestKey,omitempty"`
	Release      *releaseReport `json:"release,omitempty"`
}

func newDeployCmd(a *releaseApp) *cobra.Command {
	var o deployOptions
	cmd := &cobra.Command{
		Use:   "deploy --function F [--artifact app.zip] [configuration flags]",
		Short: "Release new code, new configuration, or both",
		Long: `Upload a function's zip to releases/<function>/<build>.zip in the artifact
bucket. The upload starts a release. With --strategy, --manifest or
configuration flags, a manifest releases/<function>/<build>.json is uploaded
first and overrides the configured defaults for this release.

The configuration flags (--set-env, --unset-env, --memory, --timeout,
--ephemeral-storage, --layer, --no-layers, --handler, --runtime,
--description, --log-*) change the function's configuration relative to
blue's: what they do not name stays as the live version has it. Green is
published with both the code and the configuration, so the release goes
through the same tests, traffic shifting and alarms, and a rollback brings
back blue's configuration too. Without --artifact, the release keeps blue's
code and changes only the configuration; it is started directly.

With --wait, deploy follows the release and exits 0 only when it is promoted
(or is a no-op), 1 when it failed or was rolled back. A configuration Lambda
would refuse exits 1 before anything is started.`,
		Example: `  greenlight deploy --function orders --artifact build/orders.zip
  greenlight deploy --function orders --artifact app.zip --strategy Linear10PercentEvery1Minute --wait
  greenlight deploy --function orders --artifact app.zip --strategy '{"steps":[{"percent":5,"bakeSeconds":60}]}'
  greenlight deploy --function orders --artifact app.zip --manifest release.json --build 42 -o json
  greenlight deploy --function orders --set-env FEATURE=b --wait
  greenlight deploy --function orders --artifact app.zip --memory 1024 --timeout 30 --unset-env DEBUG`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return a.deploy(cmd.Context(), cmd, o)
		},
	}
	f := cmd.Flags()
	f.StringVarP(&o.function, "function", "f", "", "function to release (required)")
	f.StringVarP(&o.artifact, "artifact", "a", "", "zip file to upload (without it, the release keeps blue's code)")
	f.StringVarP(&o.strategy, "strategy", "s", "", "strategy for this release: a preset name or custom steps as JSON")
	f.StringVar(&o.build, "build", "", "build id used in the object key (default: UTC time and a short hash of the zip)")
	f.StringVarP(&o.manifest, "manifest", "m", "", "JSON manifest with per-release overrides (strategy, tests, alarms, hook, ...)")
	f.BoolVarP(&o.wait, "wait", "w", false, "follow the release until it ends; the exit code tells how it ended")
	o.configuration.register(f)
	stackFlag(cmd, &o.stack)
	outputFlag(cmd, &o.output)
	return cmd
}

func (a *releaseApp) deploy(ctx context.Context, cmd *cobra.Command, o deployOptions) error {
	if err := checkFunction(o.function); err != nil {
		return err
	}
	if err := checkOutput(o.output); err != nil {
		return err
	}
	configuration, err := o.configuration.configuration(cmd.Flags())
	if err != nil {
		return err
	}
	var manifestFile []byte
	if o.manifest != "" {
		if manifestFile, err = os.ReadFile(o.manifest); err != nil {
			return usagef("--manifest: %v", err)
		}
		if err := checkManifestConfiguration(manifestFile); err != nil {
			return err
		}
	}
	manifest, err := manifestBody(manifestFile, o.strategy, configuration)
	if err != nil {
		return err
	}
	if o.artifact == "" {
		if o.build != "" {
			return usagef("--build names an uploaded artifact: give --artifact too")
		}
		return a.configure(ctx, cmd, o, manifest)
	}
	body, err := os.ReadFile(o.artifact)
	if err != nil {
		return usagef("--artifact: %v", err)
	}
	if err := checkZip(o.artifact, body); err != nil {
		return err
	}
	if o.build == "" {
		o.build = defaultBuildID(a.now(), body)
	}
	if err := checkBuild(o.build); err != nil {
		return err
	}

	s, err := a.open(ctx, o.stack)
	if err != nil {
		return err
	}
	if err := checkFunctionExists(ctx, s.functions, o.function); err != nil {
		return err
	}
	zipKey, manifestKey := artifactKeys(o.function, o.build)
	res := deployResult{Function: o.function, Build: o.build, Bucket: s.stack.Bucket, Key: zipKey}
	if manifest != nil {
		if _, err := s.objects.PutObject(ctx, &s3.PutObjectInput{
			Bucket: &s.stack.Bucket, Key: &manifestKey, Body: bytes.NewReader(manifest),
			ContentType: aws.String("application/json"),
		}); err != nil {
			return fmt.Errorf("upload manifest s3://%s/%s: %w", s.stack.Bucket, manifestKey, err)
		}
		res.ManifestKey = manifestKey
	}
	started := a.now()
	put, err := s.objects.PutObject(ctx, &s3.PutObjectInput{
		Bucket: &s.stack.Bucket, Key: &zipKey, Body: bytes.NewReader(body),
		ContentType: aws.String("application/zip"),
	})
	if err != nil {
		return fmt.Errorf("upload artifact s3://%s/%s: %w", s.stack.Bucket, zipKey, err)
	}
	res.VersionID = aws.ToString(put.VersionId)

	out := cmd.OutOrStdout()
	if o.output == "text" {
		fmt.Fprintf(out, "uploaded s3://%s/%s", res.Bucket, res.Key)
		if res.VersionID != "" {
			fmt.Fprintf(out, " (version %s)", res.VersionID)
		}
		fmt.Fprintln(out)
	}
	if !o.wait {
		if o.output == "json" {
			return writeJSON(out, res)
		}
		return nil
	}
	arn, err := a.findExecution(ctx, s, follow.Object{Bucket: res.Bucket, Key: res.Key, VersionID: res.VersionID}, started)
	if err != nil {
		return err
	}
	return a.await(ctx, s, arn, o.output, res, out)
}

// await follows the release the deploy started and reports it; with
// --output json the report is printed with res.
func (a *releaseApp) await(ctx context.Context, s *session, arn, output string, res deployResult, out io.Writer) error {
	report, followErr := a.follow(ctx, s, arn, output == "text", out)
	if report != nil && output == "json" {
		res.Release = report
		if err := writeJSON(out, res); err != nil {
			return err
		}
	}
	return followErr
}

// configure starts a release of blue's code with a new configuration. There
// is nothing to upload, so it starts the execution with a console input:
// the manifest's fields and the function.
func (a *releaseApp) configure(ctx context.Context, cmd *cobra.Command, o deployOptions, manifest []byte) error {
	if manifest == nil {
		return usagef("%v", errNothingToRelease)
	}
	m, err := release.ParseManifest(manifest)
	if err != nil {
		return usagef("--manifest: %v", err)
	}
	if m.Configuration.IsEmpty() {
		return usagef("%v", errNothingToRelease)
	}
	fields := map[string]json.RawMessage{}
	if err := json.Unmarshal(manifest, &fields); err != nil {
		return usagef("--manifest: %v", err)
	}
	name, err := json.Marshal(o.function)
	if err != nil {
		return err
	}
	fields["function"] = name
	input, err := json.Marshal(fields)
	if err != nil {
		return fmt.Errorf("encode release input: %w", err)
	}

	s, err := a.open(ctx, o.stack)
	if err != nil {
		return err
	}
	if err := checkFunctionExists(ctx, s.functions, o.function); err != nil {
		return err
	}
	started, err := s.starter.StartExecution(ctx, &sfn.StartExecutionInput{
		StateMachineArn: &s.stack.StateMachineARN, Input: aws.String(string(input)),
	})
	if err != nil {
		return fmt.Errorf("start the release of %s: %w", o.function, err)
	}
	res := deployResult{Function: o.function, ExecutionARN: aws.ToString(started.ExecutionArn)}
	out := cmd.OutOrStdout()
	if o.output == "text" {
		fmt.Fprintf(out, "started %s\n", res.ExecutionARN)
	}
	if !o.wait {
		if o.output == "json" {
			return writeJSON(out, res)
		}
		return nil
	}
	return a.await(ctx, s, res.ExecutionARN, o.output, res, out)
}

// checkFunctionExists refuses to start a release of a function that is not
// there, before anything is uploaded.
func checkFunctionExists(ctx context.Context, api functionGetter, function string) error {
	_, err := api.GetFunction(ctx, &lambdasdk.GetFunctionInput{FunctionName: &function})
	if failure.IsNotFound(err) {
		return notFoundf("function %s does not exist (in this account and region)", function)
	}
	if err != nil {
		return fmt.Errorf("look up function %s: %w", function, err)
	}
	return nil
}
