package s3

import (
	"bufio"
	"bytes"
	"crypto/sha1"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"hash"
	"hash/crc32"
	"hash/crc64"
	"io"
	"net/http"
	"strconv"
	"strings"

	"github.com/johannesboyne/gofakes3"
)

// checksumHeaders are the x-amz-checksum-* headers S3 records with an object
// (canonical form, as gofakes3 keeps them in the object's metadata), each
// with the hash that computes it.
var checksumHeaders = map[string]func() hash.Hash{
	"X-Amz-Checksum-Crc32":     func() hash.Hash { return crc32.NewIEEE() },
	"X-Amz-Checksum-Crc32c":    func() hash.Hash { return crc32.New(crc32.MakeTable(crc32.Castagnoli)) },
	"X-Amz-Checksum-Crc64nvme": func() hash.Hash { return crc64.New(crc64NVME) },
	"X-Amz-Checksum-Sha1":      sha1.New,
	"X-Amz-Checksum-Sha256":    sha256.New,
}

// crc64NVME is the CRC-64/NVME table (reflected polynomial 0xAD93D23594C93659).
var crc64NVME = crc64.MakeTable(0x9a6c9329ac4bc9b5)

const sha256Header = "X-Amz-Checksum-Sha256"

func isChecksumHeader(name string) bool {
	_, ok := checksumHeaders[http.CanonicalHeaderKey(name)]
	return ok
}

func checksum(name string, data []byte) string {
	h := checksumHeaders[name]()
	h.Write(data)
	return base64.StdEncoding.EncodeToString(h.Sum(nil))
}

// verifyChecksums checks every checksum the client sent with the object
// against its bytes, and records a SHA-256 checksum when the client sent
// none of that kind, so that GetObject/HeadObject with checksum mode can
// always report ChecksumSHA256.
func verifyChecksums(meta map[string]string, data []byte) error {
	for name, want := range meta {
		if !isChecksumHeader(name) {
			continue
		}
		if got := checksum(name, data); got != want {
			return gofakes3.ErrorMessagef(gofakes3.ErrBadDigest,
				"The %s you specified did not match the calculated checksum (%s).", strings.ToLower(name), got)
		}
	}
	if _, ok := meta[sha256Header]; !ok {
		meta[sha256Header] = checksum(sha256Header, data)
	}
	return nil
}

// isAWSChunked reports whether the request body uses the aws-chunked content
// encoding, with or without chunk signatures and trailers.
func isAWSChunked(h http.Header) bool {
	if strings.HasPrefix(h.Get("X-Amz-Content-Sha256"), "STREAMING-") {
		return true
	}
	for _, enc := range strings.Split(h.Get("Content-Encoding"), ",") {
		if strings.TrimSpace(enc) == "aws-chunked" {
			return true
		}
	}
	return false
}

// decodeAWSChunked reads an aws-chunked body
//
//	<hex size>[;chunk-signature=<sig>]\r\n<bytes>\r\n ... 0[;...]\r\n[<trailer>:<value>\r\n]*\r\n
//
// and returns the payload and the trailing headers (for example
// x-amz-checksum-crc32). Chunk signatures are not verified: the local cloud
// does not authenticate requests.
func decodeAWSChunked(body io.Reader) ([]byte, http.Header, error) {
	r := bufio.NewReader(body)
	var out bytes.Buffer
	for {
		line, err := readLine(r)
		if err != nil {
			return nil, nil, fmt.Errorf("aws-chunked chunk header: %w", err)
		}
		sizeText, _, _ := strings.Cut(line, ";")
		size, err := strconv.ParseInt(strings.TrimSpace(sizeText), 16, 64)
		if err != nil || size < 0 {
			return nil, nil, fmt.Errorf("aws-chunked chunk size %q is not a hexadecimal number", sizeText)
		}
		if size == 0 {
			break
		}
		if _, err := io.CopyN(&out, r, size); err != nil {
			return nil, nil, fmt.Errorf("aws-chunked chunk of %d bytes: %w", size, err)
		}
		if end, err := readLine(r); err != nil || end != "" {
			return nil, nil, fmt.Errorf("aws-chunked chunk is not terminated by CRLF")
		}
	}
	trailers := http.Header{}
	for {
		line, err := readLine(r)
		if err == io.EOF || err == nil && line == "" {
			return out.Bytes(), trailers, nil
		}
		if err != nil {
			return nil, nil, fmt.Errorf("aws-chunked trailer: %w", err)
		}
		name, value, ok := strings.Cut(line, ":")
		if !ok {
			return nil, nil, fmt.Errorf("aws-chunked trailer %q is not name:value", line)
		}
		trailers.Set(strings.TrimSpace(name), strings.TrimSpace(value))
	}
}

