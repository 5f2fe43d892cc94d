package demo

import (
	"os"
	"path/filepath"
	"testing"
)

func TestLoadSecrets(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "state")

	first, err := LoadSecrets(dir, Secrets{})
	if err != nil {
		t.Fatal(err)
	}
	if first.SecretAccessKey == "" || first.ControlToken == "" || first.SecretAccessKey == first.ControlToken {
		t.Fatalf("made up %+v, want two different secrets", first)
	}
	info, err := os.Stat(filepath.Join(dir, secretsFile))
	if err != nil {
		t.Fatal(err)
	}
	if perm := info.Mode().Perm(); perm != 0o600 {
		t.Errorf("secrets file mode %v, want 0600", perm)
	}

	tests := []struct {
		name  string
		dir   string
		given Secrets
		want  func(Secrets) bool
	}{
		{"a restart on the folder keeps them", dir, Secrets{},
			func(s Secrets) bool { return s == first }},
		{"given secrets win", dir, Secrets{SecretAccessKey: "given", ControlToken: "token"},
			func(s Secrets) bool { return s == Secrets{SecretAccessKey: "given", ControlToken: "token"} }},
		{"a given secret leaves the kept token", dir, Secrets{SecretAccessKey: "given"},
			func(s Secrets) bool { return s == Secrets{SecretAccessKey: "given", ControlToken: first.ControlToken} }},
		{"in memory they are new", "", Secrets{},
			func(s Secrets) bool { return s.SecretAccessKey != "" && s.SecretAccessKey != first.SecretAccessKey }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := LoadSecrets(tt.dir, tt.given)
			if err != nil {
				t.Fatal(err)
			}
			if !tt.want(got) {
				t.Errorf("LoadSecrets(%q, %+v) = %+v", tt.dir, tt.given, got)
			}
		})
	}
	// Given secrets are never written: the folder still has the first ones.
	if again, _ := LoadSecrets(dir, Secrets{}); again != first {
		t.Errorf("after given secrets the folder holds %+v, want %+v", again, first)
	}

	if err := os.WriteFile(filepath.Join(dir, secretsFile), []byte("{"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := LoadSecrets(dir, Secrets{}); err == nil {
		t.Error("a damaged secrets file gave no error")
	}
}
