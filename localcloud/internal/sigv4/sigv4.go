// Package sigv4 checks the AWS Signature Version 4 of requests to the local
// cloud, as AWS does: a header-signed request, a presigned URL, and the
// chunk signatures of an S3 streaming upload (aws-chunked with
// STREAMING-AWS4-HMAC-SHA256-PAYLOAD). A signature is checked by signing a
// copy of the request again with aws-sdk-go-v2's signer (the same method,
// path, query, the headers the client listed in SignedHeaders, its
// X-Amz-Date and payload hash) and comparing the two in constant time; the
// chunk signatures, which the SDK's signer does not offer, are HMACs with
// the SigV4 signing key (crypto/hmac).
//
// A failure is an *awserr.Error with the code, status and message the
// service answers it with on AWS; the code family depends on the service's
// protocol (Style): S3 answers SignatureDoesNotMatch and AccessDenied, the
// JSON protocols InvalidSignatureException and
// MissingAuthenticationTokenException, the query protocols
// SignatureDoesNotMatch and MissingAuthenticationToken.
package sigv4

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"

	"github.com/greenlight/greenlight/localcloud/internal/awserr"
)

// Values of the X-Amz-Content-Sha256 header that stand for the payload hash
// in the canonical request rather than being the hash of the body.
const (
	UnsignedPayload          = "UNSIGNED-PAYLOAD"
	StreamingPayload         = "STREAMING-AWS4-HMAC-SHA256-PAYLOAD"
	StreamingPayloadTrailer  = "STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER"
	StreamingUnsignedTrailer = "STREAMING-UNSIGNED-PAYLOAD-TRAILER"
)

const (
	algorithm  = "AWS4-HMAC-SHA256"
	timeFormat = "20060102T150405Z"
	dateFormat = "20060102"
	// MaxSkew is how far X-Amz-Date may be from the wall clock, as on AWS.
	MaxSkew = 15 * time.Minute
	// maxExpires is the longest validity of a presigned URL: seven days.
	maxExpires  = 7 * 24 * time.Hour
	emptySHA256 = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
)

// Style is the family of error codes a service answers an authentication
// failure with, which follows its protocol.
type Style int

const (
	// S3 is REST-XML S3: AccessDenied, SignatureDoesNotMatch, ...
	S3 Style = iota
	// JSON is the awsJson, restJson and rpc-v2-cbor protocols:
	// MissingAuthenticationTokenException, InvalidSignatureException, ...
	JSON
	// Query is the query protocol (SNS, CloudFormation, CloudWatch's
	// query flavour): MissingAuthenticationToken, SignatureDoesNotMatch, ...
	Query
)

// Verifier checks the signatures of requests made with one set of
// credentials for one region.
type Verifier struct {
	// AccessKeyID and SecretAccessKey are the credentials requests must
	// be signed with.
	AccessKeyID     string
	SecretAccessKey string
	// Region is the region of the credential scope.
	Region string
	// Now is the wall clock that X-Amz-Date and presigned URLs' expiry
	// are checked against; nil is time.Now. It is never the cloud's
	// (possibly accelerated) clock: clients sign with the wall clock.
	Now func() time.Time
}

// Signed reports whether r carries a SigV4 signature, in its Authorization
// header or its query (a presigned URL).
func Signed(r *http.Request) bool {
	return r.Header.Get("Authorization") != "" || r.URL.Query().Has("X-Amz-Signature") ||
		r.URL.Query().Has("X-Amz-Credential")
}

// Verify checks r's signature for the service named in its credential
// scope, answering failures in style. On success r's body reads as
// before; a streaming upload's chunk signatures have been checked.
// The error is an *awserr.Error.
func (v *Verifier) Verify(r *http.Request, style Style) error {
	if r.Header.Get("Authorization") != "" {
		return v.verifyHeader(r, style)
	}
	if r.URL.Query().Has("X-Amz-Credential") || r.URL.Query().Has("X-Amz-Signature") {
		return v.verifyPresigned(r, style)
	}
	return missing(style)
}

// authorization is the parsed Authorization header or presigned query.
type authorization struct {
	accessKeyID, date, region, service string
	signedHeaders                      []string
	signature                          string
}

func (a authorization) scope() string {
	return a.date + "/" + a.region + "/" + a.service + "/aws4_request"
}

// parseCredential splits AKID/DATE/REGION/SERVICE/aws4_request.
func parseCredential(cred string, a *authorization) bool {
	parts := strings.Split(strings.TrimSpace(cred), "/")
	if len(parts) != 5 || parts[4] != "aws4_request" {
		return false
	}
	a.accessKeyID, a.date, a.region, a.service = parts[0], parts[1], parts[2], parts[3]
	return true
}

