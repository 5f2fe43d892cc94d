package s3

import (
	"bytes"
	"crypto/md5"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/johannesboyne/gofakes3"

	"github.com/greenlight/greenlight/localcloud/clock"
	"github.com/greenlight/greenlight/localcloud/internal/statefile"
)

// backend is the gofakes3 storage: buckets, object versions and the bucket
// configuration documents gofakes3 does not know about. With a directory it
// keeps its index in state.json and each version's bytes in blobs/, so a
// restart loses nothing; without one it lives in memory.
type backend struct {
	clock clock.Clock
	dir   string

	mu      sync.RWMutex
	buckets map[string]*bucket
	blobs   map[string][]byte // version bytes when dir is empty
}

var (
	_ gofakes3.Backend          = (*backend)(nil)
	_ gofakes3.VersionedBackend = (*backend)(nil)
)

type bucket struct {
	Created    time.Time                   `json:"created"`
	Versioning gofakes3.VersioningStatus   `json:"versioning,omitempty"`
	Config     map[string][]byte           `json:"config,omitempty"` // subresource name -> document
	Objects    map[string][]*objectVersion `json:"objects"`          // key -> versions, oldest first
}

type objectVersion struct {
	ID           gofakes3.VersionID `json:"id"` // "null" outside versioning
	Size         int64              `json:"size"`
	MD5          string             `json:"md5,omitempty"`
	Meta         map[string]string  `json:"meta,omitempty"`
	Modified     time.Time          `json:"modified"`
	DeleteMarker bool               `json:"deleteMarker,omitempty"`
	Blob         string             `json:"blob,omitempty"`
}

// nullVersion is the version id S3 gives objects written while versioning
// is not enabled.
const nullVersion gofakes3.VersionID = "null"

func newBackend(dir string, c clock.Clock) (*backend, error) {
	b := &backend{clock: c, dir: dir, buckets: map[string]*bucket{}, blobs: map[string][]byte{}}
	if dir == "" {
		return b, nil
	}
	if err := os.MkdirAll(filepath.Join(dir, "blobs"), 0o755); err != nil {
		return nil, fmt.Errorf("s3 state directory: %w", err)
	}
	if _, err := statefile.ReadJSON(b.statePath(), &b.buckets); err != nil {
		return nil, fmt.Errorf("read s3 state: %w", err)
	}
	return b, nil
}

func (b *backend) statePath() string { return filepath.Join(b.dir, "state.json") }

// saveLocked writes the index; the caller holds b.mu.
func (b *backend) saveLocked() error {
	if b.dir == "" {
		return nil
	}
	if err := statefile.WriteJSON(b.statePath(), b.buckets, 0o644); err != nil {
		return fmt.Errorf("write s3 state: %w", err)
	}
	return nil
}

func (b *backend) writeBlob(data []byte) (string, error) {
	id := newID()
	if b.dir == "" {
		b.blobs[id] = data
		return id, nil
	}
	if err := os.WriteFile(filepath.Join(b.dir, "blobs", id), data, 0o644); err != nil {
		return "", fmt.Errorf("write object data: %w", err)
	}
	return id, nil
}

func (b *backend) readBlob(id string) ([]byte, error) {
	if b.dir == "" {
		return b.blobs[id], nil
	}
	data, err := os.ReadFile(filepath.Join(b.dir, "blobs", id))
	if err != nil {
		return nil, fmt.Errorf("read object data: %w", err)
	}
	return data, nil
}

func (b *backend) dropBlob(id string) {
	if id == "" {
		return
	}
	if b.dir == "" {
		delete(b.blobs, id)
		return
	}
	// A blob left behind only wastes space; the index no longer names it.
	_ = os.Remove(filepath.Join(b.dir, "blobs", id))
}

// newID returns a random URL-safe identifier, used for version ids and blobs.
func newID() string {
	var buf [24]byte
	if _, err := rand.Read(buf[:]); err != nil {
		panic(err) // crypto/rand never fails on supported platforms
	}
	return base64.RawURLEncoding.EncodeToString(buf[:])
}

func (b *backend) bucketLocked(name string) (*bucket, error) {
	bk := b.buckets[name]
	if bk == nil {
		return nil, gofakes3.BucketNotFound(name)
	}
	return bk, nil
}

// latest returns the current version of key, nil when there is none.
func (bk *bucket) latest(key string) *objectVersion {
	vs := bk.Objects[key]
	if len(vs) == 0 {
		return nil
	}
	return vs[len(vs)-1]
}

