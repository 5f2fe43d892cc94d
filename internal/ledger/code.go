package ledger

import (
	"bytes"
	"context"
	"encoding/json"
	"io"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/greenlight/greenlight/internal/failure"
	"github.com/greenlight/greenlight/internal/release"
)

// CodePrefix is where the ledger records the artifact each version that
// greenlight published runs: code/<function>/<version>.json. A
// configuration-only release reads blue's record to put blue's code back on
// $LATEST when a rolled-back release left other code there.
const CodePrefix = "code/"

func codeKey(fn, version string) string { return CodePrefix + fn + "/" + version + ".json" }

// RecordCode records that version of fn runs the artifact a.
func (l *Ledger) RecordCode(ctx context.Context, fn, version string, a release.Artifact) error {
	body, err := json.Marshal(a)
	if err != nil {
		return &failure.OperationError{Op: "encode code record of " + fn, Err: err}
	}
	_, err = l.S3.PutObject(ctx, &s3.PutObjectInput{
		Bucket: &l.Bucket, Key: aws.String(codeKey(fn, version)), Body: bytes.NewReader(body),
		ContentType: aws.String("application/json"),
	})
	if err != nil {
		return failure.Classify("record the code of "+fn+":"+version, err)
	}
	return nil
}

// CodeOf returns the artifact version of fn runs, and false when greenlight
// did not publish it (it has no record).
func (l *Ledger) CodeOf(ctx context.Context, fn, version string) (release.Artifact, bool, error) {
	out, err := l.S3.GetObject(ctx, &s3.GetObjectInput{Bucket: &l.Bucket, Key: aws.String(codeKey(fn, version))})
	if failure.IsNotFound(err) {
		return release.Artifact{}, false, nil
	}
	if err != nil {
		return release.Artifact{}, false, failure.Classify("read the code record of "+fn+":"+version, err)
	}
	defer out.Body.Close()
	body, err := io.ReadAll(out.Body)
	if err != nil {
		return release.Artifact{}, false, &failure.ThrottledError{Op: "read the code record of " + fn + ":" + version, Err: err}
	}
	var a release.Artifact
	if err := json.Unmarshal(body, &a); err != nil {
		return release.Artifact{}, false, &failure.OperationError{Op: "decode the code record of " + fn + ":" + version, Err: err}
	}
	return a, true, nil
}
