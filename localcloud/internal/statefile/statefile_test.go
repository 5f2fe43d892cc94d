package statefile

import (
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

type doc struct {
	Name  string `json:"name"`
	Count int    `json:"count"`
}

func TestWriteJSONReadJSON(t *testing.T) {
	tests := []struct {
		name  string
		path  string // relative to a fresh directory
		old   string // existing content; "" for none
		value doc
		perm  fs.FileMode
	}{
		{name: "new file", path: "state.json", value: doc{Name: "a", Count: 1}, perm: 0o644},
		{name: "replaces a file", path: "state.json", old: `{"name":"old","count":9,"extra":true}`, value: doc{Name: "b"}, perm: 0o644},
		{name: "creates parent directories", path: "x/y/state.json", value: doc{Count: 3}, perm: 0o644},
		{name: "private file", path: "functions/f.json", value: doc{Name: "f"}, perm: 0o600},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			path := filepath.Join(dir, tt.path)
			if tt.old != "" {
				if err := os.WriteFile(path, []byte(tt.old), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			if err := WriteJSON(path, tt.value, tt.perm); err != nil {
				t.Fatalf("WriteJSON: %v", err)
			}
			var got doc
			found, err := ReadJSON(path, &got)
			if err != nil || !found {
				t.Fatalf("ReadJSON = %v, %v; want true, nil", found, err)
			}
			if got != tt.value {
				t.Errorf("read back %+v, want %+v", got, tt.value)
			}
			fi, err := os.Stat(path)
			if err != nil {
				t.Fatal(err)
			}
			if runtime.GOOS != "windows" && fi.Mode().Perm() != tt.perm {
				t.Errorf("mode %v, want %v", fi.Mode().Perm(), tt.perm)
			}
			assertOnly(t, filepath.Dir(path), filepath.Base(path))
		})
	}
}

func TestReadJSON(t *testing.T) {
	tests := []struct {
		name      string
		content   string // "" for no file
		wantFound bool
		wantErr   string
		want      doc
	}{
		{name: "missing file leaves v alone", wantFound: false, want: doc{Name: "before"}},
		{name: "document", content: `{"name":"x","count":2}`, wantFound: true, want: doc{Name: "x", Count: 2}},
		{name: "not JSON", content: `{"name":`, wantFound: true, wantErr: "decode ", want: doc{Name: "before"}},
		{name: "wrong type", content: `{"count":"two"}`, wantFound: true, wantErr: "decode ", want: doc{Name: "before"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "state.json")
			if tt.content != "" {
				if err := os.WriteFile(path, []byte(tt.content), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			got := doc{Name: "before"}
			found, err := ReadJSON(path, &got)
			if found != tt.wantFound {
				t.Errorf("found = %v, want %v", found, tt.wantFound)
			}
			switch {
			case tt.wantErr == "" && err != nil:
				t.Fatalf("unexpected error: %v", err)
			case tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr) || !strings.Contains(err.Error(), path)):
				t.Fatalf("error %v, want one that contains %q and the path", err, tt.wantErr)
			case tt.wantErr == "" && got != tt.want:
				t.Errorf("decoded %+v, want %+v", got, tt.want)
			}
		})
	}
}

func TestWriteFailures(t *testing.T) {
	tests := []struct {
		name  string
		setup func(t *testing.T, dir string) string // returns the path to write
		value any
	}{
		{
			name:  "value is not JSON",
			setup: func(t *testing.T, dir string) string { return filepath.Join(dir, "state.json") },
			value: map[string]any{"c": make(chan int)},
		},
		{
			name: "parent is a file",
			setup: func(t *testing.T, dir string) string {
				if err := os.WriteFile(filepath.Join(dir, "file"), nil, 0o644); err != nil {
					t.Fatal(err)
				}
				return filepath.Join(dir, "file", "state.json")
			},
			value: doc{},
		},
		{
			name: "target is a directory",
			setup: func(t *testing.T, dir string) string {
				path := filepath.Join(dir, "state.json")
				if err := os.MkdirAll(filepath.Join(path, "inside"), 0o755); err != nil {
					t.Fatal(err)
				}
				return path
			},
			value: doc{},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			path := tt.setup(t, dir)
			if err := WriteJSON(path, tt.value, 0o644); err == nil {
				t.Fatal("WriteJSON succeeded, want an error")
			}
			entries, err := os.ReadDir(dir)
			if err != nil {
				t.Fatal(err)
			}
			for _, e := range entries {
				if strings.Contains(e.Name(), ".tmp-") {
					t.Errorf("temporary file %s left behind", e.Name())
				}
			}
		})
	}
}

func TestWriteBytes(t *testing.T) {
	path := filepath.Join(t.TempDir(), "code", "abc.zip")
	for _, data := range [][]byte{[]byte("first version"), []byte("second")} {
		if err := Write(path, data, 0o600); err != nil {
			t.Fatalf("Write: %v", err)
		}
		got, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		if string(got) != string(data) {
			t.Errorf("file holds %q, want %q", got, data)
		}
	}
	assertOnly(t, filepath.Dir(path), "abc.zip")
}

// assertOnly fails unless dir holds exactly the one file name: no
// temporary file is left behind.
func assertOnly(t *testing.T, dir, name string) {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != 1 || entries[0].Name() != name {
		var names []string
		for _, e := range entries {
			names = append(names, e.Name())
		}
		t.Errorf("directory holds %v, want only %s", names, name)
	}
}
