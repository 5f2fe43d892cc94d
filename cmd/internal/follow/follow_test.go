package follow

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sfn"
	sfntypes "github.com/aws/aws-sdk-go-v2/service/sfn/types"
	"github.com/aws/smithy-go"
)

const testSM = "arn:aws:states:us-east-1:123456789012:stateMachine:greenlight-releases"

// t0 is when the uploads of the tests happen.
var t0 = time.Date(2026, 11, 22, 10, 15, 0, 0, time.UTC)

// fakeExecution is one execution of the fake state machine.
type fakeExecution struct {
	arn   string
	input string
	start time.Time
	// statuses are what DescribeExecution answers, one a call; the last
	// one stays. None: SUCCEEDED.
	statuses []sfntypes.ExecutionStatus
}

// fakeSFN lists its executions newest first, pageSize a page (0: all).
type fakeSFN struct {
	execs    []*fakeExecution
	pageSize int
	// appear is put in front of execs by ListExecutions call appearAt.
	appear   *fakeExecution
	appearAt int
	lists    int
	// described counts DescribeExecution calls by ARN.
	described   map[string]int
	listErr     error
	describeErr error
	// callCtx is the context of the last DescribeExecution call.
	callCtx context.Context
}

func (f *fakeSFN) ListExecutions(ctx context.Context, in *sfn.ListExecutionsInput, _ ...func(*sfn.Options)) (*sfn.ListExecutionsOutput, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if f.listErr != nil {
		return nil, f.listErr
	}
	if aws.ToString(in.StateMachineArn) != testSM {
		return nil, &smithy.GenericAPIError{Code: "StateMachineDoesNotExist", Message: aws.ToString(in.StateMachineArn)}
	}
	f.lists++
	if f.appear != nil && f.lists >= f.appearAt {
		f.execs = append([]*fakeExecution{f.appear}, f.execs...)
		f.appear = nil
	}
	from := 0
	if in.NextToken != nil {
		from, _ = strconv.Atoi(*in.NextToken)
	}
	to := len(f.execs)
	if f.pageSize > 0 && from+f.pageSize < to {
		to = from + f.pageSize
	}
	out := &sfn.ListExecutionsOutput{}
	for _, e := range f.execs[from:to] {
		out.Executions = append(out.Executions, sfntypes.ExecutionListItem{
			ExecutionArn: aws.String(e.arn), StartDate: aws.Time(e.start), StateMachineArn: in.StateMachineArn,
		})
	}
	if to < len(f.execs) {
		out.NextToken = aws.String(strconv.Itoa(to))
	}
	return out, nil
}

func (f *fakeSFN) DescribeExecution(ctx context.Context, in *sfn.DescribeExecutionInput, _ ...func(*sfn.Options)) (*sfn.DescribeExecutionOutput, error) {
	f.callCtx = ctx
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if f.describeErr != nil {
		return nil, f.describeErr
	}
	arn := aws.ToString(in.ExecutionArn)
	for _, e := range f.execs {
		if e.arn != arn {
			continue
		}
		if f.described == nil {
			f.described = map[string]int{}
		}
		n := f.described[arn]
		f.described[arn]++
		status := sfntypes.ExecutionStatusSucceeded
		if len(e.statuses) > 0 {
			status = e.statuses[min(n, len(e.statuses)-1)]
		}
		return &sfn.DescribeExecutionOutput{ExecutionArn: aws.String(arn), Input: aws.String(e.input), StartDate: aws.Time(e.start), Status: status}, nil
	}
	return nil, &smithy.GenericAPIError{Code: "ExecutionDoesNotExist", Message: arn}
}

// s3Event is the input EventBridge hands the state machine for an upload.
func s3Event(bucket, key, version string) string {
	object := map[string]any{"key": key, "size": 5}
	if version != "" {
		object["version-id"] = version
	}
	b, err := json.Marshal(map[string]any{
		"version": "0", "id": "17793124-05d4-b198-2fde-7ededc63b103",
		"detail-type": "Object Created", "source": "aws.s3",
		"account": "123456789012", "time": "2026-11-22T10:15:00Z", "region": "eu-west-1",
		"resources": []string{"arn:aws:s3:::" + bucket},
		"detail":    map[string]any{"version": "0", "bucket": map[string]any{"name": bucket}, "object": object, "reason": "PutObject"},
	})
	if err != nil {
		panic(err)
	}
	return string(b)
}

