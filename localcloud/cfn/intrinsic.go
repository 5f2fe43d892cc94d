package cfn

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"sort"
	"strconv"
	"strings"
)

// noValue is what AWS::NoValue resolves to; containers drop it.
type noValueType struct{}

var noValue = noValueType{}

// UnsupportedError reports a resource type, intrinsic function, pseudo
// parameter or attribute that this package does not implement.
type UnsupportedError struct {
	Kind string // "resource type", "intrinsic function", "pseudo parameter", "attribute", "parameter type"
	Name string
}

func (e *UnsupportedError) Error() string {
	return fmt.Sprintf("unsupported %s %s", e.Kind, e.Name)
}

// resolver evaluates intrinsic functions against the template, the stack's
// pseudo parameters and the resources applied so far.
type resolver struct {
	t       *Template
	pseudo  map[string]string
	params  map[string]any
	conds   map[string]bool
	busy    map[string]bool // conditions being evaluated, to catch cycles
	applied map[string]*Resource
}

func newResolver(t *Template, pseudo map[string]string, overrides map[string]string, applied map[string]*Resource) (*resolver, error) {
	r := &resolver{t: t, pseudo: pseudo, params: map[string]any{}, conds: map[string]bool{}, busy: map[string]bool{}, applied: applied}
	for name, p := range t.Parameters {
		v, given := overrides[name]
		var val any = v
		if !given {
			if p.Default == nil {
				// Unused parameters without a value are harmless; a Ref to
				// one fails when it is resolved.
				continue
			}
			val = p.Default
		}
		switch {
		case strings.HasPrefix(p.Type, "AWS::SSM::Parameter::"):
			// The local cloud has no parameter store; CDK only uses one for
			// its bootstrap version rule, which is not evaluated.
			r.params[name] = &UnsupportedError{Kind: "parameter type", Name: p.Type + " (parameter " + name + ")"}
		case p.Type == "CommaDelimitedList" || strings.HasPrefix(p.Type, "List<"):
			s, err := scalarString(val)
			if err != nil {
				return nil, fmt.Errorf("parameter %s: %w", name, err)
			}
			parts := strings.Split(s, ",")
			list := make([]any, len(parts))
			for i, part := range parts {
				list[i] = strings.TrimSpace(part)
			}
			r.params[name] = list
		default:
			s, err := scalarString(val)
			if err != nil {
				return nil, fmt.Errorf("parameter %s: %w", name, err)
			}
			r.params[name] = s
		}
	}
	for name := range overrides {
		if _, ok := t.Parameters[name]; !ok {
			return nil, fmt.Errorf("parameter %s is not declared by the template", name)
		}
	}
	return r, nil
}

// condition evaluates a named condition once.
func (r *resolver) condition(name string) (bool, error) {
	if v, ok := r.conds[name]; ok {
		return v, nil
	}
	expr, ok := r.t.Conditions[name]
	if !ok {
		return false, fmt.Errorf("unknown condition %s", name)
	}
	if r.busy[name] {
		return false, fmt.Errorf("condition %s refers to itself", name)
	}
	r.busy[name] = true
	defer delete(r.busy, name)
	v, err := r.resolve(expr)
	if err != nil {
		return false, fmt.Errorf("condition %s: %w", name, err)
	}
	b, ok := v.(bool)
	if !ok {
		return false, fmt.Errorf("condition %s: not a boolean: %v", name, v)
	}
	r.conds[name] = b
	return b, nil
}

// boolOf evaluates an operand of Fn::And/Or/Not: a nested condition
// function or {"Condition": "name"}.
func (r *resolver) boolOf(v any) (bool, error) {
	if m, ok := v.(map[string]any); ok && len(m) == 1 {
		if name, ok := m["Condition"].(string); ok {
			return r.condition(name)
		}
	}
	out, err := r.resolve(v)
	if err != nil {
		return false, err
	}
	b, ok := out.(bool)
	if !ok {
		return false, fmt.Errorf("want a condition, got %v", out)
	}
	return b, nil
}

// resolve returns v with every intrinsic function evaluated. AWS::NoValue
// entries are removed from maps and lists.
func (r *resolver) resolve(v any) (any, error) {
	switch v := v.(type) {
	case map[string]any:
		if len(v) == 1 {
			for k, arg := range v {
				if k == "Ref" || strings.HasPrefix(k, "Fn::") {
					return r.intrinsic(k, arg)
				}
			}
		}
		out := make(map[string]any, len(v))
		for k, e := range v {
			x, err := r.resolve(e)
			if err != nil {
				return nil, err
			}
			if x != noValue {
				out[k] = x
			}
		}
		return out, nil
	case []any:
		out := make([]any, 0, len(v))
		for _, e := range v {
			x, err := r.resolve(e)
			if err != nil {
				return nil, err
			}
			if x != noValue {
				out = append(out, x)
			}
		}
		return out, nil
	default:
		return v, nil
	}
}

