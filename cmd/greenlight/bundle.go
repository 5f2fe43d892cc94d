package main

import (
	"archive/zip"
	"bytes"
	"fmt"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/greenlight/greenlight/internal/release"
)

// memberZip is one --artifact FN=path of a group release: a member
// function and the deployment package it gets.
type memberZip struct {
	function string
	path     string
	body     []byte
}

// readMembers reads the --artifact FN=path flags of a group release, sorted
// by function. Every package must be a zip archive that can be read: the
// bundle carries it to Lambda as it is.
func readMembers(flags []string) ([]memberZip, error) {
	members := make([]memberZip, 0, len(flags))
	for _, flag := range flags {
		fn, path, ok := strings.Cut(flag, "=")
		switch {
		case !ok:
			return nil, usagef("--artifact %q: with --group, give FN=path (the member function and its zip)", flag)
		case !release.IsFunctionName(fn):
			return nil, usagef("--artifact %q: %q is not a Lambda function name (letters, digits, - and _, up to 64)", flag, fn)
		case path == "":
			return nil, usagef("--artifact %q: give the path of %s's zip after the =", flag, fn)
		case slices.ContainsFunc(members, func(m memberZip) bool { return m.function == fn }):
			return nil, usagef("--artifact: %s is given twice; a bundle holds one zip per member", fn)
		}
		body, err := os.ReadFile(path)
		if err != nil {
			return nil, usagef("--artifact %s: %v", fn, err)
		}
		if err := checkZip(flag, body); err != nil {
			return nil, err
		}
		if _, err := zip.NewReader(bytes.NewReader(body), int64(len(body))); err != nil {
			return nil, usagef("--artifact %s is not a readable zip archive: %v", flag, err)
		}
		members = append(members, memberZip{function: fn, path: path, body: body})
	}
	if len(members) > release.MaxMembers {
		return nil, usagef("--artifact: %d members, a group release takes at most %d", len(members), release.MaxMembers)
	}
	slices.SortFunc(members, func(a, b memberZip) int { return strings.Compare(a.function, b.function) })
	return members, nil
}

// bundleTime is the modification time of every entry of a bundle. A fixed
// time makes the bundle a function of its members alone, so that the same
// packages give the same bytes, and the same hash in the default build id.
var bundleTime = time.Date(1980, 1, 1, 0, 0, 0, 0, time.UTC)

// buildBundle writes the bundle of a group release: one entry <function>.zip
// per member, in the order given, each holding the member's package as it
// is. The entries are stored, not compressed: a zip compresses no further,
// and the deployer reads a stored member out of the bundle without
// inflating it.
func buildBundle(members []memberZip) ([]byte, error) {
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, m := range members {
		w, err := zw.CreateHeader(&zip.FileHeader{Name: m.function + ".zip", Method: zip.Store, Modified: bundleTime})
		if err != nil {
			return nil, fmt.Errorf("bundle %s: %w", m.function, err)
		}
		if _, err := w.Write(m.body); err != nil {
			return nil, fmt.Errorf("bundle %s: %w", m.function, err)
		}
	}
	if err := zw.Close(); err != nil {
		return nil, fmt.Errorf("bundle: %w", err)
	}
	return buf.Bytes(), nil
}

// memberNames lists the functions of members.
func memberNames(members []memberZip) []string {
	names := make([]string, len(members))
	for i, m := range members {
		names[i] = m.function
	}
	return names
}
