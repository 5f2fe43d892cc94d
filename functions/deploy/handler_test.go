package main

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"io"
	"maps"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch"
	awslambda "github.com/aws/aws-sdk-go-v2/service/lambda"
	lambdatypes "github.com/aws/aws-sdk-go-v2/service/lambda/types"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/aws/smithy-go"

	"github.com/greenlight/greenlight/internal/bundle/bundletest"
	"github.com/greenlight/greenlight/internal/failure"
	"github.com/greenlight/greenlight/internal/ledger"
	"github.com/greenlight/greenlight/internal/ledger/ledgertest"
	"github.com/greenlight/greenlight/internal/release"
	"github.com/greenlight/greenlight/internal/release/releasetest"
	"github.com/greenlight/greenlight/internal/traffic"
	"github.com/greenlight/greenlight/internal/traffic/traffictest"
)

const (
	blueCode  = "PK\x03\x04blue"
	greenCode = "PK\x03\x04green"
)

func sum(s string) string {
	h := sha256.Sum256([]byte(s))
	return base64.StdEncoding.EncodeToString(h[:])
}

// fakeS3 holds one object version: releases/orders/42.zip?versionId=v42.
type fakeS3 struct {
	body     string
	size     int64 // reported size; len(body) when zero
	checksum string
	reads    int
}

func (f *fakeS3) HeadObject(_ context.Context, in *s3.HeadObjectInput, _ ...func(*s3.Options)) (*s3.HeadObjectOutput, error) {
	if aws.ToString(in.VersionId) != "v42" {
		return nil, &s3types.NotFound{}
	}
	size := f.size
	if size == 0 {
		size = int64(len(f.body))
	}
	out := &s3.HeadObjectOutput{ContentLength: &size}
	if f.checksum != "" {
		out.ChecksumSHA256, out.ChecksumType = &f.checksum, s3types.ChecksumTypeFullObject
	}
	return out, nil
}

// PutObject refuses: only a group release writes, when it extracts a
// member's code from the bundle.
func (f *fakeS3) PutObject(context.Context, *s3.PutObjectInput, ...func(*s3.Options)) (*s3.PutObjectOutput, error) {
	return nil, errors.New("fakeS3 holds one object and takes no other")
}

func (f *fakeS3) GetObject(_ context.Context, in *s3.GetObjectInput, _ ...func(*s3.Options)) (*s3.GetObjectOutput, error) {
	if aws.ToString(in.VersionId) != "v42" {
		return nil, &s3types.NoSuchKey{}
	}
	f.reads++
	body := f.body
	if in.Range != nil && body == "" {
		return nil, &smithy.GenericAPIError{Code: "InvalidRange", Message: "The requested range is not satisfiable"}
	}
	if in.Range != nil {
		body = body[:min(4, len(body))]
	}
	return &s3.GetObjectOutput{Body: io.NopCloser(strings.NewReader(body))}, nil
}

// fakeLambda is one function with published versions and aliases.
type fakeLambda struct {
	*traffictest.Aliases
	versions   map[string]string // version -> CodeSha256
	latest     string            // CodeSha256 of $LATEST
	revision   int
	inProgress int    // polls that still report InProgress
	failUpdate bool   // the update ends Failed
	computed   string // CodeSha256 Lambda computes; sha of the artifact when empty
	artifact   string
	// bucket, when set, holds the code that updates name; else artifact
	// is releases/orders/42.zip?versionId=v42, the only code there is.
	bucket    *bundletest.Bucket
	errs      map[string]error
	published []string
	// env is each version's environment, latestEnv $LATEST's.
	env       map[string]map[string]string
	latestEnv map[string]string
	codeCalls int
}

func (f *fakeLambda) UpdateFunctionConfiguration(_ context.Context, in *awslambda.UpdateFunctionConfigurationInput, _ ...func(*awslambda.Options)) (*awslambda.UpdateFunctionConfigurationOutput, error) {
	if err := f.errs["UpdateFunctionConfiguration"]; err != nil {
		return nil, err
	}
	if aws.ToString(in.RevisionId) != strconv.Itoa(f.revision) {
		return nil, &lambdatypes.PreconditionFailedException{}
	}
	if in.Environment != nil {
		f.latestEnv = maps.Clone(in.Environment.Variables)
	}
	f.revision++
	return &awslambda.UpdateFunctionConfigurationOutput{}, nil
}

