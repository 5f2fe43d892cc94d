package s3

import (
	"bytes"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/greenlight/greenlight/localcloud/internal/testenv"
)

// TestAWSCLI uploads and downloads through the AWS CLI, which sends its
// own flavour of checksums and chunked bodies: through Debian's awscli
// (which CI installs) and the aws on PATH when that is another version.
func TestAWSCLI(t *testing.T) {
	for _, cli := range testenv.AWSCLIs(t) {
		t.Run(cli.Version, func(t *testing.T) { testAWSCLI(t, cli.Path) })
	}
}

func testAWSCLI(t *testing.T, aws string) {
	svc, err := New(Options{})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(svc)
	defer srv.Close()
	dir := t.TempDir()
	run := func(t *testing.T, args ...string) string {
		t.Helper()
		cmd := exec.Command(aws, append([]string{"--endpoint-url", srv.URL, "--region", "us-east-1"}, args...)...)
		cmd.Env = append(os.Environ(), "AWS_ACCESS_KEY_ID=test", "AWS_SECRET_ACCESS_KEY=test", "AWS_CONFIG_FILE=/dev/null",
			"AWS_SHARED_CREDENTIALS_FILE=/dev/null", "AWS_PAGER=")
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("aws %v: %v\n%s", args, err, out)
		}
		return string(out)
	}
	small := []byte("PK\x03\x04 small artifact")
	large := bytes.Repeat([]byte("0123456789abcdef"), 1<<20) // 16 MiB: a multipart upload
	for name, data := range map[string][]byte{"small.zip": small, "large.zip": large} {
		if err := os.WriteFile(filepath.Join(dir, name), data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	run(t, "s3", "mb", "s3://artifacts")
	for _, name := range []string{"small.zip", "large.zip"} {
		t.Run(name, func(t *testing.T) {
			want, _ := os.ReadFile(filepath.Join(dir, name))
			run(t, "s3", "cp", filepath.Join(dir, name), "s3://artifacts/releases/orders/"+name)
			back := filepath.Join(dir, "back-"+name)
			run(t, "s3", "cp", "s3://artifacts/releases/orders/"+name, back)
			got, err := os.ReadFile(back)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(got, want) {
				t.Errorf("downloaded %d bytes that differ from the %d uploaded", len(got), len(want))
			}
		})
	}
}
