// Package ledgertest provides in-memory stand-ins for the S3 and Step
// Functions calls the ledger makes, with S3's conditional-write semantics, for
// tests of the ledger and of the functions that use it.
package ledgertest

import (
	"bytes"
	"context"
	"crypto/md5"
	"encoding/hex"
	"encoding/json"
	"io"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/aws/aws-sdk-go-v2/service/sfn"
	sfntypes "github.com/aws/aws-sdk-go-v2/service/sfn/types"
	"github.com/aws/smithy-go"

	"github.com/greenlight/greenlight/internal/ledger"
	"github.com/greenlight/greenlight/internal/release"
)

// Bucket is an in-memory S3 bucket honouring If-None-Match: * and If-Match
// on writes and If-Match on deletes.
// Err, when set, is returned by every call, to simulate S3 failures.
type Bucket struct {
	mu      sync.Mutex
	objects map[string][]byte
	Err     error
}

// NewBucket returns an empty bucket.
func NewBucket() *Bucket { return &Bucket{objects: map[string][]byte{}} }

var _ ledger.Objects = (*Bucket)(nil)

func etag(b []byte) string {
	sum := md5.Sum(b)
	return `"` + hex.EncodeToString(sum[:]) + `"`
}

var preconditionFailed = &smithy.GenericAPIError{Code: "PreconditionFailed", Message: "At least one of the pre-conditions you specified did not hold"}

// GetObject implements ledger.Objects.
func (b *Bucket) GetObject(_ context.Context, in *s3.GetObjectInput, _ ...func(*s3.Options)) (*s3.GetObjectOutput, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.Err != nil {
		return nil, b.Err
	}
	body, ok := b.objects[aws.ToString(in.Key)]
	if !ok {
		return nil, &s3types.NoSuchKey{}
	}
	return &s3.GetObjectOutput{Body: io.NopCloser(bytes.NewReader(body)), ETag: aws.String(etag(body))}, nil
}

// PutObject implements ledger.Objects.
func (b *Bucket) PutObject(_ context.Context, in *s3.PutObjectInput, _ ...func(*s3.Options)) (*s3.PutObjectOutput, error) {
	body, err := io.ReadAll(in.Body)
	if err != nil {
		return nil, err
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.Err != nil {
		return nil, b.Err
	}
	key := aws.ToString(in.Key)
	old, exists := b.objects[key]
	if aws.ToString(in.IfNoneMatch) == "*" && exists {
		return nil, preconditionFailed
	}
	if in.IfMatch != nil {
		if !exists {
			return nil, &s3types.NoSuchKey{}
		}
		if *in.IfMatch != etag(old) {
			return nil, preconditionFailed
		}
	}
	b.objects[key] = body
	return &s3.PutObjectOutput{ETag: aws.String(etag(body))}, nil
}

// DeleteObject implements ledger.Objects.
func (b *Bucket) DeleteObject(_ context.Context, in *s3.DeleteObjectInput, _ ...func(*s3.Options)) (*s3.DeleteObjectOutput, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.Err != nil {
		return nil, b.Err
	}
	key := aws.ToString(in.Key)
	if in.IfMatch != nil {
		old, exists := b.objects[key]
		if !exists {
			return nil, &s3types.NoSuchKey{}
		}
		if *in.IfMatch != "*" && *in.IfMatch != etag(old) {
			return nil, preconditionFailed
		}
	}
	delete(b.objects, key)
	return &s3.DeleteObjectOutput{}, nil
}

// ListObjectsV2 implements ledger.Objects; it returns one key per page so
// that callers' pagination is exercised.
func (b *Bucket) ListObjectsV2(_ context.Context, in *s3.ListObjectsV2Input, _ ...func(*s3.Options)) (*s3.ListObjectsV2Output, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.Err != nil {
		return nil, b.Err
	}
	var keys []string
	for k := range b.objects {
		if strings.HasPrefix(k, aws.ToString(in.Prefix)) && k > aws.ToString(in.ContinuationToken) {
			keys = append(keys, k)
		}
	}
	slices.Sort(keys)
	out := &s3.ListObjectsV2Output{}
	if len(keys) > 0 {
		out.Contents = []s3types.Object{{Key: aws.String(keys[0])}}
		if len(keys) > 1 {
			out.IsTruncated = aws.Bool(true)
			out.NextContinuationToken = aws.String(keys[0])
		}
	}
	return out, nil
}

// Put stores a lock record as is, for test setup.
func (b *Bucket) Put(t testing.TB, r ledger.Record) {
	t.Helper()
	body, err := json.Marshal(r)
	if err != nil {
		t.Fatal(err)
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	b.objects[ledger.Key(r.Function)] = body
}

// Record returns fn's stored lock record and whether there is one.
func (b *Bucket) Record(t testing.TB, fn string) (ledger.Record, bool) {
	t.Helper()
	b.mu.Lock()
	defer b.mu.Unlock()
	body, ok := b.objects[ledger.Key(fn)]
	if !ok {
		return ledger.Record{}, false
	}
	var r ledger.Record
	if err := json.Unmarshal(body, &r); err != nil {
		t.Fatal(err)
	}
	return r, true
}

// Executions answers DescribeExecution from a map of execution ARN to status;
// unknown executions do not exist.
type Executions map[string]sfntypes.ExecutionStatus

var _ ledger.Executions = Executions(nil)

// DescribeExecution implements ledger.Executions.
func (e Executions) DescribeExecution(_ context.Context, in *sfn.DescribeExecutionInput, _ ...func(*sfn.Options)) (*sfn.DescribeExecutionOutput, error) {
	status, ok := e[aws.ToString(in.ExecutionArn)]
	if !ok {
		return nil, &sfntypes.ExecutionDoesNotExist{}
	}
	return &sfn.DescribeExecutionOutput{ExecutionArn: in.ExecutionArn, Status: status}, nil
}

// Hold stores the lock record of every member of group release d (of d
// itself, for a single function) as the lock task writes it, held by d's
// execution.
func (b *Bucket) Hold(t testing.TB, d *release.Document) {
	t.Helper()
	if !d.IsGroup() {
		b.Put(t, ledger.RecordFor(d))
		return
	}
	for i := range d.Members {
		b.Put(t, ledger.RecordFor(d.Member(i)))
	}
}
