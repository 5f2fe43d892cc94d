package cloudwatch

import (
	"bytes"
	"encoding/xml"
	"fmt"
	"net/http"
	"net/url"
	"reflect"
	"sort"
	"strconv"
	"time"

	"github.com/greenlight/greenlight/localcloud/internal/awserr"
)

const xmlNamespace = "http://monitoring.amazonaws.com/doc/2010-08-01/"

// queryProtocol is the AWS query protocol: form-encoded parameters in,
// XML out.
type queryProtocol struct {
	values   url.Values
	prefixes map[string]bool // every dotted prefix of every parameter name
}

func newQueryProtocol(r *http.Request, body []byte) (queryProtocol, error) {
	p := queryProtocol{values: r.URL.Query(), prefixes: map[string]bool{}}
	if len(body) > 0 {
		form, err := url.ParseQuery(string(body))
		if err != nil {
			return p, err
		}
		for k, vs := range form {
			p.values[k] = append(p.values[k], vs...)
		}
	}
	for k := range p.values {
		for i := range k {
			if k[i] == '.' {
				p.prefixes[k[:i]] = true
			}
		}
		p.prefixes[k] = true
	}
	return p, nil
}

func (p queryProtocol) decode(in any) error {
	return p.assign("", reflect.ValueOf(in).Elem())
}

// assign fills v from the parameters under prefix: struct members as
// prefix.Member, lists as prefix.member.N, maps as prefix.entry.N.key/value.
func (p queryProtocol) assign(prefix string, v reflect.Value) error {
	if prefix != "" && !p.prefixes[prefix] {
		return nil
	}
	if v.Type() == timeType {
		t, err := parseTime(p.values.Get(prefix))
		if err != nil {
			return fmt.Errorf("%s: %w", prefix, err)
		}
		v.Set(reflect.ValueOf(t))
		return nil
	}
	switch v.Kind() {
	case reflect.Pointer:
		v.Set(reflect.New(v.Type().Elem()))
		return p.assign(prefix, v.Elem())
	case reflect.Struct:
		for i := range v.NumField() {
			if err := p.assign(join(prefix, v.Type().Field(i).Name), v.Field(i)); err != nil {
				return err
			}
		}
	case reflect.Slice:
		out := reflect.MakeSlice(v.Type(), 0, 0)
		for i := 1; p.prefixes[prefix+".member."+strconv.Itoa(i)]; i++ {
			e := reflect.New(v.Type().Elem()).Elem()
			if err := p.assign(prefix+".member."+strconv.Itoa(i), e); err != nil {
				return err
			}
			out = reflect.Append(out, e)
		}
		v.Set(out)
	case reflect.Map:
		out := reflect.MakeMap(v.Type())
		for i := 1; p.prefixes[prefix+".entry."+strconv.Itoa(i)]; i++ {
			entry := prefix + ".entry." + strconv.Itoa(i)
			e := reflect.New(v.Type().Elem()).Elem()
			if err := p.assign(entry+".value", e); err != nil {
				return err
			}
			out.SetMapIndex(reflect.ValueOf(p.values.Get(entry+".key")), e)
		}
		v.Set(out)
	default:
		return setScalar(v, p.values.Get(prefix), prefix)
	}
	return nil
}

func (queryProtocol) writeResult(w http.ResponseWriter, operation, requestID string, out any) {
	var b bytes.Buffer
	fmt.Fprintf(&b, `<%sResponse xmlns="%s">`, operation, xmlNamespace)
	v := reflect.ValueOf(out).Elem()
	if v.NumField() > 0 {
		fmt.Fprintf(&b, "<%sResult>", operation)
		writeXMLFields(&b, v)
		fmt.Fprintf(&b, "</%sResult>", operation)
	}
	fmt.Fprintf(&b, "<ResponseMetadata><RequestId>%s</RequestId></ResponseMetadata></%sResponse>", requestID, operation)
	writeBody(w, "text/xml", requestID, http.StatusOK, b.Bytes(), nil)
}

func (queryProtocol) writeError(w http.ResponseWriter, _, requestID string, e *awserr.Error) {
	var b bytes.Buffer
	fmt.Fprintf(&b, `<ErrorResponse xmlns="%s"><Error><Type>%s</Type><Code>%s</Code><Message>`, xmlNamespace, faultType(e), queryCode(e.Code))
	_ = xml.EscapeText(&b, []byte(e.Message)) // writes to a buffer cannot fail
	fmt.Fprintf(&b, "</Message></Error><RequestId>%s</RequestId></ErrorResponse>", requestID)
	writeBody(w, "text/xml", requestID, e.Status, b.Bytes(), nil)
}

// writeXMLFields writes the present members of a struct as elements.
func writeXMLFields(b *bytes.Buffer, v reflect.Value) {
	for i := range v.NumField() {
		writeXMLValue(b, v.Type().Field(i).Name, v.Field(i))
	}
}

// writeXMLValue writes <name>value</name> unless the value is absent.
func writeXMLValue(b *bytes.Buffer, name string, v reflect.Value) {
	switch v.Kind() {
	case reflect.Pointer, reflect.Slice, reflect.Map:
		if v.IsNil() {
			return
		}
	case reflect.String:
		if v.String() == "" {
			return
		}
	}
	if v.Kind() == reflect.Pointer {
		v = v.Elem()
	}
	b.WriteString("<" + name + ">")
	switch {
	case v.Type() == timeType:
		b.WriteString(v.Interface().(time.Time).UTC().Format("2006-01-02T15:04:05.000Z"))
	case v.Kind() == reflect.Struct:
		writeXMLFields(b, v)
	case v.Kind() == reflect.Slice:
		for i := range v.Len() {
			writeXMLValue(b, "member", v.Index(i))
		}
	case v.Kind() == reflect.Map:
		keys := v.MapKeys()
		sort.Slice(keys, func(i, j int) bool { return keys[i].String() < keys[j].String() })
		for _, k := range keys {
			b.WriteString("<entry>")
			writeXMLValue(b, "key", k)
			writeXMLValue(b, "value", v.MapIndex(k))
			b.WriteString("</entry>")
		}
	case v.Kind() == reflect.Float64:
		b.WriteString(strconv.FormatFloat(v.Float(), 'f', -1, 64))
	default:
		_ = xml.EscapeText(b, []byte(fmt.Sprint(v.Interface()))) // writes to a buffer cannot fail
	}
	b.WriteString("</" + name + ">")
}
