// Package examples builds the demo functions into Lambda artifacts: the one
// function in examples/app and the two of the shop group in examples/shop,
// each a zip holding one executable named bootstrap, built for the
// provided.al2023 runtime with -tags lambda.norpc, one per demo version.
package examples

import (
	"archive/zip"
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"time"

	"github.com/greenlight/greenlight/examples/shop"
)

// Versions are the demo function's builds: v1 and v2 are healthy, v3 fails
// about 30 % of requests but passes its health check, v4 fails its health
// check.
var Versions = []string{"v1", "v2", "v3", "v4"}

// HealthTest is the pre-traffic test case (release document format) that
// tells the healthy versions from v4.
const HealthTest = `{"name": "health", "payload": {"path": "/health"}, "expect": {"statusCode": 200, "body": "ok"}}`

// Architectures maps the Go architectures the function can be built for to
// Lambda's names for them.
var Architectures = map[string]string{"amd64": "x86_64", "arm64": "arm64"}

// Artifact builds version of examples/app for goos/goarch and returns the
// zip. The same version always gives the same bytes, so uploading it twice
// is a no-op release.
func Artifact(ctx context.Context, version, goos, goarch string) ([]byte, error) {
	if !slices.Contains(Versions, version) {
		return nil, fmt.Errorf("unknown demo version %q: want one of %v", version, Versions)
	}
	return build(ctx, "app", version, goos, goarch)
}

// ShopArtifact builds version of member ("api" or "worker") of the shop
// example (examples/shop, a group of two functions) for goos/goarch and
// returns the zip, deterministic like Artifact's; shop.Members lists the
// versions of each member.
func ShopArtifact(ctx context.Context, member, version, goos, goarch string) ([]byte, error) {
	versions, ok := shop.Members[member]
	if !ok {
		return nil, fmt.Errorf("unknown shop member %q: want api or worker", member)
	}
	if !slices.Contains(versions, version) {
		return nil, fmt.Errorf("unknown shop %s version %q: want one of %v", member, version, versions)
	}
	return build(ctx, "shop/"+member, version, goos, goarch)
}

// build builds version (main.version) of the package at examples/pkg for
// goos/goarch and zips it.
func build(ctx context.Context, pkg, version, goos, goarch string) ([]byte, error) {
	if goos != "linux" && goos != runtime.GOOS {
		return nil, fmt.Errorf("GOOS %q: Lambda functions run on linux", goos)
	}
	if _, ok := Architectures[goarch]; !ok {
		return nil, fmt.Errorf("GOARCH %q: Lambda runs amd64 (x86_64) or arm64", goarch)
	}
	src, err := sourceDir()
	if err != nil {
		return nil, err
	}
	tmp, err := os.MkdirTemp("", "greenlight-example-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(tmp)
	bin := filepath.Join(tmp, "bootstrap")
	cmd := exec.CommandContext(ctx, "go", "build", "-trimpath", "-buildvcs=false", "-tags", "lambda.norpc",
		"-ldflags", "-s -w -X main.version="+version, "-o", bin, "./"+pkg)
	cmd.Dir = src
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0", "GOOS="+goos, "GOARCH="+goarch)
	if out, err := cmd.CombinedOutput(); err != nil {
		return nil, fmt.Errorf("build examples/%s %s: %w\n%s", pkg, version, err, out)
	}
	b, err := os.ReadFile(bin)
	if err != nil {
		return nil, err
	}
	return zipBootstrap(b)
}

// BuildArtifact builds version of examples/app for goos/goarch and writes
// the zip to outZip.
func BuildArtifact(version, goos, goarch, outZip string) error {
	b, err := Artifact(context.Background(), version, goos, goarch)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(outZip), 0o755); err != nil {
		return err
	}
	return os.WriteFile(outZip, b, 0o644)
}

// sourceDir finds the examples folder: the one this package was compiled
// from, else one in the working directory or a parent of it (a binary built
// with -trimpath does not know where its source was).
func sourceDir() (string, error) {
	var candidates []string
	if _, file, _, ok := runtime.Caller(0); ok && filepath.IsAbs(file) {
		candidates = append(candidates, filepath.Dir(file))
	}
	if wd, err := os.Getwd(); err == nil {
		for dir := wd; ; dir = filepath.Dir(dir) {
			candidates = append(candidates, filepath.Join(dir, "examples"))
			if filepath.Dir(dir) == dir {
				break
			}
		}
	}
	for _, dir := range candidates {
		if _, err := os.Stat(filepath.Join(dir, "app", "main.go")); err == nil {
			return dir, nil
		}
	}
	return "", errors.New("examples/app source not found: run from a greenlight checkout")
}

// zipBootstrap zips the executable with a fixed timestamp, so that equal
// binaries give equal zips.
func zipBootstrap(bin []byte) ([]byte, error) {
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	h := &zip.FileHeader{Name: "bootstrap", Method: zip.Deflate, Modified: time.Date(1980, 1, 1, 0, 0, 0, 0, time.UTC)}
	h.SetMode(0o755)
	w, err := zw.CreateHeader(h)
	if err != nil {
		return nil, err
	}
	if _, err := w.Write(bin); err != nil {
		return nil, err
	}
	if err := zw.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}
