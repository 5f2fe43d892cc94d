// Package bundle reads the bundle of a group release.
//
// A group release releases several functions of a configured group as one.
// Its artifact is one upload, releases/<group>/<build>.zip, that holds a
// member per function to release:
//
//	releases/payments/42.zip
//	├── orders.zip     the deployment package of function "orders"
//	└── invoices.zip   the deployment package of function "invoices"
//
// Every entry is <function>.zip at the top level of the bundle, where
// <function> is a Lambda function name; there are no folders, no other
// files, no name twice, at most MaxMembers entries, and no member larger
// than Lambda takes (release.MaxArtifactBytes unzipped). List checks this
// layout and names the members; Extract copies one member to a key of its
// own (Key) that Lambda can deploy.
//
// Both read the exact object version through ranged GETs: a zip's directory
// sits at its end, so listing reads a few kilobytes of the bundle, however
// large, and extracting reads the directory and the one member.
package bundle

import (
	"archive/zip"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/greenlight/greenlight/internal/failure"
	"github.com/greenlight/greenlight/internal/release"
)

const (
	// MaxMembers bounds the entries of a bundle: each member becomes part of
	// the release, whose document Step Functions bounds.
	MaxMembers = 100
	// Prefix is where Extract's copies go (see Key).
	Prefix = "bundles/"
)

// Reader reads a bundle.
type Reader interface {
	HeadObject(context.Context, *s3.HeadObjectInput, ...func(*s3.Options)) (*s3.HeadObjectOutput, error)
	GetObject(context.Context, *s3.GetObjectInput, ...func(*s3.Options)) (*s3.GetObjectOutput, error)
}

// ReadWriter reads a bundle and writes the copies of its members.
type ReadWriter interface {
	Reader
	PutObject(context.Context, *s3.PutObjectInput, ...func(*s3.Options)) (*s3.PutObjectOutput, error)
}

var _ ReadWriter = (*s3.Client)(nil)

// Key is where Extract puts function fn's member for release releaseID:
// bundles/<releaseID>/<fn>.zip. It lies outside release.KeyPrefix, so
// writing it never starts a release: only uploads under releases/ do.
func Key(releaseID, fn string) string {
	return Prefix + releaseID + "/" + fn + ".zip"
}

// List returns the names of the functions whose members bundle a holds,
// sorted. Every problem with the bundle's layout, or a bundle that does not
// exist or is not a zip, is reported at once in a *failure.ValidationError;
// other S3 failures come classified (see failure.Classify).
func List(ctx context.Context, c Reader, a release.Artifact) ([]string, error) {
	o, zr, err := open(ctx, c, a)
	if err != nil {
		return nil, asValidation(err)
	}
	defer o.close()
	var v failure.ValidationError
	names := members(&v, where(a), zr.File)
	if err := v.Err(); err != nil {
		return nil, err
	}
	return names, nil
}

// Extract copies the member of function fn from bundle a to destKey in the
// bundle's bucket and returns the copy: its version (empty when the bucket
// is not versioned), size and SHA-256 (base64, as Lambda's CodeSha256 prints
// it), so that a deploy can check what Lambda took. A missing bundle or
// member, or one that cannot be read, is a *failure.ArtifactError; other S3
// failures come classified.
func Extract(ctx context.Context, c ReadWriter, a release.Artifact, fn, destKey string) (release.Artifact, error) {
	if strings.HasPrefix(destKey, release.KeyPrefix) {
		return release.Artifact{}, &failure.OperationError{Op: "extract " + fn,
			Err: fmt.Errorf("destination %q is under %s, where a write starts a release", destKey, release.KeyPrefix)}
	}
	o, zr, err := open(ctx, c, a)
	if err != nil {
		return release.Artifact{}, asArtifact(err)
	}
	defer o.close()
	f, err := entry(where(a), zr.File, fn)
	if err != nil {
		return release.Artifact{}, asArtifact(err)
	}
	body, err := o.read(f)
	if err != nil {
		return release.Artifact{}, asArtifact(err)
	}
	h := sha256.Sum256(body)
	sum := base64.StdEncoding.EncodeToString(h[:])
	size := int64(len(body))
	// The checksum makes S3 verify the copy and keep its SHA-256, which a
	// deploy's artifact check then reads instead of the object.
	out, err := c.PutObject(ctx, &s3.PutObjectInput{
		Bucket:         &a.Bucket,
		Key:            &destKey,
		Body:           bytes.NewReader(body),
		ContentLength:  &size,
		ContentType:    aws.String("application/zip"),
		ChecksumSHA256: &sum,
	})
	if err != nil {
		return release.Artifact{}, failure.Classify("write s3://"+a.Bucket+"/"+destKey, err)
	}
	return release.Artifact{Bucket: a.Bucket, Key: destKey, VersionID: aws.ToString(out.VersionId), SHA256: sum, Size: size}, nil
}

// problem is a fault of the bundle itself: List reports it as a
// *failure.ValidationError, Extract as a *failure.ArtifactError.
type problem struct {
	reason string
	err    error // the cause, when S3 gave one
}

func (p *problem) Error() string { return p.reason }

func asValidation(err error) error {
	var p *problem
	if errors.As(err, &p) {
		return &failure.ValidationError{Problems: []string{p.reason}}
	}
	return err
}

func asArtifact(err error) error {
	var p *problem
	if errors.As(err, &p) {
		return &failure.ArtifactError{Reason: p.reason, Err: p.err}
	}
	return err
}

// where names bundle a in problems.
func where(a release.Artifact) string { return "bundle s3://" + a.Bucket + "/" + a.Key }