func (r *resolver) intrinsic(fn string, arg any) (any, error) {
	switch fn {
	case "Ref":
		name, ok := arg.(string)
		if !ok {
			return nil, fmt.Errorf("intrinsic Ref: want a name, got %v", arg)
		}
		return r.ref(name)
	case "Fn::GetAtt":
		return r.getAtt(arg)
	case "Fn::Join":
		return r.join(arg)
	case "Fn::Sub":
		return r.sub(arg)
	case "Fn::Select":
		return r.selectFn(arg)
	case "Fn::Split":
		return r.split(arg)
	case "Fn::If":
		return r.ifFn(arg)
	case "Fn::Equals":
		args, err := r.args(fn, arg, 2)
		if err != nil {
			return nil, err
		}
		a, err := scalarString(args[0])
		if err != nil {
			return nil, fmt.Errorf("Fn::Equals: %w", err)
		}
		b, err := scalarString(args[1])
		if err != nil {
			return nil, fmt.Errorf("Fn::Equals: %w", err)
		}
		return a == b, nil
	case "Fn::Not":
		list, ok := arg.([]any)
		if !ok || len(list) != 1 {
			return nil, fmt.Errorf("Fn::Not: want a list of one condition")
		}
		b, err := r.boolOf(list[0])
		if err != nil {
			return nil, fmt.Errorf("Fn::Not: %w", err)
		}
		return !b, nil
	case "Fn::And", "Fn::Or":
		list, ok := arg.([]any)
		if !ok || len(list) < 1 {
			return nil, fmt.Errorf("%s: want a list of conditions", fn)
		}
		and := fn == "Fn::And"
		for _, e := range list {
			b, err := r.boolOf(e)
			if err != nil {
				return nil, fmt.Errorf("%s: %w", fn, err)
			}
			if b != and {
				return b, nil
			}
		}
		return and, nil
	case "Fn::FindInMap":
		args, err := r.args(fn, arg, 3)
		if err != nil {
			return nil, err
		}
		keys := make([]string, 3)
		for i, a := range args {
			if keys[i], err = scalarString(a); err != nil {
				return nil, fmt.Errorf("Fn::FindInMap: %w", err)
			}
		}
		v, ok := r.t.Mappings[keys[0]][keys[1]][keys[2]]
		if !ok {
			return nil, fmt.Errorf("Fn::FindInMap: no %s.%s.%s", keys[0], keys[1], keys[2])
		}
		return v, nil
	case "Fn::Base64":
		v, err := r.resolve(arg)
		if err != nil {
			return nil, err
		}
		s, err := scalarString(v)
		if err != nil {
			return nil, fmt.Errorf("Fn::Base64: %w", err)
		}
		return base64.StdEncoding.EncodeToString([]byte(s)), nil
	}
	return nil, &UnsupportedError{Kind: "intrinsic function", Name: fn}
}

// args resolves a fixed-length argument list.
func (r *resolver) args(fn string, arg any, n int) ([]any, error) {
	list, ok := arg.([]any)
	if !ok || len(list) != n {
		return nil, fmt.Errorf("%s: want a list of %d arguments", fn, n)
	}
	out := make([]any, n)
	for i, a := range list {
		v, err := r.resolve(a)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", fn, err)
		}
		out[i] = v
	}
	return out, nil
}

func (r *resolver) ref(name string) (any, error) {
	if strings.HasPrefix(name, "AWS::") {
		if name == "AWS::NoValue" {
			return noValue, nil
		}
		if name == "AWS::NotificationARNs" {
			return []any{}, nil
		}
		v, ok := r.pseudo[name]
		if !ok {
			return nil, &UnsupportedError{Kind: "pseudo parameter", Name: name}
		}
		return v, nil
	}
	if v, ok := r.params[name]; ok {
		if err, ok := v.(error); ok {
			return nil, err
		}
		return v, nil
	}
	if _, ok := r.t.Parameters[name]; ok {
		return nil, fmt.Errorf("parameter %s has no value", name)
	}
	if _, ok := r.t.Resources[name]; ok {
		res, ok := r.applied[name]
		if !ok {
			return nil, fmt.Errorf("reference to %s: resource is not created (is its condition false?)", name)
		}
		return res.PhysicalID, nil
	}
	return nil, fmt.Errorf("reference to %s: no such parameter or resource", name)
}

