// Package s3 is the local cloud's Amazon S3: the REST/XML API served by
// gofakes3 over a versioned, file-backed store, plus what the greenlight
// stack needs and gofakes3 lacks: atomic conditional writes (If-None-Match,
// If-Match), aws-chunked uploads with checksum trailers, checksum reporting,
// bucket configuration documents (policy, encryption, public access block,
// tagging, ...) that are stored but not enforced, and EventBridge
// notifications ("Object Created", "Object Deleted") for buckets that turn
// them on.
package s3

import (
	"context"
	"encoding/xml"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"sync/atomic"
	"time"

	"github.com/johannesboyne/gofakes3"

	"github.com/greenlight/greenlight/localcloud/bus"
	"github.com/greenlight/greenlight/localcloud/clock"
	"github.com/greenlight/greenlight/localcloud/fault"
	"github.com/greenlight/greenlight/localcloud/internal/awserr"
)

// signingName is the SigV4 service name of S3, used for fault rules.
const signingName = "s3"

// Options configures the service.
type Options struct {
	// Dir is the service's own folder: it keeps buckets and objects across
	// restarts (the index in state.json, object bytes under blobs/); empty
	// keeps them in memory.
	Dir string
	// Clock stamps objects and events; nil is the wall clock.
	Clock clock.Clock
	// Faults, when set, is consulted before every operation.
	Faults *fault.Injector
	// Events receives the notifications of buckets that have EventBridge
	// notifications on; nil drops them.
	Events bus.Events
	// Logger reports failures to deliver events; nil discards.
	Logger *slog.Logger
}

// Service is the S3 HTTP handler.
type Service struct {
	opts  Options
	store *backend
	fake  http.Handler
	seq   sequencer
	reqID atomic.Uint64
}

// setRequestID stamps a response that gofakes3 does not serve with an
// x-amz-request-id. gofakes3 numbers its own from 1; these count down from
// the top so the two never collide.
func (s *Service) setRequestID(w http.ResponseWriter) {
	id := ^s.reqID.Add(1)
	w.Header().Set("x-amz-request-id", fmt.Sprintf("%016X", id))
}

