package failure_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"reflect"
	"testing"

	"github.com/aws/aws-lambda-go/lambda"
	lambdatypes "github.com/aws/aws-sdk-go-v2/service/lambda/types"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"
	snstypes "github.com/aws/aws-sdk-go-v2/service/sns/types"
	"github.com/aws/smithy-go"
	smithyhttp "github.com/aws/smithy-go/transport/http"

	"github.com/greenlight/greenlight/internal/failure"
)

// reportedName mirrors how aws-lambda-go names an error returned by a handler
// (lambda/errors.go): the type name of the outermost value, pointer stripped.
func reportedName(err error) string {
	t := reflect.TypeOf(err)
	if t.Kind() == reflect.Ptr {
		return t.Elem().Name()
	}
	return t.Name()
}

func TestReportedNames(t *testing.T) {
	cause := errors.New("cause")
	tests := []struct {
		err  error
		want string
	}{
		{&failure.ValidationError{Problems: []string{"x"}}, failure.NameValidation},
		{&failure.LockHeldError{Function: "f"}, failure.NameLockHeld},
		{&failure.ArtifactError{Reason: "gone"}, failure.NameArtifact},
		{&failure.ConflictError{Op: "op", Err: cause}, failure.NameConflict},
		{&failure.ThrottledError{Op: "op", Err: cause}, failure.NameThrottled},
		{&failure.OperationError{Op: "op", Err: cause}, failure.NameOperation},
		{&failure.TestFailedError{}, failure.NameTestFailed},
		{&failure.AlarmBreachedError{}, failure.NameAlarmBreached},
		{&failure.HaltedError{}, failure.NameHalted},
		{&failure.RollbackFailedError{Err: cause}, failure.NameRollbackFailed},
	}
	for _, tt := range tests {
		t.Run(tt.want, func(t *testing.T) {
			// Go through aws-lambda-go's handler wrapper so that the error the
			// runtime loop names is exactly the one the handler returned.
			h := lambda.NewHandler(func(context.Context) error { return tt.err })
			_, err := h.Invoke(context.Background(), []byte("{}"))
			if err == nil {
				t.Fatal("handler returned no error")
			}
			if got := reportedName(err); got != tt.want {
				t.Errorf("reported name = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestClassify(t *testing.T) {
	serverErr := &smithyhttp.ResponseError{
		Response: &smithyhttp.Response{Response: &http.Response{StatusCode: 503}},
		Err:      errors.New("unavailable"),
	}
	tests := []struct {
		name string
		err  error
		want string
	}{
		{"resource conflict", &lambdatypes.ResourceConflictException{}, failure.NameConflict},
		{"revision precondition", &lambdatypes.PreconditionFailedException{}, failure.NameConflict},
		{"s3 precondition", &smithy.GenericAPIError{Code: "PreconditionFailed"}, failure.NameConflict},
		{"too many requests", &lambdatypes.TooManyRequestsException{}, failure.NameThrottled},
		{"service exception", &lambdatypes.ServiceException{}, failure.NameThrottled},
		{"5xx", serverErr, failure.NameThrottled},
		{"429", &smithyhttp.ResponseError{
			Response: &smithyhttp.Response{Response: &http.Response{StatusCode: 429}},
			Err:      errors.New("slow down"),
		}, failure.NameThrottled},
		{"sns throttled", &snstypes.ThrottledException{}, failure.NameThrottled},
		{"s3 request timeout", &smithy.GenericAPIError{Code: "RequestTimeout"}, failure.NameThrottled},
		{"4xx", &smithyhttp.ResponseError{
			Response: &smithyhttp.Response{Response: &http.Response{StatusCode: 403}},
			Err:      errors.New("denied"),
		}, failure.NameOperation},
		{"wrapped throttle", fmt.Errorf("update: %w", &lambdatypes.TooManyRequestsException{}), failure.NameThrottled},
		{"not found", &lambdatypes.ResourceNotFoundException{}, failure.NameOperation},
		{"invalid parameter", &lambdatypes.InvalidParameterValueException{}, failure.NameOperation},
		{"plain", errors.New("boom"), failure.NameOperation},
		{"already typed", &failure.HaltedError{}, failure.NameHalted},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := reportedName(failure.Classify("op", tt.err)); got != tt.want {
				t.Errorf("Classify = %s, want %s", got, tt.want)
			}
		})
	}
	if failure.Classify("op", nil) != nil {
		t.Error("Classify(nil) != nil")
	}
}

func TestIsNotFound(t *testing.T) {
	tests := []struct {
		name string
		err  error
		want bool
	}{
		{"lambda", &lambdatypes.ResourceNotFoundException{}, true},
		{"s3 key", &s3types.NoSuchKey{}, true},
		{"s3 head", &s3types.NotFound{}, true},
		{"wrapped", fmt.Errorf("get: %w", &s3types.NoSuchKey{}), true},
		{"conflict", &lambdatypes.ResourceConflictException{}, false},
		{"plain", errors.New("NotFound"), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := failure.IsNotFound(tt.err); got != tt.want {
				t.Errorf("IsNotFound = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestValidationErrorErr(t *testing.T) {
	var v failure.ValidationError
	if v.Err() != nil {
		t.Fatal("empty ValidationError.Err() != nil")
	}
	v.Add("a %d", 1)
	v.Add("b")
	if err := v.Err(); err == nil || err.Error() != "invalid release: a 1; b" {
		t.Fatalf("Err() = %v", err)
	}
}
