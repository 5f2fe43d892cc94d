package localcloud

import (
	"net/http"
	"strings"
)

// signingService returns the service named in the request's SigV4
// credential scope (AKID/DATE/REGION/SERVICE/aws4_request), from the
// Authorization header or, for presigned URLs, the X-Amz-Credential query
// parameter; "" when the request is not signed. This only routes; Cloud.authenticate
// checks signatures.
func signingService(r *http.Request) string {
	cred := ""
	if auth := r.Header.Get("Authorization"); strings.HasPrefix(auth, "AWS4-") {
		_, rest, ok := strings.Cut(auth, "Credential=")
		if !ok {
			return ""
		}
		cred, _, _ = strings.Cut(rest, ",")
	} else {
		cred = r.URL.Query().Get("X-Amz-Credential")
	}
	parts := strings.Split(strings.TrimSpace(cred), "/")
	if len(parts) != 5 || parts[4] != "aws4_request" {
		return ""
	}
	return parts[3]
}