func (r *resolver) getAtt(arg any) (any, error) {
	var name, attr string
	switch a := arg.(type) {
	case string:
		var ok bool
		name, attr, ok = strings.Cut(a, ".")
		if !ok {
			return nil, fmt.Errorf("Fn::GetAtt: want Resource.Attribute, got %q", a)
		}
	case []any:
		if len(a) != 2 {
			return nil, fmt.Errorf("Fn::GetAtt: want [resource, attribute]")
		}
		n, ok := a[0].(string)
		if !ok {
			return nil, fmt.Errorf("Fn::GetAtt: resource name must be a string")
		}
		at, err := r.resolve(a[1])
		if err != nil {
			return nil, fmt.Errorf("Fn::GetAtt: %w", err)
		}
		s, err := scalarString(at)
		if err != nil {
			return nil, fmt.Errorf("Fn::GetAtt: %w", err)
		}
		name, attr = n, s
	default:
		return nil, fmt.Errorf("Fn::GetAtt: want [resource, attribute], got %v", arg)
	}
	return r.attribute(name, attr)
}

func (r *resolver) attribute(name, attr string) (any, error) {
	tr, ok := r.t.Resources[name]
	if !ok {
		return nil, fmt.Errorf("Fn::GetAtt %s.%s: no such resource", name, attr)
	}
	res, ok := r.applied[name]
	if !ok {
		return nil, fmt.Errorf("Fn::GetAtt %s.%s: resource is not created (is its condition false?)", name, attr)
	}
	v, ok := res.Attributes[attr]
	if !ok {
		return nil, &UnsupportedError{Kind: "attribute", Name: tr.Type + "." + attr + " (of " + name + ")"}
	}
	return v, nil
}

func (r *resolver) join(arg any) (any, error) {
	list, ok := arg.([]any)
	if !ok || len(list) != 2 {
		return nil, fmt.Errorf("Fn::Join: want [delimiter, [values]]")
	}
	delim, ok := list[0].(string)
	if !ok {
		return nil, fmt.Errorf("Fn::Join: delimiter must be a string")
	}
	v, err := r.resolve(list[1])
	if err != nil {
		return nil, fmt.Errorf("Fn::Join: %w", err)
	}
	items, ok := v.([]any)
	if !ok {
		return nil, fmt.Errorf("Fn::Join: values must be a list, got %v", v)
	}
	parts := make([]string, len(items))
	for i, it := range items {
		if parts[i], err = scalarString(it); err != nil {
			return nil, fmt.Errorf("Fn::Join: %w", err)
		}
	}
	return strings.Join(parts, delim), nil
}

func (r *resolver) sub(arg any) (any, error) {
	var tmpl string
	vars := map[string]any{}
	switch a := arg.(type) {
	case string:
		tmpl = a
	case []any:
		if len(a) != 2 {
			return nil, fmt.Errorf("Fn::Sub: want a string or [string, {variables}]")
		}
		s, ok := a[0].(string)
		if !ok {
			return nil, fmt.Errorf("Fn::Sub: template must be a string")
		}
		m, ok := a[1].(map[string]any)
		if !ok {
			return nil, fmt.Errorf("Fn::Sub: variables must be a map")
		}
		tmpl = s
		for k, e := range m {
			v, err := r.resolve(e)
			if err != nil {
				return nil, fmt.Errorf("Fn::Sub variable %s: %w", k, err)
			}
			vars[k] = v
		}
	default:
		return nil, fmt.Errorf("Fn::Sub: want a string or [string, {variables}]")
	}
	var b strings.Builder
	for {
		i := strings.Index(tmpl, "${")
		if i < 0 {
			b.WriteString(tmpl)
			break
		}
		b.WriteString(tmpl[:i])
		j := strings.IndexByte(tmpl[i:], '}')
		if j < 0 {
			return nil, fmt.Errorf("Fn::Sub: unterminated ${ in %q", tmpl)
		}
		name := tmpl[i+2 : i+j]
		tmpl = tmpl[i+j+1:]
		if strings.HasPrefix(name, "!") {
			b.WriteString("${" + name[1:] + "}")
			continue
		}
		v, err := r.subVar(name, vars)
		if err != nil {
			return nil, fmt.Errorf("Fn::Sub: %w", err)
		}
		s, err := scalarString(v)
		if err != nil {
			return nil, fmt.Errorf("Fn::Sub ${%s}: %w", name, err)
		}
		b.WriteString(s)
	}
	return b.String(), nil
}

