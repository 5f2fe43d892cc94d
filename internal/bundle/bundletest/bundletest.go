// Package bundletest provides, for tests of the bundle and of the functions
// that extract its members, an in-memory S3 bucket that keeps object
// versions and serves ranged reads, as package bundle reads a group's
// bundle, and Zip, which builds bundles and the zips in them.
package bundletest

import (
	"archive/zip"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"io"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/aws/smithy-go"

	"github.com/greenlight/greenlight/internal/bundle"
)

// Bucket is an in-memory S3 bucket that keeps object versions, honours
// Range: bytes=a-b on GetObject and ChecksumSHA256 on PutObject, and counts
// what it serves. Errs maps an operation name ("HeadObject", "GetObject",
// "PutObject") to the error it returns. Its methods may be called at once.
type Bucket struct {
	mu      sync.Mutex
	objects map[string][]byte // key?versionId -> body
	// Unversioned makes PutObject keep no version, as in a bucket without
	// versioning.
	Unversioned bool
	Errs        map[string]error
	Puts        []*s3.PutObjectInput
	Gets        int
	Served      int64
}

var _ bundle.ReadWriter = (*Bucket)(nil)

// New returns a bucket that holds body as version versionID of key.
func New(key, versionID string, body []byte) *Bucket {
	return &Bucket{objects: map[string][]byte{key + "?" + versionID: body}, Errs: map[string]error{}}
}

// Object returns version versionID of key and whether the bucket holds it.
func (b *Bucket) Object(key, versionID string) ([]byte, bool) {
	b.mu.Lock()
	defer b.mu.Unlock()
	body, ok := b.objects[key+"?"+versionID]
	return body, ok
}

// find returns an object version for operation op: the error set for op, or
// missing when there is no such version. b.mu is held.
func (b *Bucket) find(op string, key, versionID *string, missing error) ([]byte, error) {
	if err := b.Errs[op]; err != nil {
		return nil, err
	}
	body, ok := b.objects[aws.ToString(key)+"?"+aws.ToString(versionID)]
	if !ok {
		return nil, missing
	}
	return body, nil
}

// HeadObject answers a missing version with a bare 404, as S3 does: a HEAD
// has no body to name the error in.
func (b *Bucket) HeadObject(_ context.Context, in *s3.HeadObjectInput, _ ...func(*s3.Options)) (*s3.HeadObjectOutput, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	body, err := b.find("HeadObject", in.Key, in.VersionId, &s3types.NotFound{})
	if err != nil {
		return nil, err
	}
	return &s3.HeadObjectOutput{ContentLength: aws.Int64(int64(len(body))), VersionId: in.VersionId}, nil
}

// GetObject serves the whole version, or the range asked for.
func (b *Bucket) GetObject(_ context.Context, in *s3.GetObjectInput, _ ...func(*s3.Options)) (*s3.GetObjectOutput, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	body, err := b.find("GetObject", in.Key, in.VersionId, &s3types.NoSuchKey{})
	if err != nil {
		return nil, err
	}
	if in.Range != nil {
		var first, last int
		if _, err := fmt.Sscanf(*in.Range, "bytes=%d-%d", &first, &last); err != nil || first > last || first >= len(body) {
			return nil, &smithy.GenericAPIError{Code: "InvalidRange", Message: "The requested range is not satisfiable"}
		}
		body = body[first:min(last+1, len(body))]
	}
	b.Gets++
	b.Served += int64(len(body))
	return &s3.GetObjectOutput{Body: io.NopCloser(bytes.NewReader(body)), ContentLength: aws.Int64(int64(len(body)))}, nil
}

// PutObject stores a new version, refusing a body that does not match its
// ChecksumSHA256.
func (b *Bucket) PutObject(_ context.Context, in *s3.PutObjectInput, _ ...func(*s3.Options)) (*s3.PutObjectOutput, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if err := b.Errs["PutObject"]; err != nil {
		return nil, err
	}
	body, err := io.ReadAll(in.Body)
	if err != nil {
		return nil, err
	}
	if in.ChecksumSHA256 != nil && *in.ChecksumSHA256 != SHA256(body) {
		return nil, &smithy.GenericAPIError{Code: "BadDigest", Message: "The SHA256 you specified did not match the calculated checksum."}
	}
	b.Puts = append(b.Puts, in)
	out := &s3.PutObjectOutput{}
	v := ""
	if !b.Unversioned {
		v = fmt.Sprintf("p%d", len(b.Puts))
		out.VersionId = &v
	}
	b.objects[aws.ToString(in.Key)+"?"+v] = body
	return out, nil
}

// SHA256 is the SHA-256 of b in base64, as S3's ChecksumSHA256 and Lambda's
// CodeSha256 print it.
func SHA256(b []byte) string {
	h := sha256.Sum256(b)
	return base64.StdEncoding.EncodeToString(h[:])
}

// File is an entry of a zip built by Zip. Raw, when set, is written as is,
// with Body as the entry's compressed data: a header may then say anything.
type File struct {
	Name   string
	Body   []byte
	Method uint16
	Raw    *zip.FileHeader
}

// Zip returns a zip file of files, in order.
func Zip(t testing.TB, files ...File) []byte {
	t.Helper()
	var buf bytes.Buffer
	w := zip.NewWriter(&buf)
	for _, f := range files {
		var (
			fw  io.Writer
			err error
		)
		if f.Raw != nil {
			f.Raw.Name = f.Name
			fw, err = w.CreateRaw(f.Raw)
		} else {
			fw, err = w.CreateHeader(&zip.FileHeader{Name: f.Name, Method: f.Method})
		}
		if err != nil {
			t.Fatal(err)
		}
		if _, err := fw.Write(f.Body); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}
