package lambda

import (
	"strings"
	"testing"

	"github.com/greenlight/greenlight/localcloud/internal/awserr"
)

func TestResolveRef(t *testing.T) {
	tests := []struct {
		ref, explicit   string
		name, qualifier string
		code            string
	}{
		{"orders", "", "orders", "", ""},
		{"orders:live", "", "orders", "live", ""},
		{"orders", "7", "orders", "7", ""},
		{"orders:$LATEST", "", "orders", "$LATEST", ""},
		{"000000000000:function:orders", "", "orders", "", ""},
		{"000000000000:function:orders:3", "", "orders", "3", ""},
		{"arn:aws:lambda:us-east-1:000000000000:function:orders", "", "orders", "", ""},
		{"arn:aws:lambda:us-east-1:000000000000:function:orders:live", "live", "orders", "live", ""},
		{"arn:aws:lambda:us-east-1:000000000000:function:orders:live", "green", "", "", codeInvalidParameter},
		{"orders", "bad qualifier", "", "", codeValidation},
		{"", "", "", "", codeValidation},
		{"orders:", "", "", "", codeValidation},
		{"has space", "", "", "", codeValidation},
		{strings.Repeat("a", 65), "", "", "", codeValidation},
		{"arn:aws:s3:us-east-1:000000000000:function:orders", "", "", "", codeValidation},
		{"arn:aws:lambda:us-east-1:000000000000:layer:orders", "", "", "", codeValidation},
		{"abc:function:orders", "", "", "", codeValidation},
		{"a:b:c", "", "", "", codeValidation},
	}
	for _, tt := range tests {
		t.Run(tt.ref+"|"+tt.explicit, func(t *testing.T) {
			name, q, err := resolveRef(tt.ref, tt.explicit)
			code := ""
			if err != nil {
				code = err.(*awserr.Error).Code
			}
			if code != tt.code || name != tt.name || q != tt.qualifier {
				t.Fatalf("resolveRef = %q, %q, %v; want %q, %q, %s", name, q, err, tt.name, tt.qualifier, tt.code)
			}
		})
	}
}

func FuzzParseFunctionRef(f *testing.F) {
	for _, s := range []string{"orders", "orders:live", "000000000000:function:orders:1",
		"arn:aws:lambda:us-east-1:000000000000:function:orders:live", "::", "arn:"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, ref string) {
		name, q, err := parseFunctionRef(ref)
		if err != nil {
			return
		}
		if !namePattern.MatchString(name) {
			t.Fatalf("accepted name %q from %q", name, ref)
		}
		if q != "" && !qualifierPattern.MatchString(q) {
			t.Fatalf("accepted qualifier %q from %q", q, ref)
		}
		// What parses must parse the same as a full ARN.
		n2, q2, err := parseFunctionRef(qualifiedARN(name, q))
		if err != nil || n2 != name || q2 != q {
			t.Fatalf("round trip of %q: %q %q %v", ref, n2, q2, err)
		}
	})
}
