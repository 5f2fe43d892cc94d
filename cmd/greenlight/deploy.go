package main

import (
	"bytes"
	"context"
	"fmt"
	"os"

	"github.com/aws/aws-sdk-go-v2/aws"
	lambdasdk "github.com/aws/aws-sdk-go-v2/service/lambda"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/spf13/cobra"

	"github.com/greenlight/greenlight/cmd/internal/follow"
	"github.com/greenlight/greenlight/internal/failure"
)

type deployOptions struct {
	function, artifact, strategy, build, manifest string
	wait                                          bool
	stack, output                                 string
}

// deployResult is what deploy reports; --output json prints it.
type deployResult struct {
	Function    string         `json:"function"`
	Build       string         `json:"build"`
	Bucket      string         `json:"bucket"`
	Key         string         `json:"key"`
	VersionID   string         `json:"versionId,omitempty"`
	ManifestKey string         `json:"manifestKey,omitempty"`
	Release     *releaseReport `json:"release,omitempty"`
}

func newDeployCmd(a *releaseApp) *cobra.Command {
	var o deployOptions
	cmd := &cobra.Command{
		Use:   "deploy --function F --artifact app.zip",
		Short: "Upload a release artifact; the upload starts the release",
		Long: `Upload a function's zip to releases/<function>/<build>.zip in the artifact
bucket. The upload starts a release. With --strategy or --manifest, a manifest
releases/<function>/<build>.json is uploaded first and overrides the configured
defaults for this release. With --wait, deploy follows the release and exits 0
only when it is promoted (or is a no-op), 1 when it failed or was rolled back.`,
		Example: `  greenlight deploy --function orders --artifact build/orders.zip
  greenlight deploy --function orders --artifact app.zip --strategy Linear10PercentEvery1Minute --wait
  greenlight deploy --function orders --artifact app.zip --strategy '{"steps":[{"percent":5,"bakeSeconds":60}]}'
  greenlight deploy --function orders --artifact app.zip --manifest release.json --build 42 -o json`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return a.deploy(cmd.Context(), cmd, o)
		},
	}
	f := cmd.Flags()
	f.StringVarP(&o.function, "function", "f", "", "function to release (required)")
	f.StringVarP(&o.artifact, "artifact", "a", "", "zip file to upload (required)")
	f.StringVarP(&o.strategy, "strategy", "s", "", "strategy for this release: a preset name or custom steps as JSON")
	f.StringVar(&o.build, "build", "", "build id used in the object key (default: UTC time and a short hash of the zip)")
	f.StringVarP(&o.manifest, "manifest", "m", "", "JSON manifest with per-release overrides (strategy, tests, alarms, hook, ...)")
	f.BoolVarP(&o.wait, "wait", "w", false, "follow the release until it ends; the exit code tells how it ended")
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
	if o.artifact == "" {
		return usagef("--artifact is required")
	}
	body, err := os.ReadFile(o.artifact)
	if err != nil {
		return usagef("--artifact: %v", err)
	}
	if err := checkZip(o.artifact, body); err != nil {
		return err
	}
	var manifestFile []byte
	if o.manifest != "" {
		if manifestFile, err = os.ReadFile(o.manifest); err != nil {
			return usagef("--manifest: %v", err)
		}
	}
	manifest, err := manifestBody(manifestFile, o.strategy)
	if err != nil {
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
	report, followErr := a.follow(ctx, s, arn, o.output == "text", out)
	if report != nil && o.output == "json" {
		res.Release = report
		if err := writeJSON(out, res); err != nil {
			return err
		}
	}
	return followErr
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
