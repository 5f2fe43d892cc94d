package s3

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	awss3 "github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/aws/smithy-go"

	"github.com/greenlight/greenlight/localcloud/bus"
	"github.com/greenlight/greenlight/localcloud/fault"
)

// eventLog is a bus.Events that keeps what it receives.
type eventLog struct {
	mu     sync.Mutex
	events []bus.Event
}

func (l *eventLog) PutEvent(_ context.Context, e bus.Event) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.events = append(l.events, e)
	return nil
}

func (l *eventLog) all() []bus.Event {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]bus.Event(nil), l.events...)
}

type fixture struct {
	svc    *Service
	client *awss3.Client
	events *eventLog
	faults *fault.Injector
}

func start(t *testing.T, dir string) *fixture {
	t.Helper()
	f := &fixture{events: &eventLog{}, faults: &fault.Injector{}}
	svc, err := New(Options{Dir: dir, Events: f.events, Faults: f.faults})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(svc)
	t.Cleanup(func() { srv.Close(); svc.Close() })
	f.svc = svc
	f.client = awss3.New(awss3.Options{
		BaseEndpoint: aws.String(srv.URL),
		UsePathStyle: true,
		Region:       bus.Region,
		Credentials:  credentials.NewStaticCredentialsProvider("test", "test", ""),
	})
	return f
}

func (f *fixture) mustBucket(t *testing.T, name string, versioned bool) {
	t.Helper()
	ctx := context.Background()
	if _, err := f.client.CreateBucket(ctx, &awss3.CreateBucketInput{Bucket: aws.String(name)}); err != nil {
		t.Fatal(err)
	}
	if versioned {
		_, err := f.client.PutBucketVersioning(ctx, &awss3.PutBucketVersioningInput{
			Bucket:                  aws.String(name),
			VersioningConfiguration: &types.VersioningConfiguration{Status: types.BucketVersioningStatusEnabled},
		})
		if err != nil {
			t.Fatal(err)
		}
	}
}

