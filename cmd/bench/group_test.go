package bench

import (
	"archive/zip"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awslambda "github.com/aws/aws-sdk-go-v2/service/lambda"
	lambdatypes "github.com/aws/aws-sdk-go-v2/service/lambda/types"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/greenlight/greenlight/cmd/internal/demo"
	"github.com/greenlight/greenlight/cmd/internal/follow"
)

// groupSizes are the group sizes cdk.json configures for this benchmark:
// group greenlight-bench-<n> of members greenlight-e2e-bench<n>-<i>.
var groupSizes = []int{1, 2, 5, 10}

// BenchmarkGroupOverhead releases groups of 1, 2, 5 and 10 members (the
// demo function's code in each) with a one-step canary, and reports what a
// group costs besides its members: the time from the bundle's upload to the
// first traffic on the canaries, less the members' tests, and the state
// transitions and deployer invocations of the execution, which grow with the
// steps of the schedule, not with the members.
func BenchmarkGroupOverhead(b *testing.B) {
	for _, n := range groupSizes {
		b.Run(fmt.Sprintf("members=%d", n), func(b *testing.B) {
			e := cloud(b)
			ctx := context.Background()
			group := fmt.Sprintf("greenlight-bench-%d", n)
			var members []string
			for i := 1; i <= n; i++ {
				fn := fmt.Sprintf("greenlight-e2e-bench%d-%d", n, i)
				if err := e.createMember(ctx, fn); err != nil {
					b.Fatal(err)
				}
				members = append(members, fn)
			}
			var sum releaseFigures
			runs, build := 0, "v2"
			for b.Loop() {
				ctx, cancel := context.WithTimeout(ctx, 5*time.Minute)
				f, err := e.groupRelease(ctx, group, members, build)
				cancel()
				if err != nil {
					b.Fatal(err)
				}
				sum.add(f)
				runs++
				build = map[string]string{"v1": "v2", "v2": "v1"}[build]
			}
			avg := sum.scaled(1 / float64(runs))
			b.ReportMetric(ms(avg.toTraffic), "upload-to-canary-ms")
			b.ReportMetric(ms(avg.deploy), "deploy-ms")
			b.ReportMetric(avg.transitions, "transitions")
			b.ReportMetric(avg.invocations, "invocations")
		})
	}
}

// createMember creates fn running the demo's v1, version 1 published and
// both aliases on it, unless it exists.
func (e *env) createMember(ctx context.Context, fn string) error {
	if _, err := e.lambda.GetFunction(ctx, &awslambda.GetFunctionInput{FunctionName: &fn}); err == nil {
		return nil
	}
	arch := lambdatypes.ArchitectureX8664
	if _, goarch := demo.HostTarget(); goarch == "arm64" {
		arch = lambdatypes.ArchitectureArm64
	}
	if _, err := e.lambda.CreateFunction(ctx, &awslambda.CreateFunctionInput{
		FunctionName: &fn, Role: aws.String("arn:aws:iam::000000000000:role/greenlight-bench"),
		Runtime: lambdatypes.RuntimeProvidedal2023, Handler: aws.String("bootstrap"),
		Code: &lambdatypes.FunctionCode{ZipFile: e.zips["v1"]}, Architectures: []lambdatypes.Architecture{arch},
	}); err != nil {
		return fmt.Errorf("create %s: %w", fn, err)
	}
	if err := awslambda.NewFunctionActiveV2Waiter(e.lambda).Wait(ctx, &awslambda.GetFunctionInput{FunctionName: &fn}, time.Minute); err != nil {
		return err
	}
	pub, err := e.lambda.PublishVersion(ctx, &awslambda.PublishVersionInput{FunctionName: &fn})
	if err != nil {
		return err
	}
	for _, alias := range []string{"live", "green"} {
		if _, err := e.lambda.CreateAlias(ctx, &awslambda.CreateAliasInput{FunctionName: &fn, Name: aws.String(alias), FunctionVersion: pub.Version}); err != nil {
			return err
		}
	}
	return nil
}

// groupRelease releases build of every member of group as one bundle and
// reads the figures off the promoted execution's history.
func (e *env) groupRelease(ctx context.Context, group string, members []string, build string) (releaseFigures, error) {
	var buf bytes.Buffer
	w := zip.NewWriter(&buf)
	for _, fn := range members {
		f, err := w.CreateHeader(&zip.FileHeader{Name: fn + ".zip", Method: zip.Store})
		if err != nil {
			return releaseFigures{}, err
		}
		if _, err := f.Write(e.zips[build]); err != nil {
			return releaseFigures{}, err
		}
	}
	if err := w.Close(); err != nil {
		return releaseFigures{}, err
	}
	bucket := e.local.Stack.Bucket
	prefix := fmt.Sprintf("releases/%s/%s-%d", group, build, time.Now().UnixNano())
	manifest, _ := json.Marshal(map[string]any{"strategy": map[string]any{"steps": []map[string]any{{"percent": 10, "bakeSeconds": 60}}}})
	if _, err := e.s3.PutObject(ctx, &s3.PutObjectInput{Bucket: &bucket, Key: aws.String(prefix + ".json"), Body: bytes.NewReader(manifest)}); err != nil {
		return releaseFigures{}, err
	}
	key := prefix + ".zip"
	uploaded := e.local.Cloud.Clock().Now()
	put, err := e.s3.PutObject(ctx, &s3.PutObjectInput{Bucket: &bucket, Key: &key, Body: bytes.NewReader(buf.Bytes())})
	if err != nil {
		return releaseFigures{}, err
	}
	arn, err := follow.Find(ctx, e.sfn, e.local.Stack.StateMachineARN, follow.Object{Bucket: bucket, Key: key, VersionID: aws.ToString(put.VersionId)}, uploaded, 5*time.Millisecond)
	if err != nil {
		return releaseFigures{}, err
	}
	h, err := e.succeeded(ctx, arn, group)
	if err != nil {
		return releaseFigures{}, err
	}
	f := releaseFigures{transitions: float64(transitions(h)), invocations: float64(len(lambdaCalls(h, e.scale)))}
	testsIn, ok1 := entered(h, "Run tests")
	testsOut, ok2 := exited(h, "Run tests")
	traffic, ok3 := exited(h, "Shift traffic")
	deployIn, ok4 := entered(h, "Deploy green")
	deployOut, ok5 := exited(h, "Deploy green")
	if !ok1 || !ok2 || !ok3 || !ok4 || !ok5 {
		return releaseFigures{}, fmt.Errorf("%s release %s: history lacks Deploy green, Run tests or Shift traffic", group, arn)
	}
	f.deploy = wall(deployOut.Sub(deployIn), e.scale)
	f.tests = wall(testsOut.Sub(testsIn), e.scale)
	f.toTraffic = wall(traffic.Sub(uploaded), e.scale) - f.tests
	return f, nil
}
