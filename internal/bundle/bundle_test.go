package bundle_test

import (
	"archive/zip"
	"bytes"
	"context"
	"crypto/rand"
	"fmt"
	"hash/crc32"
	"slices"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/smithy-go"

	"github.com/greenlight/greenlight/internal/bundle"
	"github.com/greenlight/greenlight/internal/bundle/bundletest"
	"github.com/greenlight/greenlight/internal/failure"
	"github.com/greenlight/greenlight/internal/release"
)

const (
	bucketName = "artifacts"
	bundleKey  = "releases/payments/42.zip"
	version    = "v1"
)

func newBucket(body []byte) *bundletest.Bucket { return bundletest.New(bundleKey, version, body) }

type file = bundletest.File

// member is the deployment package of function fn, padded with pad bytes
// that do not compress.
func member(t testing.TB, fn string, pad int) []byte {
	t.Helper()
	noise := make([]byte, pad)
	if _, err := rand.Read(noise); err != nil {
		t.Fatal(err)
	}
	return bundletest.Zip(t,
		file{Name: "index.mjs", Body: []byte("export const handler = async () => '" + fn + "';"), Method: zip.Deflate},
		file{Name: "noise.bin", Body: noise, Method: zip.Store})
}

func artifact(body []byte) release.Artifact {
	return release.Artifact{Bucket: bucketName, Key: bundleKey, VersionID: version, Size: int64(len(body))}
}

func problems(err error) []string {
	if v, ok := err.(*failure.ValidationError); ok {
		return v.Problems
	}
	return nil
}

