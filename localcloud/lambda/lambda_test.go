package lambda

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awslambda "github.com/aws/aws-sdk-go-v2/service/lambda"
	"github.com/aws/aws-sdk-go-v2/service/lambda/types"

	"github.com/greenlight/greenlight/localcloud/bus"
	"github.com/greenlight/greenlight/localcloud/internal/awserr"
)

func TestFunctionLifecycle(t *testing.T) {
	h := newHarness(t, Options{Env: []string{"AWS_ENDPOINT_URL=http://127.0.0.1:4566"}})
	ctx := context.Background()

	created, err := h.client.CreateFunction(ctx, &awslambda.CreateFunctionInput{
		FunctionName: aws.String("orders"),
		Runtime:      types.RuntimeProvidedal2023,
		Role:         aws.String(testRole),
		Handler:      aws.String("bootstrap"),
		MemorySize:   aws.Int32(256),
		Code:         &types.FunctionCode{ZipFile: codeZip(t, "a")},
		Environment:  &types.Environment{Variables: map[string]string{"LABEL": "a"}},
	})
	if err != nil {
		t.Fatal(err)
	}
	if created.State != types.StatePending || created.Version == nil || *created.Version != latest {
		t.Fatalf("CreateFunction answered State %q Version %v, want Pending $LATEST", created.State, aws.ToString(created.Version))
	}
	if _, err := h.client.Invoke(ctx, &awslambda.InvokeInput{FunctionName: aws.String("orders")}); errorCode(err) != codeConflict {
		t.Fatalf("Invoke while Pending: %v, want %s", err, codeConflict)
	}
	h.waitActive(t, "orders")

	out, r := h.invoke(t, "orders", "", `{"echo":{"n":1}}`)
	if aws.ToString(out.ExecutedVersion) != latest || r.Label != "a" || string(r.Echo) != `{"n":1}` {
		t.Fatalf("invoke: executed %s, reply %+v", aws.ToString(out.ExecutedVersion), r)
	}
	for k, want := range map[string]string{
		"AWS_LAMBDA_FUNCTION_NAME":        "orders",
		"AWS_LAMBDA_FUNCTION_VERSION":     latest,
		"AWS_LAMBDA_FUNCTION_MEMORY_SIZE": "256",
		"AWS_REGION":                      bus.Region,
		"_HANDLER":                        "bootstrap",
		"AWS_ENDPOINT_URL":                "http://127.0.0.1:4566",
	} {
		if r.Env[k] != want {
			t.Errorf("function env %s = %q, want %q", k, r.Env[k], want)
		}
	}
	if r.ARN != functionARN("orders") || r.RequestID == "" || r.DeadlineMs <= time.Now().UnixMilli() {
		t.Errorf("context: arn %q request %q deadline %d", r.ARN, r.RequestID, r.DeadlineMs)
	}
	_, warm := h.invoke(t, "orders", "", `{}`)
	if warm.PID != r.PID {
		t.Errorf("second invocation ran in process %d, want the warm %d", warm.PID, r.PID)
	}

	upd, err := h.client.UpdateFunctionCode(ctx, &awslambda.UpdateFunctionCodeInput{
		FunctionName: aws.String("orders"), ZipFile: codeZip(t, "b"),
	})
	if err != nil {
		t.Fatal(err)
	}
	if upd.LastUpdateStatus != types.LastUpdateStatusInProgress || aws.ToString(upd.CodeSha256) == aws.ToString(created.CodeSha256) {
		t.Fatalf("UpdateFunctionCode: status %q sha %s", upd.LastUpdateStatus, aws.ToString(upd.CodeSha256))
	}
	_, err = h.client.UpdateFunctionConfiguration(ctx, &awslambda.UpdateFunctionConfigurationInput{FunctionName: aws.String("orders"), Timeout: aws.Int32(5)})
	if errorCode(err) != codeConflict {
		t.Fatalf("UpdateFunctionConfiguration during an update: %v, want %s", err, codeConflict)
	}
	h.waitUpdated(t, "orders")
	_, cold := h.invoke(t, "orders", "", `{}`)
	if cold.PID == r.PID {
		t.Error("invocation after a code update reused the old process")
	}

	cfg, err := h.client.UpdateFunctionConfiguration(ctx, &awslambda.UpdateFunctionConfigurationInput{
		FunctionName: aws.String("orders"), Timeout: aws.Int32(5),
		Environment: &types.Environment{Variables: map[string]string{"LABEL": "b"}},
	})
	if err != nil {
		t.Fatal(err)
	}
	if aws.ToInt32(cfg.Timeout) != 5 || cfg.Environment.Variables["LABEL"] != "b" {
		t.Fatalf("UpdateFunctionConfiguration answered %+v", cfg)
	}
	h.waitUpdated(t, "orders")

	v1, err := h.client.PublishVersion(ctx, &awslambda.PublishVersionInput{FunctionName: aws.String("orders"), Description: aws.String("first")})
	if err != nil {
		t.Fatal(err)
	}
	if aws.ToString(v1.Version) != "1" || aws.ToString(v1.FunctionArn) != qualifiedARN("orders", "1") || aws.ToString(v1.Description) != "first" {
		t.Fatalf("PublishVersion answered %s %s", aws.ToString(v1.Version), aws.ToString(v1.FunctionArn))
	}
	versions, err := h.client.ListVersionsByFunction(ctx, &awslambda.ListVersionsByFunctionInput{FunctionName: aws.String("orders")})
	if err != nil {
		t.Fatal(err)
	}
	if len(versions.Versions) != 2 || aws.ToString(versions.Versions[1].Version) != "1" {
		t.Fatalf("ListVersionsByFunction: %d versions", len(versions.Versions))
	}
	fns, err := h.client.ListFunctions(ctx, &awslambda.ListFunctionsInput{})
	if err != nil || len(fns.Functions) != 1 {
		t.Fatalf("ListFunctions: %v, %d functions", err, len(fns.Functions))
	}
	got, err := h.client.GetFunction(ctx, &awslambda.GetFunctionInput{FunctionName: aws.String(functionARN("orders")), Qualifier: aws.String("1")})
	if err != nil || aws.ToString(got.Configuration.Version) != "1" {
		t.Fatalf("GetFunction by ARN and qualifier: %v", err)
	}

	if _, err := h.client.DeleteFunction(ctx, &awslambda.DeleteFunctionInput{FunctionName: aws.String("orders")}); err != nil {
		t.Fatal(err)
	}
	_, err = h.client.GetFunction(ctx, &awslambda.GetFunctionInput{FunctionName: aws.String("orders")})
	if errorCode(err) != codeNotFound {
		t.Fatalf("GetFunction after delete: %v", err)
	}
}

