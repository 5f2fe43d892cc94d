// Command vulndb builds a Go vulnerability database that govulncheck reads
// with -db file://DIR, from the OSV entries that the module golang.org/x/vulndb
// ships under data/osv. The module comes through the Go module proxy, like any
// other, so `make vulncheck` needs no other server:
//
//	go run ./cmd/internal/vulndb -module golang.org/x/vulndb@v0.0.0-… -out build/vulndb/v0.0.0-…
//
// The database has the v1 layout: index/db.json (when it was last modified),
// index/modules.json (per module, its entries and the version that fixes
// each), index/vulns.json (per entry, its aliases) and ID/<id>.json, each
// entry as the module ships it. The entries in data/osv carry no modification
// time, so the database's is the time of the x/vulndb commit.
package main

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"golang.org/x/mod/semver"
)

func main() {
	module := flag.String("module", "", "the golang.org/x/vulndb module to build from, as path@version")
	out := flag.String("out", "", "the folder to write the database to (replaced whole)")
	flag.Parse()
	if *module == "" || *out == "" || flag.NArg() > 0 {
		fmt.Fprintln(os.Stderr, "usage: vulndb -module golang.org/x/vulndb@VERSION -out DIR")
		os.Exit(2)
	}
	dir, modified, err := download(*module)
	if err != nil {
		fmt.Fprintln(os.Stderr, "vulndb:", err)
		os.Exit(1)
	}
	n, err := build(filepath.Join(dir, "data", "osv"), modified, *out)
	if err != nil {
		fmt.Fprintln(os.Stderr, "vulndb:", err)
		os.Exit(1)
	}
	fmt.Printf("vulndb: entries=%d modified=%s from %s into %s\n", n, modified.Format(time.RFC3339), *module, *out)
}

// download fetches module (path@version) into the module cache, checked
// against the Go checksum database like every module, and returns its
// folder and the time of its commit.
func download(module string) (dir string, modified time.Time, err error) {
	cmd := exec.Command("go", "mod", "download", "-json", module)
	// Outside any module, so that no go.mod, go.sum or go.work is touched
	// and no -mod flag of GOFLAGS applies.
	cmd.Dir = os.TempDir()
	cmd.Env = append(os.Environ(), "GOWORK=off", "GOFLAGS=")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	stdout, runErr := cmd.Output()
	var m struct{ Dir, Info, Error string }
	if err := json.Unmarshal(stdout, &m); err != nil || m.Error != "" || runErr != nil {
		return "", time.Time{}, fmt.Errorf("go mod download %s: %s%s%v", module, m.Error, stderr.String(), runErr)
	}
	b, err := os.ReadFile(m.Info)
	if err != nil {
		return "", time.Time{}, err
	}
	var info struct{ Time time.Time }
	if err := json.Unmarshal(b, &info); err != nil {
		return "", time.Time{}, fmt.Errorf("%s: %w", m.Info, err)
	}
	return m.Dir, info.Time, nil
}

// entry is the part of an OSV entry that the indexes need.
type entry struct {
	ID       string    `json:"id"`
	Modified time.Time `json:"modified"`
	Aliases  []string  `json:"aliases,omitempty"`
	Affected []struct {
		Package struct {
			Name string `json:"name"`
		} `json:"package"`
		Ranges []osvRange `json:"ranges"`
	} `json:"affected"`
}

type osvRange struct {
	Type   string     `json:"type"`
	Events []osvEvent `json:"events"`
}

type osvEvent struct {
	Introduced string `json:"introduced"`
	Fixed      string `json:"fixed"`
}

// dbMeta, module, moduleVuln and vuln are the index files' records.
type dbMeta struct {
	Modified time.Time `json:"modified"`
}

type module struct {
	Path  string       `json:"path"`
	Vulns []moduleVuln `json:"vulns"`
}

type moduleVuln struct {
	ID       string    `json:"id"`
	Modified time.Time `json:"modified"`
	Fixed    string    `json:"fixed,omitempty"`
}

type vuln struct {
	ID       string    `json:"id"`
	Modified time.Time `json:"modified"`
	Aliases  []string  `json:"aliases,omitempty"`
}

