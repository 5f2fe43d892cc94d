package release

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/greenlight/greenlight/internal/failure"
)

// newConfigured builds a release of orders from a console input.
func newConfigured(t *testing.T, input string) (*Document, error) {
	t.Helper()
	in, err := ParseConsole([]byte(input))
	if err != nil {
		t.Fatalf("ParseConsole(%s): %v", input, err)
	}
	return New(Request{Input: in, Source: SourceConsole, Settings: in.Settings, ExecutionARN: execARN, StartedAt: started})
}

func TestConfigurationValidation(t *testing.T) {
	tests := []struct {
		name  string
		input string
		want  []string // problems, in order; none for a valid release
	}{
		{"configuration only", `{"function":"orders","configuration":{"environment":{"set":{"FEATURE":"b"}}}}`, nil},
		{"code and every field", `{"function":"orders","artifact":{"bucket":"b","key":"releases/orders/1.zip","versionId":"v"},
			"configuration":{"environment":{"set":{"FEATURE":"b"},"unset":["OLD"]},"memorySize":512,"timeout":30,"ephemeralStorage":1024,
			"layers":["arn:aws:lambda:us-east-1:123456789012:layer:deps:3"],"handler":"bootstrap","runtime":"provided.al2023",
			"description":"flag b","logging":{"logFormat":"JSON","applicationLogLevel":"INFO","systemLogLevel":"WARN","logGroup":"/aws/lambda/orders"}}}`, nil},
		{"nothing to release", `{"function":"orders"}`, []string{"nothing to release"}},
		{"an empty configuration is nothing", `{"function":"orders","configuration":{"environment":{}}}`, []string{"nothing to release"}},
		{"every problem at once", `{"function":"orders","configuration":{"memorySize":64,"timeout":901,"ephemeralStorage":100,
			"environment":{"set":{"AWS_REGION":"x","1BAD":"y","KEEP":"z"},"unset":["KEEP"]},
			"layers":["a","arn:aws:lambda:us-east-1:123456789012:layer:l:1","arn:aws:lambda:us-east-1:123456789012:layer:l:2",
			"arn:aws:lambda:us-east-1:123456789012:layer:l:3","arn:aws:lambda:us-east-1:123456789012:layer:l:4","arn:aws:lambda:us-east-1:123456789012:layer:l:5"],"handler":"has space","runtime":"Node JS","logging":{"logFormat":"Text","applicationLogLevel":"LOUD"}}}`,
			[]string{
				`configuration.environment.set: "1BAD" is not an environment variable name`,
				`configuration.environment.set: "AWS_REGION" is reserved by Lambda`,
				`configuration.environment: "KEEP" is both set and unset`,
				"configuration.memorySize 64 is not in Lambda's range 128 to 10240 MB",
				"configuration.timeout 901 is not in Lambda's range 1 to 900 seconds",
				"configuration.ephemeralStorage 100 is not in Lambda's range 512 to 10240 MB",
				"configuration.layers: 6 layers, Lambda allows at most 5",
				`configuration.layers: "a" is not a layer version ARN`,
				`configuration.handler "has space"`,
				`configuration.runtime "Node JS"`,
				`configuration.logging.applicationLogLevel "LOUD"`,
				"configuration.logging: log levels need logFormat JSON",
			}},
		{"variable unset twice", `{"function":"orders","configuration":{"environment":{"unset":["DEBUG","DEBUG"]}}}`, []string{`configuration.environment.unset: "DEBUG" is listed twice`}},
		{"layer ARN over 140 characters", `{"function":"orders","configuration":{"layers":["arn:aws:lambda:us-east-1:123456789012:layer:` + strings.Repeat("l", 95) + `:1"]}}`,
			[]string{"is not a layer version ARN (arn:aws:lambda:<region>:<account>:layer:<name>:<version>, at most 140 characters)"}},
		{"layer ARN of 140 characters", `{"function":"orders","configuration":{"layers":["arn:aws:lambda:us-east-1:123456789012:layer:` + strings.Repeat("l", 94) + `:1"]}}`, nil},
		{"handler with a form feed", `{"function":"orders","configuration":{"handler":"boot\fstrap"}}`, []string{`configuration.handler "boot\fstrap": want 1 to 128 characters without spaces`}},
		{"handler with a vertical tab", `{"function":"orders","configuration":{"handler":"boot\u000bstrap"}}`, []string{`configuration.handler "boot\vstrap"`}},
		{"environment over 4 KB", `{"function":"orders","configuration":{"environment":{"set":{"BIG":"` + strings.Repeat("x", 4094) + `"}}}}`,
			[]string{"the variables take 4097 bytes, Lambda allows 4096"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d, err := newConfigured(t, tt.input)
			if tt.want == nil {
				if err != nil {
					t.Fatalf("New: %v", err)
				}
				return
			}
			var v *failure.ValidationError
			if !errors.As(err, &v) {
				t.Fatalf("New = %+v, %v; want a ValidationError", d, err)
			}
			var matched int
			for _, p := range v.Problems {
				if matched < len(tt.want) && strings.Contains(p, tt.want[matched]) {
					matched++
				}
			}
			if matched != len(tt.want) || len(v.Problems) != len(tt.want) {
				t.Errorf("problems:\n  %s\nwant, in order:\n  %s", strings.Join(v.Problems, "\n  "), strings.Join(tt.want, "\n  "))
			}
		})
	}
}

func TestConfigurationApply(t *testing.T) {
	blue := FunctionConfig{Environment: map[string]string{"FEATURE": "a", "OTHER": "x", "DB_PASSWORD": "old"}, MemorySize: 128, Timeout: 3,
		Layers: []string{"arn:aws:lambda:us-east-1:123456789012:layer:deps:1"}, Handler: "bootstrap", Runtime: "provided.al2023"}
	var c Configuration
	if err := json.Unmarshal([]byte(`{"environment":{"set":{"FEATURE":"b","DB_PASSWORD":"new"},"unset":["OTHER","MISSING"]},"memorySize":512,"layers":[]}`), &c); err != nil {
		t.Fatal(err)
	}
	green := c.Apply(blue)
	if blue.Environment["FEATURE"] != "a" || len(blue.Layers) != 1 {
		t.Fatalf("Apply changed blue: %+v", blue)
	}
	var got []string
	for _, ch := range Changes(blue, green) {
		got = append(got, ch.String())
	}
	want := []string{
		"environment.DB_PASSWORD: **** → ****",
		"environment.FEATURE: a → b",
		"environment.OTHER: x → (unset)",
		"layers: arn:aws:lambda:us-east-1:123456789012:layer:deps:1 → (unset)",
		"memorySize: 128 → 512",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("changes:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if n := Changes(blue, (*Configuration)(nil).Apply(blue)); len(n) != 0 {
		t.Errorf("no configuration changes %v", n)
	}
}
