package s3

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"errors"
	"io"
	"net/http"

	"github.com/greenlight/greenlight/localcloud/internal/awserr"
)

// subresource is a bucket configuration document (?policy, ?encryption, ...)
// that the local S3 stores and returns but does not enforce.
type subresource struct {
	query    string // query parameter that selects it
	name     string // operation suffix: Put<name>, Get<name>, Delete<name>
	json     bool   // the document is JSON (bucket policy), else XML
	missing  string // error code of a Get when nothing is stored
	fallback string // document a Get returns when nothing is stored and missing is empty
}

const xmlns = `xmlns="http://s3.amazonaws.com/doc/2006-03-01/"`

// maxDocument bounds the XML and JSON documents the local S3 reads whole
// (bucket configurations, DeleteObjects key lists). S3's own are far
// smaller: a bucket policy is at most 20 KB, a DeleteObjects request names
// at most 1,000 keys of at most 1,024 bytes.
const maxDocument = 4 << 20

// readDocument reads a request document of at most maxDocument bytes and
// answers S3's MaxMessageLengthExceeded for a larger one.
func readDocument(body io.Reader) ([]byte, error) {
	doc, err := io.ReadAll(io.LimitReader(body, maxDocument+1))
	if err != nil {
		return nil, err
	}
	if len(doc) > maxDocument {
		return nil, awserr.Errorf("MaxMessageLengthExceeded", http.StatusBadRequest,
			"Your request was too big: the limit is %d bytes.", maxDocument)
	}
	return doc, nil
}

var subresources = []subresource{
	{query: "policy", name: "BucketPolicy", json: true, missing: "NoSuchBucketPolicy"},
	{query: "notification", name: "BucketNotificationConfiguration",
		fallback: `<NotificationConfiguration ` + xmlns + `></NotificationConfiguration>`},
	{query: "encryption", name: "BucketEncryption",
		fallback: `<ServerSideEncryptionConfiguration ` + xmlns + `><Rule><ApplyServerSideEncryptionByDefault>` +
			`<SSEAlgorithm>AES256</SSEAlgorithm></ApplyServerSideEncryptionByDefault><BucketKeyEnabled>false</BucketKeyEnabled></Rule></ServerSideEncryptionConfiguration>`},
	{query: "publicAccessBlock", name: "PublicAccessBlock", missing: "NoSuchPublicAccessBlockConfiguration"},
	{query: "tagging", name: "BucketTagging", missing: "NoSuchTagSet"},
	{query: "ownershipControls", name: "BucketOwnershipControls", missing: "OwnershipControlsNotFoundError"},
	{query: "lifecycle", name: "BucketLifecycleConfiguration", missing: "NoSuchLifecycleConfiguration"},
	{query: "cors", name: "BucketCors", missing: "NoSuchCORSConfiguration"},
	{query: "website", name: "BucketWebsite", missing: "NoSuchWebsiteConfiguration"},
	{query: "replication", name: "BucketReplication", missing: "ReplicationConfigurationNotFoundError"},
	{query: "object-lock", name: "ObjectLockConfiguration", missing: "ObjectLockConfigurationNotFoundError"},
	{query: "logging", name: "BucketLogging", fallback: `<BucketLoggingStatus ` + xmlns + `></BucketLoggingStatus>`},
	{query: "accelerate", name: "BucketAccelerateConfiguration", fallback: `<AccelerateConfiguration ` + xmlns + `></AccelerateConfiguration>`},
	{query: "requestPayment", name: "BucketRequestPayment",
		fallback: `<RequestPaymentConfiguration ` + xmlns + `><Payer>BucketOwner</Payer></RequestPaymentConfiguration>`},
	{query: "acl", name: "BucketAcl",
		fallback: `<AccessControlPolicy ` + xmlns + `><Owner><ID>` + ownerID + `</ID></Owner><AccessControlList><Grant>` +
			`<Grantee xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:type="CanonicalUser"><ID>` + ownerID + `</ID></Grantee>` +
			`<Permission>FULL_CONTROL</Permission></Grant></AccessControlList></AccessControlPolicy>`},
}

// ownerID is the canonical user id of the local account.
const ownerID = "75aa57f09aa0c8caeab4f8c24e99d10f8e7faeebf76c078efc7c6caea54ba06a"

func (s *subresource) operation(method string) string {
	switch method {
	case http.MethodGet:
		return "Get" + s.name
	case http.MethodPut:
		return "Put" + s.name
	case http.MethodDelete:
		return "Delete" + s.name
	}
	return ""
}

func (s *Service) serveSubresource(w http.ResponseWriter, r *http.Request, req request) {
	sub := req.sub
	switch r.Method {
	case http.MethodGet:
		doc, ok, err := s.store.config(req.bucket, sub.query)
		if err != nil {
			writeError(w, r, err)
			return
		}
		if !ok && sub.missing != "" {
			writeError(w, r, awserr.New(sub.missing, http.StatusNotFound, "The "+sub.query+" configuration does not exist"))
			return
		}
		if !ok {
			doc = []byte(sub.fallback)
		}
		if sub.json {
			w.Header().Set("Content-Type", "application/json")
		} else {
			w.Header().Set("Content-Type", "application/xml")
		}
		w.Write(doc)
	case http.MethodPut:
		doc, err := readDocument(r.Body)
		if err != nil {
			writeError(w, r, err)
			return
		}
		if err := validDocument(sub, doc); err != nil {
			writeError(w, r, err)
			return
		}
		if err := s.store.setConfig(req.bucket, sub.query, doc); err != nil {
			writeError(w, r, err)
			return
		}
		if sub.json {
			w.WriteHeader(http.StatusNoContent)
		}
	case http.MethodDelete:
		if err := s.store.setConfig(req.bucket, sub.query, nil); err != nil {
			writeError(w, r, err)
			return
		}
		w.WriteHeader(http.StatusNoContent)
	default:
		writeError(w, r, awserr.New("MethodNotAllowed", http.StatusMethodNotAllowed, "The specified method is not allowed against this resource."))
	}
}

// validDocument rejects a configuration that is not well-formed JSON or XML.
// An ACL may come as a canned x-amz-acl header with an empty body.
func validDocument(sub *subresource, doc []byte) error {
	if sub.json {
		if !json.Valid(doc) {
			return awserr.New("MalformedPolicy", http.StatusBadRequest, "Policies must be valid JSON")
		}
		return nil
	}
	if len(bytes.TrimSpace(doc)) == 0 && sub.query == "acl" {
		return nil
	}
	dec := xml.NewDecoder(bytes.NewReader(doc))
	elements := 0
	for {
		tok, err := dec.Token()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return awserr.New("MalformedXML", http.StatusBadRequest, "The XML you provided was not well-formed: "+err.Error())
		}
		if _, ok := tok.(xml.StartElement); ok {
			elements++
		}
	}
	if elements == 0 {
		return awserr.New("MalformedXML", http.StatusBadRequest, "The "+sub.query+" configuration is empty")
	}
	return nil
}

// notificationConfiguration is the part of a bucket's notification
// configuration the local S3 acts on. Topic, queue and Lambda configurations
// are stored but not delivered.
type notificationConfiguration struct {
	EventBridge *struct{} `xml:"EventBridgeConfiguration"`
}

// eventBridgeEnabled reports whether the bucket sends its events to EventBridge.
func (s *Service) eventBridgeEnabled(bucket string) bool {
	doc, ok, err := s.store.config(bucket, "notification")
	if err != nil || !ok {
		return false
	}
	var cfg notificationConfiguration
	return xml.Unmarshal(doc, &cfg) == nil && cfg.EventBridge != nil
}
