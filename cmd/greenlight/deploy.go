package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"os"
	"slices"

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
	function, group, member, strategy, build, manifest string
	artifacts                                          []string
	wait                                               bool
	stack, output                                      string
	configuration                                      configurationFlags
}

// deployResult is what deploy reports; --output json prints it.
type deployResult struct {
	Function string `json:"function,omitempty"`
	Group    string `json:"group,omitempty"`
	// Members are the functions whose packages a group's bundle holds.
	Members []string `json:"members,omitempty"`
	Build   string   `json:"build,omitempty"`
	Bucket  string   `json:"bucket,omitempty"`
	Key     string   `json:"key,omitempty"`
	// ExecutionARN is the release a configuration-only deploy started.
	ExecutionARN string         `json:"executionArn,omitempty"`
	VersionID    string         `json:"versionId,omitempty"`
	ManifestKey  string         `json:"manifestKey,omitempty"`
	Release      *releaseReport `json:"release,omitempty"`
}

func newDeployCmd(a *releaseApp) *cobra.Command {
	var o deployOptions
	cmd := &cobra.Command{
		Use:   "deploy (--function F [--artifact app.zip] | --group G [--artifact FN=fn.zip ...] [--member FN]) [configuration flags]",
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

With --group, the members of a configured group are released as one: each
--artifact FN=path puts member FN's zip into one bundle, uploaded to
releases/<group>/<build>.zip (members without a zip keep their code), and
the configuration flags change the member named by --member. The group's
manifest keys the configuration by member:
{"configuration": {"<member>": {...}}, "strategy": ...}.

With --wait, deploy follows the release and exits 0 only when it is promoted
(or is a no-op), 1 when it failed or was rolled back. A configuration Lambda
would refuse exits 1 before anything is started.`,
		Example: `  greenlight deploy --function orders --artifact build/orders.zip
  greenlight deploy --function orders --artifact app.zip --strategy Linear10PercentEvery1Minute --wait
  greenlight deploy --function orders --artifact app.zip --strategy '{"steps":[{"percent":5,"bakeSeconds":60}]}'
  greenlight deploy --function orders --artifact app.zip --manifest release.json --build 42 -o json
  greenlight deploy --function orders --set-env FEATURE=b --wait
  greenlight deploy --function orders --artifact app.zip --memory 1024 --timeout 30 --unset-env DEBUG
  greenlight deploy --group shop -a shop-api=api.zip -a shop-worker=worker.zip --wait
  greenlight deploy --group shop -a shop-api=api.zip --member shop-worker --set-env MODE=b
  greenlight deploy --group shop --member shop-api --memory 512 --strategy AllAtOnce`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return a.deploy(cmd.Context(), cmd, o)
		},
	}
	f := cmd.Flags()
	f.StringVarP(&o.function, "function", "f", "", "function to release (this or --group is required)")
	f.StringVarP(&o.group, "group", "g", "", "group to release: its members as one")
	f.StringVar(&o.member, "member", "", "with --group: the member the configuration flags change")
	f.StringArrayVarP(&o.artifacts, "artifact", "a", nil, "zip file to upload (without it, the release keeps blue's code); with --group, FN=path, repeatable")
	f.StringVarP(&o.strategy, "strategy", "s", "", "strategy for this release: a preset name or custom steps as JSON")
	f.StringVar(&o.build, "build", "", "build id used in the object key (default: UTC time and a short hash of the zip)")
	f.StringVarP(&o.manifest, "manifest", "m", "", "JSON manifest with per-release overrides (strategy, tests, alarms, hook, ...)")
	f.BoolVarP(&o.wait, "wait", "w", false, "follow the release until it ends; the exit code tells how it ended")
	o.configuration.register(f)
	stackFlag(cmd, &o.stack)
	outputFlag(cmd, &o.output)
	return cmd
}

// releaseRequest is what a deploy asks the deployer for, once its flags
// are read and checked: an artifact to upload, or a console input to start.
type releaseRequest struct {
	// name is the function or group released: releases/<name>/.
	name  string
	group bool
	// functions must exist before anything is uploaded or started.
	functions []string
	// members are the functions a group's bundle holds.
	members []string
	// artifact is the zip (a group's bundle) to upload, with manifest
	// beside it when that is not nil.
	artifact, manifest []byte
	// input starts a release without an artifact.
	input []byte
}

func (a *releaseApp) deploy(ctx context.Context, cmd *cobra.Command, o deployOptions) error {
	switch {
	case o.function == "" && o.group == "":
		return usagef("--function is required (or --group, to release a group)")
	case o.group == "":
		if err := checkFunction(o.function); err != nil {
			return err
		}
	}
	if err := checkOutput(o.output); err != nil {
		return err
	}
	configuration, err := o.configuration.configuration(cmd.Flags())
	if err != nil {
		return err
	}
	var file []byte
	if o.manifest != "" {
		if file, err = os.ReadFile(o.manifest); err != nil {
			return usagef("--manifest: %v", err)
		}
	}
	var req releaseRequest
	if o.group != "" {
		req, err = groupRequest(o, file, configuration)
	} else {
		req, err = functionRequest(o, file, configuration)
	}
	if err != nil {
		return err
	}
	if req.artifact == nil && o.build != "" {
		return usagef("--build names an uploaded artifact: give --artifact too")
	}
	return a.submit(ctx, cmd, o, req)
}

// functionRequest reads the flags of a release of one function.
func functionRequest(o deployOptions, file []byte, configuration *release.Configuration) (releaseRequest, error) {
	if o.member != "" {
		return releaseRequest{}, usagef("--member names a member of a group: give --group too, or drop --member to change --function's configuration")
	}
	if err := checkManifestConfiguration(file, false); err != nil {
		return releaseRequest{}, err
	}
	manifest, err := manifestBody(manifestParts{file: file, strategy: o.strategy, configuration: configuration})
	if err != nil {
		return releaseRequest{}, err
	}
	req := releaseRequest{name: o.function, functions: []string{o.function}}
	switch len(o.artifacts) {
	case 0:
		m, err := parseConsoleManifest(manifest, release.ParseManifest)
		if err != nil {
			return req, err
		}
		if m.Configuration.IsEmpty() {
			return req, usagef("%v", errNothingToRelease)
		}
		req.input, err = consoleInput(manifest, "function", o.function)
		return req, err
	case 1:
	default:
		return req, usagef("--artifact is given %d times: a function takes one zip (release several functions as one with --group G -a FN=path ...)", len(o.artifacts))
	}
	body, err := os.ReadFile(o.artifacts[0])
	if err != nil {
		return req, usagef("--artifact: %v", err)
	}
	if err := checkZip(o.artifacts[0], body); err != nil {
		return req, err
	}
	req.artifact, req.manifest = body, manifest
	return req, nil
}

// groupRequest reads the flags of a release of a group: its members' zips
// bundled into one artifact, or its members' configuration only.
func groupRequest(o deployOptions, file []byte, configuration *release.Configuration) (releaseRequest, error) {
	if err := checkGroup(o.group); err != nil {
		return releaseRequest{}, err
	}
	switch {
	case o.function != "":
		return releaseRequest{}, usagef("--group and --function: a group release names its members with --artifact FN=path and --member FN; --function releases one function alone")
	case configuration != nil && o.member == "":
		return releaseRequest{}, usagef("configuration flags with --group change one member: name it with --member FN")
	case o.member != "" && configuration == nil:
		return releaseRequest{}, usagef("--member %s: give the configuration flags that change it", o.member)
	case o.member != "" && !release.IsFunctionName(o.member):
		return releaseRequest{}, usagef("--member %q is not a Lambda function name (letters, digits, - and _, up to 64)", o.member)
	}
	if err := checkManifestConfiguration(file, true); err != nil {
		return releaseRequest{}, err
	}
	manifest, err := manifestBody(manifestParts{file: file, strategy: o.strategy, configuration: configuration, group: true, member: o.member})
	if err != nil {
		return releaseRequest{}, err
	}
	members, err := readMembers(o.artifacts)
	if err != nil {
		return releaseRequest{}, err
	}
	m, err := parseConsoleManifest(manifest, release.ParseGroupManifest)
	if err != nil {
		return releaseRequest{}, err
	}
	req := releaseRequest{name: o.group, group: true, members: memberNames(members)}
	req.functions = slices.Sorted(maps.Keys(m.MemberConfiguration))
	for _, fn := range req.members {
		if !slices.Contains(req.functions, fn) {
			req.functions = append(req.functions, fn)
		}
	}
	slices.Sort(req.functions)
	if len(members) > 0 {
		req.manifest = manifest
		req.artifact, err = buildBundle(members)
		return req, err
	}
	changes := false
	for _, c := range m.MemberConfiguration {
		changes = changes || !c.IsEmpty()
	}
	if !changes {
		return req, usagef("%v", errNothingToReleaseGroup)
	}
	req.input, err = consoleInput(manifest, "group", o.group)
	return req, err
}

// parseConsoleManifest reads the manifest a release without an artifact
// starts with (nil: none) as the deployer will.
func parseConsoleManifest(manifest []byte, parse func([]byte) (release.Manifest, error)) (release.Manifest, error) {
	if manifest == nil {
		return release.Manifest{}, nil
	}
	m, err := parse(manifest)
	if err != nil {
		return m, usagef("--manifest: %v", err)
	}
	return m, nil
}

// consoleInput is the input that starts a release without an artifact: the
// manifest's fields, and the function or group under key.
func consoleInput(manifest []byte, key, name string) ([]byte, error) {
	fields := map[string]json.RawMessage{}
	if err := json.Unmarshal(manifest, &fields); err != nil {
		return nil, usagef("--manifest: %v", err)
	}
	raw, err := json.Marshal(name)
	if err != nil {
		return nil, err
	}
	fields[key] = raw
	input, err := json.Marshal(fields)
	if err != nil {
		return nil, fmt.Errorf("encode release input: %w", err)
	}
	return input, nil
}

// result is the start of what deploy reports about req.
func (req releaseRequest) result() deployResult {
	if req.group {
		return deployResult{Group: req.name, Members: req.members}
	}
	return deployResult{Function: req.name}
}

// submit starts the release req asks for: it uploads the artifact (and the
// manifest first), which starts the release, or starts the release with its
// console input. With --wait it follows the release to its end.
func (a *releaseApp) submit(ctx context.Context, cmd *cobra.Command, o deployOptions, req releaseRequest) error {
	if req.artifact != nil {
		if o.build == "" {
			o.build = defaultBuildID(a.now(), req.artifact)
		}
		if err := checkBuild(o.build); err != nil {
			return err
		}
	}
	s, err := a.open(ctx, o.stack)
	if err != nil {
		return err
	}
	for _, fn := range req.functions {
		if err := checkFunctionExists(ctx, s.functions, fn); err != nil {
			return err
		}
	}
	res := req.result()
	out := cmd.OutOrStdout()
	var arn string
	if req.artifact == nil {
		if arn, err = s.start(ctx, req); err != nil {
			return err
		}
		res.ExecutionARN = arn
		if o.output == "text" {
			fmt.Fprintf(out, "started %s\n", arn)
		}
	} else {
		started := a.now()
		if err := s.upload(ctx, o.build, req, &res); err != nil {
			return err
		}
		if o.output == "text" {
			fmt.Fprintf(out, "uploaded s3://%s/%s", res.Bucket, res.Key)
			if res.VersionID != "" {
				fmt.Fprintf(out, " (version %s)", res.VersionID)
			}
			fmt.Fprintln(out)
		}
		if o.wait {
			if arn, err = a.findExecution(ctx, s, follow.Object{Bucket: res.Bucket, Key: res.Key, VersionID: res.VersionID}, started); err != nil {
				return err
			}
		}
	}
	if !o.wait {
		if o.output == "json" {
			return writeJSON(out, res)
		}
		return nil
	}
	return a.await(ctx, s, arn, o.output, res, out)
}

// start starts a release with req's console input and returns its ARN.
func (s *session) start(ctx context.Context, req releaseRequest) (string, error) {
	started, err := s.starter.StartExecution(ctx, &sfn.StartExecutionInput{
		StateMachineArn: &s.stack.StateMachineARN, Input: aws.String(string(req.input)),
	})
	if err != nil {
		return "", fmt.Errorf("start the release of %s: %w", req.name, err)
	}
	return aws.ToString(started.ExecutionArn), nil
}

// upload puts req's manifest, then its artifact, under releases/<name>/
// and records where in res.
func (s *session) upload(ctx context.Context, build string, req releaseRequest, res *deployResult) error {
	zipKey, manifestKey := artifactKeys(req.name, build)
	res.Build, res.Bucket, res.Key = build, s.stack.Bucket, zipKey
	if req.manifest != nil {
		if _, err := s.objects.PutObject(ctx, &s3.PutObjectInput{
			Bucket: &s.stack.Bucket, Key: &manifestKey, Body: bytes.NewReader(req.manifest),
			ContentType: aws.String("application/json"),
		}); err != nil {
			return fmt.Errorf("upload manifest s3://%s/%s: %w", s.stack.Bucket, manifestKey, err)
		}
		res.ManifestKey = manifestKey
	}
	put, err := s.objects.PutObject(ctx, &s3.PutObjectInput{
		Bucket: &s.stack.Bucket, Key: &zipKey, Body: bytes.NewReader(req.artifact),
		ContentType: aws.String("application/zip"),
	})
	if err != nil {
		return fmt.Errorf("upload artifact s3://%s/%s: %w", s.stack.Bucket, zipKey, err)
	}
	res.VersionID = aws.ToString(put.VersionId)
	return nil
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
