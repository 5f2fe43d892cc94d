package localcloud

import (
	"crypto/subtle"
	"encoding/json"
	"encoding/xml"
	"net/http"
	"strings"

	"github.com/fxamacker/cbor/v2"

	"github.com/greenlight/greenlight/localcloud/internal/awserr"
	"github.com/greenlight/greenlight/localcloud/internal/sigv4"
)

// authStyle is the family of error codes the request's service answers an
// authentication failure with: S3's, or that of the protocol the request
// speaks (an unsigned request names no service, so its protocol decides).
func authStyle(r *http.Request, service string) sigv4.Style {
	ct := r.Header.Get("Content-Type")
	switch {
	case service == "s3":
		return sigv4.S3
	case strings.HasPrefix(ct, "application/x-www-form-urlencoded"):
		return sigv4.Query
	case service != "", r.Header.Get("X-Amz-Target") != "", strings.HasPrefix(ct, "application/x-amz-json"),
		strings.HasPrefix(ct, "application/cbor"):
		return sigv4.JSON
	}
	return sigv4.S3
}

// authenticate checks the request's signature when Options.VerifySignatures
// is on, answering a failure itself as the service would. It reports
// whether the request may go on to its service.
func (c *Cloud) authenticate(w http.ResponseWriter, r *http.Request, service string) bool {
	if c.verifier == nil {
		return true
	}
	style := authStyle(r, service)
	err := c.verifier.Verify(r, style)
	if err == nil {
		return true
	}
	ae, _ := awserr.As(err)
	c.opts.Logger.Info("request refused", "service", service, "method", r.Method, "path", r.URL.Path, "code", ae.Code, "message", ae.Message)
	writeAuthError(w, r, style, ae)
	return false
}

// writeAuthError answers an authentication failure in the wire format of
// the request's protocol. It is written here, before any service sees the
// request, so it covers every protocol the services speak: S3's XML error
// document, the query protocol's ErrorResponse, and the JSON and CBOR
// protocols' __type document (with X-Amzn-ErrorType, which restJson1
// clients read).
func writeAuthError(w http.ResponseWriter, r *http.Request, style sigv4.Style, e *awserr.Error) {
	h := w.Header()
	var body []byte
	switch {
	case style == sigv4.S3:
		body, _ = xml.Marshal(struct {
			XMLName xml.Name `xml:"Error"`
			Code    string   `xml:"Code"`
			Message string   `xml:"Message"`
		}{Code: e.Code, Message: e.Message})
		h.Set("Content-Type", "application/xml")
	case style == sigv4.Query:
		body, _ = xml.Marshal(struct {
			XMLName xml.Name `xml:"ErrorResponse"`
			Type    string   `xml:"Error>Type"`
			Code    string   `xml:"Error>Code"`
			Message string   `xml:"Error>Message"`
		}{Type: "Sender", Code: e.Code, Message: e.Message})
		h.Set("Content-Type", "text/xml")
	case strings.HasPrefix(r.Header.Get("Content-Type"), "application/cbor"):
		body, _ = cbor.Marshal(map[string]string{"__type": e.Code, "message": e.Message})
		h.Set("Content-Type", "application/cbor")
		h.Set("Smithy-Protocol", "rpc-v2-cbor")
	default:
		body, _ = json.Marshal(map[string]string{"__type": e.Code, "message": e.Message})
		ct := r.Header.Get("Content-Type")
		if !strings.HasPrefix(ct, "application/x-amz-json") {
			ct = "application/json"
		}
		h.Set("Content-Type", ct)
		h.Set("X-Amzn-ErrorType", e.Code)
	}
	w.WriteHeader(e.Status)
	if r.Method != http.MethodHead {
		_, _ = w.Write(body)
	}
}

// requireToken wraps the control endpoints: with a ControlToken, every one
// but health needs "Authorization: Bearer <token>".
func (c *Cloud) requireToken(next http.Handler) http.Handler {
	if c.opts.ControlToken == "" {
		return next
	}
	want := []byte("Bearer " + c.opts.ControlToken)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != ControlPrefix+"health" &&
			subtle.ConstantTimeCompare([]byte(r.Header.Get("Authorization")), want) != 1 {
			writeJSON(w, http.StatusUnauthorized, ErrorBody{Error: "the control endpoints need the token `greenlight local up` printed (Authorization: Bearer <token>)"})
			return
		}
		next.ServeHTTP(w, r)
	})
}
