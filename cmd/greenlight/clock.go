package main

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"time"
)

// clockPath is the local cloud's control endpoint that tells its clock.
const clockPath = "/_greenlight/clock"

// clockState is the answer of the clock endpoint.
type clockState struct {
	Scale float64   `json:"scale"`
	Now   time.Time `json:"now"`
}

// cloudClock asks a local cloud for its clock, so that elapsed times and
// countdowns follow its accelerated time as the executions' timestamps do.
// It returns nil for real AWS or any endpoint without the control API: the
// wall clock is right there.
func cloudClock(ctx context.Context, client *http.Client, endpoint string) func() time.Time {
	ctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, strings.TrimSuffix(endpoint, "/")+clockPath, nil)
	if err != nil {
		return nil
	}
	resp, err := client.Do(req)
	if err != nil {
		return nil
	}
	defer resp.Body.Close()
	var st clockState
	if resp.StatusCode != http.StatusOK || json.NewDecoder(resp.Body).Decode(&st) != nil || st.Now.IsZero() || st.Scale < 1 {
		return nil
	}
	asked := time.Now()
	return func() time.Time {
		return st.Now.Add(time.Duration(float64(time.Since(asked)) * st.Scale))
	}
}