func TestCreateFunctionValidation(t *testing.T) {
	h := newHarness(t, Options{SettleTime: -1})
	h.create(t, "taken", nil)
	zipped := codeZip(t, "x")
	tests := []struct {
		name string
		in   func(*awslambda.CreateFunctionInput)
		code string
	}{
		{"duplicate", func(in *awslambda.CreateFunctionInput) { in.FunctionName = aws.String("taken") }, codeConflict},
		{"bad name", func(in *awslambda.CreateFunctionInput) { in.FunctionName = aws.String("has space") }, codeValidation},
		{"bad role", func(in *awslambda.CreateFunctionInput) { in.Role = aws.String("admin") }, codeValidation},
		{"unsupported runtime", func(in *awslambda.CreateFunctionInput) { in.Runtime = types.RuntimePython312 }, codeInvalidParameter},
		{"timeout too long", func(in *awslambda.CreateFunctionInput) { in.Timeout = aws.Int32(901) }, codeValidation},
		{"memory too small", func(in *awslambda.CreateFunctionInput) { in.MemorySize = aws.Int32(64) }, codeValidation},
		{"not a zip", func(in *awslambda.CreateFunctionInput) { in.Code.ZipFile = []byte("hello") }, codeInvalidParameter},
		{"no code source", func(in *awslambda.CreateFunctionInput) { in.Code.ZipFile = nil }, codeInvalidParameter},
		{"reserved env", func(in *awslambda.CreateFunctionInput) {
			in.Environment = &types.Environment{Variables: map[string]string{"AWS_REGION": "eu-west-1"}}
		}, codeInvalidParameter},
		{"two architectures", func(in *awslambda.CreateFunctionInput) {
			in.Architectures = []types.Architecture{types.ArchitectureArm64, types.ArchitectureX8664}
		}, codeValidation},
		{"s3 without getter", func(in *awslambda.CreateFunctionInput) {
			in.Code = &types.FunctionCode{S3Bucket: aws.String("b"), S3Key: aws.String("k")}
		}, codeInvalidParameter},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := &awslambda.CreateFunctionInput{
				FunctionName: aws.String("fresh"),
				Runtime:      types.RuntimeProvidedal2,
				Role:         aws.String(testRole),
				Code:         &types.FunctionCode{ZipFile: zipped},
			}
			tt.in(in)
			_, err := h.client.CreateFunction(context.Background(), in)
			if got := errorCode(err); got != tt.code {
				t.Fatalf("error %q (%v), want %s", got, err, tt.code)
			}
		})
	}
}

// objects serves code packages as the S3 service would.
type objects map[string][]byte

func (o objects) GetObject(_ context.Context, bucket, key, versionID string) ([]byte, error) {
	b, ok := o[bucket+"/"+key+"?"+versionID]
	if !ok {
		return nil, awserr.New("NoSuchKey", http.StatusNotFound, "The specified key does not exist.")
	}
	return b, nil
}

