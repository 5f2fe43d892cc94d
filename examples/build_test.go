package examples

import (
	"archive/zip"
	"bytes"
	"context"
	"os"
	"path/filepath"
	"runtime"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestBuildArtifact(t *testing.T) {
	out := filepath.Join(t.TempDir(), "v1.zip")
	require.NoError(t, BuildArtifact("v1", "linux", runtime.GOARCH, out))
	b, err := os.ReadFile(out)
	require.NoError(t, err)
	zr, err := zip.NewReader(bytes.NewReader(b), int64(len(b)))
	require.NoError(t, err)
	require.Len(t, zr.File, 1)
	assert.Equal(t, "bootstrap", zr.File[0].Name)
	assert.EqualValues(t, 0o755, zr.File[0].Mode().Perm())
	assert.Greater(t, zr.File[0].UncompressedSize64, uint64(1<<20), "a Go binary")

	again, err := Artifact(context.Background(), "v1", "linux", runtime.GOARCH)
	require.NoError(t, err)
	assert.Equal(t, b, again, "the same version builds to the same bytes")
	v2, err := Artifact(context.Background(), "v2", "linux", runtime.GOARCH)
	require.NoError(t, err)
	assert.NotEqual(t, b, v2)
}

func TestArtifactRejectsBadInput(t *testing.T) {
	tests := []struct{ version, goos, goarch, want string }{
		{"v9", "linux", "amd64", `unknown demo version "v9"`},
		{"v1", "windows", "amd64", `GOOS "windows"`},
		{"v1", "linux", "386", `GOARCH "386"`},
	}
	for _, tt := range tests {
		_, err := Artifact(context.Background(), tt.version, tt.goos, tt.goarch)
		assert.ErrorContains(t, err, tt.want)
	}
}
