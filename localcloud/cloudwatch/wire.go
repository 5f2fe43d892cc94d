package cloudwatch

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"net/http"
	"reflect"
	"strconv"
	"time"

	"github.com/fxamacker/cbor/v2"

	"github.com/greenlight/greenlight/localcloud/internal/awserr"
)

var timeType = reflect.TypeFor[time.Time]()

// toTree turns an output shape into maps, slices and scalars, leaving out
// absent members (nil pointers, nil slices and maps, empty strings) the way
// the protocols do. Times go through timeFn.
func toTree(v reflect.Value, timeFn func(time.Time) any) (any, bool) {
	switch v.Kind() {
	case reflect.Pointer:
		if v.IsNil() {
			return nil, false
		}
		return toTree(v.Elem(), timeFn)
	case reflect.Struct:
		if v.Type() == timeType {
			return timeFn(v.Interface().(time.Time)), true
		}
		m := map[string]any{}
		for i := range v.NumField() {
			if x, ok := toTree(v.Field(i), timeFn); ok {
				m[v.Type().Field(i).Name] = x
			}
		}
		return m, true
	case reflect.Slice:
		if v.IsNil() {
			return nil, false
		}
		out := make([]any, v.Len())
		for i := range out {
			out[i], _ = toTree(v.Index(i), timeFn)
		}
		return out, true
	case reflect.Map:
		if v.IsNil() {
			return nil, false
		}
		m := map[string]any{}
		for _, k := range v.MapKeys() {
			m[k.String()], _ = toTree(v.MapIndex(k), timeFn)
		}
		return m, true
	case reflect.String:
		return v.String(), v.String() != ""
	}
	return v.Interface(), true
}

// cborProtocol is Smithy RPCv2 CBOR.
type cborProtocol struct{ body []byte }

var cborEnc = func() cbor.EncMode {
	em, err := cbor.EncOptions{Time: cbor.TimeUnixMicro, TimeTag: cbor.EncTagRequired}.EncMode()
	if err != nil {
		panic(err) // the options are constant
	}
	return em
}()

func (p cborProtocol) decode(in any) error {
	if len(p.body) == 0 {
		return nil
	}
	return cbor.Unmarshal(p.body, in)
}

func (cborProtocol) writeResult(w http.ResponseWriter, _, requestID string, out any) {
	tree, _ := toTree(reflect.ValueOf(out), func(t time.Time) any { return t })
	b, err := cborEnc.Marshal(tree)
	if err != nil {
		cborProtocol{}.writeError(w, "", requestID, apiErr(codeInternal, err.Error()))
		return
	}
	writeBody(w, "application/cbor", requestID, http.StatusOK, b, func(h http.Header) { h.Set("Smithy-Protocol", "rpc-v2-cbor") })
}

func (cborProtocol) writeError(w http.ResponseWriter, _, requestID string, e *awserr.Error) {
	b, _ := cborEnc.Marshal(map[string]string{"__type": shapePrefix + e.Code, "message": e.Message}) // strings always encode
	writeBody(w, "application/cbor", requestID, e.Status, b, func(h http.Header) {
		h.Set("Smithy-Protocol", "rpc-v2-cbor")
		h.Set("X-Amzn-Query-Error", queryCode(e.Code)+";"+faultType(e))
	})
}

// jsonProtocol is awsJson1.0.
type jsonProtocol struct{ body []byte }

func (p jsonProtocol) decode(in any) error {
	if len(bytes.TrimSpace(p.body)) == 0 {
		return nil
	}
	dec := json.NewDecoder(bytes.NewReader(p.body))
	dec.UseNumber()
	var tree any
	if err := dec.Decode(&tree); err != nil {
		return err
	}
	return assignTree(tree, reflect.ValueOf(in).Elem(), "")
}

func (jsonProtocol) writeResult(w http.ResponseWriter, _, requestID string, out any) {
	tree, _ := toTree(reflect.ValueOf(out), func(t time.Time) any { return float64(t.UnixMilli()) / 1e3 })
	b, err := json.Marshal(tree)
	if err != nil {
		jsonProtocol{}.writeError(w, "", requestID, apiErr(codeInternal, err.Error()))
		return
	}
	writeBody(w, "application/x-amz-json-1.0", requestID, http.StatusOK, b, nil)
}

func (jsonProtocol) writeError(w http.ResponseWriter, _, requestID string, e *awserr.Error) {
	b, _ := json.Marshal(map[string]string{"__type": shapePrefix + e.Code, "message": e.Message}) // strings always encode
	writeBody(w, "application/x-amz-json-1.0", requestID, e.Status, b, func(h http.Header) {
		h.Set("X-Amzn-Query-Error", queryCode(e.Code)+";"+faultType(e))
	})
}