func exec(arn, input string, start time.Time) *fakeExecution {
	return &fakeExecution{arn: arn, input: input, start: start}
}

func TestSubjectOf(t *testing.T) {
	tests := []struct {
		name  string
		input string
		want  Subject
	}{
		{"s3 event", s3Event("greenlight-artifacts", "releases/orders/42.zip", "v42"),
			Subject{Function: "orders", Object: Object{Bucket: "greenlight-artifacts", Key: "releases/orders/42.zip", VersionID: "v42"}}},
		{"s3 event of an unversioned bucket", s3Event("b", "releases/orders/42.zip", ""),
			Subject{Function: "orders", Object: Object{Bucket: "b", Key: "releases/orders/42.zip"}}},
		{"console input", `{"function":"billing","artifact":{"bucket":"b","key":"releases/billing/7.zip","versionId":"x"}}`,
			Subject{Function: "billing", Object: Object{Bucket: "b", Key: "releases/billing/7.zip", VersionID: "x"}}},
		{"group console input", `{"group":"shop","artifact":{"bucket":"b","key":"releases/shop/3.zip"}}`,
			Subject{Group: "shop", Object: Object{Bucket: "b", Key: "releases/shop/3.zip"}}},
		{"group configuration only", `{"group":"shop","configuration":{"shop-api":{"memorySize":256}}}`, Subject{Group: "shop"}},
		{"event for another key", `{"detail-type":"Object Created","source":"aws.s3","detail":{"bucket":{"name":"b"},"object":{"key":"other/x.zip"}}}`, Subject{}},
		{"not JSON", `orders`, Subject{}},
		{"empty", ``, Subject{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := SubjectOf(tt.input)
			if got != tt.want {
				t.Errorf("SubjectOf = %+v, want %+v", got, tt.want)
			}
			if want := tt.want.Function + tt.want.Group; got.Name() != want {
				t.Errorf("Name = %q, want %q", got.Name(), want)
			}
		})
	}
}

func TestObjectMatches(t *testing.T) {
	want := Object{Bucket: "b", Key: "releases/orders/1.zip", VersionID: "v1"}
	tests := []struct {
		name string
		got  Object
		want bool
	}{
		{"same version", Object{Bucket: "b", Key: "releases/orders/1.zip", VersionID: "v1"}, true},
		{"no version", Object{Bucket: "b", Key: "releases/orders/1.zip"}, true},
		{"other version", Object{Bucket: "b", Key: "releases/orders/1.zip", VersionID: "v2"}, false},
		{"longer key", Object{Bucket: "b", Key: "releases/orders/11.zip", VersionID: "v1"}, false},
		{"key that ends the same", Object{Bucket: "b", Key: "releases/orders/hotfix/releases/orders/1.zip", VersionID: "v1"}, false},
		{"other bucket", Object{Bucket: "c", Key: "releases/orders/1.zip", VersionID: "v1"}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.got.Matches(want); got != tt.want {
				t.Errorf("%v.Matches(%v) = %v, want %v", tt.got, want, got, tt.want)
			}
		})
	}
}

