package s3

import (
	"bytes"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

func TestDecodeAWSChunked(t *testing.T) {
	sig := ";chunk-signature=" + strings.Repeat("a", 64)
	tests := []struct {
		name     string
		body     string
		want     string
		trailers map[string]string
		wantErr  bool
	}{
		{name: "signed chunks", body: "5" + sig + "\r\nhello\r\n6" + sig + "\r\n world\r\n0" + sig + "\r\n\r\n", want: "hello world"},
		{name: "unsigned with trailer", body: "5\r\nhello\r\n0\r\nx-amz-checksum-crc32:NhCmhg==\r\n\r\n", want: "hello",
			trailers: map[string]string{"X-Amz-Checksum-Crc32": "NhCmhg=="}},
		{name: "signed trailer", body: "5" + sig + "\r\nhello\r\n0" + sig + "\r\nx-amz-checksum-sha256:abc\r\nx-amz-trailer-signature:def\r\n\r\n",
			want: "hello", trailers: map[string]string{"X-Amz-Checksum-Sha256": "abc", "X-Amz-Trailer-Signature": "def"}},
		{name: "no final CRLF", body: "5\r\nhello\r\n0\r\n", want: "hello"},
		{name: "empty body", body: "0\r\n\r\n", want: ""},
		{name: "size is not hex", body: "zz\r\nhello\r\n0\r\n\r\n", wantErr: true},
		{name: "short chunk", body: "a\r\nhello", wantErr: true},
		{name: "missing chunk terminator", body: "5\r\nhelloXX0\r\n\r\n", wantErr: true},
		{name: "bad trailer", body: "0\r\nnot a header\r\n\r\n", wantErr: true},
		{name: "truncated", body: "", wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, trailers, err := decodeAWSChunked(strings.NewReader(tt.body))
			if (err != nil) != tt.wantErr {
				t.Fatalf("err = %v, want error %v", err, tt.wantErr)
			}
			if tt.wantErr {
				return
			}
			if string(got) != tt.want {
				t.Errorf("payload = %q, want %q", got, tt.want)
			}
			if len(trailers) != len(tt.trailers) {
				t.Errorf("trailers = %v, want %v", trailers, tt.trailers)
			}
			for k, v := range tt.trailers {
				if trailers.Get(k) != v {
					t.Errorf("trailer %s = %q, want %q", k, trailers.Get(k), v)
				}
			}
		})
	}
}

func FuzzDecodeAWSChunked(f *testing.F) {
	f.Add([]byte("5\r\nhello\r\n0\r\nx-amz-checksum-crc32:NhCmhg==\r\n\r\n"))
	f.Add([]byte("0\r\n\r\n"))
	f.Fuzz(func(t *testing.T, body []byte) {
		data, _, err := decodeAWSChunked(bytes.NewReader(body))
		if err == nil && len(data) > len(body) {
			t.Errorf("decoded %d bytes from a %d-byte body", len(data), len(body))
		}
	})
}

func TestChecksumAlgorithms(t *testing.T) {
	// Check values of each algorithm over "123456789" (base64 of the
	// big-endian digest), as S3 reports them.
	tests := map[string]string{
		"X-Amz-Checksum-Crc32":     "y/Q5Jg==",     // 0xCBF43926
		"X-Amz-Checksum-Crc32c":    "4waSgw==",     // 0xE3069283
		"X-Amz-Checksum-Crc64nvme": "rosUhgp5mIg=", // 0xAE8B14860A799888
		"X-Amz-Checksum-Sha1":      "98O8HYCOBHMq32eZZczDTKeuNEE=",
		"X-Amz-Checksum-Sha256":    "FeKw08M4keuw8e9gnsQZQgwg4yDOlMZfvIwzEkSOsiU=",
	}
	for name, want := range tests {
		if got := checksum(name, []byte("123456789")); got != want {
			t.Errorf("%s = %s, want %s", name, got, want)
		}
	}
}

func TestChunkedUploadOverHTTP(t *testing.T) {
	f := start(t, "")
	f.mustBucket(t, "artifacts", false)
	srv := httptest.NewServer(f.svc)
	defer srv.Close()
	body := "5\r\nhello\r\n6\r\n world\r\n0\r\nx-amz-checksum-crc32:DUoRhQ==\r\n\r\n"
	req, err := http.NewRequest(http.MethodPut, srv.URL+"/artifacts/chunked.txt", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Encoding", "aws-chunked")
	req.Header.Set("X-Amz-Content-Sha256", "STREAMING-UNSIGNED-PAYLOAD-TRAILER")
	req.Header.Set("X-Amz-Decoded-Content-Length", "11")
	req.Header.Set("X-Amz-Trailer", "x-amz-checksum-crc32")
	req.Header.Set("X-Amz-Meta-Build", "7")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("PUT status %d", resp.StatusCode)
	}
	got, out := f.get(t, "artifacts", "chunked.txt", "")
	if got != "hello world" || out.Metadata["build"] != "7" || out.ContentEncoding != nil {
		t.Errorf("stored %q metadata %v content-encoding %v", got, out.Metadata, out.ContentEncoding)
	}

	req, _ = http.NewRequest(http.MethodGet, srv.URL+"/artifacts/chunked.txt", nil)
	req.Header.Set("X-Amz-Checksum-Mode", "ENABLED")
	resp, err = http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	for _, transfer := range []string{"X-Amz-Content-Sha256", "X-Amz-Decoded-Content-Length", "X-Amz-Trailer"} {
		if v := resp.Header.Get(transfer); v != "" {
			t.Errorf("GET replays the upload's %s: %s", transfer, v)
		}
	}
	if v := resp.Header.Get("X-Amz-Checksum-Crc32"); v != "DUoRhQ==" {
		t.Errorf("crc32 from the trailer = %q, want DUoRhQ==", v)
	}

	req, _ = http.NewRequest(http.MethodPut, srv.URL+"/artifacts/short.txt", strings.NewReader(body))
	req.Header.Set("Content-Encoding", "aws-chunked")
	req.Header.Set("X-Amz-Decoded-Content-Length", "12")
	resp, err = http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusBadRequest {
		t.Errorf("length mismatch: status %d, want 400", resp.StatusCode)
	}
}