func TestList(t *testing.T) {
	orders, invoices := member(t, "orders", 100), member(t, "invoices", 100)
	good := bundletest.Zip(t,
		file{Name: "orders.zip", Body: orders, Method: zip.Store},
		file{Name: "invoices.zip", Body: invoices, Method: zip.Deflate})
	tooMany := make([]file, bundle.MaxMembers+1)
	for i := range tooMany {
		tooMany[i] = file{Name: fmt.Sprintf("f%03d.zip", i), Body: orders}
	}
	const w = "bundle s3://artifacts/releases/payments/42.zip"
	tests := []struct {
		name     string
		body     []byte
		artifact func(release.Artifact) release.Artifact // changes to the artifact listed
		want     []string
		problems []string
	}{
		{name: "stored and deflated members", body: good, want: []string{"invoices", "orders"}},
		{name: "size learned from S3", body: good,
			artifact: func(a release.Artifact) release.Artifact { a.Size = 0; return a },
			want:     []string{"invoices", "orders"}},
		{name: "every layout problem at once",
			body: bundletest.Zip(t,
				file{Name: "orders.zip", Body: orders},
				file{Name: "lib/"},
				file{Name: "lib/invoices.zip", Body: invoices},
				file{Name: "README.md", Body: []byte("read me")},
				file{Name: `win\orders.zip`, Body: orders},
				file{Name: "orders v2.zip", Body: orders},
				file{Name: ".zip", Body: orders},
				file{Name: "orders.zip", Body: orders},
				file{Name: "huge.zip", Body: orders, Raw: &zip.FileHeader{Method: zip.Store,
					CRC32: crc32.ChecksumIEEE(orders), CompressedSize64: uint64(len(orders)), UncompressedSize64: release.MaxArtifactBytes + 1}},
				file{Name: "odd.zip", Body: orders, Raw: &zip.FileHeader{Method: 14,
					CRC32: crc32.ChecksumIEEE(orders), CompressedSize64: uint64(len(orders)), UncompressedSize64: uint64(len(orders))}},
				file{Name: "locked.zip", Body: orders, Raw: &zip.FileHeader{Method: zip.Store, Flags: 0x1,
					CRC32: crc32.ChecksumIEEE(orders), CompressedSize64: uint64(len(orders)), UncompressedSize64: uint64(len(orders))}},
				file{Name: "../escape.zip", Body: orders},
				file{Name: "/root.zip", Body: orders},
				file{Name: "ORDERS.ZIP", Body: orders}),
			problems: []string{
				w + `: entry "lib/" is a folder; a bundle holds only <function>.zip files, at its top level`,
				w + `: entry "lib/invoices.zip" is not <function>.zip at the top level`,
				w + `: entry "README.md" is not <function>.zip at the top level`,
				w + `: entry "win\\orders.zip" is not <function>.zip at the top level`,
				w + `: entry "orders v2.zip": "orders v2" is not a Lambda function name (1-64 letters, digits, - or _)`,
				w + `: entry ".zip": "" is not a Lambda function name (1-64 letters, digits, - or _)`,
				w + `: entry "orders.zip" is in the bundle more than once`,
				fmt.Sprintf(`%s: entry "huge.zip" is %d bytes unzipped, more than Lambda's %d`, w, release.MaxArtifactBytes+1, release.MaxArtifactBytes),
				w + `: entry "odd.zip" is compressed with method 14; only stored and deflated entries can be extracted`,
				w + `: entry "locked.zip" is encrypted; a bundle's entries must be readable without a password`,
				w + `: entry "../escape.zip" is not <function>.zip at the top level`,
				w + `: entry "/root.zip" is not <function>.zip at the top level`,
				w + `: entry "ORDERS.ZIP" is not <function>.zip at the top level`,
			}},
		{name: "empty bundle", body: bundletest.Zip(t), problems: []string{w + " holds no <function>.zip"}},
		{name: "too many members", body: bundletest.Zip(t, tooMany...),
			problems: []string{fmt.Sprintf("%s holds %d entries, at most %d are allowed", w, bundle.MaxMembers+1, bundle.MaxMembers)}},
		{name: "not a zip", body: bytes.Repeat([]byte("not a zip "), 1000), problems: []string{w + " is not a zip file"}},
		{name: "empty object", body: []byte{},
			artifact: func(a release.Artifact) release.Artifact { a.Size = 0; return a },
			problems: []string{w + " is not a zip file"}},
		{name: "missing version", body: good,
			artifact: func(a release.Artifact) release.Artifact { a.VersionID = "gone"; return a },
			problems: []string{w + ` (version "gone") does not exist`}},
		{name: "missing version, size learned from S3", body: good,
			artifact: func(a release.Artifact) release.Artifact { a.VersionID, a.Size = "gone", 0; return a },
			problems: []string{w + ` (version "gone") does not exist`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := artifact(tt.body)
			if tt.artifact != nil {
				a = tt.artifact(a)
			}
			got, err := bundle.List(context.Background(), newBucket(tt.body), a)
			if tt.problems == nil {
				if err != nil {
					t.Fatalf("List: %v", err)
				}
				if !slices.Equal(got, tt.want) {
					t.Errorf("List = %q, want %q", got, tt.want)
				}
				return
			}
			if _, ok := err.(*failure.ValidationError); !ok {
				t.Fatalf("List error = %T %v, want *failure.ValidationError", err, err)
			}
			if p := problems(err); !slices.Equal(p, tt.problems) {
				t.Errorf("problems:\n got %q\nwant %q", p, tt.problems)
			}
		})
	}
}

// TestListReadsLittle lists a large bundle and checks that only its end,
// the zip directory, was read.
func TestListReadsLittle(t *testing.T) {
	body := bundletest.Zip(t,
		file{Name: "orders.zip", Body: member(t, "orders", 2<<20), Method: zip.Store},
		file{Name: "invoices.zip", Body: member(t, "invoices", 100), Method: zip.Deflate})
	b := newBucket(body)
	a := artifact(body)
	a.Size = 0
	got, err := bundle.List(context.Background(), b, a)
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"invoices", "orders"}; !slices.Equal(got, want) {
		t.Errorf("List = %q, want %q", got, want)
	}
	if b.Served*100 > int64(len(body)) || b.Gets > 2 {
		t.Errorf("List read %d bytes in %d GETs of a %d-byte bundle, want under 1%% in at most 2", b.Served, b.Gets, len(body))
	}
}

