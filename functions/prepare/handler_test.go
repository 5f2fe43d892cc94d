package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awslambda "github.com/aws/aws-sdk-go-v2/service/lambda"
	lambdatypes "github.com/aws/aws-sdk-go-v2/service/lambda/types"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"

	"github.com/greenlight/greenlight/internal/config"
	"github.com/greenlight/greenlight/internal/failure"
	"github.com/greenlight/greenlight/internal/release"
	"github.com/greenlight/greenlight/internal/strategy"
)

const execARN = "arn:aws:states:us-east-1:123456789012:execution:greenlight:mine"

var startTime = time.Date(2026, 11, 22, 10, 15, 0, 0, time.UTC)

func fixture(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// fakeS3 holds the current version of each key.
type fakeS3 struct {
	objects map[string]string // key -> body
	err     error
}

func (f *fakeS3) GetObject(_ context.Context, in *s3.GetObjectInput, _ ...func(*s3.Options)) (*s3.GetObjectOutput, error) {
	if f.err != nil {
		return nil, f.err
	}
	body, ok := f.objects[*in.Key]
	if !ok {
		return nil, &s3types.NoSuchKey{}
	}
	return &s3.GetObjectOutput{Body: io.NopCloser(strings.NewReader(body))}, nil
}

func (f *fakeS3) HeadObject(_ context.Context, in *s3.HeadObjectInput, _ ...func(*s3.Options)) (*s3.HeadObjectOutput, error) {
	if f.err != nil {
		return nil, f.err
	}
	body, ok := f.objects[*in.Key]
	if !ok || (in.VersionId != nil && *in.VersionId != "current") {
		return nil, &s3types.NotFound{}
	}
	return &s3.HeadObjectOutput{VersionId: aws.String("current"), ContentLength: aws.Int64(int64(len(body)))}, nil
}

// fakeLambda knows functions and their tags, and aliases (function:alias)
// with their descriptions.
type fakeLambda struct {
	functions map[string]map[string]string
	aliases   map[string]string
	err       error
}

func (f *fakeLambda) GetAlias(_ context.Context, in *awslambda.GetAliasInput, _ ...func(*awslambda.Options)) (*awslambda.GetAliasOutput, error) {
	desc, ok := f.aliases[*in.FunctionName+":"+*in.Name]
	if !ok {
		return nil, &lambdatypes.ResourceNotFoundException{}
	}
	return &awslambda.GetAliasOutput{Name: in.Name, Description: aws.String(desc)}, nil
}

func (f *fakeLambda) GetFunction(_ context.Context, in *awslambda.GetFunctionInput, _ ...func(*awslambda.Options)) (*awslambda.GetFunctionOutput, error) {
	if f.err != nil {
		return nil, f.err
	}
	tags, ok := f.functions[*in.FunctionName]
	if !ok {
		return nil, &lambdatypes.ResourceNotFoundException{}
	}
	return &awslambda.GetFunctionOutput{Tags: tags}, nil
}

func newHandler(t *testing.T, objects map[string]string) (*Handler, *fakeS3, *fakeLambda) {
	t.Helper()
	conf, err := config.Parse(fixture(t, "config.json"))
	if err != nil {
		t.Fatal(err)
	}
	s3c := &fakeS3{objects: objects}
	lc := &fakeLambda{functions: map[string]map[string]string{
		"orders":   nil,
		"billing":  nil,
		"payments": {"greenlight": "managed"},
	}, aliases: map[string]string{
		"orders:live":   "",
		"orders:prod":   "what the shop calls",
		"orders:canary": release.ManagedAliasDescription,
	}}
	return &Handler{Config: conf, Bucket: "artifacts", S3: s3c, Lambda: lc}, s3c, lc
}

func input(raw []byte) Input {
	return Input{Input: raw, ExecutionARN: execARN, StartTime: startTime}
}

// The README's console-input example, fed as is.
// The README quotes the console input example; it must be the very input
// TestConsoleInputExample feeds to prepare.
func TestREADMEQuotesConsoleInput(t *testing.T) {
	readme, err := os.ReadFile(filepath.Join("..", "..", "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	example := strings.TrimSpace(string(fixture(t, "console-input.json")))
	if !strings.Contains(string(readme), "```json\n"+example+"\n```") {
		t.Errorf("README.md does not quote testdata/console-input.json verbatim:\n%s", example)
	}
}

func TestConsoleInputExample(t *testing.T) {
	h, _, _ := newHandler(t, map[string]string{"releases/orders/42.zip": "PK\x03\x04zip"})
	d, err := h.Handle(context.Background(), input(fixture(t, "console-input.json")))
	if err != nil {
		t.Fatal(err)
	}
	if d.Source != release.SourceConsole || d.Function != "orders" || d.Artifact.Bucket != "artifacts" || d.Artifact.VersionID != "current" || d.Artifact.Size != 7 {
		t.Errorf("document = %+v", d)
	}
	if d.Strategy.Name != strategy.Canary10Percent5Minutes || len(d.Schedule) != 2 || len(d.Tests) != 1 || d.Alarms[0] != "orders-5xx" {
		t.Errorf("settings = %+v", d)
	}
	if d.ExecutionARN != execARN || !d.StartedAt.Equal(startTime) || d.State.Phase != release.PhasePrepared || d.ReleaseID == "" {
		t.Errorf("plan = %+v", d)
	}
}

func TestS3Event(t *testing.T) {
	tests := []struct {
		name         string
		objects      map[string]string
		wantStrategy string
		wantHook     string
	}{
		{"configured defaults", map[string]string{}, strategy.Linear10PercentEvery1Minute, ""},
		{"manifest overrides", map[string]string{"releases/orders/42.json": string(fixture(t, "manifest.json"))}, strategy.Custom, "orders-smoke-test"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h, _, _ := newHandler(t, tt.objects)
			d, err := h.Handle(context.Background(), input(fixture(t, "s3-event.json")))
			if err != nil {
				t.Fatal(err)
			}
			if d.Source != release.SourceS3 || d.Artifact.VersionID != "IYV3p45BT0ac8hjHg1houSdS1a.Mro8e" || d.Strategy.Name != tt.wantStrategy || d.Hook != tt.wantHook {
				t.Errorf("document = %+v", d)
			}
			if d.Alarms[0] != "orders-5xx" {
				t.Errorf("configured alarms lost: %v", d.Alarms)
			}
		})
	}
}

// A candidate alias other than the configured one is taken when it is new
// or one greenlight made.
func TestCandidateAliasOverride(t *testing.T) {
	for _, alias := range []string{"canary", "brand-new"} {
		t.Run(alias, func(t *testing.T) {
			h, _, _ := newHandler(t, map[string]string{"releases/orders/1.zip": "PK"})
			raw := []byte(`{"function":"orders","artifact":{"key":"releases/orders/1.zip"},"candidateAlias":"` + alias + `","liveAlias":"live"}`)
			d, err := h.Handle(context.Background(), input(raw))
			if err != nil {
				t.Fatal(err)
			}
			if d.CandidateAlias != alias || d.LiveAlias != "live" {
				t.Errorf("aliases = %s, %s", d.LiveAlias, d.CandidateAlias)
			}
		})
	}
}

func TestTargetByTag(t *testing.T) {
	h, _, _ := newHandler(t, map[string]string{"releases/payments/1.zip": "PK"})
	raw := []byte(`{"function":"payments","artifact":{"key":"releases/payments/1.zip"}}`)
	d, err := h.Handle(context.Background(), input(raw))
	if err != nil {
		t.Fatal(err)
	}
	if d.Strategy.Name != strategy.Canary10Percent5Minutes {
		t.Errorf("strategy = %s, want the default", d.Strategy.Name)
	}
}

func TestProblems(t *testing.T) {
	tests := []struct {
		name    string
		objects map[string]string
		raw     []byte
		want    []string
	}{
		{"every problem at once", map[string]string{}, fixture(t, "bad-console-input.json"), []string{
			`artifact s3://artifacts/releases/orders/7.zip (version "") does not exist`,
			`function "billing" is not a greenlight target`,
			`liveAlias "green": the live alias of billing is "live"`,
			`artifact key "releases/orders/7.zip" is under function "orders", not "billing"`,
			"artifact.versionId is empty",
			"artifact.sha256",
			"strategy step 1: percent 20 does not increase",
			"must differ",
		}},
		{"unknown function", map[string]string{"releases/ghost/1.zip": "PK"}, []byte(`{"function":"ghost","artifact":{"key":"releases/ghost/1.zip"}}`),
			[]string{`function "ghost" does not exist`}},
		{"bad manifest", map[string]string{"releases/orders/42.json": `{"strategy":"Fast","colour":"blue"}`}, fixture(t, "s3-event.json"),
			[]string{`manifest: json: unknown field "colour"`}},
		{"empty manifest", map[string]string{"releases/orders/42.json": ""}, fixture(t, "s3-event.json"),
			[]string{"manifest: the JSON is empty: give an object"}},
		{"manifest with a key in another case", map[string]string{"releases/orders/42.json": `{"Strategy":"AllAtOnce"}`}, fixture(t, "s3-event.json"),
			[]string{`manifest: key "Strategy" in $ is not a field: field names are case-sensitive, did you mean "strategy"?`}},
		{"invalid manifest settings", map[string]string{"releases/orders/42.json": `{"strategy":"Fast"}`}, fixture(t, "s3-event.json"),
			[]string{`strategy "Fast" is not one of`}},
		{"not json", nil, []byte(`"hello"`), []string{"console input: json: cannot unmarshal string"}},
		{"candidate is the live alias", map[string]string{"releases/orders/1.zip": "PK"},
			[]byte(`{"function":"orders","artifact":{"key":"releases/orders/1.zip"},"candidateAlias":"live","liveAlias":"prod"}`),
			[]string{`liveAlias "prod": the live alias of orders is "live"`, `candidateAlias "live" is the live alias of orders`}},
		{"manifest swaps the aliases", map[string]string{"releases/orders/42.json": `{"candidateAlias":"live","liveAlias":"green"}`}, fixture(t, "s3-event.json"),
			[]string{`liveAlias "green": the live alias of orders is "live"`, `candidateAlias "live" is the live alias of orders`}},
		{"candidate is someone else's alias", map[string]string{"releases/orders/1.zip": "PK"},
			[]byte(`{"function":"orders","artifact":{"key":"releases/orders/1.zip"},"candidateAlias":"prod"}`),
			[]string{`candidateAlias "prod" already exists on orders and was not created by greenlight`}},
		{"manifest too large", map[string]string{"releases/orders/42.json": `{"hook":"` + strings.Repeat("x", release.MaxDocumentBytes) + `"}`}, fixture(t, "s3-event.json"),
			[]string{"larger than 65536 bytes"}},
		{"release too large", map[string]string{"releases/orders/1.zip": "PK"},
			[]byte(`{"function":"orders","artifact":{"key":"releases/orders/1.zip"},"tests":[{"name":"big","payload":"` + strings.Repeat("x", release.MaxDocumentBytes) + `"}]}`),
			[]string{"at most 65536 are allowed"}},
		{"bake longer than the configuration allows", map[string]string{"releases/orders/1.zip": "PK"},
			[]byte(`{"function":"orders","artifact":{"key":"releases/orders/1.zip"},"strategy":{"steps":[{"percent":10,"bakeSeconds":86400},{"percent":50,"bakeSeconds":60}]}}`),
			[]string{"strategy may keep the release waiting 86460 s (its bakes and approval timeouts), more than maxReleaseSeconds 86400"}},
		{"approvals longer than the configuration allows", map[string]string{"releases/orders/1.zip": "PK"},
			[]byte(`{"function":"orders","artifact":{"key":"releases/orders/1.zip"},"strategy":{"name":"Linear10PercentEvery1Minute","approval":true,"approvalTimeoutSeconds":10000}}`),
			[]string{"waiting 90540 s"}},
		{"artifact in another bucket", nil, []byte(`{"function":"orders","artifact":{"bucket":"elsewhere","key":"releases/orders/1.zip","versionId":"v1"}}`),
			[]string{`artifact.bucket "elsewhere" is not the artifact bucket "artifacts"`}},
		{"event from another bucket", nil, bytes.Replace(fixture(t, "s3-event.json"), []byte(`"name": "artifacts"`), []byte(`"name": "elsewhere"`), 1),
			[]string{`artifact.bucket "elsewhere" is not the artifact bucket "artifacts"`}},
		{"missing", nil, nil, []string{"input is missing"}},
		{"wrong event", nil, []byte(`{"detail-type":"Object Deleted","source":"aws.s3","detail":{}}`), []string{`detail-type is "Object Deleted"`, "not under releases/"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h, _, _ := newHandler(t, tt.objects)
			_, err := h.Handle(context.Background(), input(tt.raw))
			var v *failure.ValidationError
			if !errors.As(err, &v) {
				t.Fatalf("error = %v (%T), want a ValidationError", err, err)
			}
			if len(v.Problems) != len(tt.want) {
				t.Fatalf("problems:\n%s\nwant %d", strings.Join(v.Problems, "\n"), len(tt.want))
			}
			for i, w := range tt.want {
				if !strings.Contains(v.Problems[i], w) {
					t.Errorf("problem %d = %q, want it to mention %q", i, v.Problems[i], w)
				}
			}
		})
	}
}

func TestAWSErrors(t *testing.T) {
	tests := []struct {
		name    string
		s3Err   error
		fnErr   error
		raw     string
		wantErr any
	}{
		{"manifest read throttled", &s3types.InvalidObjectState{}, nil, "s3-event.json", new(*failure.OperationError)},
		{"lambda throttled", nil, &lambdatypes.TooManyRequestsException{}, "s3-event.json", new(*failure.ThrottledError)},
		{"head object refused", &lambdatypes.ServiceException{}, nil, "console-input.json", new(*failure.ThrottledError)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h, s3c, lc := newHandler(t, map[string]string{})
			s3c.err, lc.err = tt.s3Err, tt.fnErr
			_, err := h.Handle(context.Background(), input(fixture(t, tt.raw)))
			if !errors.As(err, tt.wantErr) {
				t.Fatalf("error = %v (%T), want %T", err, err, tt.wantErr)
			}
		})
	}
}

// The document prepare returns is what the workflow passes on: it must
// decode back to the same document.
func TestOutputRoundTrips(t *testing.T) {
	h, _, _ := newHandler(t, map[string]string{"releases/orders/42.zip": "PK"})
	d, err := h.Handle(context.Background(), input(fixture(t, "console-input.json")))
	if err != nil {
		t.Fatal(err)
	}
	b, _ := json.Marshal(d)
	var back release.Document
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatal(err)
	}
	again, _ := json.Marshal(&back)
	if !bytes.Equal(b, again) {
		t.Errorf("round trip differs:\n%s\n%s", b, again)
	}
}

