package awserr_test

import (
	"errors"
	"fmt"
	"net/http"
	"testing"

	"github.com/greenlight/greenlight/localcloud/bus"
	"github.com/greenlight/greenlight/localcloud/internal/awserr"
)

func TestError(t *testing.T) {
	tests := []struct {
		name       string
		err        *awserr.Error
		wantText   string
		wantCode   string
		wantStatus int
	}{
		{"New", awserr.New("NoSuchKey", http.StatusNotFound, "The specified key does not exist."),
			"NoSuchKey: The specified key does not exist.", "NoSuchKey", http.StatusNotFound},
		{"Errorf", awserr.Errorf("ValidationException", http.StatusBadRequest, "rule %q has %d targets", "r", 5),
			`ValidationException: rule "r" has 5 targets`, "ValidationException", http.StatusBadRequest},
		{"Errorf keeps a literal percent", awserr.Errorf("InvalidParameter", http.StatusBadRequest, "%s", "100%"),
			"InvalidParameter: 100%", "InvalidParameter", http.StatusBadRequest},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			wrapped := fmt.Errorf("handling request: %w", tt.err)
			var ae bus.APIError
			if !errors.As(wrapped, &ae) {
				t.Fatalf("errors.As(%v, bus.APIError) = false", wrapped)
			}
			if got := ae.Error(); got != tt.wantText {
				t.Errorf("Error() = %q, want %q", got, tt.wantText)
			}
			if got := ae.ErrorCode(); got != tt.wantCode {
				t.Errorf("ErrorCode() = %q, want %q", got, tt.wantCode)
			}
			if got := ae.HTTPStatus(); got != tt.wantStatus {
				t.Errorf("HTTPStatus() = %d, want %d", got, tt.wantStatus)
			}
		})
	}
}
