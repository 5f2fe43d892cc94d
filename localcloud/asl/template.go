package asl

import (
	"fmt"
	"strings"
)

// template is a compiled payload template: the value of Parameters,
// ResultSelector or ItemSelector. Keys ending in ".$" take their value from a
// path or an intrinsic function at run time.
type template struct {
	root tnode
}

type tnode interface {
	eval(data, ctx any, field string) (any, error)
}

type tliteral struct{ v any }

type tarray []tnode

type tobject []tfield

type tfield struct {
	key   string // without ".$"
	raw   string // the key as written, for messages
	node  tnode
	path  *Path
	call  *intrinsic
	isDyn bool
}

// compileTemplate checks and compiles a payload template; where is the
// field name used in messages.
func compileTemplate(v any, where string) (*template, error) {
	n, err := compileNode(v, where)
	if err != nil {
		return nil, err
	}
	return &template{root: n}, nil
}

func compileNode(v any, where string) (tnode, error) {
	switch t := v.(type) {
	case map[string]any:
		var obj tobject
		for _, k := range sortedKeys(t) {
			val := t[k]
			name, dyn := strings.CutSuffix(k, ".$")
			f := tfield{key: name, raw: k, isDyn: dyn}
			if !dyn {
				n, err := compileNode(val, where+"/"+k)
				if err != nil {
					return nil, err
				}
				f.node = n
				obj = append(obj, f)
				continue
			}
			s, ok := val.(string)
			if !ok {
				return nil, fmt.Errorf("the value of the field '%s' must be a JSONPath or an intrinsic function at %s", k, where)
			}
			var err error
			if isIntrinsic(s) {
				f.call, err = parseIntrinsic(s)
			} else {
				f.path, err = ParsePath(s)
			}
			if err != nil {
				return nil, fmt.Errorf("the value of the field '%s' is not valid: %v at %s", k, err, where)
			}
			obj = append(obj, f)
		}
		return obj, nil
	case []any:
		arr := make(tarray, len(t))
		for i, x := range t {
			n, err := compileNode(x, fmt.Sprintf("%s[%d]", where, i))
			if err != nil {
				return nil, err
			}
			arr[i] = n
		}
		return arr, nil
	default:
		return tliteral{v: v}, nil
	}
}

// fieldPathError reports a ".$" path that selects nothing.
type fieldPathError struct {
	path, field string
}

func (e *fieldPathError) Error() string {
	return fmt.Sprintf("The JSONPath '%s' specified for the field '%s' could not be found in the input", e.path, e.field)
}

func (t *template) eval(data, ctx any) (any, error) { return t.root.eval(data, ctx, "") }

func (l tliteral) eval(any, any, string) (any, error) { return deepCopy(l.v), nil }

func (a tarray) eval(data, ctx any, _ string) (any, error) {
	out := make([]any, len(a))
	for i, n := range a {
		v, err := n.eval(data, ctx, "")
		if err != nil {
			return nil, err
		}
		out[i] = v
	}
	return out, nil
}

func (o tobject) eval(data, ctx any, _ string) (any, error) {
	out := make(map[string]any, len(o))
	for _, f := range o {
		switch {
		case f.node != nil:
			v, err := f.node.eval(data, ctx, f.raw)
			if err != nil {
				return nil, err
			}
			out[f.key] = v
		case f.path != nil:
			v, ok := f.path.Eval(data, ctx)
			if !ok {
				return nil, &fieldPathError{path: f.path.text, field: f.raw}
			}
			out[f.key] = deepCopy(v)
		default:
			v, err := f.call.eval(data, ctx)
			if pe, ok := err.(*pathNotFoundError); ok {
				return nil, &fieldPathError{path: pe.path, field: f.raw}
			}
			if err != nil {
				return nil, err
			}
			out[f.key] = v
		}
	}
	return out, nil
}