// TestGroupConsoleInput plans group releases from console inputs: a
// configuration-only release of one member, and the inputs prepare refuses
// before anything is locked.
func TestGroupConsoleInput(t *testing.T) {
	conf, err := config.Parse([]byte(`{"targets":{"names":["shop-api","shop-worker"]},
	  "groups":{"shop":{"functions":["shop-api","shop-worker"],"strategy":"AllAtOnce"}}}`))
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name     string
		input    string
		released bool // shop-worker has a live alias
		want     []string
	}{
		{name: "configuration of one member", input: `{"group":"shop","configuration":{"shop-api":{"memorySize":512}}}`, released: true},
		{name: "a member never released left out", input: `{"group":"shop","configuration":{"shop-api":{"memorySize":512}}}`,
			want: []string{"shop-worker has never been released (it has no live alias)"}},
		{name: "unknown group", input: `{"group":"warehouse","configuration":{"shop-api":{"memorySize":512}}}`, released: true,
			want: []string{`group "warehouse" is not configured`}},
		{name: "a group named as a function", input: `{"function":"shop","configuration":{"memorySize":512}}`, released: true,
			want: []string{`"shop" is a group: start its release with "group"`}},
		{name: "configuration of a non-member", input: `{"group":"shop","configuration":{"billing":{"memorySize":512}}}`, released: true,
			want: []string{"configuration.billing: billing is not a member of group shop"}},
		{name: "aliases of a group", input: `{"group":"shop","liveAlias":"prod","configuration":{"shop-api":{"memorySize":512}}}`, released: true,
			want: []string{"liveAlias and candidateAlias are each member's own"}},
		{name: "a hook greenlight may not invoke", input: `{"group":"shop","hook":"audit","configuration":{"shop-api":{"memorySize":512}}}`, released: true,
			want: []string{`hook "audit" is neither a hook the configuration names (none) nor a target`}},
		{name: "bundle in another bucket", input: `{"group":"shop","artifact":{"bucket":"elsewhere","key":"releases/shop/1.zip","versionId":"v1"}}`, released: true,
			want: []string{`artifact.bucket "elsewhere" is not the artifact bucket "artifacts"`}},
		{name: "member configuration field in another case", input: `{"group":"shop","configuration":{"shop-api":{"MemorySize":512}}}`, released: true,
			want: []string{`key "MemorySize" in $.configuration.shop-api is not a field: field names are case-sensitive, did you mean "memorySize"?`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			lc := &fakeLambda{functions: map[string]map[string]string{"shop-api": nil, "shop-worker": nil}, aliases: map[string]string{"shop-api:live": ""}}
			if tt.released {
				lc.aliases["shop-worker:live"] = ""
			}
			h := &Handler{Config: conf, Bucket: "artifacts", S3: &fakeS3{}, Lambda: lc}
			d, err := h.Handle(context.Background(), input([]byte(tt.input)))
			if len(tt.want) == 0 {
				if err != nil {
					t.Fatal(err)
				}
				if !d.IsGroup() || d.Group != "shop" || len(d.Members) != 2 || d.Members[0].Configuration.IsEmpty() || !d.Members[1].Configuration.IsEmpty() {
					t.Errorf("document %+v", d)
				}
				return
			}
			var v *failure.ValidationError
			if !errors.As(err, &v) {
				t.Fatalf("err = %v, want a ValidationError", err)
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("%v\ndoes not say %q", err, w)
				}
			}
		})
	}
}
