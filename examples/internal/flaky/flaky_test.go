package flaky

import (
	"errors"
	"slices"
	"testing"
)

func TestNext(t *testing.T) {
	tests := []struct {
		name   string
		failOn []uint64
		failed []uint64 // of the first twenty requests
	}{
		{"healthy", nil, nil},
		{"30 %", []uint64{3, 6, 9}, []uint64{3, 6, 9, 13, 16, 19}},
		{"half", []uint64{2, 4, 6, 8, 0}, []uint64{2, 4, 6, 8, 10, 12, 14, 16, 18, 20}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := New("v9", tt.failOn...)
			var failed []uint64
			for range 20 {
				err := r.Next()
				if err == nil {
					continue
				}
				var broken *BrokenVersionError
				if !errors.As(err, &broken) || broken.Version != "v9" {
					t.Fatalf("error %v (%T), want a *BrokenVersionError of v9", err, err)
				}
				failed = append(failed, broken.Request)
			}
			if !slices.Equal(failed, tt.failed) {
				t.Errorf("failed requests %v, want %v", failed, tt.failed)
			}
		})
	}
}

func TestErrorMessage(t *testing.T) {
	if got, want := (&BrokenVersionError{Version: "w3", Request: 4}).Error(), "w3 failed request 4"; got != want {
		t.Errorf("Error() = %q, want %q", got, want)
	}
}