func (bk *bucket) sortedKeys() []string {
	keys := make([]string, 0, len(bk.Objects))
	for k := range bk.Objects {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

func (bk *bucket) responseVersion(v *objectVersion) gofakes3.VersionID {
	if bk.Versioning == "" {
		return ""
	}
	return v.ID
}

func (b *backend) ListBuckets() ([]gofakes3.BucketInfo, error) {
	b.mu.RLock()
	defer b.mu.RUnlock()
	out := make([]gofakes3.BucketInfo, 0, len(b.buckets))
	for name, bk := range b.buckets {
		out = append(out, gofakes3.BucketInfo{Name: name, CreationDate: gofakes3.NewContentTime(bk.Created)})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out, nil
}

func (b *backend) ListBucket(name string, prefix *gofakes3.Prefix, page gofakes3.ListBucketPage) (*gofakes3.ObjectList, error) {
	if prefix == nil {
		prefix = &gofakes3.Prefix{}
	}
	b.mu.RLock()
	defer b.mu.RUnlock()
	bk, err := b.bucketLocked(name)
	if err != nil {
		return nil, err
	}
	list := gofakes3.NewObjectList()
	var match gofakes3.PrefixMatch
	var count int64
	lastPrefix := ""
	keys := bk.sortedKeys()
	for i, key := range keys {
		if page.Marker != "" && key <= page.Marker {
			continue
		}
		v := bk.latest(key)
		if v == nil || v.DeleteMarker || !prefix.Match(key, &match) {
			continue
		}
		if match.CommonPrefix {
			if match.MatchedPart == lastPrefix {
				continue
			}
			list.AddPrefix(match.MatchedPart)
			lastPrefix = match.MatchedPart
		} else {
			list.Add(&gofakes3.Content{
				Key:          key,
				LastModified: gofakes3.NewContentTime(v.Modified),
				ETag:         `"` + v.MD5 + `"`,
				Size:         v.Size,
				StorageClass: gofakes3.StorageStandard,
			})
		}
		count++
		if page.MaxKeys > 0 && count >= page.MaxKeys {
			list.NextMarker = key
			list.IsTruncated = i < len(keys)-1
			break
		}
	}
	return list, nil
}

func (b *backend) CreateBucket(name string) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.buckets[name] != nil {
		return gofakes3.ResourceError(gofakes3.ErrBucketAlreadyExists, name)
	}
	b.buckets[name] = &bucket{Created: b.clock.Now().UTC(), Objects: map[string][]*objectVersion{}}
	return b.saveLocked()
}

func (b *backend) BucketExists(name string) (bool, error) {
	b.mu.RLock()
	defer b.mu.RUnlock()
	return b.buckets[name] != nil, nil
}

func (b *backend) DeleteBucket(name string) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	bk, err := b.bucketLocked(name)
	if err != nil {
		return err
	}
	if len(bk.Objects) > 0 {
		return gofakes3.ResourceError(gofakes3.ErrBucketNotEmpty, name)
	}
	delete(b.buckets, name)
	return b.saveLocked()
}

func (b *backend) ForceDeleteBucket(name string) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	bk, err := b.bucketLocked(name)
	if err != nil {
		return err
	}
	for _, vs := range bk.Objects {
		for _, v := range vs {
			b.dropBlob(v.Blob)
		}
	}
	delete(b.buckets, name)
	return b.saveLocked()
}

func (b *backend) HeadObject(bucketName, key string) (*gofakes3.Object, error) {
	return b.object(bucketName, key, "", nil, false)
}

func (b *backend) GetObject(bucketName, key string, rng *gofakes3.ObjectRangeRequest) (*gofakes3.Object, error) {
	return b.object(bucketName, key, "", rng, true)
}

func (b *backend) HeadObjectVersion(bucketName, key string, id gofakes3.VersionID) (*gofakes3.Object, error) {
	return b.object(bucketName, key, id, nil, false)
}

func (b *backend) GetObjectVersion(bucketName, key string, id gofakes3.VersionID, rng *gofakes3.ObjectRangeRequest) (*gofakes3.Object, error) {
	return b.object(bucketName, key, id, rng, true)
}