func (f *fakeLambda) GetFunctionConfiguration(_ context.Context, in *awslambda.GetFunctionConfigurationInput, _ ...func(*awslambda.Options)) (*awslambda.GetFunctionConfigurationOutput, error) {
	if err := f.errs["GetFunctionConfiguration"]; err != nil {
		return nil, err
	}
	if q := aws.ToString(in.Qualifier); q != "" {
		sha, ok := f.versions[q]
		if !ok {
			return nil, &lambdatypes.ResourceNotFoundException{}
		}
		return &awslambda.GetFunctionConfigurationOutput{Version: &q, CodeSha256: &sha, Environment: &lambdatypes.EnvironmentResponse{Variables: f.env[q]}}, nil
	}
	out := &awslambda.GetFunctionConfigurationOutput{CodeSha256: aws.String(f.latest), RevisionId: aws.String(strconv.Itoa(f.revision)), LastUpdateStatus: lambdatypes.LastUpdateStatusSuccessful,
		Environment: &lambdatypes.EnvironmentResponse{Variables: f.latestEnv}}
	switch {
	case f.inProgress > 0:
		f.inProgress--
		out.LastUpdateStatus = lambdatypes.LastUpdateStatusInProgress
	case f.failUpdate:
		out.LastUpdateStatus, out.LastUpdateStatusReasonCode = lambdatypes.LastUpdateStatusFailed, lambdatypes.LastUpdateStatusReasonCodeInvalidZipFileException
		out.LastUpdateStatusReason = aws.String("unzipped size too large")
	}
	return out, nil
}

func (f *fakeLambda) UpdateFunctionCode(_ context.Context, in *awslambda.UpdateFunctionCodeInput, _ ...func(*awslambda.Options)) (*awslambda.UpdateFunctionCodeOutput, error) {
	f.codeCalls++
	if err := f.errs["UpdateFunctionCode"]; err != nil {
		return nil, err
	}
	if aws.ToString(in.RevisionId) != strconv.Itoa(f.revision) {
		return nil, &lambdatypes.PreconditionFailedException{}
	}
	code, ok := f.code(aws.ToString(in.S3Key), aws.ToString(in.S3ObjectVersion))
	if !ok {
		return nil, &lambdatypes.InvalidParameterValueException{Message: aws.String("wrong object")}
	}
	f.latest = f.computed
	if f.latest == "" {
		f.latest = sum(code)
	}
	f.revision++
	return &awslambda.UpdateFunctionCodeOutput{CodeSha256: aws.String(f.latest)}, nil
}

// code is the object version key?versionId=version, as Lambda reads it.
func (f *fakeLambda) code(key, version string) (string, bool) {
	if f.bucket != nil {
		b, ok := f.bucket.Object(key, version)
		return string(b), ok
	}
	return f.artifact, key == "releases/orders/42.zip" && version == "v42"
}

func (f *fakeLambda) PublishVersion(_ context.Context, in *awslambda.PublishVersionInput, _ ...func(*awslambda.Options)) (*awslambda.PublishVersionOutput, error) {
	if err := f.errs["PublishVersion"]; err != nil {
		return nil, err
	}
	if aws.ToString(in.CodeSha256) != f.latest || aws.ToString(in.RevisionId) != strconv.Itoa(f.revision) {
		return nil, &lambdatypes.PreconditionFailedException{}
	}
	v := strconv.Itoa(len(f.versions) + 1)
	f.versions[v] = f.latest
	f.env[v] = maps.Clone(f.latestEnv)
	f.published = append(f.published, v)
	return &awslambda.PublishVersionOutput{Version: &v}, nil
}

