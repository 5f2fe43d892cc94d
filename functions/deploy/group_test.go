package main

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	awslambda "github.com/aws/aws-sdk-go-v2/service/lambda"
	lambdatypes "github.com/aws/aws-sdk-go-v2/service/lambda/types"

	"github.com/greenlight/greenlight/internal/bundle"
	"github.com/greenlight/greenlight/internal/bundle/bundletest"
	"github.com/greenlight/greenlight/internal/ledger"
	"github.com/greenlight/greenlight/internal/ledger/ledgertest"
	"github.com/greenlight/greenlight/internal/release"
	"github.com/greenlight/greenlight/internal/release/releasetest"
	"github.com/greenlight/greenlight/internal/traffic"
)

// fleet is the functions of a group by name; each call goes to the
// function it names.
type fleet map[string]*fakeLambda

var _ functionDeployer = fleet(nil)

func (f fleet) of(name *string) *fakeLambda { return f[aws.ToString(name)] }

func (f fleet) GetFunctionConfiguration(ctx context.Context, in *awslambda.GetFunctionConfigurationInput, o ...func(*awslambda.Options)) (*awslambda.GetFunctionConfigurationOutput, error) {
	return f.of(in.FunctionName).GetFunctionConfiguration(ctx, in, o...)
}

func (f fleet) UpdateFunctionCode(ctx context.Context, in *awslambda.UpdateFunctionCodeInput, o ...func(*awslambda.Options)) (*awslambda.UpdateFunctionCodeOutput, error) {
	return f.of(in.FunctionName).UpdateFunctionCode(ctx, in, o...)
}

func (f fleet) UpdateFunctionConfiguration(ctx context.Context, in *awslambda.UpdateFunctionConfigurationInput, o ...func(*awslambda.Options)) (*awslambda.UpdateFunctionConfigurationOutput, error) {
	return f.of(in.FunctionName).UpdateFunctionConfiguration(ctx, in, o...)
}

func (f fleet) PublishVersion(ctx context.Context, in *awslambda.PublishVersionInput, o ...func(*awslambda.Options)) (*awslambda.PublishVersionOutput, error) {
	return f.of(in.FunctionName).PublishVersion(ctx, in, o...)
}

func (f fleet) GetAlias(ctx context.Context, in *awslambda.GetAliasInput, o ...func(*awslambda.Options)) (*awslambda.GetAliasOutput, error) {
	return f.of(in.FunctionName).GetAlias(ctx, in, o...)
}

func (f fleet) UpdateAlias(ctx context.Context, in *awslambda.UpdateAliasInput, o ...func(*awslambda.Options)) (*awslambda.UpdateAliasOutput, error) {
	return f.of(in.FunctionName).UpdateAlias(ctx, in, o...)
}

func (f fleet) CreateAlias(ctx context.Context, in *awslambda.CreateAliasInput, o ...func(*awslambda.Options)) (*awslambda.CreateAliasOutput, error) {
	return f.of(in.FunctionName).CreateAlias(ctx, in, o...)
}

// greenOf is the code of fn's green in the bundle.
func greenOf(fn string) string { return greenCode + " " + fn }

// groupWorld deploys group shop: shop-api and shop-worker in the bundle,
// shop-admin neither in it nor configured. Every member is live on its
// version 3 and holds its lock; its candidate alias was left on version 2
// by an earlier release.
type groupWorld struct {
	h      *Handler
	d      *release.Document
	fleet  fleet
	bucket *ledgertest.Bucket
}

// newGroupWorld's bundle holds code: each function's zip by name.
func newGroupWorld(t *testing.T, code map[string]string) *groupWorld {
	d := releasetest.NewGroup(t,
		release.MemberRequest{Function: "shop-api", InBundle: true},
		release.MemberRequest{Function: "shop-worker", InBundle: true},
		release.MemberRequest{Function: "shop-admin"})
	var files []bundletest.File
	for _, fn := range slices.Sorted(maps.Keys(code)) {
		files = append(files, bundletest.File{Name: fn + ".zip", Body: []byte(code[fn])})
	}
	s3 := bundletest.New(d.Artifact.Key, d.Artifact.VersionID, bundletest.Zip(t, files...))
	w := &groupWorld{d: d, fleet: fleet{}, bucket: ledgertest.NewBucket()}
	for _, fn := range d.Functions {
		l := newFunction()
		l.bucket = s3
		if err := traffic.Point(context.Background(), l, fn, "green", "2"); err != nil {
			t.Fatal(err)
		}
		w.fleet[fn] = l
	}
	w.bucket.Hold(t, d)
	w.h = &Handler{S3: s3, Lambda: w.fleet, CloudWatch: &fakeCloudWatch{}, Ledger: &ledger.Ledger{S3: w.bucket, Bucket: "artifacts"}, PollDelay: 1}
	return w
}

