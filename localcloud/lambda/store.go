package lambda

import (
	"archive/zip"
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sync"

	"github.com/greenlight/greenlight/localcloud/internal/statefile"
)

// Code limits, as AWS enforces them.
const (
	maxZipSize      = 50 << 20  // zipped upload through the API
	maxUnzippedSize = 250 << 20 // unpacked deployment package
)

// store keeps function state and code zips on disk:
//
//	<dir>/functions/<name>.json   one file per function (config, versions, aliases, policy, tags)
//	<dir>/code/<sha256 hex>.zip   each distinct code package once
//
// Unpacked code lives under run, a temporary directory removed on Close.
type store struct {
	dir   string
	run   string
	limit int64 // total bytes of code packages the store accepts

	mu       sync.Mutex
	unpacked map[string]*unpack
}

type unpack struct {
	once sync.Once
	dir  string
	err  error
}

func openStore(dir, run string, limit int64) (*store, error) {
	for _, d := range []string{filepath.Join(dir, "functions"), filepath.Join(dir, "code")} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			return nil, fmt.Errorf("lambda store: %w", err)
		}
	}
	return &store{dir: dir, run: run, limit: limit, unpacked: map[string]*unpack{}}, nil
}

func (st *store) functionPath(name string) string {
	return filepath.Join(st.dir, "functions", name+".json")
}

// load reads every persisted function.
func (st *store) load() (map[string]*function, error) {
	out := map[string]*function{}
	paths, err := filepath.Glob(filepath.Join(st.dir, "functions", "*.json"))
	if err != nil {
		return nil, err
	}
	for _, p := range paths {
		var f function
		found, err := statefile.ReadJSON(p, &f)
		if err != nil {
			return nil, fmt.Errorf("lambda store: %w", err)
		}
		if found {
			out[f.Name] = &f
		}
	}
	return out, nil
}

// save writes f atomically, so a crash never leaves half a file behind.
func (st *store) save(f *function) error {
	return statefile.WriteJSON(st.functionPath(f.Name), f, 0o600)
}

// persist saves f after a change. When saving fails, undo (if not nil)
// puts back what the change replaced, so that the function in memory stays
// the one on disk. The caller holds s.mu.
func (s *Service) persist(f *function, undo func()) error {
	if err := s.store.save(f); err != nil {
		if undo != nil {
			undo()
		}
		return fmt.Errorf("persist function %s: %w", f.Name, err)
	}
	return nil
}

func (st *store) remove(name string) error {
	err := os.Remove(st.functionPath(name))
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	return err
}

// codeInfo describes a stored code package.
type codeInfo struct {
	SHA256 string // base64, as AWS reports CodeSha256
	Size   int64
}

// putCode validates a deployment package and stores it once per content.
func (st *store) putCode(zipped []byte) (codeInfo, error) {
	r, err := zip.NewReader(bytes.NewReader(zipped), int64(len(zipped)))
	if err != nil {
		return codeInfo{}, apiErr(codeInvalidParameter, "Could not unzip uploaded file. Please check your file, then try to upload again.")
	}
	var total uint64
	for _, f := range r.File {
		total += f.UncompressedSize64
	}
	if total > maxUnzippedSize {
		return codeInfo{}, apiErr(codeInvalidParameter, "Unzipped size must be smaller than %d bytes", maxUnzippedSize)
	}
	sum := sha256.Sum256(zipped)
	info := codeInfo{SHA256: base64.StdEncoding.EncodeToString(sum[:]), Size: int64(len(zipped))}
	path := st.codePath(info.SHA256)
	st.mu.Lock()
	defer st.mu.Unlock()
	if _, err := os.Stat(path); err == nil {
		return info, nil
	}
	if st.codeUsage()+info.Size > st.limit {
		return codeInfo{}, apiErr(codeStorageExceeded, "Code storage limit exceeded.")
	}
	if err := statefile.Write(path, zipped, 0o600); err != nil {
		return codeInfo{}, fmt.Errorf("store code: %w", err)
	}
	return info, nil
}

func codeKey(sha64 string) string {
	b, err := base64.StdEncoding.DecodeString(sha64)
	if err != nil {
		return hex.EncodeToString([]byte(sha64))
	}
	return hex.EncodeToString(b)
}

func (st *store) codePath(sha64 string) string {
	return filepath.Join(st.dir, "code", codeKey(sha64)+".zip")
}

// codeUsage reports how many bytes the stored packages take.
func (st *store) codeUsage() int64 {
	var n int64
	paths, _ := filepath.Glob(filepath.Join(st.dir, "code", "*.zip"))
	for _, p := range paths {
		if fi, err := os.Stat(p); err == nil {
			n += fi.Size()
		}
	}
	return n
}

// unpacked returns the directory holding the code package unzipped, doing
// the work once per package.
func (st *store) unpackedDir(sha64 string) (string, error) {
	st.mu.Lock()
	u, ok := st.unpacked[sha64]
	if !ok {
		u = &unpack{dir: filepath.Join(st.run, codeKey(sha64))}
		st.unpacked[sha64] = u
	}
	st.mu.Unlock()
	u.once.Do(func() { u.err = st.unzip(sha64, u.dir) })
	return u.dir, u.err
}

func (st *store) unzip(sha64, dest string) error {
	r, err := zip.OpenReader(st.codePath(sha64))
	if err != nil {
		return fmt.Errorf("open code package: %w", err)
	}
	defer r.Close()
	for _, f := range r.File {
		name := filepath.Clean(filepath.FromSlash(f.Name))
		if !filepath.IsLocal(name) {
			return fmt.Errorf("code package entry %q escapes the task root", f.Name)
		}
		path := filepath.Join(dest, name)
		if f.FileInfo().IsDir() {
			if err := os.MkdirAll(path, 0o755); err != nil {
				return err
			}
			continue
		}
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			return err
		}
		// Files keep the permissions the zip records, made readable as
		// Lambda makes them; the execute bit is never added, so a bootstrap
		// packaged without it fails as it does on AWS.
		mode := f.Mode().Perm() | 0o444
		if err := extract(f, path, mode); err != nil {
			return err
		}
	}
	return nil
}

func extract(f *zip.File, path string, mode os.FileMode) error {
	rc, err := f.Open()
	if err != nil {
		return err
	}
	defer rc.Close()
	out, err := os.OpenFile(path, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, mode)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, io.LimitReader(rc, maxUnzippedSize)); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}
