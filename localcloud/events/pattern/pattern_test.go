package pattern

import (
	"encoding/json"
	"errors"
	"testing"
)

const s3Event = `{
  "version": "0", "id": "17793124-05d4-b198-2fde-7ededc63b103", "detail-type": "Object Created",
  "source": "aws.s3", "account": "000000000000", "time": "2026-11-22T10:15:00Z", "region": "us-east-1",
  "resources": ["arn:aws:s3:::b"],
  "detail": {
    "version": "0", "bucket": {"name": "b"},
    "object": {"key": "releases/orders/42.zip", "size": 5, "etag": "b1946ac92492d2347c6235b4d2611184", "sequencer": "00617F08299329D189"},
    "request-id": "N4N7GDK58NMKJ12R", "requester": "000000000000", "source-ip-address": "10.0.0.7", "reason": "PutObject",
    "tags": ["canary", "Orders"], "items": [{"sku": "a", "qty": 2}, {"sku": "b", "qty": 0}], "note": null
  }
}`

func TestMatch(t *testing.T) {
	tests := []struct {
		name    string
		pattern string
		want    bool
	}{
		{"the stack's rule", `{"source":["aws.s3"],"detail-type":["Object Created"],"detail":{"bucket":{"name":["b"]},"object":{"key":[{"wildcard":"releases/*.zip"}]}}}`, true},
		{"prefix on the key", `{"detail":{"object":{"key":[{"prefix":"releases/"}]}}}`, true},
		{"prefix that differs", `{"detail":{"object":{"key":[{"prefix":"locks/"}]}}}`, false},
		{"exact value", `{"source":["aws.s3"]}`, true},
		{"exact value differs", `{"source":["aws.lambda"]}`, false},
		{"array is an OR", `{"source":["aws.lambda","aws.s3"]}`, true},
		{"every field must match", `{"source":["aws.s3"],"detail-type":["Object Deleted"]}`, false},
		{"nested object", `{"detail":{"bucket":{"name":["b"]}}}`, true},
		{"nested object differs", `{"detail":{"bucket":{"name":["other"]}}}`, false},
		{"suffix", `{"detail":{"object":{"key":[{"suffix":".zip"}]}}}`, true},
		{"suffix differs", `{"detail":{"object":{"key":[{"suffix":".json"}]}}}`, false},
		{"suffix ignoring case", `{"detail":{"object":{"key":[{"suffix":{"equals-ignore-case":".ZIP"}}]}}}`, true},
		{"prefix ignoring case", `{"detail":{"object":{"key":[{"prefix":{"equals-ignore-case":"RELEASES/"}}]}}}`, true},
		{"wildcard in the middle", `{"detail":{"object":{"key":[{"wildcard":"releases/*/42.zip"}]}}}`, true},
		{"wildcard with two stars", `{"detail":{"object":{"key":[{"wildcard":"*orders*"}]}}}`, true},
		{"wildcard that differs", `{"detail":{"object":{"key":[{"wildcard":"releases/*.json"}]}}}`, false},
		{"wildcard without a star is exact", `{"detail":{"object":{"key":[{"wildcard":"releases/orders/42.zip"}]}}}`, true},
		{"wildcard escaped star is literal", `{"detail":{"object":{"key":[{"wildcard":"releases/\\*"}]}}}`, false},
		{"anything-but value", `{"source":[{"anything-but":"aws.lambda"}]}`, true},
		{"anything-but excluded value", `{"source":[{"anything-but":"aws.s3"}]}`, false},
		{"anything-but list", `{"source":[{"anything-but":["aws.s3","aws.lambda"]}]}`, false},
		{"anything-but number", `{"detail":{"object":{"size":[{"anything-but":5}]}}}`, false},
		{"anything-but prefix", `{"detail":{"object":{"key":[{"anything-but":{"prefix":"locks/"}}]}}}`, true},
		{"anything-but prefix excluded", `{"detail":{"object":{"key":[{"anything-but":{"prefix":"releases/"}}]}}}`, false},
		{"anything-but suffix", `{"detail":{"object":{"key":[{"anything-but":{"suffix":".json"}}]}}}`, true},
		{"anything-but ignoring case", `{"source":[{"anything-but":{"equals-ignore-case":"AWS.S3"}}]}`, false},
		{"anything-but on a missing field", `{"detail":{"missing":[{"anything-but":"x"}]}}`, false},
		{"numeric range", `{"detail":{"object":{"size":[{"numeric":[">",0,"<=",5]}]}}}`, true},
		{"numeric range excludes", `{"detail":{"object":{"size":[{"numeric":[">",5]}]}}}`, false},
		{"numeric equals", `{"detail":{"object":{"size":[{"numeric":["=",5]}]}}}`, true},
		{"numeric on a string", `{"source":[{"numeric":[">",0]}]}`, false},
		{"number literal", `{"detail":{"object":{"size":[5.0]}}}`, true},
		{"exists true", `{"detail":{"object":{"etag":[{"exists":true}]}}}`, true},
		{"exists true on a missing field", `{"detail":{"object":{"version-id":[{"exists":true}]}}}`, false},
		{"exists false on a missing field", `{"detail":{"object":{"version-id":[{"exists":false}]}}}`, true},
		{"exists false on a present field", `{"detail":{"object":{"etag":[{"exists":false}]}}}`, false},
		{"exists false under a missing object", `{"detail":{"missing":{"x":[{"exists":false}]}}}`, true},
		{"exists true on an object is false", `{"detail":[{"exists":true}]}`, false},
		{"equals-ignore-case", `{"detail-type":[{"equals-ignore-case":"object created"}]}`, true},
		{"equals-ignore-case differs", `{"detail-type":[{"equals-ignore-case":"object deleted"}]}`, false},
		{"cidr", `{"detail":{"source-ip-address":[{"cidr":"10.0.0.0/24"}]}}`, true},
		{"cidr outside", `{"detail":{"source-ip-address":[{"cidr":"192.168.0.0/16"}]}}`, false},
		{"array field matches any element", `{"detail":{"tags":["canary"]}}`, true},
		{"array field, no element matches", `{"detail":{"tags":["stable"]}}`, false},
		{"array of objects", `{"detail":{"items":{"sku":["b"],"qty":[0]}}}`, true},
		{"null literal", `{"detail":{"note":[null]}}`, true},
		{"null literal on a missing field", `{"detail":{"other":[null]}}`, false},
		{"$or one alternative", `{"source":["aws.s3"],"$or":[{"detail-type":["Object Deleted"]},{"detail":{"reason":["PutObject"]}}]}`, true},
		{"$or no alternative", `{"$or":[{"detail-type":["Object Deleted"]},{"detail":{"reason":["CopyObject"]}}]}`, false},
		{"$or nested", `{"detail":{"$or":[{"reason":["CopyObject"]},{"object":{"size":[{"numeric":["<",10]}]}}]}}`, true},
	}
	var event any
	if err := json.Unmarshal([]byte(s3Event), &event); err != nil {
		t.Fatal(err)
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := Compile([]byte(tt.pattern))
			if err != nil {
				t.Fatal(err)
			}
			if got := p.Match(event); got != tt.want {
				t.Errorf("Match = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestCompileErrors(t *testing.T) {
	tests := map[string]string{
		"not JSON":                 `{"source":`,
		"not an object":            `["aws.s3"]`,
		"scalar criteria":          `{"source":"aws.s3"}`,
		"empty array":              `{"source":[]}`,
		"empty object":             `{"detail":{}}`,
		"unknown operator":         `{"source":[{"regex":"x"}]}`,
		"two operators":            `{"source":[{"prefix":"a","suffix":"b"}]}`,
		"exists not a bool":        `{"source":[{"exists":"yes"}]}`,
		"prefix not a string":      `{"source":[{"prefix":1}]}`,
		"numeric unknown operator": `{"size":[{"numeric":["!=",1]}]}`,
		"numeric two lower bounds": `{"size":[{"numeric":[">",1,">=",2]}]}`,
		"numeric odd arguments":    `{"size":[{"numeric":[">"]}]}`,
		"numeric not a number":     `{"size":[{"numeric":[">","1"]}]}`,
		"wildcard double star":     `{"key":[{"wildcard":"a**b"}]}`,
		"wildcard bad escape":      `{"key":[{"wildcard":"a\\b"}]}`,
		"cidr not a block":         `{"ip":[{"cidr":"10.0.0.0"}]}`,
		"anything-but bool":        `{"source":[{"anything-but":true}]}`,
		"anything-but exists":      `{"source":[{"anything-but":{"exists":true}}]}`,
		"$or with one alternative": `{"$or":[{"source":["a"]}]}`,
		"$or not objects":          `{"$or":["a","b"]}`,
	}
	for name, doc := range tests {
		t.Run(name, func(t *testing.T) {
			_, err := Compile([]byte(doc))
			var perr *Error
			if !errors.As(err, &perr) {
				t.Errorf("Compile(%s) = %v, want a *pattern.Error", doc, err)
			}
		})
	}
}

func FuzzCompile(f *testing.F) {
	f.Add([]byte(`{"source":["aws.s3"],"detail":{"object":{"key":[{"wildcard":"releases/*.zip"}]}}}`))
	f.Add([]byte(`{"$or":[{"a":[{"numeric":[">",1,"<",2]}]},{"b":[{"anything-but":{"prefix":"x"}}]}]}`))
	var event any
	if err := json.Unmarshal([]byte(s3Event), &event); err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, doc []byte) {
		p, err := Compile(doc)
		if err != nil {
			return
		}
		p.Match(event) // must not panic
	})
}