func TestCodeFromS3(t *testing.T) {
	h := newHarness(t, Options{SettleTime: -1, Objects: objects{"art/releases/f/1.zip?v1": codeZip(t, "s3")}})
	ctx := context.Background()
	out := h.create(t, "f", map[string]string{"LABEL": "s3"}, func(in *awslambda.CreateFunctionInput) {
		in.Code = &types.FunctionCode{S3Bucket: aws.String("art"), S3Key: aws.String("releases/f/1.zip"), S3ObjectVersion: aws.String("v1")}
	})
	if aws.ToString(out.CodeSha256) == "" || out.CodeSize == 0 {
		t.Fatalf("CreateFunction from S3: %+v", out)
	}
	if _, r := h.invoke(t, "f", "", `{}`); r.Label != "s3" {
		t.Fatalf("invoke: %+v", r)
	}
	_, err := h.client.UpdateFunctionCode(ctx, &awslambda.UpdateFunctionCodeInput{
		FunctionName: aws.String("f"), S3Bucket: aws.String("art"), S3Key: aws.String("releases/f/1.zip"), S3ObjectVersion: aws.String("v2"),
	})
	if errorCode(err) != codeInvalidParameter || !strings.Contains(err.Error(), "NoSuchKey") {
		t.Fatalf("UpdateFunctionCode from a missing object: %v", err)
	}
}

func TestCodeStorageLimit(t *testing.T) {
	h := newHarness(t, Options{SettleTime: -1})
	first := h.create(t, "big", nil)
	h.close()
	h = newHarness(t, Options{SettleTime: -1, CodeStorage: first.CodeSize + 100})
	_, err := h.client.UpdateFunctionCode(context.Background(), &awslambda.UpdateFunctionCodeInput{
		FunctionName: aws.String("big"), ZipFile: codeZip(t, "another"),
	})
	if errorCode(err) != codeNotFound {
		t.Fatalf("memory state survived a restart: %v", err)
	}
	h.create(t, "big", nil)
	_, err = h.client.UpdateFunctionCode(context.Background(), &awslambda.UpdateFunctionCodeInput{
		FunctionName: aws.String("big"), ZipFile: codeZip(t, "another"),
	})
	if errorCode(err) != codeStorageExceeded {
		t.Fatalf("upload beyond the code storage limit: %v", err)
	}
}

func TestPublishVersionGuards(t *testing.T) {
	h := newHarness(t, Options{SettleTime: -1})
	ctx := context.Background()
	created := h.create(t, "pv", nil)
	sha, rev := aws.ToString(created.CodeSha256), aws.ToString(created.RevisionId)

	tests := []struct {
		name    string
		in      awslambda.PublishVersionInput
		code    string
		version string
	}{
		{"code sha differs", awslambda.PublishVersionInput{CodeSha256: aws.String("AAAA")}, codeInvalidParameter, ""},
		{"stale revision", awslambda.PublishVersionInput{RevisionId: aws.String("0000")}, codePrecondition, ""},
		{"matching guards", awslambda.PublishVersionInput{CodeSha256: aws.String(sha), RevisionId: aws.String(rev)}, "", "1"},
		{"nothing changed", awslambda.PublishVersionInput{}, "", "1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := tt.in
			in.FunctionName = aws.String("pv")
			out, err := h.client.PublishVersion(ctx, &in)
			if got := errorCode(err); got != tt.code {
				t.Fatalf("error %q (%v), want %q", got, err, tt.code)
			}
			if err == nil && aws.ToString(out.Version) != tt.version {
				t.Fatalf("published version %s, want %s", aws.ToString(out.Version), tt.version)
			}
		})
	}

	_, err := h.client.UpdateFunctionCode(ctx, &awslambda.UpdateFunctionCodeInput{
		FunctionName: aws.String("pv"), ZipFile: codeZip(t, "new"), RevisionId: aws.String("0000"),
	})
	if errorCode(err) != codePrecondition {
		t.Fatalf("UpdateFunctionCode with a stale RevisionId: %v", err)
	}
	cur, err := h.client.GetFunctionConfiguration(ctx, &awslambda.GetFunctionConfigurationInput{FunctionName: aws.String("pv")})
	if err != nil {
		t.Fatal(err)
	}
	upd, err := h.client.UpdateFunctionCode(ctx, &awslambda.UpdateFunctionCodeInput{
		FunctionName: aws.String("pv"), ZipFile: codeZip(t, "new"), RevisionId: cur.RevisionId, Publish: true,
	})
	if err != nil {
		t.Fatal(err)
	}
	if aws.ToString(upd.Version) != "2" {
		t.Fatalf("UpdateFunctionCode with Publish answered version %s, want 2", aws.ToString(upd.Version))
	}
}