type fakeCloudWatch struct {
	mu     sync.Mutex
	alarms []*cloudwatch.PutMetricAlarmInput
}

func (f *fakeCloudWatch) PutMetricAlarm(_ context.Context, in *cloudwatch.PutMetricAlarmInput, _ ...func(*cloudwatch.Options)) (*cloudwatch.PutMetricAlarmOutput, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.alarms = append(f.alarms, in)
	return &cloudwatch.PutMetricAlarmOutput{}, nil
}

type world struct {
	h      *Handler
	s3     *fakeS3
	lambda *fakeLambda
	cw     *fakeCloudWatch
	bucket *ledgertest.Bucket
	t      *testing.T
}

// newFunction has versions 1-3 published, blue's code on $LATEST, and live
// and the candidate alias on 3.
func newFunction() *fakeLambda {
	return &fakeLambda{
		Aliases:  traffictest.New(map[string]traffic.Alias{"live": {Version: "3"}, "green": {Version: "3"}}),
		versions: map[string]string{"1": sum("one"), "2": sum("two"), "3": sum(blueCode)},
		latest:   sum(blueCode), artifact: greenCode, errs: map[string]error{},
		env:       map[string]map[string]string{"3": {"FEATURE": "a", "OTHER": "x"}},
		latestEnv: map[string]string{"FEATURE": "a", "OTHER": "x"},
	}
}

// newWorld has versions 1-3 published and live on 3, unless first is set.
func newWorld(t *testing.T, d *release.Document, first bool) *world {
	w := &world{
		s3:     &fakeS3{body: greenCode},
		lambda: newFunction(),
		cw:     &fakeCloudWatch{},
		bucket: ledgertest.NewBucket(),
		t:      t,
	}
	if first {
		w.lambda.Aliases = traffictest.New(nil)
		w.lambda.versions = map[string]string{}
	}
	w.bucket.Put(t, ledger.Record{Function: "orders", ExecutionARN: d.ExecutionARN})
	w.h = &Handler{S3: w.s3, Lambda: w.lambda, CloudWatch: w.cw, Ledger: &ledger.Ledger{S3: w.bucket, Bucket: "artifacts"}, PollDelay: 1}
	return w
}

func TestHandleHappyPath(t *testing.T) {
	d := releasetest.Load(t)
	w := newWorld(t, d, false)
	w.lambda.inProgress = 2
	got, err := w.h.Handle(context.Background(), d)
	if err != nil {
		t.Fatal(err)
	}
	s := got.State
	if s.Blue != "3" || s.Green != "4" || s.FirstRelease || s.Noop || s.Phase != release.PhaseDeployed {
		t.Errorf("state = %+v", s)
	}
	if a, _ := w.lambda.Alias("green"); a.Version != "4" {
		t.Errorf("candidate alias at %q, want 4", a.Version)
	}
	if a, _ := w.lambda.Alias("live"); a.Version != "3" || len(a.Weights) != 0 {
		t.Errorf("live alias moved: %+v", a)
	}
	if len(w.cw.alarms) != 1 || *w.cw.alarms[0].AlarmName != d.State.ReleaseAlarm {
		t.Fatalf("alarms = %v", w.cw.alarms)
	}
	for _, dim := range w.cw.alarms[0].Dimensions {
		if *dim.Name == "ExecutedVersion" && *dim.Value != "4" {
			t.Errorf("alarm watches version %s", *dim.Value)
		}
	}
	rec, _ := w.bucket.Record(t, "orders")
	if rec.Blue != "3" || rec.Green != "4" || rec.ReleaseAlarm != d.State.ReleaseAlarm {
		t.Errorf("lock record = %+v", rec)
	}
}

func TestHandleFirstRelease(t *testing.T) {
	d := releasetest.Load(t)
	w := newWorld(t, d, true)
	got, err := w.h.Handle(context.Background(), d)
	if err != nil {
		t.Fatal(err)
	}
	if !got.State.FirstRelease || got.State.Blue != "" || got.State.Green != "1" {
		t.Errorf("state = %+v", got.State)
	}
	if _, ok := w.lambda.Alias("live"); ok {
		t.Error("deploy created the live alias; it is created only after the tests pass")
	}
	if a, ok := w.lambda.Alias("green"); !ok || a.Version != "1" {
		t.Errorf("candidate alias = %+v, %v", a, ok)
	}
}

