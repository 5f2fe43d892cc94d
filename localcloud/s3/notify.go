package s3

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"io"
	"net"
	"net/http"
	"sync"

	"github.com/johannesboyne/gofakes3"

	"github.com/greenlight/greenlight/localcloud/bus"
	"github.com/greenlight/greenlight/localcloud/internal/awserr"
)

// Event detail types S3 sends to EventBridge.
const (
	DetailTypeObjectCreated = "Object Created"
	DetailTypeObjectDeleted = "Object Deleted"
)

// Detail is the "detail" of an S3 EventBridge event, in AWS's shape.
type Detail struct {
	Version         string       `json:"version"`
	Bucket          DetailBucket `json:"bucket"`
	Object          DetailObject `json:"object"`
	RequestID       string       `json:"request-id"`
	Requester       string       `json:"requester"`
	SourceIPAddress string       `json:"source-ip-address"`
	Reason          string       `json:"reason"`
	DeletionType    string       `json:"deletion-type,omitempty"`
}

// DetailBucket names the bucket of an event.
type DetailBucket struct {
	Name string `json:"name"`
}

// DetailObject describes the object of an event. Size and ETag are absent
// from deletions; VersionID is absent outside versioned buckets.
type DetailObject struct {
	Key       string `json:"key"`
	Size      *int64 `json:"size,omitempty"`
	ETag      string `json:"etag,omitempty"`
	VersionID string `json:"version-id,omitempty"`
	Sequencer string `json:"sequencer"`
}

// sequencer hands out S3's per-event sequencer values: hexadecimal strings
// that grow with every event, so consumers can order events of one key.
type sequencer struct {
	mu   sync.Mutex
	last int64
}

func (q *sequencer) next(now int64) string {
	q.mu.Lock()
	defer q.mu.Unlock()
	q.last = max(q.last+1, now)
	return fmt.Sprintf("%018X", q.last)
}

// notify sends the EventBridge events of a successful request.
func (s *Service) notify(r *http.Request, req request, rec *recorder, deleted []gofakes3.ObjectID) {
	if s.opts.Events == nil || !s.eventBridgeEnabled(req.bucket) {
		return
	}
	base := Detail{
		Version:         "0",
		Bucket:          DetailBucket{Name: req.bucket},
		RequestID:       rec.Header().Get("x-amz-request-id"),
		Requester:       bus.Account,
		SourceIPAddress: sourceIP(r),
		Reason:          req.op,
	}
	switch req.op {
	case "PutObject", "CopyObject", "CompleteMultipartUpload":
		id := gofakes3.VersionID(rec.Header().Get("x-amz-version-id"))
		obj, err := s.store.HeadObjectVersion(req.bucket, req.key, id)
		if err != nil {
			s.opts.Logger.Error("event: read created object", "bucket", req.bucket, "key", req.key, "err", err)
			return
		}
		d := base
		size := obj.Size
		d.Object = DetailObject{Key: req.key, Size: &size, ETag: hex.EncodeToString(obj.Hash), VersionID: string(obj.VersionID)}
		s.send(r, DetailTypeObjectCreated, d)
	case "DeleteObject":
		d := base
		d.Object = DetailObject{Key: req.key, VersionID: rec.Header().Get("x-amz-version-id")}
		d.DeletionType = "Permanently Deleted"
		if rec.Header().Get("x-amz-delete-marker") == "true" && r.URL.Query().Get("versionId") == "" {
			d.DeletionType = "Delete Marker Created"
		}
		s.send(r, DetailTypeObjectDeleted, d)
	case "DeleteObjects":
		versioning, _ := s.store.VersioningConfiguration(req.bucket)
		for _, o := range deleted {
			d := base
			d.Object = DetailObject{Key: o.Key, VersionID: o.VersionID}
			d.DeletionType = "Permanently Deleted"
			if o.VersionID == "" && versioning.Enabled() {
				d.DeletionType = "Delete Marker Created"
			}
			s.send(r, DetailTypeObjectDeleted, d)
		}
	}
}

func (s *Service) send(r *http.Request, detailType string, d Detail) {
	now := s.opts.Clock.Now()
	d.Object.Sequencer = s.seq.next(now.UnixNano())
	detail, err := json.Marshal(d)
	if err != nil {
		s.opts.Logger.Error("event: encode detail", "err", err)
		return
	}
	ev := bus.Event{
		Source:     "aws.s3",
		DetailType: detailType,
		Detail:     detail,
		Resources:  []string{"arn:aws:s3:::" + d.Bucket.Name},
		Time:       now,
	}
	if err := s.opts.Events.PutEvent(detachedContext(r), ev); err != nil {
		s.opts.Logger.Error("event: put event", "bucket", d.Bucket.Name, "key", d.Object.Key, "err", err)
	}
}

func sourceIP(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

// peekDeleteKeys reads the objects named by a DeleteObjects request and
// leaves the body in place for gofakes3.
func peekDeleteKeys(r *http.Request) ([]gofakes3.ObjectID, error) {
	body, err := readDocument(r.Body)
	r.Body.Close()
	if err != nil {
		return nil, err
	}
	r.Body = io.NopCloser(bytes.NewReader(body))
	var req gofakes3.DeleteRequest
	if err := xml.Unmarshal(body, &req); err != nil {
		return nil, awserr.New("MalformedXML", http.StatusBadRequest, "The XML you provided was not well-formed: "+err.Error())
	}
	return req.Objects, nil
}