// parseAuthorization parses
// "AWS4-HMAC-SHA256 Credential=..., SignedHeaders=a;b, Signature=hex".
func parseAuthorization(header string, style Style) (authorization, error) {
	var a authorization
	alg, rest, _ := strings.Cut(strings.TrimSpace(header), " ")
	if alg != algorithm {
		if strings.HasPrefix(alg, "AWS4-") {
			return a, incomplete(style, fmt.Sprintf("Unsupported AWS 'algorithm': '%s'", alg))
		}
		return a, incomplete(style, "Authorization header requires 'Credential' parameter. Authorization header requires 'Signature' parameter. Authorization header requires 'SignedHeaders' parameter.")
	}
	var haveCred, haveHeaders, haveSig bool
	for _, field := range strings.Split(rest, ",") {
		name, value, _ := strings.Cut(strings.TrimSpace(field), "=")
		switch name {
		case "Credential":
			haveCred = parseCredential(value, &a)
		case "SignedHeaders":
			haveHeaders = value != ""
			a.signedHeaders = strings.Split(value, ";")
		case "Signature":
			haveSig = value != ""
			a.signature = value
		}
	}
	var missing []string
	if !haveCred {
		missing = append(missing, "Authorization header requires 'Credential' parameter.")
	}
	if !haveSig {
		missing = append(missing, "Authorization header requires 'Signature' parameter.")
	}
	if !haveHeaders {
		missing = append(missing, "Authorization header requires 'SignedHeaders' parameter.")
	}
	if len(missing) > 0 {
		return a, incomplete(style, strings.Join(missing, " "))
	}
	return a, nil
}

func (v *Verifier) now() time.Time {
	if v.Now != nil {
		return v.Now()
	}
	return time.Now()
}

// checkScope checks the access key, region and date of the scope against
// the request time t.
func (v *Verifier) checkScope(a authorization, t time.Time, style Style) error {
	if a.accessKeyID != v.AccessKeyID {
		return unknownKey(style)
	}
	if a.region != v.Region {
		return wrongRegion(style, a.region, v.Region)
	}
	if a.date != t.Format(dateFormat) {
		return mismatch(style, fmt.Sprintf("Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: '%s' != '%s'", a.date, t.Format(dateFormat)))
	}
	return nil
}

// credentials are the accepted credentials with the session token the
// client signed, if any: the signer signs the token it is given.
func (v *Verifier) credentials(token string) aws.Credentials {
	return aws.Credentials{AccessKeyID: v.AccessKeyID, SecretAccessKey: v.SecretAccessKey, SessionToken: token}
}

func signedToken(r *http.Request, signedHeaders []string) string {
	for _, h := range signedHeaders {
		if strings.EqualFold(h, "x-amz-security-token") {
			return r.Header.Get("X-Amz-Security-Token")
		}
	}
	return ""
}

// verifyHeader checks a request signed in its Authorization header.
func (v *Verifier) verifyHeader(r *http.Request, style Style) error {
	a, err := parseAuthorization(r.Header.Get("Authorization"), style)
	if err != nil {
		return err
	}
	dateText := r.Header.Get("X-Amz-Date")
	t, err := time.Parse(timeFormat, dateText)
	if err != nil {
		return incomplete(style, "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header.")
	}
	if err := v.checkScope(a, t, style); err != nil {
		return err
	}
	if now := v.now(); t.Sub(now) > MaxSkew || now.Sub(t) > MaxSkew {
		return skewed(style, dateText, now)
	}
	payloadHash, err := payloadHash(r, style)
	if err != nil {
		return err
	}
	clone := signable(r, a.signedHeaders)
	err = v4.NewSigner().SignHTTP(context.Background(), v.credentials(signedToken(r, a.signedHeaders)), clone, payloadHash, a.service, a.region, t, func(o *v4.SignerOptions) {
		o.DisableURIPathEscaping = a.service == "s3"
	})
	if err != nil {
		return awserr.New("InternalFailure", http.StatusInternalServerError, "sign: "+err.Error())
	}
	want, _ := parseAuthorization(clone.Header.Get("Authorization"), style)
	if !hmac.Equal([]byte(want.signature), []byte(a.signature)) {
		return mismatch(style, "")
	}
	if payloadHash == StreamingPayload || payloadHash == StreamingPayloadTrailer {
		return v.verifyChunks(r, a, dateText, style)
	}
	return nil
}

// payloadHash is the payload hash of the canonical request: the
// X-Amz-Content-Sha256 header, checked against the body when it is a hash;
// without the header, the hash of the body.
func payloadHash(r *http.Request, style Style) (string, error) {
	declared := r.Header.Get("X-Amz-Content-Sha256")
	switch {
	case declared == UnsignedPayload, strings.HasPrefix(declared, "STREAMING-"):
		return declared, nil
	case declared == "" && style == S3 && (r.Body == nil || r.Body == http.NoBody):
		return emptySHA256, nil
	}
	body, err := readBody(r)
	if err != nil {
		return "", awserr.New("IncompleteBody", http.StatusBadRequest, "The request body terminated unexpectedly")
	}
	sum := sha256.Sum256(body)
	computed := hex.EncodeToString(sum[:])
	if declared != "" && declared != computed {
		if style == S3 {
			return "", awserr.New("XAmzContentSHA256Mismatch", http.StatusBadRequest, "The provided 'x-amz-content-sha256' header does not match what was computed.")
		}
		return "", mismatch(style, "")
	}
	return computed, nil
}