func (f *fixture) put(t *testing.T, bucket, key, body string) *awss3.PutObjectOutput {
	t.Helper()
	out, err := f.client.PutObject(context.Background(), &awss3.PutObjectInput{
		Bucket: aws.String(bucket), Key: aws.String(key), Body: strings.NewReader(body),
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func (f *fixture) get(t *testing.T, bucket, key, version string) (string, *awss3.GetObjectOutput) {
	t.Helper()
	in := &awss3.GetObjectInput{Bucket: aws.String(bucket), Key: aws.String(key)}
	if version != "" {
		in.VersionId = aws.String(version)
	}
	out, err := f.client.GetObject(context.Background(), in)
	if err != nil {
		t.Fatal(err)
	}
	defer out.Body.Close()
	data, err := io.ReadAll(out.Body)
	if err != nil {
		t.Fatal(err)
	}
	return string(data), out
}

func errorCode(err error) string {
	var api smithy.APIError
	if errors.As(err, &api) {
		return api.ErrorCode()
	}
	return ""
}

func TestVersionedObjects(t *testing.T) {
	f := start(t, "")
	ctx := context.Background()
	f.mustBucket(t, "artifacts", true)
	v1 := f.put(t, "artifacts", "releases/orders/1.zip", "one")
	v2 := f.put(t, "artifacts", "releases/orders/1.zip", "two")
	if aws.ToString(v1.VersionId) == "" || aws.ToString(v1.VersionId) == aws.ToString(v2.VersionId) {
		t.Fatalf("version ids %q, %q: want two distinct ids", aws.ToString(v1.VersionId), aws.ToString(v2.VersionId))
	}
	if body, _ := f.get(t, "artifacts", "releases/orders/1.zip", ""); body != "two" {
		t.Errorf("latest = %q, want two", body)
	}
	if body, out := f.get(t, "artifacts", "releases/orders/1.zip", *v1.VersionId); body != "one" || aws.ToString(out.VersionId) != *v1.VersionId {
		t.Errorf("version 1 = %q (%s), want one", body, aws.ToString(out.VersionId))
	}
	head, err := f.client.HeadObject(ctx, &awss3.HeadObjectInput{Bucket: aws.String("artifacts"), Key: aws.String("releases/orders/1.zip"), VersionId: v1.VersionId})
	if err != nil {
		t.Fatal(err)
	}
	if aws.ToInt64(head.ContentLength) != 3 || aws.ToString(head.ETag) != aws.ToString(v1.ETag) {
		t.Errorf("head version 1: length %d etag %s, want 3 %s", aws.ToInt64(head.ContentLength), aws.ToString(head.ETag), aws.ToString(v1.ETag))
	}
	del, err := f.client.DeleteObject(ctx, &awss3.DeleteObjectInput{Bucket: aws.String("artifacts"), Key: aws.String("releases/orders/1.zip")})
	if err != nil {
		t.Fatal(err)
	}
	if !aws.ToBool(del.DeleteMarker) {
		t.Error("delete in a versioned bucket did not create a delete marker")
	}
	_, err = f.client.GetObject(ctx, &awss3.GetObjectInput{Bucket: aws.String("artifacts"), Key: aws.String("releases/orders/1.zip")})
	if code := errorCode(err); code != "NoSuchKey" {
		t.Errorf("get after delete: %v, want NoSuchKey", err)
	}
	if body, _ := f.get(t, "artifacts", "releases/orders/1.zip", *v2.VersionId); body != "two" {
		t.Errorf("version 2 after delete = %q, want two", body)
	}
	versions, err := f.client.ListObjectVersions(ctx, &awss3.ListObjectVersionsInput{Bucket: aws.String("artifacts")})
	if err != nil {
		t.Fatal(err)
	}
	if len(versions.Versions) != 2 || len(versions.DeleteMarkers) != 1 {
		t.Errorf("versions %d delete markers %d, want 2 and 1", len(versions.Versions), len(versions.DeleteMarkers))
	}
}

func TestMetadataAndList(t *testing.T) {
	f := start(t, "")
	ctx := context.Background()
	f.mustBucket(t, "artifacts", false)
	_, err := f.client.PutObject(ctx, &awss3.PutObjectInput{
		Bucket: aws.String("artifacts"), Key: aws.String("releases/orders/2.zip"), Body: strings.NewReader("zip"),
		Metadata: map[string]string{"build": "42"}, ContentType: aws.String("application/zip"),
	})
	if err != nil {
		t.Fatal(err)
	}
	f.put(t, "artifacts", "releases/pay/1.zip", "x")
	f.put(t, "artifacts", "locks/orders.json", "{}")
	_, out := f.get(t, "artifacts", "releases/orders/2.zip", "")
	if out.Metadata["build"] != "42" || aws.ToString(out.ContentType) != "application/zip" {
		t.Errorf("metadata %v content type %s", out.Metadata, aws.ToString(out.ContentType))
	}
	if out.VersionId != nil {
		t.Errorf("unversioned bucket returned version id %q", *out.VersionId)
	}
	list, err := f.client.ListObjectsV2(ctx, &awss3.ListObjectsV2Input{Bucket: aws.String("artifacts"), Prefix: aws.String("releases/")})
	if err != nil {
		t.Fatal(err)
	}
	var keys []string
	for _, o := range list.Contents {
		keys = append(keys, aws.ToString(o.Key))
	}
	if got := strings.Join(keys, ","); got != "releases/orders/2.zip,releases/pay/1.zip" {
		t.Errorf("keys = %s", got)
	}
	list, err = f.client.ListObjectsV2(ctx, &awss3.ListObjectsV2Input{Bucket: aws.String("artifacts"), Delimiter: aws.String("/")})
	if err != nil {
		t.Fatal(err)
	}
	if len(list.CommonPrefixes) != 2 || len(list.Contents) != 0 {
		t.Errorf("common prefixes %d contents %d, want 2 and 0", len(list.CommonPrefixes), len(list.Contents))
	}
	_, err = f.client.GetObject(ctx, &awss3.GetObjectInput{Bucket: aws.String("nope"), Key: aws.String("k")})
	if code := errorCode(err); code != "NoSuchBucket" {
		t.Errorf("get from missing bucket: %v, want NoSuchBucket", err)
	}
}

func TestConditionalWrites(t *testing.T) {
	f := start(t, "")
	ctx := context.Background()
	f.mustBucket(t, "artifacts", true)
	put := func(ifNoneMatch, ifMatch string) (*awss3.PutObjectOutput, error) {
		in := &awss3.PutObjectInput{Bucket: aws.String("artifacts"), Key: aws.String("locks/orders.json"), Body: strings.NewReader(`{"releaseId":"r"}`)}
		if ifNoneMatch != "" {
			in.IfNoneMatch = aws.String(ifNoneMatch)
		}
		if ifMatch != "" {
			in.IfMatch = aws.String(ifMatch)
		}
		return f.client.PutObject(ctx, in)
	}
	first, err := put("*", "")
	if err != nil {
		t.Fatalf("first create: %v", err)
	}
	tests := []struct {
		name, ifNoneMatch, ifMatch, wantCode string
	}{
		{"create when it exists", "*", "", "PreconditionFailed"},
		{"update with a stale etag", "", `"0123456789abcdef0123456789abcdef"`, "PreconditionFailed"},
		{"update with the current etag", "", aws.ToString(first.ETag), ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := put(tt.ifNoneMatch, tt.ifMatch)
			if code := errorCode(err); code != tt.wantCode {
				t.Errorf("error %v, want code %q", err, tt.wantCode)
			}
		})
	}

	// Concurrent creators of one key: exactly one wins.
	_, err = f.client.DeleteObject(ctx, &awss3.DeleteObjectInput{Bucket: aws.String("artifacts"), Key: aws.String("locks/pay.json")})
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	var mu sync.Mutex
	wins, losses := 0, 0
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, err := f.client.PutObject(ctx, &awss3.PutObjectInput{
				Bucket: aws.String("artifacts"), Key: aws.String("locks/pay.json"), Body: strings.NewReader("x"), IfNoneMatch: aws.String("*"),
			})
			mu.Lock()
			defer mu.Unlock()
			switch errorCode(err) {
			case "":
				wins++
			case "PreconditionFailed":
				losses++
			default:
				t.Errorf("concurrent create: %v", err)
			}
		}()
	}
	wg.Wait()
	if wins != 1 || losses != 7 {
		t.Errorf("wins %d losses %d, want 1 and 7", wins, losses)
	}
}

