// Package strictjson decodes JSON written by people — console inputs,
// manifests, the configuration — so that every key means exactly what it
// says. encoding/json alone is lenient in ways that change a release
// silently: it matches field names without regard to case (and folds
// look-alikes such as "ſ" into "s"), keeps the last of two values for one
// key, turns null into an empty string or zero, replaces bytes that are not
// UTF-8, and ignores a stray bracket after the value. Decode refuses each of
// these with an error that names where the problem is.
package strictjson

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"
)

// byteOrderMark is the UTF-8 encoding of U+FEFF, which some editors put at
// the start of a file.
var byteOrderMark = []byte{0xef, 0xbb, 0xbf}

// Decode decodes the single JSON value in data into v, a pointer. Besides
// the syntax and the types, it refuses: no value at all, bytes that are not
// UTF-8 (and a leading byte order mark), data after the value, an unknown
// key or one that names a field of v's type only when case is ignored
// (field names are case-sensitive), a key twice in one object (map keys
// included), and null where a string, number or boolean is expected.
//
// A struct type with its own UnmarshalJSON is held to its fields when it is
// given as an object; other types with their own UnmarshalJSON, and
// json.RawMessage, are checked for duplicate keys only.
func Decode(data []byte, v any) error {
	if len(bytes.TrimSpace(data)) == 0 {
		return errors.New("the JSON is empty: give an object")
	}
	if bytes.HasPrefix(data, byteOrderMark) {
		return errors.New("the JSON starts with a byte order mark (U+FEFF): save it as UTF-8 without one")
	}
	if !utf8.Valid(data) {
		return fmt.Errorf("the JSON is not valid UTF-8 (at byte %d)", invalidAt(data))
	}
	w := walker{dec: json.NewDecoder(bytes.NewReader(data))}
	w.dec.UseNumber()
	if err := w.value(reflect.TypeOf(v), "$"); err != nil && w.problem != nil {
		return w.problem
	}
	// A syntax or type error is reported by the decoder, in its own words.
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return err
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return errors.New("trailing data after the JSON value")
	}
	return nil
}

// invalidAt is the offset of the first byte of data that is not UTF-8.
func invalidAt(data []byte) int {
	for i := 0; i < len(data); {
		r, n := utf8.DecodeRune(data[i:])
		if r == utf8.RuneError && n == 1 {
			return i
		}
		i += n
	}
	return len(data)
}

// maxDepth is encoding/json's bound on nesting, past which the decoder
// refuses the text anyway: the walk stops there rather than recurse through
// whatever depth the input has.
const maxDepth = 10000

// errTooDeep stops a walk at maxDepth; the decoder then reports the depth.
var errTooDeep = errors.New("nested too deeply")

// walker reads a JSON text token by token beside the Go type it is decoded
// into.
type walker struct {
	dec *json.Decoder
	// path holds the segments of where the walk is ("$", ".key", "[3]"),
	// joined only for a problem, so that a deep text costs no more than
	// its depth.
	path []string
	// problem is the first problem found; the walk stops there.
	problem error
}

var (
	rawMessageType  = reflect.TypeFor[json.RawMessage]()
	unmarshalerType = reflect.TypeFor[json.Unmarshaler]()
)

// value reads one value at segment seg of the path, expected to decode into
// t (nil: anything).
func (w *walker) value(t reflect.Type, seg string) error {
	if len(w.path) >= maxDepth {
		return errTooDeep
	}
	w.path = append(w.path, seg)
	defer func() { w.path = w.path[:len(w.path)-1] }()
	// null leaves a pointer nil: unset, which is what it means.
	nullable := t != nil && t.Kind() == reflect.Pointer
	for t != nil && t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if t != nil && (t == rawMessageType || t.Kind() == reflect.Interface ||
		t.Kind() != reflect.Struct && reflect.PointerTo(t).Implements(unmarshalerType)) {
		t = nil
	}
	tok, err := w.dec.Token()
	if err != nil {
		return err
	}
	switch tok {
	case json.Delim('{'):
		return w.object(t)
	case json.Delim('['):
		var elem reflect.Type
		if t != nil && (t.Kind() == reflect.Slice || t.Kind() == reflect.Array) {
			elem = t.Elem()
		}
		for i := 0; w.dec.More(); i++ {
			if err := w.value(elem, "["+strconv.Itoa(i)+"]"); err != nil {
				return err
			}
		}
		_, err := w.dec.Token() // ]
		return err
	case nil:
		if !nullable && t != nil && scalar(t.Kind()) {
			return w.fail("%s is null, where a %s is expected: leave the key out to leave it unset", w.where(), kindName(t.Kind()))
		}
	}
	return nil
}

// object reads the members of an object whose { has been read.
func (w *walker) object(t reflect.Type) error {
	var fields map[string]reflect.Type
	var elem reflect.Type
	switch {
	case t != nil && t.Kind() == reflect.Struct:
		fields = map[string]reflect.Type{}
		fieldsOf(t, fields)
	case t != nil && t.Kind() == reflect.Map:
		elem = t.Elem()
	}
	seen := map[string]bool{}
	for w.dec.More() {
		tok, err := w.dec.Token()
		if err != nil {
			return err
		}
		k, _ := tok.(string)
		if seen[k] {
			return w.fail("key %q appears twice in %s", k, w.where())
		}
		seen[k] = true
		if fields != nil {
			ft, ok := fields[k]
			if !ok {
				if near := foldMatch(fields, k); near != "" {
					return w.fail("key %q in %s is not a field: field names are case-sensitive, did you mean %q?", k, w.where(), near)
				}
			}
			// A key that names no field at all is the decoder's to
			// report ("unknown field").
			elem = ft
		}
		if err := w.value(elem, "."+k); err != nil {
			return err
		}
	}
	_, err := w.dec.Token() // }
	return err
}

// where is the path of the value being read: $.tests[0].name.
func (w *walker) where() string { return strings.Join(w.path, "") }

func (w *walker) fail(format string, args ...any) error {
	w.problem = fmt.Errorf(format, args...)
	return w.problem
}

// fieldsOf adds the JSON names of t's fields, and of the fields of the
// structs it embeds, with their types.
func fieldsOf(t reflect.Type, fields map[string]reflect.Type) {
	for i := range t.NumField() {
		f := t.Field(i)
		tag := f.Tag.Get("json")
		if tag == "-" {
			continue
		}
		name, _, _ := strings.Cut(tag, ",")
		ft := f.Type
		if f.Anonymous && name == "" {
			for ft.Kind() == reflect.Pointer {
				ft = ft.Elem()
			}
			if ft.Kind() == reflect.Struct {
				fieldsOf(ft, fields)
				continue
			}
		}
		if !f.IsExported() {
			continue
		}
		if name == "" {
			name = f.Name
		}
		fields[name] = ft
	}
}

// foldMatch returns the field that k names when case and look-alike letters
// are ignored, as encoding/json would take it, or "".
func foldMatch(fields map[string]reflect.Type, k string) string {
	for _, name := range slices.Sorted(maps.Keys(fields)) {
		if strings.EqualFold(name, k) {
			return name
		}
	}
	return ""
}

// scalar reports whether null would silently decode into k's zero value.
func scalar(k reflect.Kind) bool {
	return k == reflect.String || k == reflect.Bool || kindName(k) == "number"
}

func kindName(k reflect.Kind) string {
	switch k {
	case reflect.String:
		return "string"
	case reflect.Bool:
		return "boolean"
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64,
		reflect.Float32, reflect.Float64:
		return "number"
	}
	return k.String()
}