// TestGroupDeploy: a member in the bundle with new code gets a green of its
// own; a member not in the bundle and not configured, or whose code is
// blue's, is not released: its green is blue, and its candidate alias
// serves blue. A group none of whose members is released is a no-op.
func TestGroupDeploy(t *testing.T) {
	tests := []struct {
		name string
		code map[string]string
		// wantGreen is each member's green; the members whose green is
		// 3, blue, are not released.
		wantGreen map[string]string
	}{
		{"members in the bundle released, the other kept on blue",
			map[string]string{"shop-api": greenOf("shop-api"), "shop-worker": greenOf("shop-worker")},
			map[string]string{"shop-api": "4", "shop-worker": "4", "shop-admin": "3"}},
		{"a member whose code is blue's is a no-op",
			map[string]string{"shop-api": greenOf("shop-api"), "shop-worker": blueCode},
			map[string]string{"shop-api": "4", "shop-worker": "3", "shop-admin": "3"}},
		{"every member a no-op",
			map[string]string{"shop-api": blueCode, "shop-worker": blueCode},
			map[string]string{"shop-api": "3", "shop-worker": "3", "shop-admin": "3"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := newGroupWorld(t, tt.code)
			got, err := w.h.Handle(context.Background(), w.d)
			if err != nil {
				t.Fatal(err)
			}
			released := 0
			for _, m := range got.Members {
				fn, s, want := m.Function, m.State, tt.wantGreen[m.Function]
				noop := want == "3"
				if !noop {
					released++
				}
				if s.Blue != "3" || s.Green != want || s.Noop != noop || m.Released() == noop {
					t.Errorf("%s: blue %s green %s noop %v, want blue 3 green %s noop %v", fn, s.Blue, s.Green, s.Noop, want, noop)
				}
				if candidate, _ := w.fleet[fn].Alias("green"); candidate.Version != want {
					t.Errorf("%s candidate alias on %s, want %s", fn, candidate.Version, want)
				}
				if rec, _ := w.bucket.Record(t, fn); rec.Blue != "3" || rec.Green != want {
					t.Errorf("%s lock record: blue %s green %s", fn, rec.Blue, rec.Green)
				}
				if published := w.fleet[fn].published; (len(published) > 0) == noop {
					t.Errorf("%s published versions %v; noop %v", fn, published, noop)
				}
				if m.FromBundle && m.Artifact.Key != bundle.Key(got.ReleaseID, fn) {
					t.Errorf("%s deployed from %s, want its copy out of the bundle", fn, m.Artifact.Key)
				}
			}
			wantPhase := release.PhaseDeployed
			if released == 0 {
				wantPhase = release.PhaseNoop
			}
			if got.State.Noop != (released == 0) || got.State.Phase != wantPhase {
				t.Errorf("group noop %v phase %s, want %v %s", got.State.Noop, got.State.Phase, released == 0, wantPhase)
			}
		})
	}
}

// TestGroupDeployMemberFailure: a member's failure keeps its type, the
// error name the workflow routes on, and its message names the member
// right after the type's own opening words.
func TestGroupDeployMemberFailure(t *testing.T) {
	bundled := map[string]string{"shop-api": greenOf("shop-api"), "shop-worker": greenOf("shop-worker")}
	tests := []struct {
		name       string
		code       map[string]string
		setup      func(*testing.T, *groupWorld)
		wantErr    string // the error's type
		wantPrefix string
	}{
		{"Lambda refuses a member's code", bundled, func(_ *testing.T, w *groupWorld) {
			w.fleet["shop-worker"].errs["UpdateFunctionCode"] = &lambdatypes.InvalidZipFileException{}
		}, "ArtifactError", "artifact: shop-worker: Lambda refused the code"},
		{"a member missing from the bundle", map[string]string{"shop-api": greenOf("shop-api")}, nil,
			"ArtifactError", `artifact: shop-worker: bundle s3://artifacts/releases/shop/42.zip holds no "shop-worker.zip"`},
		{"a member's publish throttled", bundled, func(_ *testing.T, w *groupWorld) {
			w.fleet["shop-worker"].errs["PublishVersion"] = &lambdatypes.TooManyRequestsException{}
		}, "ThrottledError", "shop-worker: publish version of shop-worker: throttled"},
		{"the lock of a member kept on blue lost", bundled, func(t *testing.T, w *groupWorld) {
			w.bucket.Put(t, ledger.Record{Function: "shop-admin", ExecutionARN: "someone else"})
		}, "HaltedError", "release halted by greenlight: shop-admin: the release lock of shop-admin is gone or taken"},
		{"the live alias of a member kept on blue unreadable", bundled, func(_ *testing.T, w *groupWorld) {
			w.fleet["shop-admin"].Errs["GetAlias"] = &lambdatypes.TooManyRequestsException{}
		}, "ThrottledError", "shop-admin: read live alias: throttled"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := newGroupWorld(t, tt.code)
			if tt.setup != nil {
				tt.setup(t, w)
			}
			_, err := w.h.Handle(context.Background(), w.d)
			if got := strings.TrimPrefix(fmt.Sprintf("%T", err), "*failure."); got != tt.wantErr {
				t.Fatalf("error = %v (%T), want a %s", err, err, tt.wantErr)
			}
			if !strings.HasPrefix(err.Error(), tt.wantPrefix) {
				t.Errorf("error %q does not start %q", err, tt.wantPrefix)
			}
		})
	}
}