func TestChecksums(t *testing.T) {
	f := start(t, "")
	ctx := context.Background()
	f.mustBucket(t, "artifacts", false)
	body := bytes.Repeat([]byte("greenlight "), 10000)
	for _, alg := range []types.ChecksumAlgorithm{types.ChecksumAlgorithmCrc32, types.ChecksumAlgorithmSha256, types.ChecksumAlgorithmCrc64nvme} {
		t.Run(string(alg), func(t *testing.T) {
			_, err := f.client.PutObject(ctx, &awss3.PutObjectInput{
				Bucket: aws.String("artifacts"), Key: aws.String("a.zip"), Body: bytes.NewReader(body), ChecksumAlgorithm: alg,
			})
			if err != nil {
				t.Fatal(err)
			}
			got, _ := f.get(t, "artifacts", "a.zip", "")
			if got != string(body) {
				t.Fatalf("stored %d bytes, want the %d sent", len(got), len(body))
			}
			head, err := f.client.HeadObject(ctx, &awss3.HeadObjectInput{Bucket: aws.String("artifacts"), Key: aws.String("a.zip"), ChecksumMode: types.ChecksumModeEnabled})
			if err != nil {
				t.Fatal(err)
			}
			if want := checksum(sha256Header, body); aws.ToString(head.ChecksumSHA256) != want {
				t.Errorf("ChecksumSHA256 = %q, want %q", aws.ToString(head.ChecksumSHA256), want)
			}
			plain, err := f.client.HeadObject(ctx, &awss3.HeadObjectInput{Bucket: aws.String("artifacts"), Key: aws.String("a.zip")})
			if err != nil {
				t.Fatal(err)
			}
			if plain.ChecksumSHA256 != nil {
				t.Error("checksum reported without checksum mode")
			}
		})
	}
	_, err := f.client.PutObject(ctx, &awss3.PutObjectInput{
		Bucket: aws.String("artifacts"), Key: aws.String("bad.zip"), Body: bytes.NewReader(body),
		ChecksumSHA256: aws.String(checksum(sha256Header, []byte("something else"))),
	})
	if code := errorCode(err); code != "BadDigest" {
		t.Errorf("wrong checksum: %v, want BadDigest", err)
	}
}