func TestFind(t *testing.T) {
	var (
		one      = Object{Bucket: "b", Key: "releases/orders/1.zip", VersionID: "v1"}
		oneV2    = Object{Bucket: "b", Key: "releases/orders/1.zip", VersionID: "v2"}
		eleven   = Object{Bucket: "b", Key: "releases/orders/11.zip", VersionID: "v1"}
		upload   = func(o Object) string { return s3Event(o.Bucket, o.Key, o.VersionID) }
		later    = func(d time.Duration) time.Time { return t0.Add(d) }
		payload  = `{"function":"orders","artifact":{"bucket":"b","key":"releases/orders/2.zip","versionId":"v7"},"tests":[{"name":"path","payload":{"path":"releases/orders/1.zip"}}]}`
		byPrefix = Object{Bucket: "b", Key: "releases/orders/hotfix/releases/orders/1.zip", VersionID: "v9"}
	)
	tests := []struct {
		name     string
		execs    []*fakeExecution // newest first
		pageSize int
		want     Object
		wantARN  string
		// substring is the ARN a match of want's key anywhere in the input
		// picks first, where that is not wantARN: the case is one a
		// substring match gets wrong.
		substring string
	}{
		{
			name:    "1.zip, with 11.zip released after it",
			execs:   []*fakeExecution{exec("exec-11", upload(eleven), later(2*time.Second)), exec("exec-1", upload(one), later(time.Second))},
			want:    one,
			wantARN: "exec-1",
		},
		{
			name:    "11.zip, with 1.zip released after it",
			execs:   []*fakeExecution{exec("exec-1", upload(one), later(2*time.Second)), exec("exec-11", upload(eleven), later(time.Second))},
			want:    eleven,
			wantARN: "exec-11",
		},
		{
			name:      "the first of two uploads of one key",
			execs:     []*fakeExecution{exec("exec-v2", upload(oneV2), later(2*time.Second)), exec("exec-v1", upload(one), later(time.Second))},
			want:      one,
			wantARN:   "exec-v1",
			substring: "exec-v2",
		},
		{
			name:    "the second of two uploads of one key",
			execs:   []*fakeExecution{exec("exec-v2", upload(oneV2), later(2*time.Second)), exec("exec-v1", upload(one), later(time.Second))},
			want:    oneV2,
			wantARN: "exec-v2",
		},
		{
			name:      "a key that another key ends with",
			execs:     []*fakeExecution{exec("exec-hotfix", upload(byPrefix), later(2*time.Second)), exec("exec-1", upload(one), later(time.Second))},
			want:      one,
			wantARN:   "exec-1",
			substring: "exec-hotfix",
		},
		{
			name:      "a console input that mentions the key in a test payload",
			execs:     []*fakeExecution{exec("exec-console", payload, later(2*time.Second)), exec("exec-1", upload(one), later(time.Second))},
			want:      one,
			wantARN:   "exec-1",
			substring: "exec-console",
		},
		{
			name:      "the same key in another bucket",
			execs:     []*fakeExecution{exec("exec-c", s3Event("c", one.Key, one.VersionID), later(2*time.Second)), exec("exec-1", upload(one), later(time.Second))},
			want:      one,
			wantARN:   "exec-1",
			substring: "exec-c",
		},
		{
			name:    "a console input of the object version",
			execs:   []*fakeExecution{exec("exec-console", `{"function":"orders","artifact":{"bucket":"b","key":"releases/orders/1.zip","versionId":"v1"}}`, later(time.Second))},
			want:    one,
			wantARN: "exec-console",
		},
		{
			name:    "an unversioned bucket",
			execs:   []*fakeExecution{exec("exec-11", s3Event("b", eleven.Key, ""), later(2*time.Second)), exec("exec-1", s3Event("b", one.Key, ""), later(time.Second))},
			want:    Object{Bucket: "b", Key: one.Key},
			wantARN: "exec-1",
		},
		{
			name:    "inputs that are not releases",
			execs:   []*fakeExecution{exec("exec-junk", `orders`, later(3*time.Second)), exec("exec-array", `[1]`, later(2*time.Second)), exec("exec-1", upload(one), later(time.Second))},
			want:    one,
			wantARN: "exec-1",
		},
		{
			name: "on a later page",
			execs: []*fakeExecution{
				exec("exec-a", upload(eleven), later(5*time.Second)), exec("exec-b", upload(oneV2), later(4*time.Second)),
				exec("exec-c", payload, later(3*time.Second)), exec("exec-1", upload(one), later(time.Second)),
			},
			pageSize:  2,
			want:      one,
			wantARN:   "exec-1",
			substring: "exec-b",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.substring != "" {
				if got := firstContaining(tt.execs, tt.want.Key); got != tt.substring {
					t.Fatalf("a substring match picks %q, the case says %q", got, tt.substring)
				}
			}
			api := &fakeSFN{execs: tt.execs, pageSize: tt.pageSize}
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			got, err := Find(ctx, api, testSM, tt.want, t0, time.Millisecond)
			if err != nil {
				t.Fatal(err)
			}
			if got != tt.wantARN {
				t.Errorf("Find = %q, want %q", got, tt.wantARN)
			}
			for arn, n := range api.described {
				if n > 1 {
					t.Errorf("%s described %d times", arn, n)
				}
			}
		})
	}
}