func readLine(r *bufio.Reader) (string, error) {
	line, err := r.ReadString('\n')
	if err != nil {
		if err == io.EOF && line != "" {
			return strings.TrimRight(line, "\r"), nil
		}
		return "", err
	}
	return strings.TrimSuffix(strings.TrimSuffix(line, "\n"), "\r"), nil
}

// unwrapAWSChunked replaces an aws-chunked request body by its payload, moves
// checksum trailers into headers and drops the encoding headers, so that
// gofakes3 sees a plain upload of the object's bytes.
func unwrapAWSChunked(r *http.Request) error {
	data, trailers, err := decodeAWSChunked(r.Body)
	r.Body.Close()
	if err != nil {
		return gofakes3.ErrorMessage(gofakes3.ErrIncompleteBody, err.Error())
	}
	if decoded := r.Header.Get("X-Amz-Decoded-Content-Length"); decoded != "" && decoded != strconv.Itoa(len(data)) {
		return gofakes3.ErrorMessagef(gofakes3.ErrIncompleteBody,
			"x-amz-decoded-content-length is %s but the body holds %d bytes", decoded, len(data))
	}
	for name, values := range trailers {
		if isChecksumHeader(name) {
			r.Header.Set(name, values[0])
		}
	}
	var encodings []string
	for _, enc := range strings.Split(r.Header.Get("Content-Encoding"), ",") {
		if enc = strings.TrimSpace(enc); enc != "" && enc != "aws-chunked" {
			encodings = append(encodings, enc)
		}
	}
	if len(encodings) == 0 {
		r.Header.Del("Content-Encoding")
	} else {
		r.Header.Set("Content-Encoding", strings.Join(encodings, ","))
	}
	r.Body = io.NopCloser(bytes.NewReader(data))
	r.ContentLength = int64(len(data))
	r.Header.Set("Content-Length", strconv.Itoa(len(data)))
	return nil
}

// storedAmzHeader reports whether an x-amz-* request header of a PutObject
// belongs to the object. gofakes3 records every x-amz-* header as metadata;
// signing and transfer headers (x-amz-date, x-amz-content-sha256,
// x-amz-decoded-content-length, x-amz-trailer, ...) must not be replayed on
// GetObject.
func storedAmzHeader(name string) bool {
	name = http.CanonicalHeaderKey(name)
	switch {
	case strings.HasPrefix(name, "X-Amz-Meta-"),
		strings.HasPrefix(name, "X-Amz-Copy-Source"),
		strings.HasPrefix(name, "X-Amz-Server-Side-Encryption"),
		strings.HasPrefix(name, "X-Amz-Object-Lock-"),
		isChecksumHeader(name):
		return true
	}
	switch name {
	case "X-Amz-Metadata-Directive", "X-Amz-Storage-Class", "X-Amz-Tagging",
		"X-Amz-Website-Redirect-Location", "X-Amz-Acl":
		return true
	}
	return false
}

func dropTransferHeaders(h http.Header) {
	for name := range h {
		if strings.HasPrefix(name, "X-Amz-") && !storedAmzHeader(name) {
			h.Del(name)
		}
	}
}