// object finds the latest version of key (id empty) or the given version.
func (b *backend) object(bucketName, key string, id gofakes3.VersionID, rng *gofakes3.ObjectRangeRequest, withBody bool) (*gofakes3.Object, error) {
	b.mu.RLock()
	defer b.mu.RUnlock()
	bk, err := b.bucketLocked(bucketName)
	if err != nil {
		return nil, err
	}
	var v *objectVersion
	if id == "" {
		v = bk.latest(key)
		if v == nil || v.DeleteMarker {
			return nil, gofakes3.KeyNotFound(key)
		}
	} else {
		for _, cand := range bk.Objects[key] {
			if cand.ID == id {
				v = cand
			}
		}
		if v == nil {
			return nil, gofakes3.ResourceError(gofakes3.ErrNoSuchVersion, string(id))
		}
	}
	hash, _ := hex.DecodeString(v.MD5)
	obj := &gofakes3.Object{
		Name:           key,
		Metadata:       copyMeta(v.Meta),
		Size:           v.Size,
		Hash:           hash,
		VersionID:      bk.responseVersion(v),
		IsDeleteMarker: v.DeleteMarker,
		Contents:       io.NopCloser(bytes.NewReader(nil)),
	}
	if !withBody || v.DeleteMarker {
		return obj, nil
	}
	data, err := b.readBlob(v.Blob)
	if err != nil {
		return nil, err
	}
	rnge, err := rng.Range(v.Size)
	if err != nil {
		return nil, err
	}
	if rnge != nil {
		data = data[rnge.Start : rnge.Start+rnge.Length]
	}
	obj.Range = rnge
	obj.Contents = io.NopCloser(bytes.NewReader(data))
	return obj, nil
}

func copyMeta(m map[string]string) map[string]string {
	out := make(map[string]string, len(m))
	for k, v := range m {
		out[k] = v
	}
	return out
}

// PutObject stores a new version. The put conditions are checked under the
// same lock that installs the version, so two conditional writers of one key
// cannot both win.
func (b *backend) PutObject(bucketName, key string, meta map[string]string, input io.Reader, size int64, cond *gofakes3.PutConditions) (gofakes3.PutObjectResult, error) {
	var result gofakes3.PutObjectResult
	data, err := gofakes3.ReadAll(input, size)
	if err != nil {
		return result, err
	}
	if err := verifyChecksums(meta, data); err != nil {
		return result, err
	}
	sum := md5.Sum(data)

	b.mu.Lock()
	defer b.mu.Unlock()
	bk, err := b.bucketLocked(bucketName)
	if err != nil {
		return result, err
	}
	if cond != nil {
		info := &gofakes3.ConditionalObjectInfo{}
		if cur := bk.latest(key); cur != nil && !cur.DeleteMarker {
			info.Exists = true
			info.Hash, _ = hex.DecodeString(cur.MD5)
		}
		if err := gofakes3.CheckPutConditions(cond, info); err != nil {
			return result, err
		}
	}
	blob, err := b.writeBlob(data)
	if err != nil {
		return result, err
	}
	v := &objectVersion{
		Size:     int64(len(data)),
		MD5:      hex.EncodeToString(sum[:]),
		Meta:     meta,
		Modified: b.clock.Now().UTC(),
		Blob:     blob,
	}
	b.addVersionLocked(bk, key, v)
	if err := b.saveLocked(); err != nil {
		return result, err
	}
	result.VersionID = bk.responseVersion(v)
	return result, nil
}

// addVersionLocked makes v the current version of key: a new version when
// versioning is enabled, else the replacement of the "null" version.
func (b *backend) addVersionLocked(bk *bucket, key string, v *objectVersion) {
	if bk.Versioning == gofakes3.VersioningEnabled {
		v.ID = gofakes3.VersionID(newID())
		bk.Objects[key] = append(bk.Objects[key], v)
		return
	}
	v.ID = nullVersion
	kept := bk.Objects[key][:0]
	for _, old := range bk.Objects[key] {
		if old.ID == nullVersion {
			b.dropBlob(old.Blob)
			continue
		}
		kept = append(kept, old)
	}
	bk.Objects[key] = append(kept, v)
}

