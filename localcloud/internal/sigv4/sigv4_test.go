package sigv4

import (
	"bytes"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/greenlight/greenlight/localcloud/internal/awserr"
)

// The example of AWS's "Signature Calculations for the Authorization Header:
// Transferring Payload in Multiple Chunks" (Amazon S3 API reference): 64 KiB
// and 1 KiB of 'a' uploaded in two signed chunks.
const (
	exampleKeyID  = "AKIAIOSFODNN7EXAMPLE"
	exampleSecret = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
	exampleDate   = "20130524T000000Z"
	exampleScope  = "20130524/us-east-1/s3/aws4_request"
	exampleSeed   = "4f232c4386841ef735655705268965c44a0e4690baa4adea153f7db9fa80a0a9"
)

var exampleChunkSignatures = []string{
	"ad80c730a21e5b8d04586a2213dd63b9a0e99e0e2307b0ade35a65485a288648",
	"0055627c9e194cb4542bae2aa5492e3c1575bbb81b612b7d234b86a503ef5497",
	"b6c6ea8a5354eaf15b3cb7646744f4275b71ea724fed81ceb9323e279d449df9",
}

var exampleChunks = [][]byte{bytes.Repeat([]byte("a"), 65536), bytes.Repeat([]byte("a"), 1024), nil}

func TestChunkSignatureExample(t *testing.T) {
	key := SigningKey(exampleSecret, "20130524", "us-east-1", "s3")
	prev := exampleSeed
	for i, chunk := range exampleChunks {
		got := ChunkSignature(key, exampleDate, exampleScope, prev, chunk)
		if got != exampleChunkSignatures[i] {
			t.Errorf("chunk %d: signature %s, want %s", i, got, exampleChunkSignatures[i])
		}
		prev = got
	}
}

// exampleBody is the example's aws-chunked body; tamper changes it.
func exampleBody(tamper func(i int, data []byte) []byte) []byte {
	var b bytes.Buffer
	for i, chunk := range exampleChunks {
		data := chunk
		if tamper != nil {
			data = tamper(i, append([]byte(nil), chunk...))
		}
		fmt.Fprintf(&b, "%x;chunk-signature=%s\r\n%s\r\n", len(data), exampleChunkSignatures[i], data)
	}
	return b.Bytes()
}

// exampleRequest is the example's PUT, signed with the seed signature.
func exampleRequest(body []byte) *http.Request {
	r, _ := http.NewRequest(http.MethodPut, "http://s3.amazonaws.com/examplebucket/chunkObject.txt", bytes.NewReader(body))
	r.Host = "s3.amazonaws.com"
	r.Header.Set("X-Amz-Date", exampleDate)
	r.Header.Set("X-Amz-Storage-Class", "REDUCED_REDUNDANCY")
	r.Header.Set("Content-Encoding", "aws-chunked")
	r.Header.Set("X-Amz-Decoded-Content-Length", "66560")
	r.Header.Set("Content-Length", "66824")
	r.Header.Set("X-Amz-Content-Sha256", StreamingPayload)
	r.Header.Set("Authorization", "AWS4-HMAC-SHA256 Credential="+exampleKeyID+"/"+exampleScope+
		",SignedHeaders=content-encoding;content-length;host;x-amz-content-sha256;x-amz-date;x-amz-decoded-content-length;x-amz-storage-class,Signature="+exampleSeed)
	return r
}

func TestVerifyStreamingUpload(t *testing.T) {
	at := func(s string) func() time.Time {
		return func() time.Time { t, _ := time.Parse(timeFormat, s); return t }
	}
	tests := []struct {
		name     string
		secret   string
		now      string
		body     []byte
		wantCode string // "" for success
	}{
		{"good", exampleSecret, "20130524T000500Z", exampleBody(nil), ""},
		{"wrong secret", "wrong", "20130524T000500Z", exampleBody(nil), "SignatureDoesNotMatch"},
		{"tampered chunk", exampleSecret, "20130524T000500Z", exampleBody(func(i int, d []byte) []byte {
			if i == 1 {
				d[0] = 'b'
			}
			return d
		}), "SignatureDoesNotMatch"},
		{"truncated", exampleSecret, "20130524T000500Z", exampleBody(nil)[:66000], "IncompleteBody"},
		{"too skewed", exampleSecret, "20130524T002000Z", exampleBody(nil), "RequestTimeTooSkewed"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v := &Verifier{AccessKeyID: exampleKeyID, SecretAccessKey: tt.secret, Region: "us-east-1", Now: at(tt.now)}
			r := exampleRequest(tt.body)
			err := v.Verify(r, S3)
			if tt.wantCode == "" {
				if err != nil {
					t.Fatalf("Verify: %v", err)
				}
				var back bytes.Buffer
				_, _ = back.ReadFrom(r.Body)
				if !bytes.Equal(back.Bytes(), tt.body) {
					t.Errorf("the body reads %d bytes after Verify, want the %d sent", back.Len(), len(tt.body))
				}
				return
			}
			var ae *awserr.Error
			if !errors.As(err, &ae) || ae.Code != tt.wantCode {
				t.Errorf("Verify = %v, want %s", err, tt.wantCode)
			}
		})
	}
}

func TestParseSignedBodyTrailer(t *testing.T) {
	body := "3;chunk-signature=aa\r\nabc\r\n0;chunk-signature=bb\r\nx-amz-checksum-crc32:AAAA\r\nx-amz-trailer-signature:cc\r\n\r\n"
	got, err := ParseSignedBody(strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if len(got.Chunks) != 2 || string(got.Chunks[0].Data) != "abc" || got.Chunks[1].Signature != "bb" {
		t.Errorf("chunks = %+v", got.Chunks)
	}
	if len(got.Trailers) != 1 || got.Trailers[0] != "x-amz-checksum-crc32:AAAA" || got.TrailerSignature != "cc" {
		t.Errorf("trailers = %q, signature %q", got.Trailers, got.TrailerSignature)
	}
}

func FuzzParseSignedBody(f *testing.F) {
	f.Add(string(exampleBody(nil)[:200]))
	f.Add("3;chunk-signature=aa\r\nabc\r\n0;chunk-signature=bb\r\nx-amz-checksum-crc32:AAAA\r\n\r\n")
	f.Add("zz;chunk-signature=aa\r\n")
	f.Fuzz(func(t *testing.T, body string) {
		got, err := ParseSignedBody(strings.NewReader(body))
		if err != nil {
			return
		}
		n := 0
		for _, c := range got.Chunks {
			n += len(c.Data)
		}
		if n > len(body) {
			t.Errorf("%d payload bytes from a body of %d", n, len(body))
		}
	})
}