// New opens the store in opts.Dir and returns the service.
func New(opts Options) (*Service, error) {
	if opts.Clock == nil {
		opts.Clock = clock.Real{}
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	store, err := newBackend(opts.Dir, opts.Clock)
	if err != nil {
		return nil, err
	}
	fake := gofakes3.New(store,
		gofakes3.WithTimeSource(timeSource{opts.Clock}),
		gofakes3.WithTimeSkewLimit(0), // the clock may run faster than the client's
	)
	return &Service{opts: opts, store: store, fake: fake.Server()}, nil
}

// Close releases the service. Every write is already on disk, so there is
// nothing to flush.
func (s *Service) Close() error { return nil }

// timeSource adapts a clock.Clock to gofakes3.
type timeSource struct{ c clock.Clock }

func (t timeSource) Now() time.Time                   { return t.c.Now() }
func (t timeSource) Since(at time.Time) time.Duration { return t.c.Now().Sub(at) }

// request is what ServeHTTP learns about a request before handling it.
type request struct {
	bucket, key string
	op          string // the S3 API operation name
	sub         *subresource
}

// hostBucket moves the bucket of a virtual-hosted-style request
// (http://<bucket>.localhost:4566/<key>, what SDKs send by default when
// path style is not forced) into the path.
func hostBucket(r *http.Request) {
	host := r.Host
	if h, _, err := net.SplitHostPort(host); err == nil {
		host = h
	}
	bucket, ok := strings.CutSuffix(host, ".localhost")
	if !ok || bucket == "" {
		return
	}
	bucket = strings.TrimSuffix(bucket, ".s3")
	r.URL.Path = "/" + bucket + r.URL.Path
	r.URL.RawPath = ""
}

func parseRequest(r *http.Request) request {
	path := strings.TrimPrefix(r.URL.Path, "/")
	bucket, key, _ := strings.Cut(path, "/")
	req := request{bucket: bucket, key: key}
	q := r.URL.Query()
	has := func(name string) bool { _, ok := q[name]; return ok }
	switch {
	case bucket == "":
		req.op = "ListBuckets"
	case key == "":
		req.op = bucketOperation(r.Method, q)
		for i := range subresources {
			if has(subresources[i].query) {
				req.sub = &subresources[i]
				req.op = req.sub.operation(r.Method)
			}
		}
	case has("uploadId"):
		req.op = map[string]string{
			http.MethodPut: "UploadPart", http.MethodPost: "CompleteMultipartUpload",
			http.MethodDelete: "AbortMultipartUpload", http.MethodGet: "ListParts",
		}[r.Method]
	case has("uploads"):
		req.op = "CreateMultipartUpload"
	default:
		req.op = map[string]string{
			http.MethodGet: "GetObject", http.MethodHead: "HeadObject",
			http.MethodPut: "PutObject", http.MethodDelete: "DeleteObject",
		}[r.Method]
		if req.op == "PutObject" && r.Header.Get("X-Amz-Copy-Source") != "" {
			req.op = "CopyObject"
		}
		for _, name := range unsupportedObjectQueries {
			if has(name) {
				req.op = ""
			}
		}
	}
	return req
}

// unsupportedObjectQueries are object subresources this S3 does not serve;
// gofakes3 would mistake them for plain object requests (a PUT ?tagging
// would overwrite the object with the tag document).
var unsupportedObjectQueries = []string{"tagging", "acl", "retention", "legal-hold", "attributes", "restore", "select", "torrent"}

func bucketOperation(method string, q map[string][]string) string {
	has := func(name string) bool { _, ok := q[name]; return ok }
	switch {
	case has("versioning"):
		return map[string]string{http.MethodGet: "GetBucketVersioning", http.MethodPut: "PutBucketVersioning"}[method]
	case has("versions"):
		return "ListObjectVersions"
	case has("uploads"):
		return "ListMultipartUploads"
	case has("location"):
		return "GetBucketLocation"
	case has("delete") && method == http.MethodPost:
		return "DeleteObjects"
	}
	switch method {
	case http.MethodGet:
		if len(q["list-type"]) > 0 && q["list-type"][0] == "2" {
			return "ListObjectsV2"
		}
		return "ListObjects"
	case http.MethodPut:
		return "CreateBucket"
	case http.MethodDelete:
		return "DeleteBucket"
	case http.MethodHead:
		return "HeadBucket"
	case http.MethodPost:
		return "PostObject"
	}
	return ""
}

// ServeHTTP answers one S3 request.
func (s *Service) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	hostBucket(r)
	req := parseRequest(r)
	if req.op == "" {
		writeError(w, r, gofakes3.ErrorMessage(gofakes3.ErrNotImplemented,
			fmt.Sprintf("%s %s is not supported by the local S3", r.Method, r.URL.RequestURI())))
		return
	}
	resource := req.bucket
	if req.key != "" {
		resource += "/" + req.key
	}
	if err := s.opts.Faults.Check(r.Context(), signingName, req.op, resource); err != nil {
		s.setRequestID(w)
		writeError(w, r, err)
		return
	}
	switch {
	case req.sub != nil:
		s.setRequestID(w)
		s.serveSubresource(w, r, req)
		return
	case req.op == "HeadObject" && r.URL.Query().Get("versionId") != "":
		// gofakes3 answers HEAD ?versionId with the latest version.
		s.setRequestID(w)
		s.headObjectVersion(w, r, req)
		return
	case req.op == "PutObject" || req.op == "UploadPart":
		if isAWSChunked(r.Header) {
			if err := unwrapAWSChunked(r); err != nil {
				writeError(w, r, err)
				return
			}
		}
		if req.op == "PutObject" {
			dropTransferHeaders(r.Header)
		}
	case req.op == "DeleteObject" && r.Header.Get("If-Match") != "" && r.URL.Query().Get("versionId") == "":
		// gofakes3 ignores If-Match on DeleteObject; the lock record relies on it.
		s.setRequestID(w)
		rec := &recorder{ResponseWriter: w}
		s.deleteIfMatch(rec, r, req)
		if rec.status < 300 {
			s.notify(r, req, rec, nil)
		}
		return
	case req.op == "CopyObject":
		s.setRequestID(w)
		rec := &recorder{ResponseWriter: w}
		s.copyObject(rec, r, req)
		if rec.status < 300 {
			s.notify(r, req, rec, nil)
		}
		return
	}
	var deleted []gofakes3.ObjectID
	if req.op == "DeleteObjects" {
		var err error
		if deleted, err = peekDeleteKeys(r); err != nil {
			writeError(w, r, err)
			return
		}
	}
	// S3 reports an object's checksums only when asked, and never for a
	// range, which the checksum does not cover.
	checksums := strings.EqualFold(r.Header.Get("X-Amz-Checksum-Mode"), "ENABLED") && r.Header.Get("Range") == ""
	rec := &recorder{ResponseWriter: w, checksums: checksums}
	s.fake.ServeHTTP(rec, r)
	if rec.status == 0 {
		rec.WriteHeader(http.StatusOK) // gofakes3 leaves some 200s implicit
	}
	if rec.status >= 300 {
		return
	}
	s.notify(r, req, rec, deleted)
}

