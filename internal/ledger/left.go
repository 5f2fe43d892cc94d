package ledger

import (
	"bytes"
	"context"
	"encoding/json"
	"io"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/greenlight/greenlight/internal/drift"
	"github.com/greenlight/greenlight/internal/failure"
)

// LeftPrefix is where the ledger records what the last release of each
// function left it in: left/<function>.json, written when a release ends
// (before its lock is released) and read by the next one to warn of drift
// (see package drift). Each release replaces the record.
const LeftPrefix = "left/"

func leftKey(fn string) string { return LeftPrefix + fn + ".json" }

var (
	_ drift.History  = (*Ledger)(nil)
	_ drift.Recorder = (*Ledger)(nil)
)

// RecordLeft records what the release left describes left its function in,
// stamped with the time.
func (l *Ledger) RecordLeft(ctx context.Context, left drift.Left) error {
	left.At = l.now()
	body, err := json.Marshal(left)
	if err != nil {
		return &failure.OperationError{Op: "encode what the release left " + left.Function + " in", Err: err}
	}
	_, err = l.S3.PutObject(ctx, &s3.PutObjectInput{
		Bucket: &l.Bucket, Key: aws.String(leftKey(left.Function)), Body: bytes.NewReader(body),
		ContentType: aws.String("application/json"),
	})
	if err != nil {
		return failure.Classify("record what the release left "+left.Function+" in", err)
	}
	return nil
}

// ForgetLeft deletes fn's record; deleting one that is gone does nothing.
func (l *Ledger) ForgetLeft(ctx context.Context, fn string) error {
	_, err := l.S3.DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: &l.Bucket, Key: aws.String(leftKey(fn))})
	if err != nil && !failure.IsNotFound(err) {
		return failure.Classify("forget what the last release left "+fn+" in", err)
	}
	return nil
}

// LeftOf returns what the last release of fn left it in, and false when no
// release recorded it.
func (l *Ledger) LeftOf(ctx context.Context, fn string) (drift.Left, bool, error) {
	op := "read what the last release left " + fn + " in"
	out, err := l.S3.GetObject(ctx, &s3.GetObjectInput{Bucket: &l.Bucket, Key: aws.String(leftKey(fn))})
	if failure.IsNotFound(err) {
		return drift.Left{}, false, nil
	}
	if err != nil {
		return drift.Left{}, false, failure.Classify(op, err)
	}
	defer out.Body.Close()
	body, err := io.ReadAll(out.Body)
	if err != nil {
		return drift.Left{}, false, &failure.ThrottledError{Op: op, Err: err}
	}
	var left drift.Left
	if err := json.Unmarshal(body, &left); err != nil {
		return drift.Left{}, false, &failure.OperationError{Op: "decode what the last release left " + fn + " in", Err: err}
	}
	return left, true, nil
}