func writeBody(w http.ResponseWriter, contentType, requestID string, status int, body []byte, headers func(http.Header)) {
	h := w.Header()
	h.Set("Content-Type", contentType)
	h.Set("Content-Length", strconv.Itoa(len(body)))
	h.Set("X-Amzn-Requestid", requestID)
	if headers != nil {
		headers(h)
	}
	w.WriteHeader(status)
	_, _ = w.Write(body) // the client has gone if this fails
}

// assignTree stores a decoded JSON value (maps, slices, json.Number,
// strings, bools) into v, converting to v's type; path names the member in
// errors.
func assignTree(tree any, v reflect.Value, path string) error {
	if tree == nil {
		return nil
	}
	if v.Kind() == reflect.Pointer {
		v.Set(reflect.New(v.Type().Elem()))
		return assignTree(tree, v.Elem(), path)
	}
	if v.Type() == timeType {
		switch x := tree.(type) {
		case json.Number:
			f, err := x.Float64()
			if err != nil {
				return fmt.Errorf("%s: %w", path, err)
			}
			sec, frac := math.Modf(f)
			v.Set(reflect.ValueOf(time.Unix(int64(sec), int64(frac*1e9)).UTC()))
			return nil
		case string:
			t, err := parseTime(x)
			if err != nil {
				return fmt.Errorf("%s: %w", path, err)
			}
			v.Set(reflect.ValueOf(t))
			return nil
		}
		return fmt.Errorf("%s: a timestamp must be a number or a string", path)
	}
	switch v.Kind() {
	case reflect.Struct:
		m, ok := tree.(map[string]any)
		if !ok {
			return fmt.Errorf("%s: expected an object", path)
		}
		for i := range v.NumField() {
			name := v.Type().Field(i).Name
			if err := assignTree(m[name], v.Field(i), join(path, name)); err != nil {
				return err
			}
		}
	case reflect.Slice:
		list, ok := tree.([]any)
		if !ok {
			return fmt.Errorf("%s: expected a list", path)
		}
		out := reflect.MakeSlice(v.Type(), len(list), len(list))
		for i, x := range list {
			if err := assignTree(x, out.Index(i), fmt.Sprintf("%s[%d]", path, i)); err != nil {
				return err
			}
		}
		v.Set(out)
	case reflect.Map:
		m, ok := tree.(map[string]any)
		if !ok {
			return fmt.Errorf("%s: expected an object", path)
		}
		out := reflect.MakeMapWithSize(v.Type(), len(m))
		for k, x := range m {
			e := reflect.New(v.Type().Elem()).Elem()
			if err := assignTree(x, e, join(path, k)); err != nil {
				return err
			}
			out.SetMapIndex(reflect.ValueOf(k), e)
		}
		v.Set(out)
	default:
		s, ok := tree.(string)
		if n, isNum := tree.(json.Number); isNum {
			s, ok = n.String(), true
		}
		if b, isBool := tree.(bool); isBool {
			s, ok = strconv.FormatBool(b), true
		}
		if !ok {
			return fmt.Errorf("%s: expected a scalar", path)
		}
		return setScalar(v, s, path)
	}
	return nil
}

// setScalar parses s into a string, number or bool.
func setScalar(v reflect.Value, s, path string) error {
	switch v.Kind() {
	case reflect.String:
		v.SetString(s)
	case reflect.Float64:
		f, err := strconv.ParseFloat(s, 64)
		if err != nil {
			return fmt.Errorf("%s: %q is not a number", path, s)
		}
		v.SetFloat(f)
	case reflect.Int32, reflect.Int64:
		n, err := strconv.ParseInt(s, 10, v.Type().Bits())
		if err != nil {
			return fmt.Errorf("%s: %q is not an integer", path, s)
		}
		v.SetInt(n)
	case reflect.Bool:
		b, err := strconv.ParseBool(s)
		if err != nil {
			return fmt.Errorf("%s: %q is not a boolean", path, s)
		}
		v.SetBool(b)
	default:
		return fmt.Errorf("%s: unsupported member type %s", path, v.Type())
	}
	return nil
}

// parseTime reads an ISO 8601 timestamp or epoch seconds.
func parseTime(s string) (time.Time, error) {
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05", "2006-01-02T15:04:05.999999999", "2006-01-02"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t.UTC(), nil
		}
	}
	if f, err := strconv.ParseFloat(s, 64); err == nil {
		sec, frac := math.Modf(f)
		return time.Unix(int64(sec), int64(frac*1e9)).UTC(), nil
	}
	return time.Time{}, fmt.Errorf("%q is not a timestamp", s)
}

func join(prefix, name string) string {
	if prefix == "" {
		return name
	}
	return prefix + "." + name
}
