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
		serverSide bool
	}{
		{"New", awserr.New("NoSuchKey", http.StatusNotFound, "The specified key does not exist."),
			"NoSuchKey: The specified key does not exist.", "NoSuchKey", http.StatusNotFound, false},
		{"Errorf", awserr.Errorf("ValidationException", http.StatusBadRequest, "rule %q has %d targets", "r", 5),
			`ValidationException: rule "r" has 5 targets`, "ValidationException", http.StatusBadRequest, false},
		{"Errorf keeps a literal percent", awserr.Errorf("InvalidParameter", http.StatusBadRequest, "%s", "100%"),
			"InvalidParameter: 100%", "InvalidParameter", http.StatusBadRequest, false},
		{"server side", awserr.New("ServiceException", http.StatusInternalServerError, "boom"),
			"ServiceException: boom", "ServiceException", http.StatusInternalServerError, true},
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
			if got := tt.err.ServerSide(); got != tt.serverSide {
				t.Errorf("ServerSide() = %v, want %v", got, tt.serverSide)
			}
		})
	}
}

// foreign is a coded error of another package, as a service may hand back.
type foreign struct{}

func (foreign) Error() string     { return "Throttling: Rate exceeded" }
func (foreign) ErrorCode() string { return "Throttling" }
func (foreign) HTTPStatus() int   { return http.StatusTooManyRequests }

func TestAs(t *testing.T) {
	own := awserr.New("InvalidArn", http.StatusBadRequest, "Invalid Arn: 'x'")
	tests := []struct {
		name string
		err  error
		want *awserr.Error // nil: not an AWS error
	}{
		{"own", own, own},
		{"wrapped own keeps its message", fmt.Errorf("describe: %w", own), own},
		{"foreign coded error", fmt.Errorf("start execution: %w", foreign{}),
			&awserr.Error{Code: "Throttling", Status: http.StatusTooManyRequests, Message: "start execution: Throttling: Rate exceeded"}},
		{"plain error", errors.New("disk full"), nil},
		{"nil", nil, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := awserr.As(tt.err)
			if ok != (tt.want != nil) {
				t.Fatalf("As(%v) ok = %v, want %v", tt.err, ok, tt.want != nil)
			}
			if tt.want != nil && *got != *tt.want {
				t.Errorf("As(%v) = %+v, want %+v", tt.err, *got, *tt.want)
			}
		})
	}
}