// recorder passes a response through, noting its status, and hides the
// stored checksum headers unless the caller asked for them as S3 does.
type recorder struct {
	http.ResponseWriter
	checksums bool
	status    int
}

func (rec *recorder) WriteHeader(status int) {
	if rec.status != 0 {
		return
	}
	rec.status = status
	if !rec.checksums {
		for name := range rec.Header() {
			if isChecksumHeader(name) {
				rec.Header().Del(name)
			}
		}
	}
	rec.ResponseWriter.WriteHeader(status)
}

func (rec *recorder) Write(p []byte) (int, error) {
	if rec.status == 0 {
		rec.WriteHeader(http.StatusOK)
	}
	return rec.ResponseWriter.Write(p)
}

func (s *Service) deleteIfMatch(w http.ResponseWriter, r *http.Request, req request) {
	res, err := s.store.deleteIfMatch(req.bucket, req.key, r.Header.Get("If-Match"))
	if err != nil {
		writeError(w, r, err)
		return
	}
	w.Header().Set("x-amz-delete-marker", fmt.Sprint(res.IsDeleteMarker))
	if res.VersionID != "" {
		w.Header().Set("x-amz-version-id", string(res.VersionID))
	}
	w.WriteHeader(http.StatusNoContent)
}

func (s *Service) headObjectVersion(w http.ResponseWriter, r *http.Request, req request) {
	id := gofakes3.VersionID(r.URL.Query().Get("versionId"))
	obj, err := s.store.HeadObjectVersion(req.bucket, req.key, id)
	if err != nil {
		writeError(w, r, err)
		return
	}
	h := w.Header()
	h.Set("x-amz-version-id", string(id))
	if obj.IsDeleteMarker {
		h.Set("x-amz-delete-marker", "true")
		writeError(w, r, awserr.New("MethodNotAllowed", http.StatusMethodNotAllowed, "The specified method is not allowed against this resource."))
		return
	}
	checksums := strings.EqualFold(r.Header.Get("X-Amz-Checksum-Mode"), "ENABLED")
	for name, value := range obj.Metadata {
		if checksums || !isChecksumHeader(name) {
			h.Set(name, value)
		}
	}
	h.Set("ETag", gofakes3.FormatETag(obj.Hash))
	h.Set("Accept-Ranges", "bytes")
	h.Set("Content-Length", fmt.Sprint(obj.Size))
	w.WriteHeader(http.StatusOK)
}

// writeError answers with S3's XML error document. err may be an AWS error
// (the service's own, an injected fault), a gofakes3 error or anything else
// (an internal error).
func writeError(w http.ResponseWriter, r *http.Request, err error) {
	code, status, message := "InternalError", http.StatusInternalServerError, "We encountered an internal error. Please try again."
	var (
		ge  gofakes3.Error
		ger *gofakes3.ErrorResponse
	)
	if ae, ok := awserr.As(err); ok {
		code, status, message = ae.Code, ae.Status, ae.Message
	} else if errors.As(err, &ger) {
		code, status, message = string(ger.Code), ger.Code.Status(), ger.Message
	} else if errors.As(err, &ge) {
		code, status, message = string(ge.ErrorCode()), ge.ErrorCode().Status(), ge.ErrorCode().Message()
	}
	if message == "" {
		message = code
	}
	w.Header().Set("Content-Type", "application/xml")
	w.WriteHeader(status)
	if r.Method == http.MethodHead {
		return
	}
	doc := struct {
		XMLName   xml.Name `xml:"Error"`
		Code      string   `xml:"Code"`
		Message   string   `xml:"Message"`
		Resource  string   `xml:"Resource"`
		RequestID string   `xml:"RequestId"`
	}{Code: code, Message: message, Resource: r.URL.Path, RequestID: w.Header().Get("x-amz-request-id")}
	fmt.Fprint(w, xml.Header)
	_ = xml.NewEncoder(w).Encode(doc)
}

// detachedContext keeps the request's values but not its cancellation: an
// event is delivered even when the client has gone.
func detachedContext(r *http.Request) context.Context { return context.WithoutCancel(r.Context()) }