func TestEventBridgeNotifications(t *testing.T) {
	f := start(t, "")
	ctx := context.Background()
	f.mustBucket(t, "artifacts", true)
	f.put(t, "artifacts", "before.zip", "quiet")
	_, err := f.client.PutBucketNotificationConfiguration(ctx, &awss3.PutBucketNotificationConfigurationInput{
		Bucket:                    aws.String("artifacts"),
		NotificationConfiguration: &types.NotificationConfiguration{EventBridgeConfiguration: &types.EventBridgeConfiguration{}},
	})
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := f.client.GetBucketNotificationConfiguration(ctx, &awss3.GetBucketNotificationConfigurationInput{Bucket: aws.String("artifacts")})
	if err != nil {
		t.Fatal(err)
	}
	if cfg.EventBridgeConfiguration == nil {
		t.Error("GetBucketNotificationConfiguration lost the EventBridge configuration")
	}
	put := f.put(t, "artifacts", "releases/orders/7.zip", "seven")
	if _, err := f.client.CopyObject(ctx, &awss3.CopyObjectInput{
		Bucket: aws.String("artifacts"), Key: aws.String("copy.zip"), CopySource: aws.String("artifacts/releases/orders/7.zip"),
	}); err != nil {
		t.Fatal(err)
	}
	if _, err := f.client.DeleteObject(ctx, &awss3.DeleteObjectInput{Bucket: aws.String("artifacts"), Key: aws.String("copy.zip")}); err != nil {
		t.Fatal(err)
	}

	events := f.events.all()
	if len(events) != 3 {
		t.Fatalf("%d events, want 3 (put, copy, delete): %+v", len(events), events)
	}
	tests := []struct {
		detailType, reason, key, deletionType string
	}{
		{DetailTypeObjectCreated, "PutObject", "releases/orders/7.zip", ""},
		{DetailTypeObjectCreated, "CopyObject", "copy.zip", ""},
		{DetailTypeObjectDeleted, "DeleteObject", "copy.zip", "Delete Marker Created"},
	}
	var sequencers []string
	for i, tt := range tests {
		e := events[i]
		var d Detail
		if err := json.Unmarshal(e.Detail, &d); err != nil {
			t.Fatal(err)
		}
		if e.Source != "aws.s3" || e.DetailType != tt.detailType || d.Reason != tt.reason || d.Object.Key != tt.key ||
			d.DeletionType != tt.deletionType || d.Bucket.Name != "artifacts" || d.Version != "0" || d.Requester != bus.Account ||
			d.RequestID == "" || d.SourceIPAddress != "127.0.0.1" || e.Resources[0] != "arn:aws:s3:::artifacts" {
			t.Errorf("event %d = %s %s, want %+v", i, e.DetailType, e.Detail, tt)
		}
		sequencers = append(sequencers, d.Object.Sequencer)
	}
	var created map[string]any
	if err := json.Unmarshal(events[0].Detail, &created); err != nil {
		t.Fatal(err)
	}
	object := created["object"].(map[string]any)
	if object["size"] != float64(5) || `"`+object["etag"].(string)+`"` != aws.ToString(put.ETag) || object["version-id"] != aws.ToString(put.VersionId) {
		t.Errorf("created object = %v, want size 5, etag %s, version %s", object, aws.ToString(put.ETag), aws.ToString(put.VersionId))
	}
	if !(sequencers[0] < sequencers[1] && sequencers[1] < sequencers[2]) {
		t.Errorf("sequencers %v do not grow", sequencers)
	}
}

