package cfn

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

// manifest is the part of a cloud assembly's manifest.json (what `cdk
// synth` writes beside the templates) that names the stacks.
type manifest struct {
	Artifacts map[string]struct {
		Type       string `json:"type"`
		Properties struct {
			TemplateFile string `json:"templateFile"`
			StackName    string `json:"stackName"`
		} `json:"properties"`
	} `json:"artifacts"`
}

// AssemblyStack is a stack of a cloud assembly.
type AssemblyStack struct {
	Name     string // the stack name CloudFormation would use
	Template string // path of its template file
}

// readManifest lists the stacks of the cloud assembly in dir, by name.
func readManifest(dir string) ([]AssemblyStack, error) {
	b, err := os.ReadFile(filepath.Join(dir, "manifest.json"))
	if err != nil {
		return nil, err
	}
	var m manifest
	if err := json.Unmarshal(b, &m); err != nil {
		return nil, fmt.Errorf("%s: %w", filepath.Join(dir, "manifest.json"), err)
	}
	var out []AssemblyStack
	for id, a := range m.Artifacts {
		if a.Type != "aws:cloudformation:stack" || a.Properties.TemplateFile == "" {
			continue
		}
		name := a.Properties.StackName
		if name == "" {
			name = id
		}
		out = append(out, AssemblyStack{Name: name, Template: filepath.Join(dir, a.Properties.TemplateFile)})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out, nil
}

// FindStack resolves what to apply from a path that is either a cloud
// assembly directory (cdk.out) or a template file. In a directory, the stack
// is the one named stackName, or the only one. For a file, the stack name is
// stackName, else the one the assembly's manifest beside it gives the file,
// else the file name without ".template.json".
func FindStack(path, stackName string) (AssemblyStack, error) {
	fi, err := os.Stat(path)
	if err != nil {
		return AssemblyStack{}, err
	}
	if fi.IsDir() {
		stacks, err := readManifest(path)
		if err != nil {
			return AssemblyStack{}, fmt.Errorf("cloud assembly %s: %w", path, err)
		}
		names := make([]string, len(stacks))
		for i, s := range stacks {
			if s.Name == stackName || (stackName == "" && len(stacks) == 1) {
				return s, nil
			}
			names[i] = s.Name
		}
		if stackName == "" {
			return AssemblyStack{}, fmt.Errorf("cloud assembly %s has %d stacks (%s): name one", path, len(stacks), strings.Join(names, ", "))
		}
		return AssemblyStack{}, fmt.Errorf("cloud assembly %s has no stack %s (it has %s)", path, stackName, strings.Join(names, ", "))
	}
	if stackName != "" {
		return AssemblyStack{Name: stackName, Template: path}, nil
	}
	stacks, err := readManifest(filepath.Dir(path))
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return AssemblyStack{}, err
	}
	for _, s := range stacks {
		if same, _ := sameFile(s.Template, path); same {
			return AssemblyStack{Name: s.Name, Template: path}, nil
		}
	}
	return AssemblyStack{Name: stackNameFromPath(path), Template: path}, nil
}

func sameFile(a, b string) (bool, error) {
	fa, err := os.Stat(a)
	if err != nil {
		return false, err
	}
	fb, err := os.Stat(b)
	if err != nil {
		return false, err
	}
	return os.SameFile(fa, fb), nil
}
