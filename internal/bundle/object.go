package bundle

import (
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/greenlight/greenlight/internal/failure"
	"github.com/greenlight/greenlight/internal/release"
)

// minFetch is the least a read fetches from S3 (the object's end permitting).
// The zip directory lies at the end of the object, so the fetch that starts
// it usually holds all of it: one round trip instead of one per 4 KiB that
// archive/zip asks for.
const minFetch = 32 << 10

// object is one version of an S3 object as an io.ReaderAt, read through
// ranged GETs, so that archive/zip reads a bundle's directory and one member
// without downloading the rest.
//
// A read is served from the block the last fetch brought when it lies
// inside it; from the stream when it lies inside the range declared with
// stream (a member's data, which zip reads in small pieces in order, so one
// GET serves them all); and otherwise by a new fetch of at least minFetch
// bytes.
type object struct {
	ctx  context.Context // for the GETs: io.ReaderAt takes no context
	c    Reader
	a    release.Artifact
	size int64

	block    []byte
	blockOff int64

	body     io.ReadCloser // the stream's open GET, if any
	pos, end int64         // the stream's next offset and its end

	// err is the first failure of S3, typed for the caller; reads stop
	// there, and the caller reports it rather than the zip error it caused.
	err error
}

// stream declares that [off, end) will be read in order.
func (o *object) stream(off, end int64) {
	o.close()
	o.pos, o.end = off, end
}

// close ends the stream's GET.
func (o *object) close() {
	if o.body != nil {
		o.body.Close()
		o.body = nil
	}
}

// ReadAt implements io.ReaderAt.
func (o *object) ReadAt(p []byte, off int64) (int, error) {
	switch {
	case o.err != nil:
		return 0, o.err
	case off < 0:
		return 0, errors.New("bundle: negative offset")
	case off >= o.size:
		return 0, io.EOF
	}
	n := int(min(int64(len(p)), o.size-off))
	var err error
	switch {
	case off >= o.blockOff && off+int64(n) <= o.blockOff+int64(len(o.block)):
		copy(p[:n], o.block[off-o.blockOff:])
	case off >= o.pos && off+int64(n) <= o.end:
		err = o.fromStream(p[:n], off)
	default:
		err = o.fetch(off, max(n, int(min(minFetch, o.size-off))))
		if err == nil {
			copy(p[:n], o.block)
		}
	}
	if err != nil {
		return 0, err
	}
	if n < len(p) {
		return n, io.EOF
	}
	return n, nil
}

// fromStream fills p from the stream at off, (re)opening its GET there when
// the stream is not already at off.
func (o *object) fromStream(p []byte, off int64) error {
	if o.body == nil || o.pos != off {
		o.close()
		body, err := o.get(off, o.end)
		if err != nil {
			return err
		}
		o.body, o.pos = body, off
	}
	if _, err := io.ReadFull(o.body, p); err != nil {
		return o.failRead(err)
	}
	o.pos += int64(len(p))
	if o.pos == o.end {
		o.close()
	}
	return nil
}

// fetch reads n bytes at off into the block.
func (o *object) fetch(off int64, n int) error {
	body, err := o.get(off, off+int64(n))
	if err != nil {
		return err
	}
	defer body.Close()
	block := make([]byte, n)
	if _, err := io.ReadFull(body, block); err != nil {
		return o.failRead(err)
	}
	o.block, o.blockOff = block, off
	return nil
}

// get opens a GET of [off, end) of the object version.
func (o *object) get(off, end int64) (io.ReadCloser, error) {
	out, err := o.c.GetObject(o.ctx, &s3.GetObjectInput{
		Bucket:    &o.a.Bucket,
		Key:       &o.a.Key,
		VersionId: &o.a.VersionID,
		Range:     aws.String(fmt.Sprintf("bytes=%d-%d", off, end-1)),
	})
	if err != nil {
		return nil, o.fail("read", err)
	}
	return out.Body, nil
}

// fail records the failure of an S3 call and returns it typed: a missing
// object version is a problem of the bundle, anything else is classified for
// the state machine's retries.
func (o *object) fail(op string, err error) error {
	if failure.IsNotFound(err) {
		err = &problem{reason: fmt.Sprintf("%s (version %q) does not exist", where(o.a), o.a.VersionID), err: err}
	} else {
		err = failure.Classify(op+" "+where(o.a)+"?versionId="+o.a.VersionID, err)
	}
	if o.err == nil {
		o.err = err
	}
	return err
}

// failRead records a body that broke off: the connection, not the
// request, failed, so a retry may well succeed.
func (o *object) failRead(err error) error {
	err = &failure.ThrottledError{Op: "read " + where(o.a) + "?versionId=" + o.a.VersionID, Err: err}
	if o.err == nil {
		o.err = err
	}
	return err
}
