package main

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"io"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"

	"github.com/greenlight/greenlight/internal/bundle"
	"github.com/greenlight/greenlight/internal/failure"
	"github.com/greenlight/greenlight/internal/release"
)

// objectReader inspects the artifact, and extracts a group member's code
// from the group's bundle.
type objectReader interface {
	bundle.ReadWriter
}

var _ objectReader = (*s3.Client)(nil)

// Zip files start with a local file header, or with the end-of-directory
// record when they are empty.
var zipMagic = [][]byte{[]byte("PK\x03\x04"), []byte("PK\x05\x06")}

// zipMagicLen is how many bytes of the object zipMagic needs.
const zipMagicLen = 4

// checkArtifact makes sure the exact object version exists, is not too big,
// is a zip and, when the release gives one, has the expected SHA-256. It
// reads the object only when S3 holds no full-object SHA-256 checksum.
func checkArtifact(ctx context.Context, c objectReader, a release.Artifact) error {
	where := fmt.Sprintf("s3://%s/%s?versionId=%s", a.Bucket, a.Key, a.VersionID)
	head, err := c.HeadObject(ctx, &s3.HeadObjectInput{
		Bucket: &a.Bucket, Key: &a.Key, VersionId: &a.VersionID, ChecksumMode: s3types.ChecksumModeEnabled,
	})
	if failure.IsNotFound(err) {
		return &failure.ArtifactError{Reason: where + " does not exist", Err: err}
	}
	if err != nil {
		return failure.Classify("head "+where, err)
	}
	switch size := aws.ToInt64(head.ContentLength); {
	case size > release.MaxArtifactBytes:
		return &failure.ArtifactError{Reason: fmt.Sprintf("%s is %d bytes, more than Lambda's %d", where, size, release.MaxArtifactBytes)}
	case size < zipMagicLen:
		// S3 answers a ranged read of an empty object with 416 InvalidRange.
		return &failure.ArtifactError{Reason: fmt.Sprintf("%s is %d bytes, too short for a zip file", where, size)}
	}
	want := ""
	if a.SHA256 != "" {
		if want, err = release.NormalizeSHA256(a.SHA256); err != nil {
			return &failure.ArtifactError{Reason: "sha256", Err: err}
		}
	}
	stored := aws.ToString(head.ChecksumSHA256)
	if head.ChecksumType == s3types.ChecksumTypeComposite || strings.Contains(stored, "-") {
		stored = "" // a checksum of part checksums, not of the object
	}
	get := &s3.GetObjectInput{Bucket: &a.Bucket, Key: &a.Key, VersionId: &a.VersionID}
	if want == "" || stored != "" {
		get.Range = aws.String(fmt.Sprintf("bytes=0-%d", zipMagicLen-1))
	}
	out, err := c.GetObject(ctx, get)
	if failure.IsNotFound(err) {
		return &failure.ArtifactError{Reason: where + " does not exist", Err: err}
	}
	if err != nil {
		return failure.Classify("read "+where, err)
	}
	defer out.Body.Close()
	h := sha256.New()
	var start bytes.Buffer
	if _, err := io.Copy(io.MultiWriter(h, &limitWriter{w: &start, n: zipMagicLen}), out.Body); err != nil {
		return &failure.ThrottledError{Op: "read " + where, Err: err}
	}
	if !isZip(start.Bytes()) {
		return &failure.ArtifactError{Reason: where + " is not a zip file"}
	}
	if want == "" {
		return nil
	}
	got := stored
	if got == "" {
		got = base64.StdEncoding.EncodeToString(h.Sum(nil))
	}
	if got != want {
		return &failure.ArtifactError{Reason: fmt.Sprintf("%s has SHA-256 %s, the release expects %s", where, got, want)}
	}
	return nil
}

func isZip(start []byte) bool {
	for _, m := range zipMagic {
		if bytes.HasPrefix(start, m) {
			return true
		}
	}
	return false
}

// limitWriter keeps the first n bytes written to it and discards the rest.
type limitWriter struct {
	w io.Writer
	n int
}

func (l *limitWriter) Write(p []byte) (int, error) {
	if l.n > 0 {
		k := min(l.n, len(p))
		if _, err := l.w.Write(p[:k]); err != nil {
			return 0, err
		}
		l.n -= k
	}
	return len(p), nil
}
