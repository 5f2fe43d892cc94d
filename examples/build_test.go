package examples

import (
	"archive/zip"
	"bytes"
	"context"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/greenlight/greenlight/examples/shop"
)

func TestBuildArtifact(t *testing.T) {
	out := filepath.Join(t.TempDir(), "v1.zip")
	if err := BuildArtifact("v1", "linux", runtime.GOARCH, out); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	zr, err := zip.NewReader(bytes.NewReader(b), int64(len(b)))
	if err != nil {
		t.Fatal(err)
	}
	if len(zr.File) != 1 {
		t.Fatalf("the artifact holds %d files, want one", len(zr.File))
	}
	f := zr.File[0]
	if f.Name != "bootstrap" || f.Mode().Perm() != 0o755 {
		t.Errorf("the artifact holds %s %v, want bootstrap -rwxr-xr-x", f.Name, f.Mode().Perm())
	}
	if f.UncompressedSize64 <= 1<<20 {
		t.Errorf("bootstrap is %d bytes, too small for a Go binary", f.UncompressedSize64)
	}

	again, err := Artifact(context.Background(), "v1", "linux", runtime.GOARCH)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(again, b) {
		t.Error("the same version builds to different bytes")
	}
	v2, err := Artifact(context.Background(), "v2", "linux", runtime.GOARCH)
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Equal(v2, b) {
		t.Error("v2 builds to the bytes of v1")
	}
}

func TestShopArtifact(t *testing.T) {
	// One build per member: each is a Lambda zip of its own program.
	seen := map[string]bool{}
	for _, member := range []string{"api", "worker"} {
		b, err := ShopArtifact(context.Background(), member, shop.Members[member][0], "linux", runtime.GOARCH)
		if err != nil {
			t.Fatal(err)
		}
		zr, err := zip.NewReader(bytes.NewReader(b), int64(len(b)))
		if err != nil {
			t.Fatal(err)
		}
		if len(zr.File) != 1 || zr.File[0].Name != "bootstrap" || zr.File[0].Mode().Perm() != 0o755 {
			t.Errorf("the %s artifact holds %v, want only bootstrap -rwxr-xr-x", member, zr.File)
		}
		if seen[string(b)] {
			t.Errorf("the %s artifact is the other member's", member)
		}
		seen[string(b)] = true
	}
}

func TestArtifactRejectsBadInput(t *testing.T) {
	tests := []struct{ version, goos, goarch, want string }{
		{"v9", "linux", "amd64", `unknown demo version "v9"`},
		{"v1", "windows", "amd64", `GOOS "windows"`},
		{"v1", "linux", "386", `GOARCH "386"`},
	}
	for _, tt := range tests {
		t.Run(tt.version+"-"+tt.goos+"-"+tt.goarch, func(t *testing.T) {
			_, err := Artifact(context.Background(), tt.version, tt.goos, tt.goarch)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("Artifact: %v, want an error containing %s", err, tt.want)
			}
		})
	}
}

func TestShopArtifactRejectsBadInput(t *testing.T) {
	tests := []struct{ member, version, goos, goarch, want string }{
		{"cart", "a1", "linux", "amd64", `unknown shop member "cart"`},
		{"api", "w1", "linux", "amd64", `unknown shop api version "w1"`},
		{"worker", "v1", "linux", "amd64", `unknown shop worker version "v1"`},
		{"worker", "w1", "windows", "amd64", `GOOS "windows"`},
		{"api", "a1", "linux", "386", `GOARCH "386"`},
	}
	for _, tt := range tests {
		t.Run(tt.member+"-"+tt.version+"-"+tt.goos+"-"+tt.goarch, func(t *testing.T) {
			_, err := ShopArtifact(context.Background(), tt.member, tt.version, tt.goos, tt.goarch)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("ShopArtifact: %v, want an error containing %s", err, tt.want)
			}
		})
	}
}
