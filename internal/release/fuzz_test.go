package release

import (
	"errors"
	"testing"

	"github.com/greenlight/greenlight/internal/failure"
)

// The decoders read outside input: they must never panic, and they must fail
// only with a *failure.ValidationError that has at least one problem.
func checkDecodeError(t *testing.T, err error) {
	if err == nil {
		return
	}
	var v *failure.ValidationError
	if !errors.As(err, &v) || len(v.Problems) == 0 {
		t.Fatalf("error %v is not a ValidationError with problems", err)
	}
}

func FuzzParseEvent(f *testing.F) {
	f.Add([]byte(`{"source":"aws.s3","detail-type":"Object Created","detail":{"bucket":{"name":"b"},"object":{"key":"releases/f/1.zip","version-id":"v"}}}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		in, err := ParseEvent(data)
		checkDecodeError(t, err)
		if err == nil && in.Function == "" {
			t.Fatalf("accepted event without a function: %q", data)
		}
	})
}

func FuzzParseConsole(f *testing.F) {
	f.Add([]byte(`{"function":"orders","artifact":{"key":"releases/orders/1.zip"},"strategy":"AllAtOnce"}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		in, err := ParseConsole(data)
		checkDecodeError(t, err)
		if err != nil {
			return
		}
		// Whatever decodes must go through validation without panicking.
		_, err = New(Request{Input: in, Source: SourceConsole, Settings: in.Settings})
		checkDecodeError(t, err)
	})
}

func FuzzParseManifest(f *testing.F) {
	f.Add([]byte(`{"strategy":{"steps":[{"percent":5,"bakeSeconds":60}]},"tests":[{"name":"ping","payload":{},"expect":{}}]}`))
	f.Add([]byte(`{"strategy":"AllAtOnce","alarms":["orders-5xx"],"errorAlarm":{"threshold":1,"periodSeconds":60,"evaluationPeriods":1}}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		s, err := ParseManifest(data)
		checkDecodeError(t, err)
		if err != nil {
			return
		}
		in := Input{Function: "orders", Artifact: Artifact{Bucket: "b", Key: "releases/orders/1.zip", VersionID: "v"}, Configuration: s.Configuration}
		_, err = New(Request{Input: in, Source: SourceS3, Settings: s.Settings})
		checkDecodeError(t, err)
	})
}