func TestListS3Failures(t *testing.T) {
	body := bundletest.Zip(t, file{Name: "orders.zip", Body: []byte("PK")})
	tests := []struct {
		name string
		op   string
		err  error
		size int64
		want string
	}{
		{"throttled read", "GetObject", &smithy.GenericAPIError{Code: "SlowDown"}, int64(len(body)), failure.NameThrottled},
		{"denied read", "GetObject", &smithy.GenericAPIError{Code: "AccessDenied"}, int64(len(body)), failure.NameOperation},
		{"denied head", "HeadObject", &smithy.GenericAPIError{Code: "AccessDenied"}, 0, failure.NameOperation},
		{"head unavailable", "HeadObject", &smithy.GenericAPIError{Code: "ServiceUnavailable"}, 0, failure.NameThrottled},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := newBucket(body)
			b.Errs[tt.op] = tt.err
			a := artifact(body)
			a.Size = tt.size
			_, err := bundle.List(context.Background(), b, a)
			if got := strings.TrimPrefix(fmt.Sprintf("%T", err), "*failure."); got != tt.want {
				t.Errorf("List error = %T %v, want %s", err, err, tt.want)
			}
		})
	}
}

func TestExtract(t *testing.T) {
	orders, invoices, large := member(t, "orders", 100), member(t, "invoices", 5000), member(t, "large", 2<<20)
	body := bundletest.Zip(t,
		file{Name: "orders.zip", Body: orders, Method: zip.Store},
		file{Name: "invoices.zip", Body: invoices, Method: zip.Deflate},
		file{Name: "large.zip", Body: large, Method: zip.Store},
		file{Name: "large-deflated.zip", Body: large, Method: zip.Deflate})
	tests := []struct {
		fn          string
		want        []byte
		unversioned bool
		maxGets     int
	}{
		{fn: "orders", want: orders, maxGets: 2},
		{fn: "invoices", want: invoices, maxGets: 2},
		{fn: "invoices", want: invoices, unversioned: true, maxGets: 2},
		{fn: "large", want: large, maxGets: 4},
		{fn: "large-deflated", want: large, maxGets: 4},
	}
	for _, tt := range tests {
		name := tt.fn
		if tt.unversioned {
			name += " into an unversioned bucket"
		}
		t.Run(name, func(t *testing.T) {
			b := newBucket(body)
			b.Unversioned = tt.unversioned
			dest := bundle.Key("payments-20261122T101500Z-ab12", tt.fn)
			got, err := bundle.Extract(context.Background(), b, artifact(body), tt.fn, dest)
			if err != nil {
				t.Fatal(err)
			}
			want := release.Artifact{Bucket: bucketName, Key: dest, VersionID: "p1", SHA256: bundletest.SHA256(tt.want), Size: int64(len(tt.want))}
			if tt.unversioned {
				want.VersionID = ""
			}
			if got != want {
				t.Errorf("Extract = %+v, want %+v", got, want)
			}
			copied, ok := b.Object(dest, want.VersionID)
			if !ok || !bytes.Equal(copied, tt.want) {
				t.Errorf("the copy at %s differs from the member (%d bytes, want %d)", dest, len(copied), len(tt.want))
			}
			put := b.Puts[0]
			if ct := aws.ToString(put.ContentType); ct != "application/zip" {
				t.Errorf("ContentType = %q, want application/zip", ct)
			}
			if n := aws.ToInt64(put.ContentLength); n != int64(len(tt.want)) {
				t.Errorf("ContentLength = %d, want %d", n, len(tt.want))
			}
			if b.Gets > tt.maxGets || b.Served > int64(len(tt.want))+128<<10 {
				t.Errorf("Extract read %d bytes in %d GETs for a %d-byte member, want at most %d GETs", b.Served, b.Gets, len(tt.want), tt.maxGets)
			}
		})
	}
}