func (r *resolver) subVar(name string, vars map[string]any) (any, error) {
	if v, ok := vars[name]; ok {
		return v, nil
	}
	if res, attr, ok := strings.Cut(name, "."); ok && !strings.HasPrefix(name, "AWS::") {
		return r.attribute(res, attr)
	}
	return r.ref(name)
}

func (r *resolver) selectFn(arg any) (any, error) {
	args, err := r.args("Fn::Select", arg, 2)
	if err != nil {
		return nil, err
	}
	is, err := scalarString(args[0])
	if err != nil {
		return nil, fmt.Errorf("Fn::Select: %w", err)
	}
	i, err := strconv.Atoi(is)
	if err != nil {
		return nil, fmt.Errorf("Fn::Select: index %q is not a number", is)
	}
	list, ok := args[1].([]any)
	if !ok {
		return nil, fmt.Errorf("Fn::Select: want a list, got %v", args[1])
	}
	if i < 0 || i >= len(list) {
		return nil, fmt.Errorf("Fn::Select: index %d out of range [0,%d)", i, len(list))
	}
	return list[i], nil
}

func (r *resolver) split(arg any) (any, error) {
	args, err := r.args("Fn::Split", arg, 2)
	if err != nil {
		return nil, err
	}
	delim, ok := args[0].(string)
	if !ok || delim == "" {
		return nil, fmt.Errorf("Fn::Split: delimiter must be a non-empty string")
	}
	s, err := scalarString(args[1])
	if err != nil {
		return nil, fmt.Errorf("Fn::Split: %w", err)
	}
	parts := strings.Split(s, delim)
	out := make([]any, len(parts))
	for i, p := range parts {
		out[i] = p
	}
	return out, nil
}

func (r *resolver) ifFn(arg any) (any, error) {
	list, ok := arg.([]any)
	if !ok || len(list) != 3 {
		return nil, fmt.Errorf("Fn::If: want [condition, then, else]")
	}
	name, ok := list[0].(string)
	if !ok {
		return nil, fmt.Errorf("Fn::If: condition must be a name")
	}
	b, err := r.condition(name)
	if err != nil {
		return nil, fmt.Errorf("Fn::If: %w", err)
	}
	if b {
		return r.resolve(list[1])
	}
	return r.resolve(list[2])
}

// scalarString renders a resolved scalar the way CloudFormation does when it
// needs a string.
func scalarString(v any) (string, error) {
	switch v := v.(type) {
	case string:
		return v, nil
	case float64:
		return strconv.FormatFloat(v, 'f', -1, 64), nil
	case json.Number:
		return v.String(), nil
	case bool:
		return strconv.FormatBool(v), nil
	}
	return "", fmt.Errorf("want a string, got %v", v)
}

// references lists the resources v refers to through Ref, Fn::GetAtt and
// Fn::Sub, sorted.
func references(v any, resources map[string]TemplateResource) []string {
	seen := map[string]bool{}
	var walk func(v any)
	add := func(name string) {
		if _, ok := resources[name]; ok {
			seen[name] = true
		}
	}
	walk = func(v any) {
		switch v := v.(type) {
		case map[string]any:
			for k, e := range v {
				switch k {
				case "Ref":
					if s, ok := e.(string); ok {
						add(s)
					}
				case "Fn::GetAtt":
					switch a := e.(type) {
					case string:
						name, _, _ := strings.Cut(a, ".")
						add(name)
					case []any:
						if len(a) > 0 {
							if s, ok := a[0].(string); ok {
								add(s)
							}
						}
					}
				case "Fn::Sub":
					s, _ := e.(string)
					if a, ok := e.([]any); ok && len(a) > 0 {
						s, _ = a[0].(string)
					}
					for _, name := range subNames(s) {
						res, _, _ := strings.Cut(name, ".")
						add(res)
					}
				}
				walk(e)
			}
		case []any:
			for _, e := range v {
				walk(e)
			}
		}
	}
	walk(v)
	out := make([]string, 0, len(seen))
	for name := range seen {
		out = append(out, name)
	}
	sort.Strings(out)
	return out
}

// subNames lists the ${...} variables of an Fn::Sub template.
func subNames(s string) []string {
	var out []string
	for {
		i := strings.Index(s, "${")
		if i < 0 {
			return out
		}
		j := strings.IndexByte(s[i:], '}')
		if j < 0 {
			return out
		}
		if name := s[i+2 : i+j]; !strings.HasPrefix(name, "!") {
			out = append(out, name)
		}
		s = s[i+j+1:]
	}
}