func TestHandleNoop(t *testing.T) {
	d := releasetest.Load(t)
	w := newWorld(t, d, false)
	w.s3.body, w.lambda.artifact = blueCode, blueCode
	got, err := w.h.Handle(context.Background(), d)
	if err != nil {
		t.Fatal(err)
	}
	if !got.State.Noop || got.State.Green != "3" || got.State.Phase != release.PhaseNoop {
		t.Errorf("state = %+v", got.State)
	}
	if len(w.lambda.published) != 0 || len(w.cw.alarms) != 0 {
		t.Errorf("a no-op published %v and created %d alarms", w.lambda.published, len(w.cw.alarms))
	}
}

func TestHandleChecksums(t *testing.T) {
	tests := []struct {
		name      string
		sha256    string
		stored    string
		computed  string
		wantErr   bool
		wantReads int
	}{
		{name: "no checksum: only the zip header is read", wantReads: 1},
		{name: "hex checksum matches the object", sha256: hexSum(greenCode), wantReads: 1},
		{name: "checksum checked against S3's", sha256: sum(greenCode), stored: sum(greenCode), wantReads: 1},
		{name: "object does not match", sha256: sum("other"), wantErr: true, wantReads: 1},
		{name: "S3 checksum does not match", sha256: sum(greenCode), stored: sum("other"), wantErr: true, wantReads: 1},
		{name: "CodeSha256 mismatch", sha256: sum(greenCode), stored: sum(greenCode), computed: sum("tampered"), wantErr: true, wantReads: 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := releasetest.Load(t)
			d.Artifact.SHA256 = tt.sha256
			if tt.sha256 != "" {
				d.Artifact.SHA256, _ = release.NormalizeSHA256(tt.sha256)
			}
			w := newWorld(t, d, false)
			w.s3.checksum, w.lambda.computed = tt.stored, tt.computed
			_, err := w.h.Handle(context.Background(), d)
			var ae *failure.ArtifactError
			if tt.wantErr != errors.As(err, &ae) {
				t.Fatalf("error = %v", err)
			}
			if w.s3.reads != tt.wantReads {
				t.Errorf("object read %d times, want %d", w.s3.reads, tt.wantReads)
			}
		})
	}
}

func hexSum(s string) string {
	b, _ := base64.StdEncoding.DecodeString(sum(s))
	const digits = "0123456789abcdef"
	out := make([]byte, 0, 64)
	for _, c := range b {
		out = append(out, digits[c>>4], digits[c&15])
	}
	return string(out)
}

