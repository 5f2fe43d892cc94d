// Package cfn applies a synthesized CloudFormation template (the JSON that
// `cdk synth` writes to cdk.out) to an AWS endpoint through the AWS SDK for Go
// v2. It exists so that the local cloud can run the very stack that `cdk
// deploy` would create: parameters, conditions and intrinsic functions are
// resolved here, resources are created in dependency order with the same
// service APIs CloudFormation would call, and the applied stack (physical ids,
// attributes, outputs) is recorded so that applying again updates in place.
//
// Only the resource types and intrinsics the greenlight stack needs are
// supported; anything else fails with an error that names it.
package cfn

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// Template is a parsed CloudFormation template.
type Template struct {
	Parameters map[string]Parameter                 `json:"Parameters"`
	Mappings   map[string]map[string]map[string]any `json:"Mappings"`
	Conditions map[string]any                       `json:"Conditions"`
	Resources  map[string]TemplateResource          `json:"Resources"`
	Outputs    map[string]TemplateOutput            `json:"Outputs"`
}

// Parameter is a template parameter; only its default is used.
type Parameter struct {
	Type    string `json:"Type"`
	Default any    `json:"Default"`
}

// TemplateResource is one entry of the template's Resources section.
type TemplateResource struct {
	Type           string         `json:"Type"`
	Properties     map[string]any `json:"Properties"`
	DependsOn      stringList     `json:"DependsOn"`
	Condition      string         `json:"Condition"`
	Metadata       map[string]any `json:"Metadata"`
	DeletionPolicy string         `json:"DeletionPolicy"`
}

// TemplateOutput is one entry of the template's Outputs section.
type TemplateOutput struct {
	Description string `json:"Description"`
	Value       any    `json:"Value"`
	Condition   string `json:"Condition"`
	Export      *struct {
		Name any `json:"Name"`
	} `json:"Export"`
}

// stringList accepts a JSON string or an array of strings, as DependsOn does.
type stringList []string

func (l *stringList) UnmarshalJSON(b []byte) error {
	var one string
	if err := json.Unmarshal(b, &one); err == nil {
		*l = stringList{one}
		return nil
	}
	var many []string
	if err := json.Unmarshal(b, &many); err != nil {
		return fmt.Errorf("want a string or a list of strings, got %s", b)
	}
	*l = many
	return nil
}

// ParseTemplate decodes a JSON template and checks its shape.
func ParseTemplate(b []byte) (*Template, error) {
	var t Template
	if err := json.Unmarshal(b, &t); err != nil {
		return nil, fmt.Errorf("parse template: %w", err)
	}
	if len(t.Resources) == 0 {
		return nil, fmt.Errorf("parse template: no Resources")
	}
	for id, r := range t.Resources {
		if r.Type == "" {
			return nil, fmt.Errorf("parse template: resource %s has no Type", id)
		}
		for _, dep := range r.DependsOn {
			if _, ok := t.Resources[dep]; !ok {
				return nil, fmt.Errorf("parse template: resource %s depends on unknown resource %s", id, dep)
			}
		}
		if r.Condition != "" {
			if _, ok := t.Conditions[r.Condition]; !ok {
				return nil, fmt.Errorf("parse template: resource %s uses unknown condition %s", id, r.Condition)
			}
		}
	}
	return &t, nil
}

// ReadTemplate reads and parses the template file at path.
func ReadTemplate(path string) (*Template, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	t, err := ParseTemplate(b)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return t, nil
}

// stackNameFromPath derives the stack name from a cdk.out template file name:
// "cdk.out/greenlight.template.json" is the stack "greenlight".
func stackNameFromPath(path string) string {
	base := filepath.Base(path)
	base = strings.TrimSuffix(base, ".json")
	return strings.TrimSuffix(base, ".template")
}
