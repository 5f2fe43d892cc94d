package sns

import (
	"testing"

	"github.com/greenlight/greenlight/localcloud/events/pattern"
)

func TestAttributeFiltering(t *testing.T) {
	tests := []struct {
		name, policy string
		attrs        map[string]Attribute
		want         bool
	}{
		{"string", `{"k":["v"]}`, map[string]Attribute{"k": {"String", "v"}}, true},
		{"string array element", `{"k":["v"]}`, map[string]Attribute{"k": {"String.Array", `["u","v"]`}}, true},
		{"string array number", `{"k":[{"numeric":[">",1]}]}`, map[string]Attribute{"k": {"String.Array", `["u",2]`}}, true},
		{"number against a numeric rule", `{"k":[{"numeric":["=",1.5]}]}`, map[string]Attribute{"k": {"Number", "15e-1"}}, true},
		{"number against a string", `{"k":["5"]}`, map[string]Attribute{"k": {"Number", "5"}}, false},
		{"string against a numeric rule", `{"k":[{"numeric":["=",5]}]}`, map[string]Attribute{"k": {"String", "5"}}, false},
		{"binary takes no part", `{"k":[{"exists":true}]}`, map[string]Attribute{"k": {"Binary", "AQI="}}, false},
		{"quote matched double-escaped", `{"k":["a\\\"b"]}`, map[string]Attribute{"k": {"String", `a"b`}}, true},
		{"quote not escaped", `{"k":["a\"b"]}`, map[string]Attribute{"k": {"String", `a"b`}}, false},
		{"backslash matched double-escaped", `{"k":[{"prefix":"c:\\\\"}]}`, map[string]Attribute{"k": {"String", `c:\x`}}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := pattern.CompilePolicy([]byte(tt.policy), pattern.MessageAttributes)
			if err != nil {
				t.Fatal(err)
			}
			if got := p.Match(attributeDocument(tt.attrs)); got != tt.want {
				t.Errorf("%s against %v = %t, want %t", tt.policy, tt.attrs, got, tt.want)
			}
		})
	}
}