func TestHandleErrors(t *testing.T) {
	tests := []struct {
		name    string
		setup   func(*world, *release.Document)
		wantErr any
	}{
		{"object version gone", func(_ *world, d *release.Document) { d.Artifact.VersionID = "gone" }, new(*failure.ArtifactError)},
		{"not a zip", func(w *world, _ *release.Document) { w.s3.body = "#!/bin/sh" }, new(*failure.ArtifactError)},
		{"empty object", func(w *world, _ *release.Document) { w.s3.body = "" }, new(*failure.ArtifactError)},
		{"shorter than a zip header", func(w *world, _ *release.Document) { w.s3.body = "PK" }, new(*failure.ArtifactError)},
		{"too big", func(w *world, _ *release.Document) { w.s3.size = release.MaxArtifactBytes + 1 }, new(*failure.ArtifactError)},
		{"RevisionId precondition failed", func(w *world, _ *release.Document) {
			w.lambda.errs["UpdateFunctionCode"] = &lambdatypes.PreconditionFailedException{}
		}, new(*failure.ConflictError)},
		{"update already in progress", func(w *world, _ *release.Document) {
			w.lambda.errs["UpdateFunctionCode"] = &lambdatypes.ResourceConflictException{}
		}, new(*failure.ConflictError)},
		{"invalid zip", func(w *world, _ *release.Document) {
			w.lambda.errs["UpdateFunctionCode"] = &lambdatypes.InvalidZipFileException{}
		}, new(*failure.ArtifactError)},
		{"unzipped size over Lambda's limit", func(w *world, _ *release.Document) {
			w.lambda.errs["UpdateFunctionCode"] = &lambdatypes.InvalidParameterValueException{Message: aws.String("Unzipped size must be smaller than 262144000 bytes")}
		}, new(*failure.ArtifactError)},
		{"request entity too large", func(w *world, _ *release.Document) {
			w.lambda.errs["UpdateFunctionCode"] = &smithy.GenericAPIError{Code: "RequestEntityTooLargeException", Message: "Request must be smaller than 69905067 bytes"}
		}, new(*failure.ArtifactError)},
		{"other invalid parameter", func(w *world, _ *release.Document) {
			w.lambda.errs["UpdateFunctionCode"] = &lambdatypes.InvalidParameterValueException{Message: aws.String("The role defined for the function cannot be assumed")}
		}, new(*failure.OperationError)},
		{"update failed", func(w *world, _ *release.Document) { w.lambda.failUpdate = true }, new(*failure.ArtifactError)},
		{"update never finishes", func(w *world, _ *release.Document) {
			w.lambda.inProgress = 1 << 30
			w.h.UpdateTimeout = 1
		}, new(*failure.ThrottledError)},
		{"publish throttled", func(w *world, _ *release.Document) {
			w.lambda.errs["PublishVersion"] = &lambdatypes.TooManyRequestsException{}
		}, new(*failure.ThrottledError)},
		{"function gone", func(w *world, _ *release.Document) {
			w.lambda.errs["GetFunctionConfiguration"] = &lambdatypes.ResourceNotFoundException{}
		}, new(*failure.OperationError)},
		{"alias conflict", func(w *world, _ *release.Document) {
			w.lambda.Errs["UpdateAlias"] = &lambdatypes.ResourceConflictException{}
		}, new(*failure.ConflictError)},
		{"lock lost", func(w *world, _ *release.Document) {
			w.bucket.Put(w.t, ledger.Record{Function: "orders", ExecutionARN: "someone else"})
		}, new(*failure.HaltedError)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := releasetest.Load(t)
			w := newWorld(t, d, false)
			tt.setup(w, d)
			_, err := w.h.Handle(context.Background(), d)
			if !errors.As(err, tt.wantErr) {
				t.Fatalf("error = %v (%T), want %T", err, err, tt.wantErr)
			}
		})
	}
}

// configOnly makes d a configuration-only release that sets FEATURE=b.
func configOnly(d *release.Document) {
	d.Artifact = release.Artifact{}
	d.Configuration = &release.Configuration{Environment: &release.EnvironmentChange{Set: map[string]string{"FEATURE": "b"}}}
}

