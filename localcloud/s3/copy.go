package s3

import (
	"encoding/xml"
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"github.com/johannesboyne/gofakes3"
)

// copyObject serves CopyObject. gofakes3 reports the source's version id as
// the copy's and ignores a versionId in the copy source, and the stack reads
// exact object versions, so the copy is done here.
func (s *Service) copyObject(w http.ResponseWriter, r *http.Request, req request) {
	srcBucket, srcKey, srcVersion, err := parseCopySource(r.Header.Get("X-Amz-Copy-Source"))
	if err != nil {
		writeError(w, r, err)
		return
	}
	src, err := s.store.GetObjectVersion(srcBucket, srcKey, srcVersion, nil)
	if err != nil {
		writeError(w, r, err)
		return
	}
	defer src.Contents.Close()
	if src.IsDeleteMarker {
		writeError(w, r, gofakes3.KeyNotFound(srcKey))
		return
	}
	meta := map[string]string{}
	switch directive := r.Header.Get("X-Amz-Metadata-Directive"); directive {
	case "", "COPY":
		for k, v := range src.Metadata {
			if !isChecksumHeader(k) {
				meta[k] = v
			}
		}
	case "REPLACE":
		for k, v := range r.Header {
			if k == "Content-Type" || k == "Content-Disposition" || k == "Content-Encoding" ||
				k == "Cache-Control" || strings.HasPrefix(k, "X-Amz-Meta-") {
				meta[k] = v[0]
			}
		}
	default:
		writeError(w, r, gofakes3.ErrorInvalidArgument("x-amz-metadata-directive", directive, "Unknown metadata directive."))
		return
	}
	now := s.opts.Clock.Now()
	meta["Last-Modified"] = now.UTC().Format(http.TimeFormat)
	res, err := s.store.PutObject(req.bucket, req.key, meta, src.Contents, src.Size, nil)
	if err != nil {
		writeError(w, r, err)
		return
	}
	if src.VersionID != "" {
		w.Header().Set("x-amz-copy-source-version-id", string(src.VersionID))
	}
	if res.VersionID != "" {
		w.Header().Set("x-amz-version-id", string(res.VersionID))
	}
	w.Header().Set("Content-Type", "application/xml")
	fmt.Fprint(w, xml.Header)
	_ = xml.NewEncoder(w).Encode(gofakes3.CopyObjectResult{
		ETag:         gofakes3.FormatETag(src.Hash),
		LastModified: gofakes3.NewContentTime(now),
	})
}

// parseCopySource splits "[/]bucket/key[?versionId=id]" (URL-encoded).
func parseCopySource(source string) (bucket, key string, version gofakes3.VersionID, err error) {
	path, query, _ := strings.Cut(source, "?")
	path, err = url.PathUnescape(strings.TrimPrefix(path, "/"))
	if err != nil {
		return "", "", "", gofakes3.ErrorInvalidArgument("x-amz-copy-source", source, "The copy source is not URL-encoded correctly.")
	}
	bucket, key, ok := strings.Cut(path, "/")
	if !ok || bucket == "" || key == "" {
		return "", "", "", gofakes3.ErrorInvalidArgument("x-amz-copy-source", source, "The copy source must be bucket/key.")
	}
	if query != "" {
		q, err := url.ParseQuery(query)
		if err != nil {
			return "", "", "", gofakes3.ErrorInvalidArgument("x-amz-copy-source", source, "The copy source query is malformed.")
		}
		if v := q.Get("versionId"); v != "" && v != "null" {
			version = gofakes3.VersionID(v)
		}
	}
	return bucket, key, version, nil
}