// flagEncrypted is bit 0 of a zip entry's general purpose flags: the entry
// is encrypted, which archive/zip cannot read (it would fail only when
// deploy extracts the member, after the release has begun).
const flagEncrypted = 0x1

// minZipBytes is the size of the smallest zip, an empty one: its
// end-of-directory record alone.
const minZipBytes = 22

// open reads the directory of bundle a. The returned object must be closed.
func open(ctx context.Context, c Reader, a release.Artifact) (*object, *zip.Reader, error) {
	o := &object{ctx: ctx, c: c, a: a, size: a.Size}
	if o.size == 0 {
		head, err := c.HeadObject(ctx, &s3.HeadObjectInput{Bucket: &a.Bucket, Key: &a.Key, VersionId: &a.VersionID})
		if err != nil {
			return nil, nil, o.fail("head", err)
		}
		o.size = aws.ToInt64(head.ContentLength)
	}
	if o.size < minZipBytes {
		// Also spares S3 a ranged read of an empty object, which it
		// answers with 416 InvalidRange.
		return nil, nil, &problem{reason: where(a) + " is not a zip file"}
	}
	zr, err := zip.NewReader(o, o.size)
	if errors.Is(err, zip.ErrInsecurePath) {
		err = nil // such names are refused by members, with the others
	}
	if err != nil {
		o.close()
		if o.err != nil {
			return nil, nil, o.err
		}
		return nil, nil, &problem{reason: where(a) + " is not a zip file", err: err}
	}
	return o, zr, nil
}

// members checks the bundle's entries, adds every problem to v, and returns
// the function names the entries give, sorted.
func members(v *failure.ValidationError, where string, files []*zip.File) []string {
	switch {
	case len(files) == 0:
		v.Add("%s holds no <function>.zip", where)
		return nil
	case len(files) > MaxMembers:
		// One problem, not one per entry: the error travels in the
		// release's state, which Step Functions bounds.
		v.Add("%s holds %d entries, at most %d are allowed", where, len(files), MaxMembers)
		return nil
	}
	var names []string
	seen := map[string]bool{}
	for _, f := range files {
		fn, ok := strings.CutSuffix(f.Name, ".zip")
		switch {
		case strings.HasSuffix(f.Name, "/"):
			v.Add("%s: entry %q is a folder; a bundle holds only <function>.zip files, at its top level", where, f.Name)
			ok = false
		case !ok || strings.ContainsAny(f.Name, `/\`):
			v.Add("%s: entry %q is not <function>.zip at the top level", where, f.Name)
			ok = false
		case !release.IsFunctionName(fn):
			v.Add("%s: entry %q: %q is not a Lambda function name (1-64 letters, digits, - or _)", where, f.Name, fn)
			ok = false
		case seen[fn]:
			v.Add("%s: entry %q is in the bundle more than once", where, f.Name)
			ok = false
		}
		if f.UncompressedSize64 > release.MaxArtifactBytes {
			v.Add("%s: entry %q is %d bytes unzipped, more than Lambda's %d", where, f.Name, f.UncompressedSize64, release.MaxArtifactBytes)
		}
		if f.Method != zip.Store && f.Method != zip.Deflate {
			v.Add("%s: entry %q is compressed with method %d; only stored and deflated entries can be extracted", where, f.Name, f.Method)
		}
		if f.Flags&flagEncrypted != 0 {
			v.Add("%s: entry %q is encrypted; a bundle's entries must be readable without a password", where, f.Name)
		}
		if ok {
			seen[fn] = true
			names = append(names, fn)
		}
	}
	slices.Sort(names)
	return names
}

// entry finds fn's member among the bundle's entries.
func entry(where string, files []*zip.File, fn string) (*zip.File, error) {
	name := fn + ".zip"
	var found *zip.File
	for _, f := range files {
		if f.Name != name {
			continue
		}
		if found != nil {
			return nil, &problem{reason: fmt.Sprintf("%s holds %q more than once", where, name)}
		}
		found = f
	}
	switch {
	case found == nil:
		return nil, &problem{reason: fmt.Sprintf("%s holds no %q", where, name)}
	case found.UncompressedSize64 > release.MaxArtifactBytes:
		return nil, &problem{reason: fmt.Sprintf("%s: entry %q is %d bytes unzipped, more than Lambda's %d", where, name, found.UncompressedSize64, release.MaxArtifactBytes)}
	}
	return found, nil
}

// read returns the bytes of entry f, which zip checks against the entry's
// CRC-32 and size.
func (o *object) read(f *zip.File) ([]byte, error) {
	fail := func(err error) error {
		if o.err != nil {
			return o.err
		}
		return &problem{reason: fmt.Sprintf("%s: entry %q cannot be read", where(o.a), f.Name), err: err}
	}
	off, err := f.DataOffset()
	if err != nil {
		return nil, fail(err)
	}
	o.stream(off, off+int64(f.CompressedSize64))
	rc, err := f.Open()
	if err != nil {
		return nil, fail(err)
	}
	defer rc.Close()
	// entry bounds the declared size and zip refuses more bytes than
	// declared; the limit keeps the bound should either change.
	buf := bytes.NewBuffer(make([]byte, 0, f.UncompressedSize64))
	if _, err := io.Copy(buf, io.LimitReader(rc, release.MaxArtifactBytes+1)); err != nil {
		return nil, fail(err)
	}
	if buf.Len() > release.MaxArtifactBytes {
		return nil, fail(fmt.Errorf("more than %d bytes unzipped", release.MaxArtifactBytes))
	}
	return buf.Bytes(), nil
}