func TestBucketConfiguration(t *testing.T) {
	f := start(t, "")
	ctx := context.Background()
	f.mustBucket(t, "artifacts", false)
	_, err := f.client.GetBucketPolicy(ctx, &awss3.GetBucketPolicyInput{Bucket: aws.String("artifacts")})
	if code := errorCode(err); code != "NoSuchBucketPolicy" {
		t.Errorf("policy before put: %v", err)
	}
	policy := `{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Principal":"*","Action":"s3:*","Resource":"arn:aws:s3:::artifacts/*","Condition":{"Bool":{"aws:SecureTransport":"false"}}}]}`
	if _, err := f.client.PutBucketPolicy(ctx, &awss3.PutBucketPolicyInput{Bucket: aws.String("artifacts"), Policy: aws.String(policy)}); err != nil {
		t.Fatal(err)
	}
	got, err := f.client.GetBucketPolicy(ctx, &awss3.GetBucketPolicyInput{Bucket: aws.String("artifacts")})
	if err != nil || aws.ToString(got.Policy) != policy {
		t.Errorf("policy = %v, %v", aws.ToString(got.Policy), err)
	}
	if _, err := f.client.PutBucketPolicy(ctx, &awss3.PutBucketPolicyInput{Bucket: aws.String("artifacts"), Policy: aws.String("{not json")}); errorCode(err) != "MalformedPolicy" {
		t.Errorf("bad policy: %v, want MalformedPolicy", err)
	}
	_, err = f.client.PutPublicAccessBlock(ctx, &awss3.PutPublicAccessBlockInput{
		Bucket: aws.String("artifacts"),
		PublicAccessBlockConfiguration: &types.PublicAccessBlockConfiguration{
			BlockPublicAcls: aws.Bool(true), BlockPublicPolicy: aws.Bool(true), IgnorePublicAcls: aws.Bool(true), RestrictPublicBuckets: aws.Bool(true),
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	pab, err := f.client.GetPublicAccessBlock(ctx, &awss3.GetPublicAccessBlockInput{Bucket: aws.String("artifacts")})
	if err != nil || !aws.ToBool(pab.PublicAccessBlockConfiguration.BlockPublicPolicy) {
		t.Errorf("public access block = %+v, %v", pab, err)
	}
	_, err = f.client.PutBucketEncryption(ctx, &awss3.PutBucketEncryptionInput{
		Bucket: aws.String("artifacts"),
		ServerSideEncryptionConfiguration: &types.ServerSideEncryptionConfiguration{Rules: []types.ServerSideEncryptionRule{{
			ApplyServerSideEncryptionByDefault: &types.ServerSideEncryptionByDefault{SSEAlgorithm: types.ServerSideEncryptionAwsKms},
		}}},
	})
	if err != nil {
		t.Fatal(err)
	}
	enc, err := f.client.GetBucketEncryption(ctx, &awss3.GetBucketEncryptionInput{Bucket: aws.String("artifacts")})
	if err != nil || enc.ServerSideEncryptionConfiguration.Rules[0].ApplyServerSideEncryptionByDefault.SSEAlgorithm != types.ServerSideEncryptionAwsKms {
		t.Errorf("encryption = %+v, %v", enc, err)
	}
	_, err = f.client.PutBucketTagging(ctx, &awss3.PutBucketTaggingInput{
		Bucket: aws.String("artifacts"), Tagging: &types.Tagging{TagSet: []types.Tag{{Key: aws.String("app"), Value: aws.String("greenlight")}}},
	})
	if err != nil {
		t.Fatal(err)
	}
	tags, err := f.client.GetBucketTagging(ctx, &awss3.GetBucketTaggingInput{Bucket: aws.String("artifacts")})
	if err != nil || len(tags.TagSet) != 1 || aws.ToString(tags.TagSet[0].Value) != "greenlight" {
		t.Errorf("tags = %+v, %v", tags, err)
	}
	if _, err := f.client.DeleteBucketPolicy(ctx, &awss3.DeleteBucketPolicyInput{Bucket: aws.String("artifacts")}); err != nil {
		t.Fatal(err)
	}
	if _, err := f.client.GetBucketPolicy(ctx, &awss3.GetBucketPolicyInput{Bucket: aws.String("artifacts")}); errorCode(err) != "NoSuchBucketPolicy" {
		t.Errorf("policy after delete: %v", err)
	}
}

func TestPersistence(t *testing.T) {
	dir := t.TempDir()
	f := start(t, dir)
	f.mustBucket(t, "artifacts", true)
	v := f.put(t, "artifacts", "k", "kept")
	ctx := context.Background()
	if _, err := f.client.PutBucketPolicy(ctx, &awss3.PutBucketPolicyInput{Bucket: aws.String("artifacts"), Policy: aws.String(`{}`)}); err != nil {
		t.Fatal(err)
	}
	g := start(t, dir)
	if body, out := g.get(t, "artifacts", "k", *v.VersionId); body != "kept" || aws.ToString(out.VersionId) != *v.VersionId {
		t.Errorf("after restart: %q version %s", body, aws.ToString(out.VersionId))
	}
	if _, err := g.client.GetBucketPolicy(ctx, &awss3.GetBucketPolicyInput{Bucket: aws.String("artifacts")}); err != nil {
		t.Errorf("policy after restart: %v", err)
	}
	vers, err := g.client.GetBucketVersioning(ctx, &awss3.GetBucketVersioningInput{Bucket: aws.String("artifacts")})
	if err != nil || vers.Status != types.BucketVersioningStatusEnabled {
		t.Errorf("versioning after restart: %v %v", vers.Status, err)
	}
}

func TestInjectedFault(t *testing.T) {
	f := start(t, "")
	f.mustBucket(t, "artifacts", false)
	if err := f.faults.Add(fault.Rule{Service: "s3", Operation: "PutObject", Match: "artifacts/locks/", Code: "SlowDown", Status: 503, Count: 1}); err != nil {
		t.Fatal(err)
	}
	_, err := f.client.PutObject(context.Background(), &awss3.PutObjectInput{
		Bucket: aws.String("artifacts"), Key: aws.String("locks/x.json"), Body: strings.NewReader("x"),
	}, func(o *awss3.Options) { o.RetryMaxAttempts = 1 })
	if code := errorCode(err); code != "SlowDown" {
		t.Errorf("injected fault: %v, want SlowDown", err)
	}
	f.put(t, "artifacts", "locks/x.json", "x")
	if hits := f.faults.Hits("s3", "PutObject"); hits != 1 {
		t.Errorf("hits = %d, want 1", hits)
	}
}

func TestConditionalDelete(t *testing.T) {
	f := start(t, "")
	ctx := context.Background()
	f.mustBucket(t, "artifacts", false)
	put := f.put(t, "artifacts", "locks/orders.json", `{"releaseId":"r1"}`)
	tests := []struct {
		name, ifMatch, wantCode string
	}{
		{"stale etag", `"0123456789abcdef0123456789abcdef"`, "PreconditionFailed"},
		{"current etag", aws.ToString(put.ETag), ""},
		{"already gone", aws.ToString(put.ETag), "NoSuchKey"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := f.client.DeleteObject(ctx, &awss3.DeleteObjectInput{Bucket: aws.String("artifacts"), Key: aws.String("locks/orders.json"), IfMatch: aws.String(tt.ifMatch)})
			if code := errorCode(err); code != tt.wantCode {
				t.Errorf("error %v, want code %q", err, tt.wantCode)
			}
		})
	}
}

func TestMultipartUploadEvent(t *testing.T) {
	f := start(t, "")
	ctx := context.Background()
	f.mustBucket(t, "artifacts", false)
	_, err := f.client.PutBucketNotificationConfiguration(ctx, &awss3.PutBucketNotificationConfigurationInput{
		Bucket:                    aws.String("artifacts"),
		NotificationConfiguration: &types.NotificationConfiguration{EventBridgeConfiguration: &types.EventBridgeConfiguration{}},
	})
	if err != nil {
		t.Fatal(err)
	}
	key := aws.String("releases/orders/9.zip")
	up, err := f.client.CreateMultipartUpload(ctx, &awss3.CreateMultipartUploadInput{Bucket: aws.String("artifacts"), Key: key})
	if err != nil {
		t.Fatal(err)
	}
	var parts []types.CompletedPart
	for i, chunk := range []string{strings.Repeat("a", 5<<20), "tail"} {
		n := aws.Int32(int32(i + 1))
		out, err := f.client.UploadPart(ctx, &awss3.UploadPartInput{Bucket: aws.String("artifacts"), Key: key, UploadId: up.UploadId, PartNumber: n, Body: strings.NewReader(chunk)})
		if err != nil {
			t.Fatal(err)
		}
		parts = append(parts, types.CompletedPart{ETag: out.ETag, PartNumber: n})
	}
	if _, err := f.client.CompleteMultipartUpload(ctx, &awss3.CompleteMultipartUploadInput{
		Bucket: aws.String("artifacts"), Key: key, UploadId: up.UploadId, MultipartUpload: &types.CompletedMultipartUpload{Parts: parts},
	}); err != nil {
		t.Fatal(err)
	}
	body, _ := f.get(t, "artifacts", *key, "")
	if len(body) != 5<<20+4 || !strings.HasSuffix(body, "tail") {
		t.Errorf("assembled %d bytes", len(body))
	}
	events := f.events.all()
	if len(events) != 1 {
		t.Fatalf("%d events, want 1", len(events))
	}
	var d Detail
	if err := json.Unmarshal(events[0].Detail, &d); err != nil {
		t.Fatal(err)
	}
	if d.Reason != "CompleteMultipartUpload" || d.Object.Key != *key || d.Object.Size == nil || *d.Object.Size != 5<<20+4 {
		t.Errorf("event detail = %s", events[0].Detail)
	}
}

func TestVirtualHostedStyle(t *testing.T) {
	f := start(t, "")
	f.mustBucket(t, "artifacts", false)
	f.put(t, "artifacts", "releases/a b.zip", "vhost")
	srv := httptest.NewServer(f.svc)
	defer srv.Close()
	tests := map[string]string{
		"bucket.localhost":    "artifacts.localhost",
		"bucket.s3.localhost": "artifacts.s3.localhost:4566",
	}
	for name, host := range tests {
		t.Run(name, func(t *testing.T) {
			req, err := http.NewRequest(http.MethodGet, srv.URL+"/releases/a%20b.zip", nil)
			if err != nil {
				t.Fatal(err)
			}
			req.Host = host
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			body, _ := io.ReadAll(resp.Body)
			if resp.StatusCode != http.StatusOK || string(body) != "vhost" {
				t.Errorf("status %d body %q", resp.StatusCode, body)
			}
		})
	}
}

func TestOversizedDocument(t *testing.T) {
	f := start(t, "")
	f.mustBucket(t, "artifacts", false)
	f.put(t, "artifacts", "keep", "v1")
	keys := strings.Repeat("<Object><Key>keep</Key></Object>", maxDocument/32+1)
	tests := []struct {
		name, method, target, body string
	}{
		{"bucket policy", http.MethodPut, "/artifacts?policy", `{"Statement":"` + strings.Repeat("x", maxDocument) + `"}`},
		{"delete objects", http.MethodPost, "/artifacts?delete", "<Delete>" + keys + "</Delete>"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := httptest.NewRecorder()
			f.svc.ServeHTTP(rec, httptest.NewRequest(tt.method, tt.target, strings.NewReader(tt.body)))
			if rec.Code != http.StatusBadRequest || !strings.Contains(rec.Body.String(), "<Code>MaxMessageLengthExceeded</Code>") {
				t.Errorf("answer = %d %s, want 400 MaxMessageLengthExceeded", rec.Code, rec.Body)
			}
		})
	}
	if got, _ := f.get(t, "artifacts", "keep", ""); got != "v1" {
		t.Errorf("object after refused delete = %q, want v1", got)
	}
}
