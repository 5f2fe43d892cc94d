package cfn

import (
	"archive/zip"
	"bytes"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// zipEpoch is the modification time written into every zip entry, so that
// the same folder always zips to the same bytes (and the same CodeSha256).
var zipEpoch = time.Date(1980, 1, 1, 0, 0, 0, 0, time.UTC)

// zipDir zips the files under dir, keeping their permission bits (a
// bootstrap must stay executable).
func zipDir(dir string) ([]byte, error) {
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		if !info.Mode().IsRegular() {
			return fmt.Errorf("%s is not a regular file", path)
		}
		rel, err := filepath.Rel(dir, path)
		if err != nil {
			return err
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		return addFile(zw, filepath.ToSlash(rel), info.Mode().Perm(), b)
	})
	if err != nil {
		return nil, fmt.Errorf("zip %s: %w", dir, err)
	}
	if err := zw.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// zipInline zips a Code.ZipFile source under the file name CloudFormation
// uses for the runtime.
func zipInline(runtime, source string) ([]byte, error) {
	name := "index"
	switch {
	case strings.HasPrefix(runtime, "python"):
		name = "index.py"
	case strings.HasPrefix(runtime, "nodejs"):
		name = "index.js"
	}
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	if err := addFile(zw, name, 0o755, []byte(source)); err != nil {
		return nil, err
	}
	if err := zw.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

func addFile(zw *zip.Writer, name string, perm fs.FileMode, b []byte) error {
	h := &zip.FileHeader{Name: name, Method: zip.Deflate, Modified: zipEpoch}
	h.SetMode(perm)
	w, err := zw.CreateHeader(h)
	if err != nil {
		return err
	}
	_, err = w.Write(b)
	return err
}