func (b *backend) CopyObject(srcBucket, srcKey, dstBucket, dstKey string, meta map[string]string) (gofakes3.CopyObjectResult, error) {
	src, err := b.GetObject(srcBucket, srcKey, nil)
	if err != nil {
		return gofakes3.CopyObjectResult{}, err
	}
	defer src.Contents.Close()
	for k := range meta {
		// The copy's checksum is recomputed from its bytes; the copy
		// directives describe the request, not the object.
		if isChecksumHeader(k) || strings.HasPrefix(k, "X-Amz-Copy-Source") || k == "X-Amz-Metadata-Directive" {
			delete(meta, k)
		}
	}
	if _, err := b.PutObject(dstBucket, dstKey, meta, src.Contents, src.Size, nil); err != nil {
		return gofakes3.CopyObjectResult{}, err
	}
	return gofakes3.CopyObjectResult{
		ETag:         gofakes3.FormatETag(src.Hash),
		LastModified: gofakes3.NewContentTime(b.clock.Now()),
	}, nil
}

func (b *backend) DeleteObject(bucketName, key string) (gofakes3.ObjectDeleteResult, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	bk, err := b.bucketLocked(bucketName)
	if err != nil {
		return gofakes3.ObjectDeleteResult{}, err
	}
	res := b.deleteLocked(bk, key)
	return res, b.saveLocked()
}

// deleteLocked deletes key the way S3 does: a delete marker when versioning
// is enabled, else the removal of the "null" version.
func (b *backend) deleteLocked(bk *bucket, key string) gofakes3.ObjectDeleteResult {
	if bk.Versioning == gofakes3.VersioningEnabled {
		if len(bk.Objects[key]) == 0 {
			return gofakes3.ObjectDeleteResult{}
		}
		m := &objectVersion{DeleteMarker: true, Modified: b.clock.Now().UTC()}
		b.addVersionLocked(bk, key, m)
		return gofakes3.ObjectDeleteResult{IsDeleteMarker: true, VersionID: m.ID}
	}
	b.removeVersionLocked(bk, key, nullVersion)
	return gofakes3.ObjectDeleteResult{}
}

func (b *backend) removeVersionLocked(bk *bucket, key string, id gofakes3.VersionID) (removed *objectVersion) {
	kept := bk.Objects[key][:0]
	for _, v := range bk.Objects[key] {
		if v.ID == id {
			removed = v
			b.dropBlob(v.Blob)
			continue
		}
		kept = append(kept, v)
	}
	if len(kept) == 0 {
		delete(bk.Objects, key)
	} else {
		bk.Objects[key] = kept
	}
	return removed
}

func (b *backend) DeleteObjectVersion(bucketName, key string, id gofakes3.VersionID) (gofakes3.ObjectDeleteResult, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	bk, err := b.bucketLocked(bucketName)
	if err != nil {
		return gofakes3.ObjectDeleteResult{}, err
	}
	res := gofakes3.ObjectDeleteResult{VersionID: id}
	if v := b.removeVersionLocked(bk, key, id); v != nil {
		res.IsDeleteMarker = v.DeleteMarker
	}
	return res, b.saveLocked()
}

func (b *backend) DeleteMulti(bucketName string, keys ...string) (gofakes3.MultiDeleteResult, error) {
	ids := make([]gofakes3.ObjectID, len(keys))
	for i, k := range keys {
		ids[i] = gofakes3.ObjectID{Key: k}
	}
	return b.DeleteMultiVersions(bucketName, ids...)
}

func (b *backend) DeleteMultiVersions(bucketName string, objects ...gofakes3.ObjectID) (gofakes3.MultiDeleteResult, error) {
	var result gofakes3.MultiDeleteResult
	b.mu.Lock()
	defer b.mu.Unlock()
	bk, err := b.bucketLocked(bucketName)
	if err != nil {
		return result, err
	}
	for _, o := range objects {
		if o.VersionID != "" {
			b.removeVersionLocked(bk, o.Key, gofakes3.VersionID(o.VersionID))
		} else {
			b.deleteLocked(bk, o.Key)
		}
		result.Deleted = append(result.Deleted, o)
	}
	return result, b.saveLocked()
}

func (b *backend) VersioningConfiguration(bucketName string) (gofakes3.VersioningConfiguration, error) {
	b.mu.RLock()
	defer b.mu.RUnlock()
	bk, err := b.bucketLocked(bucketName)
	if err != nil {
		return gofakes3.VersioningConfiguration{}, err
	}
	return gofakes3.VersioningConfiguration{Status: bk.Versioning}, nil
}

