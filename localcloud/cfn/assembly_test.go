package cfn

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestFindStack(t *testing.T) {
	two := t.TempDir()
	if err := os.WriteFile(filepath.Join(two, "manifest.json"), []byte(`{"artifacts": {
		"A": {"type": "aws:cloudformation:stack", "properties": {"templateFile": "A.template.json"}},
		"B": {"type": "aws:cloudformation:stack", "properties": {"templateFile": "B.template.json", "stackName": "bee"}}}}`), 0o644); err != nil {
		t.Fatal(err)
	}
	loose := t.TempDir()
	if err := os.WriteFile(filepath.Join(loose, "app.template.json"), []byte(`{}`), 0o644); err != nil {
		t.Fatal(err)
	}
	template := filepath.Join("testdata", "assembly", "stack.template.json")

	tests := []struct {
		name, path, stack string
		want              AssemblyStack
		err               string
	}{
		{"assembly with one stack", "testdata/assembly", "", AssemblyStack{Name: "fixture", Template: template}, ""},
		{"assembly, stack by name", "testdata/assembly", "fixture", AssemblyStack{Name: "fixture", Template: template}, ""},
		{"file named by the manifest", template, "", AssemblyStack{Name: "fixture", Template: template}, ""},
		{"file with a stack name", template, "other", AssemblyStack{Name: "other", Template: template}, ""},
		{"file without a manifest", filepath.Join(loose, "app.template.json"), "", AssemblyStack{Name: "app", Template: filepath.Join(loose, "app.template.json")}, ""},
		{"stack id without a stack name", two, "A", AssemblyStack{Name: "A", Template: filepath.Join(two, "A.template.json")}, ""},
		{"ambiguous assembly", two, "", AssemblyStack{}, "has 2 stacks (A, bee): name one"},
		{"unknown stack", two, "C", AssemblyStack{}, "has no stack C (it has A, bee)"},
		{"no manifest", loose, "", AssemblyStack{}, "manifest.json: no such file"},
		{"missing path", filepath.Join(loose, "nope"), "", AssemblyStack{}, "no such file"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := FindStack(tt.path, tt.stack)
			if tt.err != "" {
				if err == nil || !strings.Contains(err.Error(), tt.err) {
					t.Errorf("FindStack(%q, %q) error = %v, want one containing %q", tt.path, tt.stack, err, tt.err)
				}
				return
			}
			if err != nil {
				t.Fatalf("FindStack(%q, %q): %v", tt.path, tt.stack, err)
			}
			if got != tt.want {
				t.Errorf("FindStack(%q, %q) = %+v, want %+v", tt.path, tt.stack, got, tt.want)
			}
		})
	}
}