// build writes the database of the OSV entries (<id>.json) in src to out,
// which it replaces whole once everything is written, and returns the number
// of entries. The database is modified at the latest of modified and the
// entries' own times. It fails on an entry it cannot read, and when there are
// no entries or none for the standard library, so that a wrong folder never
// passes for a database that knows no vulnerabilities.
func build(src string, modified time.Time, out string) (int, error) {
	files, err := filepath.Glob(filepath.Join(src, "*.json"))
	if err != nil {
		return 0, err
	}
	if err := os.MkdirAll(filepath.Dir(out), 0o755); err != nil {
		return 0, err
	}
	tmp, err := os.MkdirTemp(filepath.Dir(out), filepath.Base(out)+".tmp-")
	if err != nil {
		return 0, err
	}
	defer os.RemoveAll(tmp)
	for _, d := range []string{"index", "ID"} {
		if err := os.Mkdir(filepath.Join(tmp, d), 0o755); err != nil {
			return 0, err
		}
	}

	meta := dbMeta{Modified: modified.UTC()}
	modules := map[string]*module{}
	var vulns []vuln
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			return 0, err
		}
		var e entry
		if err := json.Unmarshal(b, &e); err != nil {
			return 0, fmt.Errorf("%s: %w", f, err)
		}
		if e.ID == "" || filepath.Base(f) != e.ID+".json" {
			return 0, fmt.Errorf("%s: the entry's id is %q: want the file named <id>.json", f, e.ID)
		}
		if e.Modified.After(meta.Modified) {
			meta.Modified = e.Modified
		}
		vulns = append(vulns, vuln{ID: e.ID, Modified: e.Modified, Aliases: e.Aliases})
		for _, a := range e.Affected {
			m := modules[a.Package.Name]
			if m == nil {
				m = &module{Path: a.Package.Name, Vulns: []moduleVuln{}}
				modules[a.Package.Name] = m
			}
			m.Vulns = append(m.Vulns, moduleVuln{ID: e.ID, Modified: e.Modified, Fixed: latestFixed(a.Ranges)})
		}
		if err := os.WriteFile(filepath.Join(tmp, "ID", e.ID+".json"), b, 0o644); err != nil {
			return 0, err
		}
	}
	if len(vulns) == 0 {
		return 0, fmt.Errorf("%s: no OSV entries (<id>.json)", src)
	}
	if modules["stdlib"] == nil {
		return 0, fmt.Errorf("%s: no entry for the standard library (module stdlib)", src)
	}

	index := make([]*module, 0, len(modules))
	for _, m := range modules {
		slices.SortStableFunc(m.Vulns, func(a, b moduleVuln) int { return strings.Compare(a.ID, b.ID) })
		index = append(index, m)
	}
	slices.SortFunc(index, func(a, b *module) int { return strings.Compare(a.Path, b.Path) })
	slices.SortFunc(vulns, func(a, b vuln) int { return strings.Compare(a.ID, b.ID) })
	for name, v := range map[string]any{"db.json": meta, "modules.json": index, "vulns.json": vulns} {
		b, err := json.Marshal(v)
		if err != nil {
			return 0, err
		}
		if err := os.WriteFile(filepath.Join(tmp, "index", name), b, 0o644); err != nil {
			return 0, err
		}
	}

	if err := os.RemoveAll(out); err != nil {
		return 0, err
	}
	if err := os.Rename(tmp, out); err != nil {
		return 0, err
	}
	return len(vulns), nil
}

// latestFixed is the version from which no version is affected any more, as
// the index's "fixed" wants it: the latest SEMVER fix, or "" when the entry
// was introduced again after it (or was never fixed), so that a client reads
// the entry itself for every version. The versions are the OSV form, without
// the "v" of Go's semantic versions.
func latestFixed(ranges []osvRange) string {
	less := func(a, b string) bool { return semver.Compare(goSemver(a), goSemver(b)) < 0 }
	var latest string
	for _, r := range ranges {
		if r.Type != "SEMVER" {
			continue
		}
		for _, e := range r.Events {
			if e.Fixed != "" && less(latest, e.Fixed) {
				latest = e.Fixed
			}
		}
		for _, e := range r.Events {
			if e.Introduced != "" && e.Introduced != "0" && less(latest, e.Introduced) {
				latest = ""
				break
			}
		}
	}
	return latest
}

// goSemver turns an OSV version ("1.26.9") into Go's form ("v1.26.9").
func goSemver(v string) string {
	if v == "" {
		return ""
	}
	return "v" + strings.TrimPrefix(v, "v")
}
