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

// tobject is an object of a template. Its fields are evaluated in the
// order they were written; the result has the literal fields first, in
// that order, then the computed fields in the order of a Java HashMap
// (order lists the indexes of fields in output order). Recorded
// executions show it: the ItemSelector {"original_input.$", ...,
// "constant_value": "HelloWorld"} of base-scenarios.map-state-item-selector
// yields constant_value first, and the thirteen computed fields of
// base.query-context-object-values come out in HashMap order.
type tobject struct {
	fields []tfield
	order  []int
}

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
	case *object:
		var obj tobject
		for i, k := range t.keys {
			val := t.vals[i]
			name, dyn := strings.CutSuffix(k, ".$")
			f := tfield{key: name, raw: k, isDyn: dyn}
			if !dyn {
				n, err := compileNode(val, where+"/"+k)
				if err != nil {
					return nil, err
				}
				f.node = n
				obj.fields = append(obj.fields, f)
				continue
			}
			s, _ := val.(string) // anything else is no path either
			var err error
			if isIntrinsic(s) {
				f.call, err = parseIntrinsic(s)
			} else {
				f.path, err = ParsePath(s)
			}
			if err != nil {
				return nil, &dynFieldError{field: k, where: where}
			}
			obj.fields = append(obj.fields, f)
		}
		obj.arrange()
		return &obj, nil
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

// dynFieldError reports a ".$" field whose value is neither a path nor an
// intrinsic call, in AWS's words, which do not say what is wrong with it.
type dynFieldError struct{ field, where string }

func (e *dynFieldError) Error() string {
	return fmt.Sprintf("The value for the field '%s' must be a valid JSONPath or a valid intrinsic function call at %s", e.field, e.where)
}

// fieldPathError reports a ".$" path that selects nothing.
type fieldPathError struct {
	path, field string
	// context is set when the path searched the context object ($$), which
	// AWS then quotes as the input instead of the state's data.
	context bool
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

// arrange computes the output order of the fields.
func (o *tobject) arrange() {
	var computed []string
	at := map[string]int{}
	for i, f := range o.fields {
		if f.node != nil {
			o.order = append(o.order, i)
			continue
		}
		computed = append(computed, f.key)
		at[f.key] = i
	}
	for _, k := range javaHashOrder(computed) {
		o.order = append(o.order, at[k])
	}
}

func (o *tobject) eval(data, ctx any, _ string) (any, error) {
	vals := make([]any, len(o.fields))
	for i, f := range o.fields {
		switch {
		case f.node != nil:
			v, err := f.node.eval(data, ctx, f.raw)
			if err != nil {
				return nil, err
			}
			vals[i] = v
		case f.path != nil:
			v, ok := f.path.Eval(data, ctx)
			if !ok {
				return nil, &fieldPathError{path: f.path.text, field: f.raw, context: f.path.context}
			}
			vals[i] = deepCopy(v)
		default:
			v, err := f.call.eval(data, ctx)
			if err != nil {
				return nil, err
			}
			vals[i] = v
		}
	}
	out := newObject(len(o.fields))
	for _, i := range o.order {
		out.set(o.fields[i].key, vals[i])
	}
	return out, nil
}
