package alias

import (
	"context"
	"testing"

	"github.com/aws/aws-lambda-go/lambdacontext"
)

const fnARN = "arn:aws:lambda:eu-west-1:123456789012:function:api"

// invokedAs is a context like Lambda's for an invocation through arn.
func invokedAs(arn string) context.Context {
	return lambdacontext.NewContext(context.Background(), &lambdacontext.LambdaContext{InvokedFunctionArn: arn})
}

func TestOf(t *testing.T) {
	tests := []struct {
		name string
		ctx  context.Context
		want string
	}{
		{"live alias", invokedAs(fnARN + ":live"), "live"},
		{"candidate alias", invokedAs(fnARN + ":green"), "green"},
		{"version", invokedAs(fnARN + ":7"), "7"},
		{"unqualified", invokedAs(fnARN), ""},
		{"$LATEST", invokedAs(fnARN + ":$LATEST"), ""},
		{"other partition", invokedAs("arn:aws-cn:lambda:cn-north-1:123456789012:function:api:live"), "live"},
		{"no ARN", invokedAs(""), ""},
		{"no Lambda context", context.Background(), ""},
		{"not an ARN", invokedAs("api:live"), ""},
		{"too many fields", invokedAs(fnARN + ":live:extra"), ""},
		{"empty qualifier", invokedAs(fnARN + ":"), ""},
		{"not a function", invokedAs("arn:aws:lambda:eu-west-1:123456789012:layer:api:1"), ""},
		{"not Lambda", invokedAs("arn:aws:states:eu-west-1:123456789012:stateMachine:api:live"), ""},
		{"no function name", invokedAs("arn:aws:lambda:eu-west-1:123456789012:function::live"), ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Of(tt.ctx); got != tt.want {
				t.Errorf("Of = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestPeer(t *testing.T) {
	const workerARN = "arn:aws:lambda:eu-west-1:123456789012:function:worker"
	tests := []struct {
		name     string
		ctx      context.Context
		function string
		want     string
	}{
		{"name through green", invokedAs(fnARN + ":green"), "worker", "worker:green"},
		{"name through live", invokedAs(fnARN + ":live"), "worker", "worker:live"},
		{"ARN through green", invokedAs(fnARN + ":green"), workerARN, workerARN + ":green"},
		{"partial ARN through green", invokedAs(fnARN + ":green"), "123456789012:function:worker", "123456789012:function:worker:green"},
		{"version: not passed on", invokedAs(fnARN + ":7"), "worker", "worker"},
		{"unqualified", invokedAs(fnARN), "worker", "worker"},
		{"$LATEST", invokedAs(fnARN + ":$LATEST"), "worker", "worker"},
		{"malformed ARN", invokedAs("arn:aws:lambda:green"), "worker", "worker"},
		{"outside Lambda", context.Background(), "worker", "worker"},
		{"name already qualified", invokedAs(fnARN + ":green"), "worker:live", "worker:live"},
		{"name pinned to a version", invokedAs(fnARN + ":green"), "worker:3", "worker:3"},
		{"ARN already qualified", invokedAs(fnARN + ":green"), workerARN + ":live", workerARN + ":live"},
		{"partial ARN already qualified", invokedAs(fnARN + ":green"), "123456789012:function:worker:live", "123456789012:function:worker:live"},
		{"no peer", invokedAs(fnARN + ":green"), "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Peer(tt.ctx, tt.function); got != tt.want {
				t.Errorf("Peer(%q) = %q, want %q", tt.function, got, tt.want)
			}
		})
	}
}

func TestIsVersion(t *testing.T) {
	tests := []struct {
		qualifier string
		want      bool
	}{
		{"1", true},
		{"42", true},
		{"live", false},
		{"v2", false},
		{"2a", false},
		{"$LATEST", false},
		{"", false},
	}
	for _, tt := range tests {
		if got := IsVersion(tt.qualifier); got != tt.want {
			t.Errorf("IsVersion(%q) = %v, want %v", tt.qualifier, got, tt.want)
		}
	}
}
