package sigv4

import (
	"fmt"
	"net/http"
	"time"

	"github.com/greenlight/greenlight/localcloud/internal/awserr"
)

// The messages AWS answers with. S3's differ from the other services'.
const (
	s3MismatchMessage   = "The request signature we calculated does not match the signature you provided. Check your key and signing method."
	mismatchMessage     = "The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details."
	missingTokenMessage = "Missing Authentication Token"
)

// code returns the JSON protocols' name of a query error code: the same
// word with "Exception" after it.
func code(style Style, query string) string {
	if style == JSON {
		return query + "Exception"
	}
	return query
}

// missing is the answer to an unsigned request.
func missing(style Style) error {
	if style == S3 {
		return awserr.New("AccessDenied", http.StatusForbidden, "Access Denied")
	}
	return awserr.New(code(style, "MissingAuthenticationToken"), http.StatusForbidden, missingTokenMessage)
}

// mismatch is the answer to a wrong signature; detail, when not empty,
// replaces the usual message.
func mismatch(style Style, detail string) error {
	switch {
	case style == S3:
		if detail == "" {
			detail = s3MismatchMessage
		}
		return awserr.New("SignatureDoesNotMatch", http.StatusForbidden, detail)
	case detail == "":
		detail = mismatchMessage
	}
	if style == JSON {
		return awserr.New("InvalidSignatureException", http.StatusForbidden, detail)
	}
	return awserr.New("SignatureDoesNotMatch", http.StatusForbidden, detail)
}

// incomplete is the answer to an Authorization header that lacks a part.
func incomplete(style Style, detail string) error {
	if style == S3 {
		return awserr.New("AuthorizationHeaderMalformed", http.StatusBadRequest, "The authorization header is malformed; "+detail)
	}
	return awserr.New(code(style, "IncompleteSignature"), http.StatusBadRequest, detail)
}

// presignIncomplete is the answer to a presigned URL that lacks a part.
func presignIncomplete(style Style, detail string) error {
	if style == S3 {
		return awserr.New("AuthorizationQueryParametersError", http.StatusBadRequest, detail)
	}
	return awserr.New(code(style, "IncompleteSignature"), http.StatusBadRequest, detail)
}

// unknownKey is the answer to a request signed with another access key.
func unknownKey(style Style) error {
	switch style {
	case S3:
		return awserr.New("InvalidAccessKeyId", http.StatusForbidden, "The AWS Access Key Id you provided does not exist in our records.")
	case JSON:
		return awserr.New("UnrecognizedClientException", http.StatusForbidden, "The security token included in the request is invalid.")
	}
	return awserr.New("InvalidClientTokenId", http.StatusForbidden, "The security token included in the request is invalid.")
}

// wrongRegion is the answer to a credential scope of another region.
func wrongRegion(style Style, got, want string) error {
	if style == S3 {
		return awserr.Errorf("AuthorizationHeaderMalformed", http.StatusBadRequest,
			"The authorization header is malformed; the region '%s' is wrong; expecting '%s'", got, want)
	}
	return mismatch(style, fmt.Sprintf("Credential should be scoped to a valid region, not '%s'. ", got))
}

// skewed is the answer to a request signed too long before or after now.
func skewed(style Style, amzDate string, now time.Time) error {
	if style == S3 {
		return awserr.New("RequestTimeTooSkewed", http.StatusForbidden, "The difference between the request time and the current time is too large.")
	}
	return mismatch(style, fmt.Sprintf("Signature expired: %s is now earlier than %s (%s - 15 min.)",
		amzDate, now.Add(-MaxSkew).UTC().Format(timeFormat), now.UTC().Format(timeFormat)))
}