func TestExtractFailures(t *testing.T) {
	orders := member(t, "orders", 100)
	good := bundletest.Zip(t, file{Name: "orders.zip", Body: orders, Method: zip.Deflate})
	const w = "bundle s3://artifacts/releases/payments/42.zip"
	tests := []struct {
		name   string
		body   []byte
		fn     string
		dest   string
		change func(*bundletest.Bucket, *release.Artifact)
		want   string // the error's type
		reason string // an *failure.ArtifactError's reason
	}{
		{name: "missing member", body: good, fn: "invoices", want: failure.NameArtifact,
			reason: w + ` holds no "invoices.zip"`},
		{name: "member twice", fn: "orders", want: failure.NameArtifact,
			body:   bundletest.Zip(t, file{Name: "orders.zip", Body: orders}, file{Name: "orders.zip", Body: orders}),
			reason: w + ` holds "orders.zip" more than once`},
		{name: "corrupt member", fn: "orders", want: failure.NameArtifact,
			body: bundletest.Zip(t, file{Name: "orders.zip", Body: orders, Raw: &zip.FileHeader{Method: zip.Store,
				CRC32: crc32.ChecksumIEEE(orders) + 1, CompressedSize64: uint64(len(orders)), UncompressedSize64: uint64(len(orders))}}),
			reason: w + `: entry "orders.zip" cannot be read`},
		{name: "missing bundle", body: good, fn: "orders", want: failure.NameArtifact,
			change: func(_ *bundletest.Bucket, a *release.Artifact) { a.VersionID = "gone" },
			reason: w + ` (version "gone") does not exist`},
		{name: "not a zip", body: []byte(strings.Repeat("x", 100)), fn: "orders", want: failure.NameArtifact,
			reason: w + " is not a zip file"},
		{name: "destination under releases/", body: good, fn: "orders", dest: "releases/orders/1.zip", want: failure.NameOperation},
		{name: "throttled read", body: good, fn: "orders", want: failure.NameThrottled,
			change: func(b *bundletest.Bucket, _ *release.Artifact) {
				b.Errs["GetObject"] = &smithy.GenericAPIError{Code: "SlowDown"}
			}},
		{name: "denied write", body: good, fn: "orders", want: failure.NameOperation,
			change: func(b *bundletest.Bucket, _ *release.Artifact) {
				b.Errs["PutObject"] = &smithy.GenericAPIError{Code: "AccessDenied"}
			}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b, a := newBucket(tt.body), artifact(tt.body)
			if tt.change != nil {
				tt.change(b, &a)
			}
			dest := tt.dest
			if dest == "" {
				dest = bundle.Key("r1", tt.fn)
			}
			_, err := bundle.Extract(context.Background(), b, a, tt.fn, dest)
			if got := strings.TrimPrefix(fmt.Sprintf("%T", err), "*failure."); got != tt.want {
				t.Fatalf("Extract error = %T %v, want %s", err, err, tt.want)
			}
			if ae, ok := err.(*failure.ArtifactError); ok && ae.Reason != tt.reason {
				t.Errorf("reason = %q, want %q", ae.Reason, tt.reason)
			}
			if len(b.Puts) != 0 {
				t.Errorf("Extract wrote %d objects, want none", len(b.Puts))
			}
		})
	}
}

func TestKey(t *testing.T) {
	key := bundle.Key("payments-20261122T101500Z-ab12", "orders")
	if want := "bundles/payments-20261122T101500Z-ab12/orders.zip"; key != want {
		t.Errorf("Key = %q, want %q", key, want)
	}
	if strings.HasPrefix(key, release.KeyPrefix) {
		t.Errorf("Key %q is under %s, where a write starts a release", key, release.KeyPrefix)
	}
}

// FuzzList checks that any object either lists or is refused with problems.
func FuzzList(f *testing.F) {
	f.Add(bundletest.Zip(f, file{Name: "orders.zip", Body: []byte("PK\x03\x04")}, file{Name: "a/", Method: zip.Deflate}))
	f.Add(bundletest.Zip(f))
	f.Add([]byte("PK\x05\x06"))
	f.Fuzz(func(t *testing.T, body []byte) {
		names, err := bundle.List(context.Background(), newBucket(body), artifact(body))
		switch {
		case err == nil && len(names) == 0:
			t.Fatal("List gave no names and no problem")
		case err != nil && len(problems(err)) == 0:
			t.Fatalf("List error = %T %v, want problems", err, err)
		}
	})
}

func BenchmarkList(b *testing.B) {
	files := make([]file, bundle.MaxMembers)
	for i := range files {
		files[i] = file{Name: fmt.Sprintf("function-%03d.zip", i), Body: member(b, "f", 1000), Method: zip.Store}
	}
	body := bundletest.Zip(b, files...)
	s3 := newBucket(body)
	for b.Loop() {
		if _, err := bundle.List(context.Background(), s3, artifact(body)); err != nil {
			b.Fatal(err)
		}
	}
}