// firstContaining is the lookup Find replaces: the first execution whose
// input contains key.
func firstContaining(execs []*fakeExecution, key string) string {
	for _, e := range execs {
		if strings.Contains(e.input, key) {
			return e.arn
		}
	}
	return ""
}

func TestFindWaitsForTheExecution(t *testing.T) {
	one := Object{Bucket: "b", Key: "releases/orders/1.zip", VersionID: "v1"}
	api := &fakeSFN{
		execs:    []*fakeExecution{exec("exec-old", s3Event("b", one.Key, "v0"), t0.Add(-time.Minute))},
		appear:   exec("exec-1", s3Event("b", one.Key, one.VersionID), t0.Add(time.Second)),
		appearAt: 3,
	}
	got, err := Find(context.Background(), api, testSM, one, t0, time.Millisecond)
	if err != nil || got != "exec-1" {
		t.Fatalf("Find = %q, %v; want exec-1", got, err)
	}
	if api.lists != 3 {
		t.Errorf("listed %d times, want 3", api.lists)
	}
	if n := api.described["exec-old"]; n != 1 {
		t.Errorf("the older execution was described %d times, want once", n)
	}
}

func TestFindIgnoresExecutionsBeforeTheUpload(t *testing.T) {
	one := Object{Bucket: "b", Key: "releases/orders/1.zip", VersionID: "v1"}
	api := &fakeSFN{execs: []*fakeExecution{
		exec("exec-skewed", s3Event("b", "releases/orders/2.zip", "v2"), t0.Add(-ClockSkew+time.Second)),
		exec("exec-before", s3Event("b", one.Key, one.VersionID), t0.Add(-ClockSkew-time.Second)),
	}}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Millisecond)
	defer cancel()
	_, err := Find(ctx, api, testSM, one, t0, time.Millisecond)
	var ns *NotStartedError
	if !errors.As(err, &ns) {
		t.Fatalf("Find error = %v, want a *NotStartedError", err)
	}
	if api.described["exec-before"] != 0 {
		t.Error("an execution started before the upload, less the clock skew, was described")
	}
	if api.described["exec-skewed"] != 1 {
		t.Errorf("an execution within the clock skew was described %d times, want once", api.described["exec-skewed"])
	}
}

func TestFindErrors(t *testing.T) {
	one := Object{Bucket: "b", Key: "releases/orders/1.zip", VersionID: "v1"}
	denied := &smithy.GenericAPIError{Code: "AccessDeniedException", Message: "no"}
	tests := []struct {
		name       string
		api        *fakeSFN
		timeout    time.Duration
		notStarted bool   // a *NotStartedError that wraps the context's error
		want       string // in the error
	}{
		{"nothing started", &fakeSFN{}, 20 * time.Millisecond, true, "no execution started for s3://b/releases/orders/1.zip (version v1): context deadline exceeded"},
		{"list refused", &fakeSFN{listErr: denied}, time.Second, false, "list executions: api error AccessDeniedException"},
		{"describe refused", &fakeSFN{execs: []*fakeExecution{exec("exec-1", "{}", t0)}, describeErr: denied}, time.Second, false, "describe execution exec-1: api error AccessDeniedException"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), tt.timeout)
			defer cancel()
			_, err := Find(ctx, tt.api, testSM, one, t0, time.Millisecond)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("Find error = %v, want one containing %q", err, tt.want)
			}
			var ns *NotStartedError
			if got := errors.As(err, &ns) && errors.Is(err, context.DeadlineExceeded); got != tt.notStarted {
				t.Errorf("a *NotStartedError after the deadline: %v, want %v (%v)", got, tt.notStarted, err)
			}
		})
	}
}