// readBody reads r's body and puts it back, to be read again.
func readBody(r *http.Request) ([]byte, error) {
	if r.Body == nil || r.Body == http.NoBody {
		return nil, nil
	}
	body, err := io.ReadAll(r.Body)
	_ = r.Body.Close()
	r.Body = io.NopCloser(bytes.NewReader(body))
	return body, err
}

// signable is a copy of r as the client signed it: its method, URL and
// host, and only the headers it listed as signed (the signer signs every
// header it is given).
func signable(r *http.Request, signedHeaders []string) *http.Request {
	u := *r.URL
	u.Scheme, u.Host = "http", r.Host
	clone := &http.Request{Method: r.Method, URL: &u, Host: r.Host, Header: http.Header{}}
	for _, name := range signedHeaders {
		switch name = strings.ToLower(name); name {
		case "host":
		case "content-length":
			clone.ContentLength, _ = strconv.ParseInt(r.Header.Get("Content-Length"), 10, 64)
		default:
			clone.Header[http.CanonicalHeaderKey(name)] = r.Header.Values(name)
		}
	}
	return clone
}

// verifyPresigned checks a presigned URL: its signature and its expiry.
func (v *Verifier) verifyPresigned(r *http.Request, style Style) error {
	q := r.URL.Query()
	var a authorization
	if q.Get("X-Amz-Algorithm") != algorithm {
		return presignIncomplete(style, "X-Amz-Algorithm only supports \"AWS4-HMAC-SHA256\"")
	}
	if !parseCredential(q.Get("X-Amz-Credential"), &a) {
		return presignIncomplete(style, "Error parsing the X-Amz-Credential parameter; the Credential is mal-formed; expecting \"<YOUR-AKID>/YYYYMMDD/REGION/SERVICE/aws4_request\".")
	}
	a.signature = q.Get("X-Amz-Signature")
	a.signedHeaders = strings.Split(q.Get("X-Amz-SignedHeaders"), ";")
	dateText := q.Get("X-Amz-Date")
	t, err := time.Parse(timeFormat, dateText)
	if err != nil || a.signature == "" || q.Get("X-Amz-SignedHeaders") == "" {
		return presignIncomplete(style, "Query-string authentication version 4 requires the X-Amz-Algorithm, X-Amz-Credential, X-Amz-Signature, X-Amz-Date, X-Amz-SignedHeaders, and X-Amz-Expires parameters.")
	}
	expires, err := strconv.Atoi(q.Get("X-Amz-Expires"))
	if err != nil || expires < 0 {
		return presignIncomplete(style, "X-Amz-Expires should be a number")
	}
	if time.Duration(expires)*time.Second > maxExpires {
		return presignIncomplete(style, "X-Amz-Expires must be less than a week (in seconds) that is 604800")
	}
	if err := v.checkScope(a, t, style); err != nil {
		return err
	}
	now := v.now()
	if now.After(t.Add(time.Duration(expires) * time.Second)) {
		if style == S3 {
			return awserr.New("AccessDenied", http.StatusForbidden, "Request has expired")
		}
		return skewed(style, dateText, now)
	}
	if t.Sub(now) > MaxSkew {
		if style == S3 {
			return awserr.New("AccessDenied", http.StatusForbidden, "Request is not valid yet")
		}
		return skewed(style, dateText, now)
	}
	clone := signable(r, a.signedHeaders)
	q.Del("X-Amz-Signature")
	clone.URL.RawQuery = q.Encode()
	payload := r.Header.Get("X-Amz-Content-Sha256")
	if payload == "" {
		payload = UnsignedPayload
	}
	signed, _, err := v4.NewSigner().PresignHTTP(context.Background(), v.credentials(q.Get("X-Amz-Security-Token")), clone, payload, a.service, a.region, t, func(o *v4.SignerOptions) {
		o.DisableURIPathEscaping = a.service == "s3"
		o.DisableHeaderHoisting = true
	})
	if err != nil {
		return awserr.New("InternalFailure", http.StatusInternalServerError, "presign: "+err.Error())
	}
	su, err := url.Parse(signed)
	if err != nil {
		return awserr.New("InternalFailure", http.StatusInternalServerError, "presign: "+err.Error())
	}
	if !hmac.Equal([]byte(su.Query().Get("X-Amz-Signature")), []byte(a.signature)) {
		return mismatch(style, "")
	}
	return nil
}
