// Package releasetest loads release documents for the functions' tests.
package releasetest

import (
	"encoding/json"
	"os"
	"testing"

	"github.com/greenlight/greenlight/internal/release"
)

// Load reads testdata/release.json of the calling test's package: the
// release document a task receives from the one before it.
func Load(t testing.TB) *release.Document {
	t.Helper()
	b, err := os.ReadFile("testdata/release.json")
	if err != nil {
		t.Fatal(err)
	}
	var d release.Document
	if err := json.Unmarshal(b, &d); err != nil {
		t.Fatalf("testdata/release.json: %v", err)
	}
	return &d
}
