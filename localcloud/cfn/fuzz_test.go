package cfn

import (
	"context"
	"os"
	"testing"
	"time"
)

// FuzzApply feeds arbitrary templates through parsing, resolution and the
// resource kinds: bad input must end in an error, never a panic.
func FuzzApply(f *testing.F) {
	fixtureBytes, err := os.ReadFile(fixture)
	if err != nil {
		f.Fatal(err)
	}
	f.Add(fixtureBytes)
	for _, seed := range []string{
		`{"Resources":{"T":{"Type":"AWS::SNS::Topic","Properties":{"TopicName":{"Fn::Sub":["${A}-${!B}-${AWS::Region}",{"A":"x"}]}}}}}`,
		`{"Conditions":{"C":{"Fn::And":[{"Fn::Equals":["a","a"]},{"Condition":"C"}]}},"Resources":{"T":{"Type":"AWS::SNS::Topic","Condition":"C"}}}`,
		`{"Resources":{"A":{"Type":"AWS::Events::Rule","Properties":{"EventPattern":{"source":["x"]},"Targets":[{"Id":"t","Arn":{"Fn::Select":["0",{"Fn::Split":[",","a,b"]}]}}]}}}}`,
		`{"Resources":{"F":{"Type":"AWS::Lambda::Function","Properties":{"Role":"r","Runtime":"provided.al2023","Code":{"ZipFile":"x"},"MemorySize":"1e3"}}}}`,
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		tmpl, err := ParseTemplate(b)
		if err != nil {
			return
		}
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_, err = newFakeCloud().applier().Apply(ctx, tmpl, Options{StackName: "fuzz", AssetDir: "testdata/assembly"})
		if ctx.Err() != nil {
			t.Fatalf("apply did not finish: %v", err)
		}
	})
}
