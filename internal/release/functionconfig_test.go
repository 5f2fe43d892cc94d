package release

import (
	"reflect"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	awslambda "github.com/aws/aws-sdk-go-v2/service/lambda"
	lambdatypes "github.com/aws/aws-sdk-go-v2/service/lambda/types"
)

func TestFunctionConfigOf(t *testing.T) {
	tests := []struct {
		name string
		out  awslambda.GetFunctionConfigurationOutput
		want FunctionConfig
	}{
		{"bare", awslambda.GetFunctionConfigurationOutput{MemorySize: aws.Int32(128), Timeout: aws.Int32(3)},
			FunctionConfig{MemorySize: 128, Timeout: 3}},
		{"empty environment is none", awslambda.GetFunctionConfigurationOutput{Environment: &lambdatypes.EnvironmentResponse{Variables: map[string]string{}}},
			FunctionConfig{}},
		{"everything", awslambda.GetFunctionConfigurationOutput{
			MemorySize: aws.Int32(512), Timeout: aws.Int32(30), Handler: aws.String("bootstrap"), Runtime: lambdatypes.RuntimeProvidedal2023,
			Environment:      &lambdatypes.EnvironmentResponse{Variables: map[string]string{"A": "b"}},
			EphemeralStorage: &lambdatypes.EphemeralStorage{Size: aws.Int32(1024)},
			Layers:           []lambdatypes.Layer{{Arn: aws.String("arn:aws:lambda:us-east-1:123456789012:layer:x:1")}},
			LoggingConfig:    &lambdatypes.LoggingConfig{LogFormat: lambdatypes.LogFormatJson, ApplicationLogLevel: lambdatypes.ApplicationLogLevelWarn, LogGroup: aws.String("/g")},
		}, FunctionConfig{
			MemorySize: 512, Timeout: 30, Handler: "bootstrap", Runtime: "provided.al2023", Environment: map[string]string{"A": "b"},
			EphemeralStorage: 1024, Layers: []string{"arn:aws:lambda:us-east-1:123456789012:layer:x:1"},
			Logging: Logging{LogFormat: "JSON", ApplicationLogLevel: "WARN", LogGroup: "/g"},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := FunctionConfigOf(&tt.out); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("FunctionConfigOf = %+v, want %+v", got, tt.want)
			}
		})
	}
}
