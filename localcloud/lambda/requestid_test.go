package lambda

import (
	"context"
	"errors"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsmiddleware "github.com/aws/aws-sdk-go-v2/aws/middleware"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	awslambda "github.com/aws/aws-sdk-go-v2/service/lambda"
)

func TestRequestID(t *testing.T) {
	h := newHarness(t, Options{})
	ctx := context.Background()
	out, err := h.client.ListFunctions(ctx, &awslambda.ListFunctionsInput{})
	if err != nil {
		t.Fatal(err)
	}
	if id, ok := awsmiddleware.GetRequestIDMetadata(out.ResultMetadata); !ok || id == "" {
		t.Errorf("a success has no request id (%q)", id)
	}
	_, err = h.client.GetFunction(ctx, &awslambda.GetFunctionInput{FunctionName: aws.String("absent")})
	var re *awshttp.ResponseError
	if !errors.As(err, &re) || re.ServiceRequestID() == "" {
		t.Errorf("an error has no request id: %v", err)
	}
}
