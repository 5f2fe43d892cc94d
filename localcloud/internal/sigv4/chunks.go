package sigv4

import (
	"bufio"
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"

	"github.com/greenlight/greenlight/localcloud/internal/awserr"
)

// SigningKey derives the SigV4 signing key of a credential scope:
// HMAC-SHA256 chained over the date, region, service and "aws4_request",
// keyed first with "AWS4" and the secret. The SDK's derivation is internal
// to it.
func SigningKey(secret, date, region, service string) []byte {
	key := []byte("AWS4" + secret)
	for _, part := range []string{date, region, service, "aws4_request"} {
		key = hmacSHA256(key, part)
	}
	return key
}

func hmacSHA256(key []byte, data string) []byte {
	h := hmac.New(sha256.New, key)
	h.Write([]byte(data))
	return h.Sum(nil)
}

func hexSHA256(b []byte) string {
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

// ChunkSignature is the signature of one chunk of a streaming upload,
// chained to the previous one (the seed signature of the headers for the
// first chunk).
func ChunkSignature(key []byte, amzDate, scope, previous string, chunk []byte) string {
	return hex.EncodeToString(hmacSHA256(key, "AWS4-HMAC-SHA256-PAYLOAD\n"+amzDate+"\n"+scope+"\n"+previous+"\n"+emptySHA256+"\n"+hexSHA256(chunk)))
}

// TrailerSignature is the signature of the trailing headers of a streaming
// upload, chained to the last chunk's; trailers is their canonical form,
// "name:value\n" each.
func TrailerSignature(key []byte, amzDate, scope, previous, trailers string) string {
	return hex.EncodeToString(hmacSHA256(key, "AWS4-HMAC-SHA256-TRAILER\n"+amzDate+"\n"+scope+"\n"+previous+"\n"+hexSHA256([]byte(trailers))))
}

// Chunk is one chunk of an aws-chunked body and the signature it carries.
type Chunk struct {
	Data      []byte
	Signature string
}

// SignedBody is an aws-chunked body with chunk signatures.
type SignedBody struct {
	Chunks []Chunk // the last is the empty final chunk
	// Trailers are the trailing header lines in their order, without the
	// trailer signature; TrailerSignature is "" when there is none.
	Trailers         []string
	TrailerSignature string
}

// errChunk is a malformed aws-chunked body.
var errChunk = errors.New("malformed aws-chunked body")

// ParseSignedBody reads an aws-chunked body whose chunks carry signatures:
//
//	<hex size>;chunk-signature=<sig>\r\n<bytes>\r\n ... 0;chunk-signature=<sig>\r\n[<trailer>:<value>\r\n]*[x-amz-trailer-signature:<sig>\r\n]\r\n
func ParseSignedBody(body io.Reader) (*SignedBody, error) {
	r := bufio.NewReader(body)
	out := &SignedBody{}
	for {
		line, err := r.ReadString('\n')
		if err != nil {
			return nil, fmt.Errorf("%w: chunk header: %v", errChunk, err)
		}
		sizeText, ext, _ := strings.Cut(strings.TrimRight(line, "\r\n"), ";")
		size, err := strconv.ParseInt(strings.TrimSpace(sizeText), 16, 64)
		if err != nil || size < 0 || size > 1<<34 {
			return nil, fmt.Errorf("%w: chunk size %q", errChunk, sizeText)
		}
		name, sig, _ := strings.Cut(ext, "=")
		if name != "chunk-signature" || sig == "" {
			return nil, fmt.Errorf("%w: chunk without chunk-signature", errChunk)
		}
		var data bytes.Buffer
		if _, err := io.CopyN(&data, r, size); err != nil {
			return nil, fmt.Errorf("%w: chunk of %d bytes: %v", errChunk, size, err)
		}
		out.Chunks = append(out.Chunks, Chunk{Data: data.Bytes(), Signature: sig})
		if size == 0 {
			break
		}
		if end, err := r.ReadString('\n'); err != nil || end != "\r\n" {
			return nil, fmt.Errorf("%w: chunk not terminated by CRLF", errChunk)
		}
	}
	for {
		line, err := r.ReadString('\n')
		line = strings.TrimRight(line, "\r\n")
		if line == "" {
			if err != nil && err != io.EOF {
				return nil, fmt.Errorf("%w: trailer: %v", errChunk, err)
			}
			return out, nil
		}
		name, value, ok := strings.Cut(line, ":")
		if !ok {
			return nil, fmt.Errorf("%w: trailer %q is not name:value", errChunk, line)
		}
		if strings.EqualFold(strings.TrimSpace(name), "x-amz-trailer-signature") {
			out.TrailerSignature = strings.TrimSpace(value)
		} else {
			out.Trailers = append(out.Trailers, strings.ToLower(strings.TrimSpace(name))+":"+strings.TrimSpace(value))
		}
		if err != nil {
			return out, nil
		}
	}
}

// verifyChunks checks the chain of chunk signatures of a streaming upload
// (and of its trailer, when it has one), starting from the seed signature
// of the headers. The body is read whole and put back.
func (v *Verifier) verifyChunks(r *http.Request, a authorization, amzDate string, style Style) error {
	body, err := readBody(r)
	if err != nil {
		return awserr.New("IncompleteBody", http.StatusBadRequest, "The request body terminated unexpectedly")
	}
	signed, err := ParseSignedBody(bytes.NewReader(body))
	if err != nil {
		return awserr.New("IncompleteBody", http.StatusBadRequest, err.Error())
	}
	key := SigningKey(v.SecretAccessKey, a.date, a.region, a.service)
	prev := a.signature
	for _, c := range signed.Chunks {
		want := ChunkSignature(key, amzDate, a.scope(), prev, c.Data)
		if !hmac.Equal([]byte(want), []byte(c.Signature)) {
			return mismatch(style, "")
		}
		prev = want
	}
	if r.Header.Get("X-Amz-Content-Sha256") == StreamingPayloadTrailer {
		var canonical strings.Builder
		for _, t := range signed.Trailers {
			canonical.WriteString(t + "\n")
		}
		want := TrailerSignature(key, amzDate, a.scope(), prev, canonical.String())
		if !hmac.Equal([]byte(want), []byte(signed.TrailerSignature)) {
			return mismatch(style, "")
		}
	}
	return nil
}
