package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awslambda "github.com/aws/aws-sdk-go-v2/service/lambda"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/greenlight/greenlight/internal/bundle"
	"github.com/greenlight/greenlight/internal/config"
	"github.com/greenlight/greenlight/internal/failure"
	"github.com/greenlight/greenlight/internal/lambdaenv"
	"github.com/greenlight/greenlight/internal/release"
)

// objectReader reads manifests and pins console artifacts to a version.
type objectReader interface {
	GetObject(context.Context, *s3.GetObjectInput, ...func(*s3.Options)) (*s3.GetObjectOutput, error)
	HeadObject(context.Context, *s3.HeadObjectInput, ...func(*s3.Options)) (*s3.HeadObjectOutput, error)
}

// functionReader checks that the function exists, reads its tags, and reads
// the alias a release names as its candidate.
type functionReader interface {
	GetFunction(context.Context, *awslambda.GetFunctionInput, ...func(*awslambda.Options)) (*awslambda.GetFunctionOutput, error)
	GetAlias(context.Context, *awslambda.GetAliasInput, ...func(*awslambda.Options)) (*awslambda.GetAliasOutput, error)
}

var (
	_ objectReader   = (*s3.Client)(nil)
	_ functionReader = (*awslambda.Client)(nil)
)

// maxManifestBytes bounds the manifest: it becomes part of the release
// document, which release.MaxDocumentBytes bounds in turn.
const maxManifestBytes = release.MaxDocumentBytes

// Input is what the workflow hands to prepare.
type Input struct {
	// Input is the execution input: an EventBridge S3 "Object Created" event
	// or a console input.
	Input        json.RawMessage `json:"input"`
	ExecutionARN string          `json:"executionArn"`
	StartTime    time.Time       `json:"startTime"`
}

// Handler builds the release document. It only reads: the artifact's
// manifest, the artifact's object metadata, and the target function.
type Handler struct {
	Config *config.Config
	// Bucket is the artifact bucket, used when a console input names none.
	Bucket string
	S3     objectReader
	Lambda functionReader
}

// Handle parses, checks and plans the release; every problem with the input
// is reported at once in a *failure.ValidationError.
func (h *Handler) Handle(ctx context.Context, in Input) (*release.Document, error) {
	if len(in.Input) == 0 || string(in.Input) == "null" {
		return nil, &failure.ValidationError{Problems: []string{"input is missing: start the release with an S3 event or a console input"}}
	}
	var (
		req = release.Request{ExecutionARN: in.ExecutionARN, StartedAt: in.StartTime}
		v   failure.ValidationError
		err error
	)
	var manifest release.Manifest
	if release.IsEvent(in.Input) {
		req.Source = release.SourceS3
		if req.Input, err = release.ParseEvent(in.Input); err != nil {
			return nil, err
		}
		if _, ok := h.Config.Groups[req.Input.Function]; ok {
			// releases/<group>/<build>.zip is a group's bundle.
			req.Input.Group, req.Input.Function = req.Input.Function, ""
		}
		if !h.ownBucket(req.Input.Artifact, &v) {
			return nil, v.Err()
		}
		if manifest, err = h.manifest(ctx, req.Input.Artifact, req.Input.Group != ""); err != nil {
			return nil, err
		}
		req.Input.Configuration, req.Input.MemberConfiguration = manifest.Configuration, manifest.MemberConfiguration
	} else {
		req.Source = release.SourceConsole
		if req.Input, err = release.ParseConsole(in.Input); err != nil {
			return nil, err
		}
		if req.Input.Artifact.Bucket == "" && req.Input.Artifact != (release.Artifact{}) {
			req.Input.Artifact.Bucket = h.Bucket
		}
		if h.ownBucket(req.Input.Artifact, &v) {
			if err := h.pin(ctx, &req.Input.Artifact, &v); err != nil {
				return nil, err
			}
		}
	}
	if req.Input.Group != "" {
		return h.prepareGroup(ctx, req, manifest, &v)
	}
	if _, ok := h.Config.Groups[req.Input.Function]; ok {
		v.Add("%q is a group: start its release with \"group\": %q (the bundle releases/%s/<build>.zip holds one <function>.zip per member)", req.Input.Function, req.Input.Function, req.Input.Function)
		return nil, v.Err()
	}
	if err := h.checkTarget(ctx, req.Input.Function, &v); err != nil {
		return nil, err
	}
	requested := req.Input.Settings.Over(manifest.Settings)
	h.checkHook(requested.Hook, &v)
	if err := h.checkAliases(ctx, req.Input.Function, requested, &v); err != nil {
		return nil, err
	}
	req.Settings = requested.Over(h.Config.SettingsFor(req.Input.Function))
	if s := req.Settings.Strategy; s != nil {
		if p := h.Config.CheckLongest(*s); p != "" {
			v.Add("%s", p)
		}
	}
	d, err := release.New(req)
	return planned(&v, d, err)
}