func (b *backend) SetVersioningConfiguration(bucketName string, v gofakes3.VersioningConfiguration) error {
	if v.MFADelete.Enabled() {
		return gofakes3.ErrorMessage(gofakes3.ErrNotImplemented, "MFA delete is not supported")
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	bk, err := b.bucketLocked(bucketName)
	if err != nil {
		return err
	}
	if v.Status == "" {
		return nil
	}
	bk.Versioning = v.Status
	return b.saveLocked()
}

func (b *backend) ListBucketVersions(bucketName string, prefix *gofakes3.Prefix, page *gofakes3.ListBucketVersionsPage) (*gofakes3.ListBucketVersionsResult, error) {
	if prefix == nil {
		prefix = &gofakes3.Prefix{}
	}
	if page == nil {
		page = &gofakes3.ListBucketVersionsPage{}
	}
	b.mu.RLock()
	defer b.mu.RUnlock()
	result := gofakes3.NewListBucketVersionsResult(bucketName, prefix, page)
	bk, err := b.bucketLocked(bucketName)
	if err != nil {
		return result, err
	}
	var match gofakes3.PrefixMatch
	var count int64
	skipping := page.VersionIDMarker != ""
	var lastKey string
	var lastID gofakes3.VersionID
	for _, key := range bk.sortedKeys() {
		if page.KeyMarker != "" && (key < page.KeyMarker || key == page.KeyMarker && !skipping) {
			continue
		}
		if !prefix.Match(key, &match) {
			continue
		}
		if match.CommonPrefix {
			result.AddPrefix(match.MatchedPart)
			continue
		}
		vs := bk.Objects[key]
		for i := len(vs) - 1; i >= 0; i-- { // newest first, as S3 lists them
			v := vs[i]
			if skipping {
				if key == page.KeyMarker && v.ID == page.VersionIDMarker {
					skipping = false
				}
				continue
			}
			if page.MaxKeys > 0 && count >= page.MaxKeys {
				result.IsTruncated = true
				result.NextKeyMarker = lastKey
				result.NextVersionIDMarker = lastID
				return result, nil
			}
			count++
			lastKey, lastID = key, v.ID
			latest := i == len(vs)-1
			if v.DeleteMarker {
				result.Versions = append(result.Versions, &gofakes3.DeleteMarker{
					Key: key, VersionID: v.ID, IsLatest: latest, LastModified: gofakes3.NewContentTime(v.Modified),
				})
				continue
			}
			result.Versions = append(result.Versions, &gofakes3.Version{
				Key: key, VersionID: v.ID, IsLatest: latest, LastModified: gofakes3.NewContentTime(v.Modified),
				Size: v.Size, ETag: `"` + v.MD5 + `"`, StorageClass: gofakes3.StorageStandard,
			})
		}
	}
	return result, nil
}

// config returns a stored bucket configuration document.
func (b *backend) config(bucketName, name string) ([]byte, bool, error) {
	b.mu.RLock()
	defer b.mu.RUnlock()
	bk, err := b.bucketLocked(bucketName)
	if err != nil {
		return nil, false, err
	}
	doc, ok := bk.Config[name]
	return doc, ok, nil
}

// setConfig stores a bucket configuration document; nil removes it.
func (b *backend) setConfig(bucketName, name string, doc []byte) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	bk, err := b.bucketLocked(bucketName)
	if err != nil {
		return err
	}
	if doc == nil {
		delete(bk.Config, name)
	} else {
		if bk.Config == nil {
			bk.Config = map[string][]byte{}
		}
		bk.Config[name] = doc
	}
	return b.saveLocked()
}

// deleteIfMatch deletes key only while its current ETag is etag ("*" is any
// ETag), as S3's conditional DeleteObject does; the check and the delete
// happen under one lock.
func (b *backend) deleteIfMatch(bucketName, key, etag string) (gofakes3.ObjectDeleteResult, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	bk, err := b.bucketLocked(bucketName)
	if err != nil {
		return gofakes3.ObjectDeleteResult{}, err
	}
	cur := bk.latest(key)
	if cur == nil || cur.DeleteMarker {
		return gofakes3.ObjectDeleteResult{}, gofakes3.KeyNotFound(key)
	}
	if etag != "*" && strings.Trim(etag, `"`) != cur.MD5 {
		return gofakes3.ObjectDeleteResult{}, gofakes3.ErrorMessage(gofakes3.ErrPreconditionFailed, "The ETag does not match")
	}
	res := b.deleteLocked(bk, key)
	return res, b.saveLocked()
}
