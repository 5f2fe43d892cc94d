package asl

import (
	"errors"
	"strings"
	"testing"
)

func TestIntrinsics(t *testing.T) {
	data := mustDecode(t, `{"s":"a,b,,c","n":3,"arr":[1,2,2,3],"obj":{"a":1},"json":"{\"x\":[1]}","b64nl":"RGF0\nYQ=="}`)
	tests := []struct {
		expr string
		want string // JSON; "" with wantErr
		err  string // the start of the failure's message, with want ""
	}{
		{`States.Format('Hello {} and {}', $.n, 'x')`, `"Hello 3 and x"`, ""},
		{`States.Format('literal \{\} {}', $.obj)`, `"literal {} {a=1}"`, ""},
		{`States.Format('{} {}', 1)`, "", "Invalid arguments in States.Format"},
		{`States.StringToJson($.json)`, `{"x":[1]}`, ""},
		{`States.JsonToString($.obj)`, `"{\"a\":1}"`, ""},
		{`States.Array(1, 'two', $.obj, null, true)`, `[1,"two",{"a":1},null,true]`, ""},
		{`States.ArrayPartition($.arr, 3)`, `[[1,2,2],[3]]`, ""},
		{`States.ArrayPartition($.arr, 0)`, "", "Invalid arguments in States.ArrayPartition"},
		{`States.ArrayPartition($.arr, 0.6)`, "", "Invalid arguments in States.ArrayPartition"},
		{`States.MathRandom(1.4, 1.6)`, "", "Invalid arguments in States.MathRandom"},
		{`States.ArrayContains($.arr, 3)`, `true`, ""},
		{`States.ArrayContains($.arr, 3.0)`, `false`, ""},
		{`States.ArrayContains(States.Array($.obj, 'true'), true)`, `true`, ""},
		{`States.ArrayContains(States.Array($.obj), States.StringToJson('{"a":1}'))`, `true`, ""},
		{`States.ArrayContains(States.Array(States.StringToJson('{"a":1,"b":2}')), States.StringToJson('{"b":2,"a":1}'))`, `false`, ""},
		{`States.ArrayRange(1, 9, 2)`, `[1,3,5,7,9]`, ""},
		{`States.ArrayRange(5, 1, -2)`, `[5,3,1]`, ""},
		{`States.ArrayRange(0, 2000, 1)`, "", "Invalid arguments in States.ArrayRange"},
		{`States.ArrayGetItem($.arr, 3)`, `3`, ""},
		{`States.ArrayGetItem($.arr, 4)`, "", "Invalid arguments in States.ArrayGetItem"},
		{`States.ArrayLength($.arr)`, `4`, ""},
		{`States.ArrayUnique($.arr)`, `[1,2,3]`, ""},
		// A java.util.HashSet: bucket order, Java equality.
		{`States.ArrayUnique(States.Array(true, false, true, false))`, `[false,true]`, ""},
		{`States.ArrayUnique(States.Array(null, null, 1, null))`, `[null,1]`, ""},
		{`States.ArrayUnique(States.Array(1, '1', 1, '01'))`, `[1,"1","01"]`, ""},
		{`States.ArrayUnique(States.Array(States.Array(1, 2), States.Array(1, 2), States.Array(2, 1)))`, `[[2,1],[1,2]]`, ""},
		{`States.ArrayUnique(States.Array(1, 1.0))`, `[1.0,1]`, ""},
		{`States.ArrayUnique(States.Array(States.StringToJson('{"a":1,"b":2}'), States.StringToJson('{"b":2,"a":1}')))`, `[{"a":1,"b":2}]`, ""},
		{`States.Base64Encode('Data to encode')`, `"RGF0YSB0byBlbmNvZGU="`, ""},
		{`States.Base64Decode('RGF0YSB0byBlbmNvZGU=')`, `"Data to encode"`, ""},
		// The lenient decoder of Apache Commons Codec.
		{`States.Base64Decode('***')`, `""`, ""},
		{`States.Base64Decode('RGF0YQ')`, `"Data"`, ""},
		{`States.Base64Decode('RGF0YQ=')`, `"Data"`, ""},
		{`States.Base64Decode($.b64nl)`, `"Data"`, ""},
		{`States.Base64Decode(' YWJjZA== ')`, `"abcd"`, ""},
		{`States.Base64Decode('ab==cd')`, `"i"`, ""},
		{`States.Base64Decode('_-8=')`, "\"\uFFFD\uFFFD\"", ""}, // the bytes ff ef
		{`States.Hash('input data', 'SHA-1')`, `"aaff4a450a104cd177d28d18d74485e8cae074b7"`, ""},
		{`States.Hash('x', 'SHA-3')`, "", "Invalid arguments in States.Hash"},
		{`States.JsonMerge($.obj, States.StringToJson('{"b":2}'), false)`, `{"a":1,"b":2}`, ""},
		{`States.JsonMerge($.obj, $.obj, true)`, "", "Invalid arguments in States.JsonMerge"},
		{`States.JsonMerge($.obj, States.StringToJson('{"b":2}'), 'false')`, `{"a":1,"b":2}`, ""},
		{`States.MathAdd($.n, -4)`, `-1`, ""},
		{`States.MathAdd(1.5, 1)`, `3`, ""},
		{`States.MathAdd('1', 1)`, "", "Invalid arguments in States.MathAdd"},
		// The number of arguments is checked when the call runs.
		{`States.MathAdd(1, 2, 3)`, "", "Invalid arguments in States.MathAdd"},
		{`States.ArrayLength()`, "", "Invalid arguments in States.ArrayLength"},
		{`States.UUID(1)`, "", "Invalid arguments in States.UUID"},
		{`States.Format()`, "", "Invalid arguments in States.Format"},
		{`States.MathAdd(2147483646, 1)`, `2147483647`, ""},
		{`States.MathAdd(-2147483647, -1)`, `-2147483648`, ""},
		{`States.MathAdd(2147483647, 1)`, "", "Invalid arguments in States.MathAdd"},
		{`States.MathAdd(3000000000, -1000000000)`, "", "Invalid arguments in States.MathAdd"},
		{`States.MathRandom(5, 6)`, `5`, ""},
		{`States.StringSplit($.s, ',')`, `["a","b","c"]`, ""},
		{`States.ArrayLength(States.StringSplit($.s, ','))`, `3`, ""},
	}
	for _, tt := range tests {
		t.Run(tt.expr, func(t *testing.T) {
			f, err := parseIntrinsic(tt.expr)
			if err != nil {
				t.Fatal(err)
			}
			got, err := f.eval(data, nil)
			if tt.err != "" {
				var ie *intrinsicError
				if !errors.As(err, &ie) || !strings.HasPrefix(ie.msg, tt.err) {
					t.Fatalf("err = %v, want %s", err, tt.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if encodeJSON(got) != tt.want {
				t.Errorf("got %s, want %s", encodeJSON(got), tt.want)
			}
		})
	}
}

// TestIntrinsicNumbers pins how the functions treat numbers that are not
// integers. The recorded AWS executions of MathAdd show half-up rounding of
// each argument, Java's Math.round; the functions that take an index, a
// size, a bound or a step drop the fraction instead.
func TestIntrinsicNumbers(t *testing.T) {
	tests := []struct {
		expr string
		want string
	}{
		{`States.MathAdd(-9, 3)`, `-6`},
		{`States.MathAdd(1.49, 1.50)`, `3`},
		{`States.MathAdd(1.50, 1.51)`, `4`},
		{`States.MathAdd(-1.49, -1.50)`, `-2`},
		{`States.MathAdd(-1.50, -1.51)`, `-3`},
		{`States.MathAdd(0.5, 0)`, `1`},
		{`States.MathAdd(2.5, 0)`, `3`},
		{`States.MathAdd(-0.5, 0.5)`, `1`},
		{`States.MathAdd(-2.5, 0)`, `-2`},
		{`States.MathAdd(1.0, 1)`, `2`},
		{`States.ArrayRange(0.6, 3.2, 1.0)`, `[0,1,2,3]`},
		{`States.ArrayRange(1.6, 1.4, 1)`, `[1]`},
		{`States.ArrayRange(5.4, -0.6, -2.4)`, `[5,3,1]`},
		{`States.ArrayGetItem(States.Array('a', 'b', 'c'), 1.2)`, `"b"`},
		{`States.ArrayGetItem(States.Array('a', 'b'), -0.5)`, `"a"`},
		{`States.ArrayGetItem(States.Array(), 999)`, `null`},
		{`States.ArrayPartition(States.Array(1, 2, 3, 4, 5), 2.6)`, `[[1,2],[3,4],[5]]`},
		{`States.MathRandom(12.50, 13.99)`, `12`},
	}
	for _, tt := range tests {
		t.Run(tt.expr, func(t *testing.T) {
			got := mustEval(t, tt.expr, nil)
			if !equalJSON(got, mustDecode(t, tt.want)) {
				t.Errorf("got %s, want %s", encodeJSON(got), tt.want)
			}
		})
	}
}

// TestIntrinsicRendering pins how values become text. States.Format places
// strings as they are and other values as Java prints them: the recorded
// context-object execution renders an object as
// "{Id=arn:..., Name=...}". States.JsonToString writes compact JSON.
// Doubles print as Java's Double.toString.
func TestIntrinsicRendering(t *testing.T) {
	data := mustDecode(t, `{"obj":{"Arg1":1,"Arg2":[]},"nested":{"b":{"c":"x"},"a":[1,"two",null,true]},
		"f":1.1,"whole":1.0,"big":1e10,"small":0.00001,"neg0":-0,"str":"{\"Arg1\": 1}","int":12345678901234567890}`)
	tests := []struct {
		expr string
		want string
	}{
		{`States.Format('{}', $.obj)`, `{Arg1=1, Arg2=[]}`},
		// Keys keep the order they were written in (Jackson's ObjectNode).
		{`States.Format('{}', $.nested)`, `{b={c=x}, a=[1, two, null, true]}`},
		{`States.Format('{} {} {} {}', $.f, $.whole, $.big, $.small)`, `1.1 1.0 1.0E10 1.0E-5`},
		{`States.Format('{} {}', $.neg0, $.int)`, `0 12345678901234567890`},
		{`States.Format('{}', $.str)`, `{"Arg1": 1}`},
		{`States.Format('{}', States.Array('a', 2))`, `[a, 2]`},
		{`States.JsonToString($.obj)`, `{"Arg1":1,"Arg2":[]}`},
		{`States.JsonToString($.nested)`, `{"b":{"c":"x"},"a":[1,"two",null,true]}`},
		{`States.JsonToString($.big)`, `1.0E10`},
		{`States.JsonToString($.whole)`, `1.0`},
		{`States.JsonToString($.str)`, `"{\"Arg1\": 1}"`},
	}
	for _, tt := range tests {
		t.Run(tt.expr, func(t *testing.T) {
			got := mustEval(t, tt.expr, data)
			if got != tt.want {
				t.Errorf("got %q, want %q", got, tt.want)
			}
		})
	}
}

func TestJavaDouble(t *testing.T) {
	for f, want := range map[float64]string{
		1: "1.0", 1.5: "1.5", 1234567: "1234567.0", 1e7: "1.0E7", 12345678.9: "1.23456789E7",
		0.001: "0.001", 0.0001: "1.0E-4", -2.5e-10: "-2.5E-10", 0: "0.0", 100: "100.0",
	} {
		if got := javaDouble(f); got != want {
			t.Errorf("javaDouble(%v) = %s, want %s", f, got, want)
		}
	}
}

func TestIntrinsicUUID(t *testing.T) {
	f, err := parseIntrinsic("States.UUID()")
	if err != nil {
		t.Fatal(err)
	}
	v, _ := f.eval(nil, nil)
	s, _ := v.(string)
	if len(s) != 36 || s[14] != '4' || strings.Count(s, "-") != 4 {
		t.Errorf("UUID() = %q, want a version 4 UUID", s)
	}
}

func TestIntrinsicMissingPath(t *testing.T) {
	f, err := parseIntrinsic("States.Format('{}', $.nope)")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.eval(newObject(0), nil); err == nil || !strings.Contains(err.Error(), "$.nope") {
		t.Errorf("err = %v, want one naming $.nope", err)
	}
}

func TestParseIntrinsicErrors(t *testing.T) {
	for _, s := range []string{
		"States.Nope(1)", "States.Format(", "States.Format('x'",
		"States.Format('a' 'b')", "States.Array({})", "States.Format('x') trailing",
	} {
		if _, err := parseIntrinsic(s); err == nil {
			t.Errorf("parseIntrinsic(%q) succeeded, want an error", s)
		}
	}
}

// TestFormatEscapes pins the reserved characters of a States.Format
// template. In a literal, \' \{ \} and \\ stand for the character itself and
// an escaped brace is never a placeholder; a template read from the input is
// plain text whose {} are placeholders and whose backslashes stay.
func TestFormatEscapes(t *testing.T) {
	data := mustDecode(t, `{"v":"x","tmpl":"C:\\dir\\{} {}","braces":"\\{\\}"}`)
	tests := []struct {
		expr string
		want string
	}{
		{`States.Format('it\'s {}', $.v)`, `it's x`},
		{`States.Format('\{\} {}', $.v)`, `{} x`},
		{`States.Format('a\\{}', $.v)`, `a\x`},
		{`States.Format('a\\\\{}', $.v)`, `a\\x`},
		{`States.Format('\\\{{}\}', $.v)`, `\{x}`},
		{`States.Format('a\n{}\t\r', $.v)`, "a\nx\t\r"},
		{`States.Format('{}', 'a\nb')`, "a\nb"},
		{`States.Format($.tmpl, $.v, 'y')`, `C:\dir\x y`},
		{`States.Format('{}', $.braces)`, `\{\}`},
	}
	for _, tt := range tests {
		t.Run(tt.expr, func(t *testing.T) {
			got := mustEval(t, tt.expr, data)
			if got != tt.want {
				t.Errorf("got %q, want %q", got, tt.want)
			}
		})
	}
}

// TestIntrinsicFailureCause pins how a state fails when one of its
// intrinsic functions cannot be evaluated: States.Runtime, with a cause that
// quotes the failing call as written.
func TestIntrinsicFailureCause(t *testing.T) {
	const prefix = "An error occurred while executing the state 'P' (entered at the event id #2). " +
		"There was an error while evaluating the intrinsic function: "
	tests := []struct {
		expr, input, cause string
	}{
		{`States.MathAdd($.a, 'x')`, `{"a":1}`, `States.MathAdd($.a, 'x'). Invalid arguments in States.MathAdd`},
		{`States.ArrayLength(States.ArrayGetItem($.a, 5))`, `{"a":[1]}`, `States.ArrayGetItem($.a, 5). Invalid arguments in States.ArrayGetItem`},
		{`States.Format('{} {}', $.a)`, `{"a":1}`, `States.Format('{} {}', $.a). Invalid arguments in States.Format: number of arguments do not match the occurrences of {}.`},
		{`States.Format('{ {}', $.a)`, `{"a":1}`, `States.Format('{ {}', $.a). Invalid template in States.Format: matching '}' not found for '{'.`},
		{`States.Format('} {}', $.a)`, `{"a":1}`, `States.Format('} {}', $.a). Invalid template in States.Format: matching '{' not found for '}'.`},
		{`States.Hash($.missing, 'MD5')`, `{"a":1}`, `States.Hash($.missing, 'MD5'). The JsonPath argument for the field '$.missing' could not be found in the input '{"a":1}'`},
	}
	for _, tt := range tests {
		t.Run(tt.expr, func(t *testing.T) {
			def := `{"StartAt":"P","States":{"P":{"Type":"Pass","Parameters":{"v.$":` + encodeJSON(tt.expr) + `},"End":true}}}`
			r := runMachine(t, def, tt.input, nil)
			if r.res.Error != ErrRuntime || r.res.Cause != prefix+tt.cause {
				t.Errorf("error %q, cause %q\nwant %q, %q", r.res.Error, r.res.Cause, ErrRuntime, prefix+tt.cause)
			}
		})
	}
}

// TestEncodeLengthLimit pins the 10,000 character limit of the Base64 and
// Hash functions, counted in the UTF-16 units of a Java string.
func TestEncodeLengthLimit(t *testing.T) {
	for _, tt := range []struct {
		s    string
		fail bool
	}{
		{strings.Repeat("a", 10000), false},
		{strings.Repeat("a", 10001), true},
		{strings.Repeat("😀", 5000), false},
		{strings.Repeat("😀", 5001), true},
	} {
		for _, fn := range []func([]any) (any, error){fnBase64Encode, fnBase64Decode, func(a []any) (any, error) { return fnHash(append(a, "MD5")) }} {
			if _, err := fn([]any{tt.s}); (err != nil) != tt.fail {
				t.Errorf("%d characters: err = %v, want failure %v", len(tt.s), err, tt.fail)
			}
		}
	}
}

// mustEval parses and evaluates the intrinsic call expr on data, failing
// the test on an error.
func mustEval(t *testing.T, expr string, data any) any {
	t.Helper()
	f, err := parseIntrinsic(expr)
	if err != nil {
		t.Fatal(err)
	}
	got, err := f.eval(data, nil)
	if err != nil {
		t.Fatal(err)
	}
	return got
}