func TestHandleConfiguration(t *testing.T) {
	code := release.Artifact{Bucket: "artifacts", Key: "releases/orders/42.zip", VersionID: "v42"}
	tests := []struct {
		name   string
		change func(d *release.Document, w *world)
		// green's environment, "" when deploy publishes nothing
		wantEnv     map[string]string
		wantChanges []string
		wantCode    bool // code changed
		wantCalls   int  // UpdateFunctionCode calls
		wantErr     string
	}{
		{"configuration only", func(d *release.Document, _ *world) { configOnly(d) },
			map[string]string{"FEATURE": "b", "OTHER": "x"}, []string{"environment.FEATURE: a → b"}, false, 0, ""},
		{"code and configuration", func(d *release.Document, _ *world) {
			d.Configuration = &release.Configuration{Environment: &release.EnvironmentChange{Unset: []string{"OTHER"}, Set: map[string]string{"API_TOKEN": "s3cr3t"}}}
		}, map[string]string{"FEATURE": "a", "API_TOKEN": "s3cr3t"}, []string{"environment.API_TOKEN: (unset) → ****", "environment.OTHER: x → (unset)"}, true, 1, ""},
		{"a rolled-back configuration on $LATEST is not released with new code", func(_ *release.Document, w *world) {
			w.lambda.latestEnv = map[string]string{"FEATURE": "c"}
		}, map[string]string{"FEATURE": "a", "OTHER": "x"}, nil, true, 1, ""},
		{"configuration only puts blue's recorded code back", func(d *release.Document, w *world) {
			configOnly(d)
			w.s3.body, w.lambda.artifact = blueCode, blueCode
			w.lambda.latest = sum("rolled back")
			if err := w.h.Ledger.RecordCode(context.Background(), "orders", "3", code); err != nil {
				t.Fatal(err)
			}
		}, map[string]string{"FEATURE": "b", "OTHER": "x"}, []string{"environment.FEATURE: a → b"}, false, 1, ""},
		{"configuration only without blue's code", func(d *release.Document, w *world) {
			configOnly(d)
			w.lambda.latest = sum("rolled back")
		}, nil, nil, false, 0, "greenlight did not publish version 3"},
		{"the same configuration is a no-op", func(d *release.Document, _ *world) {
			configOnly(d)
			d.Configuration.Environment.Set["FEATURE"] = "a"
		}, nil, nil, false, 0, ""},
		{"Lambda refuses the configuration", func(d *release.Document, w *world) {
			configOnly(d)
			w.lambda.errs["UpdateFunctionConfiguration"] = &lambdatypes.InvalidParameterValueException{Message: aws.String("Layer version arn:aws:lambda:us-east-1:123456789012:layer:x:1 does not exist.")}
		}, nil, nil, false, 0, "Lambda refused the configuration"},
		{"Lambda does not offer the runtime", func(d *release.Document, w *world) {
			configOnly(d)
			w.lambda.errs["UpdateFunctionConfiguration"] = &smithy.GenericAPIError{Code: "ValidationException", Message: "1 validation error detected: Value 'cobol85' at 'runtime' failed to satisfy constraint: Member must satisfy enum value set"}
		}, nil, nil, false, 0, "Lambda refused the configuration"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := releasetest.Load(t)
			w := newWorld(t, d, false)
			tt.change(d, w)
			got, err := w.h.Handle(context.Background(), d)
			if tt.wantErr != "" {
				var artifactErr *failure.ArtifactError
				if !errors.As(err, &artifactErr) || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want an ArtifactError saying %q", err, tt.wantErr)
				}
				if len(w.lambda.published) != 0 {
					t.Errorf("published %v after a refusal", w.lambda.published)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if w.lambda.codeCalls != tt.wantCalls {
				t.Errorf("UpdateFunctionCode called %d times, want %d", w.lambda.codeCalls, tt.wantCalls)
			}
			if tt.wantEnv == nil {
				if !got.State.Noop || len(w.lambda.published) != 0 {
					t.Fatalf("want a no-op, got %+v, published %v", got.State, w.lambda.published)
				}
				return
			}
			if got.State.Noop || got.State.Green != "4" {
				t.Fatalf("state = %+v", got.State)
			}
			if env := w.lambda.env["4"]; !maps.Equal(env, tt.wantEnv) {
				t.Errorf("green's environment = %v, want %v", env, tt.wantEnv)
			}
			var changes []string
			for _, c := range got.State.Changes {
				changes = append(changes, c.String())
			}
			if strings.Join(changes, "; ") != strings.Join(tt.wantChanges, "; ") {
				t.Errorf("changes = %q, want %q", changes, tt.wantChanges)
			}
			if got.State.CodeChanged != tt.wantCode {
				t.Errorf("codeChanged = %v, want %v", got.State.CodeChanged, tt.wantCode)
			}
			if a, known, err := w.h.Ledger.CodeOf(context.Background(), "orders", "4"); tt.wantCalls > 0 && (err != nil || !known || a != code) {
				t.Errorf("code record of green = %+v, %v, %v; want %+v", a, known, err, code)
			}
		})
	}
}
