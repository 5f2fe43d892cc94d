package sfn

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/greenlight/greenlight/localcloud/asl"
	"github.com/greenlight/greenlight/localcloud/bus"
	"github.com/greenlight/greenlight/localcloud/internal/uuid"
)

// RunTask carries out a Task state: it is the engine's asl.TaskResolver.
func (s *Service) RunTask(ctx context.Context, req asl.TaskRequest) (json.RawMessage, error) {
	resource := req.Resource
	switch base := strings.TrimSuffix(resource, ".waitForTaskToken"); {
	case isLambdaARN(resource):
		return s.invokeFunction(ctx, resource, req.Parameters)
	case base == "arn:aws:states:::lambda:invoke":
		return s.lambdaInvoke(ctx, req.Parameters)
	case base == "arn:aws:states:::sns:publish":
		return s.snsPublish(ctx, req.Parameters)
	}
	return nil, &asl.Error{Name: asl.ErrTaskFailed, Cause: fmt.Sprintf("The resource '%s' is not supported by the local Step Functions (supported: Lambda function ARNs, arn:aws:states:::lambda:invoke, arn:aws:states:::sns:publish, with or without .waitForTaskToken)", resource)}
}

func isLambdaARN(arn string) bool {
	parts := strings.Split(arn, ":")
	return len(parts) >= 7 && parts[0] == "arn" && parts[2] == "lambda" && parts[5] == "function"
}

// invoke runs a function and turns failures into the errors Step Functions
// reports: the function's errorType (cause: its error document) for a
// function error, Lambda.<Code> for a service error.
func (s *Service) invoke(ctx context.Context, function, qualifier string, payload []byte) (bus.InvokeResult, error) {
	if s.opts.Invoker == nil {
		return bus.InvokeResult{}, &asl.Error{Name: "Lambda.ServiceException", Cause: "no Lambda service is connected to the local Step Functions"}
	}
	res, err := s.opts.Invoker.Invoke(ctx, function, qualifier, payload)
	if err != nil {
		var ae bus.APIError
		if errors.As(err, &ae) {
			return res, &asl.Error{Name: "Lambda." + ae.ErrorCode(), Cause: err.Error()}
		}
		if ctx.Err() != nil {
			return res, ctx.Err()
		}
		return res, &asl.Error{Name: "Lambda.SdkClientException", Cause: err.Error()}
	}
	if res.FunctionError != "" {
		var doc struct {
			ErrorType string `json:"errorType"`
		}
		_ = json.Unmarshal(res.Payload, &doc)
		name := doc.ErrorType
		if name == "" {
			name = "Exception"
		}
		return res, &asl.Error{Name: name, Cause: string(res.Payload)}
	}
	return res, nil
}

func (s *Service) invokeFunction(ctx context.Context, arn string, params json.RawMessage) (json.RawMessage, error) {
	res, err := s.invoke(ctx, arn, "", params)
	if err != nil {
		return nil, err
	}
	if len(res.Payload) == 0 {
		return json.RawMessage("null"), nil
	}
	if !json.Valid(res.Payload) {
		return nil, &asl.Error{Name: asl.ErrTaskFailed, Cause: "the function returned a payload that is not JSON"}
	}
	return res.Payload, nil
}

func (s *Service) lambdaInvoke(ctx context.Context, params json.RawMessage) (json.RawMessage, error) {
	var in struct {
		FunctionName string          `json:"FunctionName"`
		Qualifier    string          `json:"Qualifier"`
		Payload      json.RawMessage `json:"Payload"`
	}
	if err := json.Unmarshal(params, &in); err != nil || in.FunctionName == "" {
		return nil, &asl.Error{Name: asl.ErrRuntime, Cause: "The lambda:invoke parameters need a FunctionName"}
	}
	payload := []byte(in.Payload)
	if len(payload) == 0 {
		payload = []byte("{}")
	}
	res, err := s.invoke(ctx, in.FunctionName, in.Qualifier, payload)
	if err != nil {
		return nil, err
	}
	var body any = string(res.Payload)
	if json.Valid(res.Payload) {
		body = json.RawMessage(res.Payload)
	}
	status := res.StatusCode
	if status == 0 {
		status = http.StatusOK
	}
	return json.Marshal(map[string]any{
		"ExecutedVersion":     res.ExecutedVersion,
		"Payload":             body,
		"StatusCode":          status,
		"SdkHttpMetadata":     sdkHTTPMetadata(status, map[string]string{"X-Amz-Executed-Version": res.ExecutedVersion}),
		"SdkResponseMetadata": map[string]string{"RequestId": uuid.New()},
	})
}

func (s *Service) snsPublish(ctx context.Context, params json.RawMessage) (json.RawMessage, error) {
	var in struct {
		TopicArn          string          `json:"TopicArn"`
		TargetArn         string          `json:"TargetArn"`
		Message           json.RawMessage `json:"Message"`
		Subject           string          `json:"Subject"`
		MessageAttributes map[string]struct {
			DataType    string `json:"DataType"`
			StringValue string `json:"StringValue"`
		} `json:"MessageAttributes"`
	}
	if err := json.Unmarshal(params, &in); err != nil {
		return nil, &asl.Error{Name: asl.ErrRuntime, Cause: "The sns:publish parameters are not valid: " + err.Error()}
	}
	topic := in.TopicArn
	if topic == "" {
		topic = in.TargetArn
	}
	if topic == "" || len(in.Message) == 0 {
		return nil, &asl.Error{Name: asl.ErrRuntime, Cause: "The sns:publish parameters need a TopicArn and a Message"}
	}
	// A Message that is not a string is sent as its JSON text.
	var message string
	if json.Unmarshal(in.Message, &message) != nil {
		message = string(in.Message)
	}
	attrs := map[string]bus.MessageAttribute{}
	for k, v := range in.MessageAttributes {
		attrs[k] = bus.MessageAttribute{DataType: v.DataType, StringValue: v.StringValue}
	}
	if s.opts.Publisher == nil {
		return nil, &asl.Error{Name: "SNS.InternalErrorException", Cause: "no SNS service is connected to the local Step Functions"}
	}
	id, err := s.opts.Publisher.Publish(ctx, topic, in.Subject, message, attrs)
	if err != nil {
		var ae bus.APIError
		if errors.As(err, &ae) {
			return nil, &asl.Error{Name: "SNS." + ae.ErrorCode(), Cause: err.Error()}
		}
		return nil, &asl.Error{Name: "SNS.SdkClientException", Cause: err.Error()}
	}
	return json.Marshal(map[string]any{
		"MessageId":           id,
		"SdkHttpMetadata":     sdkHTTPMetadata(http.StatusOK, map[string]string{}),
		"SdkResponseMetadata": map[string]string{"RequestId": uuid.New()},
	})
}

func sdkHTTPMetadata(status int, headers map[string]string) map[string]any {
	h := map[string]string{"Content-Type": "application/json", "x-amzn-RequestId": uuid.New()}
	for k, v := range headers {
		h[k] = v
	}
	return map[string]any{"AllHttpHeaders": h, "HttpHeaders": h, "HttpStatusCode": status}
}