// planned joins the problems of a plan (release.New or release.NewGroup) to
// those prepare found itself, so that every problem is reported at once.
func planned(v *failure.ValidationError, d *release.Document, err error) (*release.Document, error) {
	var verr *failure.ValidationError
	if errors.As(err, &verr) {
		v.Problems = append(v.Problems, verr.Problems...)
	} else if err != nil {
		return nil, err
	}
	if err := v.Err(); err != nil {
		return nil, err
	}
	return d, nil
}

// prepareGroup plans the release of a group: its settings over the
// configured ones, each member's configured settings, which members the
// bundle holds, and each member's configuration.
func (h *Handler) prepareGroup(ctx context.Context, req release.Request, manifest release.Manifest, v *failure.ValidationError) (*release.Document, error) {
	in := req.Input
	g, ok := h.Config.Groups[in.Group]
	if !ok {
		v.Add("group %q is not configured (groups in %s)", in.Group, lambdaenv.ConfigVar)
		return nil, v.Err()
	}
	requested := in.Settings.Over(manifest.Settings)
	h.checkHook(requested.Hook, v)
	if requested.LiveAlias != "" || requested.CandidateAlias != "" {
		v.Add("liveAlias and candidateAlias are each member's own (functions.<name> in the configuration), not a group release's")
	}
	settings := requested.Over(h.Config.GroupSettings(in.Group))
	if s := settings.Strategy; s != nil {
		if p := h.Config.CheckLongest(*s); p != "" {
			v.Add("%s", p)
		}
	}
	inBundle := map[string]bool{}
	// A bundle in another bucket is reported by ownBucket, and not read.
	if in.Artifact.Bucket == h.Bucket && in.Artifact.Key != "" && in.Artifact.VersionID != "" {
		names, err := bundle.List(ctx, h.S3, in.Artifact)
		var verr *failure.ValidationError
		if errors.As(err, &verr) {
			v.Problems = append(v.Problems, verr.Problems...)
		} else if err != nil {
			return nil, err
		}
		for _, fn := range names {
			if !slices.Contains(g.Functions, fn) {
				v.Add("the bundle holds %s.zip, but %s is not a member of group %s (%s)", fn, fn, in.Group, strings.Join(g.Functions, ", "))
			}
			inBundle[fn] = true
		}
	}
	for _, fn := range slices.Sorted(maps.Keys(in.MemberConfiguration)) {
		if !slices.Contains(g.Functions, fn) {
			v.Add("configuration.%s: %s is not a member of group %s (%s)", fn, fn, in.Group, strings.Join(g.Functions, ", "))
		}
	}
	gr := release.GroupRequest{
		Group: in.Group, Source: req.Source, Artifact: in.Artifact, Settings: settings,
		ExecutionARN: req.ExecutionARN, StartedAt: req.StartedAt,
	}
	for _, fn := range g.Functions {
		if err := h.checkTarget(ctx, fn, v); err != nil {
			return nil, err
		}
		member := h.Config.SettingsFor(fn)
		if err := h.checkAliases(ctx, fn, release.Settings{}, v); err != nil {
			return nil, err
		}
		if !inBundle[fn] && in.MemberConfiguration[fn].IsEmpty() {
			if err := h.checkReleased(ctx, fn, member.Over(release.BuiltinAliases).LiveAlias, v); err != nil {
				return nil, err
			}
		}
		gr.Members = append(gr.Members, release.MemberRequest{
			Function: fn, InBundle: inBundle[fn], Configuration: in.MemberConfiguration[fn], Settings: member,
		})
	}
	d, err := release.NewGroup(gr)
	return planned(v, d, err)
}

// checkReleased refuses a group release that leaves out a member that has
// no live alias yet: that member would serve nothing through its candidate
// alias, and the group's tests would not see a whole stack.
func (h *Handler) checkReleased(ctx context.Context, fn, live string, v *failure.ValidationError) error {
	if !release.IsFunctionName(fn) {
		return nil
	}
	_, err := h.Lambda.GetAlias(ctx, &awslambda.GetAliasInput{FunctionName: &fn, Name: &live})
	if failure.IsNotFound(err) {
		v.Add("%s has never been released (it has no %s alias): the group's release must carry %s.zip until it has been", fn, live, fn)
		return nil
	}
	if err != nil {
		return failure.Classify("get alias "+fn+":"+live, err)
	}
	return nil
}