func TestExecution(t *testing.T) {
	running, succeeded, failed := sfntypes.ExecutionStatusRunning, sfntypes.ExecutionStatusSucceeded, sfntypes.ExecutionStatusFailed
	boom := errors.New("boom")
	tests := []struct {
		name        string
		statuses    []sfntypes.ExecutionStatus
		describeErr error
		observeErr  error // returned by observe on its second call
		wantStatus  sfntypes.ExecutionStatus
		wantLooks   int
		wantErr     string
	}{
		{name: "until it succeeds", statuses: []sfntypes.ExecutionStatus{running, running, succeeded}, wantStatus: succeeded, wantLooks: 3},
		{name: "until it fails", statuses: []sfntypes.ExecutionStatus{running, failed}, wantStatus: failed, wantLooks: 2},
		{name: "already ended", statuses: []sfntypes.ExecutionStatus{succeeded}, wantStatus: succeeded, wantLooks: 1},
		{name: "observe fails", statuses: []sfntypes.ExecutionStatus{running}, observeErr: boom, wantLooks: 2, wantErr: "boom"},
		{name: "describe fails", describeErr: &smithy.GenericAPIError{Code: "ExecutionDoesNotExist", Message: "gone"}, wantErr: "describe execution exec-1: api error ExecutionDoesNotExist: gone"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			api := &fakeSFN{execs: []*fakeExecution{{arn: "exec-1", start: t0, statuses: tt.statuses}}, describeErr: tt.describeErr}
			looks := 0
			d, err := Execution(context.Background(), api, "exec-1", Options{Poll: time.Millisecond}, func(_ context.Context, d *sfn.DescribeExecutionOutput) error {
				looks++
				if looks == 2 && tt.observeErr != nil {
					return tt.observeErr
				}
				return nil
			})
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("Execution error = %v, want one containing %q", err, tt.wantErr)
				}
			} else if err != nil || d.Status != tt.wantStatus {
				t.Fatalf("Execution = %v, %v; want status %s", d, err, tt.wantStatus)
			}
			if looks != tt.wantLooks {
				t.Errorf("observe called %d times, want %d", looks, tt.wantLooks)
			}
		})
	}
}

// TestExecutionCancelled pins how an interrupt ends the following: with a
// CallTimeout the look under way runs to its end, and the wait after it
// ends; without one the calls end with ctx.
func TestExecutionCancelled(t *testing.T) {
	tests := []struct {
		callTimeout time.Duration
		wantLooks   int
	}{
		{callTimeout: time.Minute, wantLooks: 1},
		{callTimeout: 0, wantLooks: 0},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprint("call timeout ", tt.callTimeout), func(t *testing.T) {
			api := &fakeSFN{execs: []*fakeExecution{{arn: "exec-1", start: t0, statuses: []sfntypes.ExecutionStatus{sfntypes.ExecutionStatusRunning}}}}
			ctx, cancel := context.WithCancel(context.Background())
			cancel()
			looks := 0
			_, err := Execution(ctx, api, "exec-1", Options{Poll: time.Hour, CallTimeout: tt.callTimeout}, func(ctx context.Context, _ *sfn.DescribeExecutionOutput) error {
				looks++
				if err := ctx.Err(); err != nil {
					t.Errorf("observe got a context that is done: %v", err)
				}
				return nil
			})
			if !errors.Is(err, context.Canceled) {
				t.Errorf("Execution error = %v, want context.Canceled", err)
			}
			if looks != tt.wantLooks {
				t.Errorf("observe called %d times, want %d", looks, tt.wantLooks)
			}
		})
	}
}
