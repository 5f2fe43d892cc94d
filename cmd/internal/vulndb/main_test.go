package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

const (
	stdlibEntry = `{"schema_version":"1.3.1","id":"GO-2026-0002","modified":"0001-01-01T00:00:00Z",
"aliases":["CVE-2026-2"],"details":"d","affected":[{"package":{"name":"stdlib","ecosystem":"Go"},
"ranges":[{"type":"SEMVER","events":[{"introduced":"0"},{"fixed":"1.25.12"},{"introduced":"1.26.0-0"},{"fixed":"1.26.9"}]}],
"ecosystem_specific":{"imports":[{"path":"net/http","symbols":["Server.Serve"]}]}}]}`
	moduleEntry = `{"id":"GO-2026-0001","modified":"2026-03-01T10:00:00Z","details":"d","affected":[
{"package":{"name":"example.com/a","ecosystem":"Go"},"ranges":[{"type":"SEMVER","events":[{"introduced":"0"},{"fixed":"1.2.0"}]}]},
{"package":{"name":"example.com/b","ecosystem":"Go"},"ranges":[{"type":"SEMVER","events":[{"introduced":"0"}]}]}]}`
)

func writeEntries(t *testing.T, files map[string]string) string {
	t.Helper()
	src := t.TempDir()
	for name, body := range files {
		if err := os.WriteFile(filepath.Join(src, name), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return src
}

func readFile(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestBuild(t *testing.T) {
	src := writeEntries(t, map[string]string{
		"GO-2026-0001.json": moduleEntry,
		"GO-2026-0002.json": stdlibEntry,
		"README.md":         "not an entry",
	})
	out := filepath.Join(t.TempDir(), "db")
	// A database left by an earlier build is replaced whole.
	if err := os.MkdirAll(filepath.Join(out, "ID"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(out, "ID", "GO-2020-0001.json"), []byte("{}"), 0o644); err != nil {
		t.Fatal(err)
	}

	n, err := build(src, time.Date(2026, 11, 5, 23, 49, 57, 0, time.UTC), out)
	if err != nil {
		t.Fatal(err)
	}
	if n != 2 {
		t.Errorf("entries = %d, want 2", n)
	}
	for file, want := range map[string]string{
		"index/db.json": `{"modified":"2026-11-05T23:49:57Z"}`,
		"index/modules.json": `[` +
			`{"path":"example.com/a","vulns":[{"id":"GO-2026-0001","modified":"2026-03-01T10:00:00Z","fixed":"1.2.0"}]},` +
			`{"path":"example.com/b","vulns":[{"id":"GO-2026-0001","modified":"2026-03-01T10:00:00Z"}]},` +
			`{"path":"stdlib","vulns":[{"id":"GO-2026-0002","modified":"0001-01-01T00:00:00Z","fixed":"1.26.9"}]}]`,
		"index/vulns.json": `[{"id":"GO-2026-0001","modified":"2026-03-01T10:00:00Z"},` +
			`{"id":"GO-2026-0002","modified":"0001-01-01T00:00:00Z","aliases":["CVE-2026-2"]}]`,
		"ID/GO-2026-0002.json": stdlibEntry,
	} {
		if got := readFile(t, filepath.Join(out, file)); got != want {
			t.Errorf("%s:\n got %s\nwant %s", file, got, want)
		}
	}
	ids, err := os.ReadDir(filepath.Join(out, "ID"))
	if err != nil {
		t.Fatal(err)
	}
	if len(ids) != 2 {
		t.Errorf("ID/ has %d files, want the 2 entries only", len(ids))
	}
}

func TestBuildModifiedByEntry(t *testing.T) {
	src := writeEntries(t, map[string]string{"GO-2026-0001.json": moduleEntry, "GO-2026-0002.json": stdlibEntry})
	out := filepath.Join(t.TempDir(), "build", "db")
	if _, err := build(src, time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC), out); err != nil {
		t.Fatal(err)
	}
	if got, want := readFile(t, filepath.Join(out, "index/db.json")), `{"modified":"2026-03-01T10:00:00Z"}`; got != want {
		t.Errorf("db.json = %s, want %s", got, want)
	}
}

func TestBuildRefuses(t *testing.T) {
	for name, files := range map[string]map[string]string{
		"no entries":       {"README.md": "x"},
		"no stdlib":        {"GO-2026-0001.json": moduleEntry},
		"misnamed entry":   {"GO-2026-0002.json": stdlibEntry, "GO-2026-9999.json": moduleEntry},
		"not an OSV entry": {"GO-2026-0002.json": stdlibEntry, "GO-2026-0001.json": `[1]`},
	} {
		t.Run(name, func(t *testing.T) {
			out := filepath.Join(t.TempDir(), "db")
			if _, err := build(writeEntries(t, files), time.Time{}, out); err == nil {
				t.Fatal("build succeeded")
			}
			if _, err := os.Stat(out); !os.IsNotExist(err) {
				t.Errorf("a failed build left %s (stat: %v)", out, err)
			}
			left, _ := filepath.Glob(out + ".tmp-*")
			if len(left) > 0 {
				t.Errorf("a failed build left %s", strings.Join(left, ", "))
			}
		})
	}
}

func TestLatestFixed(t *testing.T) {
	r := func(events ...[2]string) osvRange {
		var o osvRange
		o.Type = "SEMVER"
		for _, e := range events {
			o.Events = append(o.Events, osvEvent{Introduced: e[0], Fixed: e[1]})
		}
		return o
	}
	for _, c := range []struct {
		name   string
		ranges []osvRange
		want   string
	}{
		{"none", nil, ""},
		{"never fixed", []osvRange{r([2]string{"0", ""})}, ""},
		{"one fix", []osvRange{r([2]string{"0", ""}, [2]string{"", "1.2.3"})}, "1.2.3"},
		{"latest of several", []osvRange{r([2]string{"0", ""}, [2]string{"", "1.25.12"}, [2]string{"1.26.0-0", ""}, [2]string{"", "1.26.9"})}, "1.26.9"},
		{"semver order, not string order", []osvRange{r([2]string{"", "1.9.0"}, [2]string{"", "1.10.0"})}, "1.10.0"},
		{"introduced again after the fix", []osvRange{r([2]string{"0", ""}, [2]string{"", "1.2.0"}, [2]string{"1.3.0", ""})}, ""},
		{"pseudo-versions", []osvRange{r([2]string{"0.0.0-20250721152936-fe86ceb2c3fa", ""}, [2]string{"", "0.0.0-20260626085133-7cb96ac80a6d"})}, "0.0.0-20260626085133-7cb96ac80a6d"},
		{"other range types are not semver", []osvRange{{Type: "GIT"}}, ""},
	} {
		if got := latestFixed(c.ranges); got != c.want {
			t.Errorf("%s: latestFixed = %q, want %q", c.name, got, c.want)
		}
	}
}