// manifest reads releases/<function>/<build>.json beside the artifact (a
// group's manifest, keyed by member, beside a bundle); a missing manifest is
// no manifest.
func (h *Handler) manifest(ctx context.Context, a release.Artifact, group bool) (release.Manifest, error) {
	key := release.ManifestKey(a.Key)
	out, err := h.S3.GetObject(ctx, &s3.GetObjectInput{Bucket: &a.Bucket, Key: &key})
	if failure.IsNotFound(err) {
		return release.Manifest{}, nil
	}
	if err != nil {
		return release.Manifest{}, failure.Classify("read manifest s3://"+a.Bucket+"/"+key, err)
	}
	defer out.Body.Close()
	body, err := io.ReadAll(io.LimitReader(out.Body, maxManifestBytes+1))
	if err != nil {
		return release.Manifest{}, &failure.ThrottledError{Op: "read manifest s3://" + a.Bucket + "/" + key, Err: err}
	}
	if len(body) > maxManifestBytes {
		return release.Manifest{}, &failure.ValidationError{Problems: []string{fmt.Sprintf("manifest %s is larger than %d bytes (a release document must stay well under Step Functions' 256 KiB)", key, maxManifestBytes)}}
	}
	if group {
		return release.ParseGroupManifest(body)
	}
	return release.ParseManifest(body)
}

// ownBucket reports whether artifact a is in the artifact bucket, or names
// no bucket, and adds a problem when it is not: greenlight's roles may read
// no other bucket, so S3 would only deny the reads, after the input had been
// taken for a release.
func (h *Handler) ownBucket(a release.Artifact, v *failure.ValidationError) bool {
	if a.Bucket == "" || a.Bucket == h.Bucket {
		return true
	}
	v.Add("artifact.bucket %q is not the artifact bucket %q: greenlight releases only what is uploaded there", a.Bucket, h.Bucket)
	return false
}

// pin makes a console artifact exact: it resolves the current version when
// none is given and checks that the object exists.
func (h *Handler) pin(ctx context.Context, a *release.Artifact, v *failure.ValidationError) error {
	if a.Bucket == "" || a.Key == "" {
		return nil // reported by validation
	}
	in := &s3.HeadObjectInput{Bucket: &a.Bucket, Key: &a.Key}
	if a.VersionID != "" {
		in.VersionId = &a.VersionID
	}
	out, err := h.S3.HeadObject(ctx, in)
	if failure.IsNotFound(err) {
		v.Add("artifact s3://%s/%s (version %q) does not exist", a.Bucket, a.Key, a.VersionID)
		return nil
	}
	if err != nil {
		return failure.Classify("head artifact s3://"+a.Bucket+"/"+a.Key, err)
	}
	a.VersionID = aws.ToString(out.VersionId)
	a.Size = aws.ToInt64(out.ContentLength)
	return nil
}

// checkTarget reports a function that does not exist or that the
// configuration does not let greenlight release.
func (h *Handler) checkTarget(ctx context.Context, fn string, v *failure.ValidationError) error {
	if !release.IsFunctionName(fn) {
		return nil // reported by validation
	}
	out, err := h.Lambda.GetFunction(ctx, &awslambda.GetFunctionInput{FunctionName: &fn})
	if failure.IsNotFound(err) {
		v.Add("function %q does not exist", fn)
		return nil
	}
	if err != nil {
		return failure.Classify("get function "+fn, err)
	}
	if !h.Config.Targets.ByName(fn) && !h.Config.Targets.ByTags(out.Tags) {
		v.Add("function %q is not a greenlight target (see targets in %s)", fn, lambdaenv.ConfigVar)
	}
	return nil
}

// checkHook refuses a hook that a release asks for and greenlight may not
// invoke (see config.Config.HookProblem). A malformed one is reported by
// validation.
func (h *Handler) checkHook(hook string, v *failure.ValidationError) {
	if hook == "" || !release.IsHookName(hook) {
		return
	}
	if p := h.Config.HookProblem(hook); p != "" {
		v.Add("%s", p)
	}
}

// checkAliases refuses aliases that a release may not choose: another live
// alias than the configured one, the live alias as candidate, or as candidate
// an existing alias that greenlight did not create (callers may use it).
func (h *Handler) checkAliases(ctx context.Context, fn string, requested release.Settings, v *failure.ValidationError) error {
	configured := h.Config.SettingsFor(fn).Over(release.BuiltinAliases)
	problems := release.AliasProblems(fn, configured, requested)
	for _, p := range problems {
		v.Add("%s", p)
	}
	c := requested.CandidateAlias
	if len(problems) > 0 || c == "" || c == configured.CandidateAlias || !release.IsFunctionName(fn) || !release.IsAliasName(c) {
		return nil
	}
	out, err := h.Lambda.GetAlias(ctx, &awslambda.GetAliasInput{FunctionName: &fn, Name: &c})
	if failure.IsNotFound(err) {
		return nil
	}
	if err != nil {
		return failure.Classify("get alias "+fn+":"+c, err)
	}
	if aws.ToString(out.Description) != release.ManagedAliasDescription {
		v.Add("candidateAlias %q already exists on %s and was not created by greenlight: callers may use it, so it cannot be the candidate", c, fn)
	}
	return nil
}
