package lambda

import (
	"context"
	"encoding/json"
	"errors"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awslambda "github.com/aws/aws-sdk-go-v2/service/lambda"
	"github.com/aws/aws-sdk-go-v2/service/lambda/types"
	"github.com/aws/smithy-go"
)

// TestConfigurationFields applies each configuration field to $LATEST,
// checks what GetFunctionConfiguration reports and, where the function can
// see it, what the next invocation gets.
func TestConfigurationFields(t *testing.T) {
	h := newHarness(t, Options{SettleTime: -1})
	ctx := context.Background()
	tests := []struct {
		name   string
		update awslambda.UpdateFunctionConfigurationInput
		check  func(*awslambda.GetFunctionConfigurationOutput) bool
		env    map[string]string // expected in the function's environment
	}{
		{"environment", awslambda.UpdateFunctionConfigurationInput{Environment: &types.Environment{Variables: map[string]string{"LABEL": "blue", "STAGE": "prod"}}},
			func(c *awslambda.GetFunctionConfigurationOutput) bool {
				return c.Environment != nil && c.Environment.Variables["STAGE"] == "prod"
			},
			map[string]string{"LABEL": "blue", "STAGE": "prod"}},
		{"memory size", awslambda.UpdateFunctionConfigurationInput{MemorySize: aws.Int32(1024)},
			func(c *awslambda.GetFunctionConfigurationOutput) bool { return aws.ToInt32(c.MemorySize) == 1024 },
			map[string]string{"AWS_LAMBDA_FUNCTION_MEMORY_SIZE": "1024"}},
		{"timeout", awslambda.UpdateFunctionConfigurationInput{Timeout: aws.Int32(900)},
			func(c *awslambda.GetFunctionConfigurationOutput) bool { return aws.ToInt32(c.Timeout) == 900 }, nil},
		{"ephemeral storage", awslambda.UpdateFunctionConfigurationInput{EphemeralStorage: &types.EphemeralStorage{Size: aws.Int32(10240)}},
			func(c *awslambda.GetFunctionConfigurationOutput) bool {
				return c.EphemeralStorage != nil && aws.ToInt32(c.EphemeralStorage.Size) == 10240
			}, nil},
		{"no layers", awslambda.UpdateFunctionConfigurationInput{Layers: []string{}},
			func(c *awslambda.GetFunctionConfigurationOutput) bool { return len(c.Layers) == 0 }, nil},
		{"handler", awslambda.UpdateFunctionConfigurationInput{Handler: aws.String("main.handle")},
			func(c *awslambda.GetFunctionConfigurationOutput) bool {
				return aws.ToString(c.Handler) == "main.handle"
			},
			map[string]string{"_HANDLER": "main.handle"}},
		{"runtime", awslambda.UpdateFunctionConfigurationInput{Runtime: types.RuntimeProvidedal2},
			func(c *awslambda.GetFunctionConfigurationOutput) bool { return c.Runtime == types.RuntimeProvidedal2 }, nil},
		{"description", awslambda.UpdateFunctionConfigurationInput{Description: aws.String("release 42")},
			func(c *awslambda.GetFunctionConfigurationOutput) bool {
				return aws.ToString(c.Description) == "release 42"
			}, nil},
		{"JSON logs", awslambda.UpdateFunctionConfigurationInput{LoggingConfig: &types.LoggingConfig{LogFormat: types.LogFormatJson, ApplicationLogLevel: types.ApplicationLogLevelDebug}},
			func(c *awslambda.GetFunctionConfigurationOutput) bool {
				l := c.LoggingConfig
				return l != nil && l.LogFormat == types.LogFormatJson && l.ApplicationLogLevel == types.ApplicationLogLevelDebug &&
					l.SystemLogLevel == types.SystemLogLevelInfo && aws.ToString(l.LogGroup) == "/aws/lambda/cfg"
			},
			map[string]string{"AWS_LAMBDA_LOG_FORMAT": "JSON", "AWS_LAMBDA_LOG_LEVEL": "DEBUG"}},
		{"log group", awslambda.UpdateFunctionConfigurationInput{LoggingConfig: &types.LoggingConfig{LogGroup: aws.String("/releases/cfg")}},
			func(c *awslambda.GetFunctionConfigurationOutput) bool {
				return c.LoggingConfig != nil && aws.ToString(c.LoggingConfig.LogGroup) == "/releases/cfg" && c.LoggingConfig.LogFormat == types.LogFormatJson
			},
			map[string]string{"AWS_LAMBDA_LOG_GROUP_NAME": "/releases/cfg"}},
		{"back to text logs", awslambda.UpdateFunctionConfigurationInput{LoggingConfig: &types.LoggingConfig{LogFormat: types.LogFormatText}},
			func(c *awslambda.GetFunctionConfigurationOutput) bool {
				l := c.LoggingConfig
				return l != nil && l.LogFormat == types.LogFormatText && l.ApplicationLogLevel == "" && l.SystemLogLevel == ""
			},
			map[string]string{"AWS_LAMBDA_LOG_FORMAT": "Text"}},
	}
	h.create(t, "cfg", nil)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := tt.update
			in.FunctionName = aws.String("cfg")
			if _, err := h.client.UpdateFunctionConfiguration(ctx, &in); err != nil {
				t.Fatal(err)
			}
			got, err := h.client.GetFunctionConfiguration(ctx, &awslambda.GetFunctionConfigurationInput{FunctionName: aws.String("cfg")})
			if err != nil {
				t.Fatal(err)
			}
			if !tt.check(got) {
				b, _ := json.Marshal(got)
				t.Fatalf("GetFunctionConfiguration: %s", b)
			}
			if len(tt.env) == 0 {
				return
			}
			_, r := h.invoke(t, "cfg", "", `{}`)
			for k, want := range tt.env {
				if r.Env[k] != want {
					t.Errorf("function env %s = %q, want %q", k, r.Env[k], want)
				}
			}
		})
	}
}

// TestConfigurationValidation sends invalid settings through CreateFunction
// and UpdateFunctionConfiguration and expects Lambda's error code, status
// and message.
func TestConfigurationValidation(t *testing.T) {
	h := newHarness(t, Options{SettleTime: -1})
	ctx := context.Background()
	h.create(t, "val", nil)
	const layer = "arn:aws:lambda:us-east-1:123456789012:layer:deps:3"
	big := map[string]string{"BIG": strings.Repeat("x", 4096)}
	bigJSON, _ := json.Marshal(big)
	tests := []struct {
		name    string
		in      awslambda.UpdateFunctionConfigurationInput
		code    string
		status  int
		message string
	}{
		{"memory below 128", awslambda.UpdateFunctionConfigurationInput{MemorySize: aws.Int32(64)}, codeValidation, 400,
			"1 validation error detected: Value '64' at 'memorySize' failed to satisfy constraint: Member must have value greater than or equal to 128"},
		{"memory above 10240", awslambda.UpdateFunctionConfigurationInput{MemorySize: aws.Int32(10241)}, codeValidation, 400,
			"1 validation error detected: Value '10241' at 'memorySize' failed to satisfy constraint: Member must have value less than or equal to 10240"},
		{"timeout of zero", awslambda.UpdateFunctionConfigurationInput{Timeout: aws.Int32(0)}, codeValidation, 400,
			"1 validation error detected: Value '0' at 'timeout' failed to satisfy constraint: Member must have value greater than or equal to 1"},
		{"timeout above 900", awslambda.UpdateFunctionConfigurationInput{Timeout: aws.Int32(3000)}, codeValidation, 400,
			"1 validation error detected: Value '3000' at 'timeout' failed to satisfy constraint: Member must have value less than or equal to 900"},
		{"ephemeral storage below 512", awslambda.UpdateFunctionConfigurationInput{EphemeralStorage: &types.EphemeralStorage{Size: aws.Int32(256)}}, codeValidation, 400,
			"1 validation error detected: Value '256' at 'ephemeralStorage.size' failed to satisfy constraint: Member must have value greater than or equal to 512"},
		{"ephemeral storage above 10240", awslambda.UpdateFunctionConfigurationInput{EphemeralStorage: &types.EphemeralStorage{Size: aws.Int32(20480)}}, codeValidation, 400,
			"1 validation error detected: Value '20480' at 'ephemeralStorage.size' failed to satisfy constraint: Member must have value less than or equal to 10240"},
		{"environment over 4 KB", awslambda.UpdateFunctionConfigurationInput{Environment: &types.Environment{Variables: big}}, codeInvalidParameter, 400,
			"Lambda was unable to configure your environment variables because the environment variables you have provided exceeded the 4KB limit. String measured: " + string(bigJSON)},
		{"reserved variable", awslambda.UpdateFunctionConfigurationInput{Environment: &types.Environment{Variables: map[string]string{"AWS_REGION": "eu-west-1", "LABEL": "x"}}}, codeInvalidParameter, 400,
			"Lambda was unable to configure your environment variables because the environment variables you have provided contains reserved keys that are currently not supported for modification. Reserved keys used in this request: AWS_REGION"},
		{"malformed layer", awslambda.UpdateFunctionConfigurationInput{Layers: []string{"arn:aws:lambda:us-east-1:123456789012:layer:deps"}}, codeValidation, 400,
			"1 validation error detected: Value '[arn:aws:lambda:us-east-1:123456789012:layer:deps]' at 'layers' failed to satisfy constraint: " + layerConstraint},
		{"six layers", awslambda.UpdateFunctionConfigurationInput{Layers: []string{layer, layer, layer, layer, layer, layer}}, codeInvalidParameter, 400,
			"Cannot reference more than 5 layers."},
		{"missing layer", awslambda.UpdateFunctionConfigurationInput{Layers: []string{layer}}, codeInvalidParameter, 400,
			"Layer version " + layer + " does not exist."},
		{"handler with space", awslambda.UpdateFunctionConfigurationInput{Handler: aws.String("main handle")}, codeValidation, 400,
			`1 validation error detected: Value 'main handle' at 'handler' failed to satisfy constraint: Member must satisfy regular expression pattern: [^\s]+`},
		{"handler too long", awslambda.UpdateFunctionConfigurationInput{Handler: aws.String(strings.Repeat("h", 129))}, codeValidation, 400,
			"1 validation error detected: Value '" + strings.Repeat("h", 129) + "' at 'handler' failed to satisfy constraint: Member must have length less than or equal to 128"},
		{"unsupported runtime", awslambda.UpdateFunctionConfigurationInput{Runtime: types.RuntimePython312}, codeInvalidParameter, 400,
			"The runtime parameter of python3.12 is not supported: functions run their own bootstrap, use provided.al2023 or provided.al2"},
		{"description too long", awslambda.UpdateFunctionConfigurationInput{Description: aws.String(strings.Repeat("d", 257))}, codeValidation, 400,
			"1 validation error detected: Value '" + strings.Repeat("d", 257) + "' at 'description' failed to satisfy constraint: Member must have length less than or equal to 256"},
		{"unknown log format", awslambda.UpdateFunctionConfigurationInput{LoggingConfig: &types.LoggingConfig{LogFormat: "XML"}}, codeValidation, 400,
			"1 validation error detected: Value 'XML' at 'loggingConfig.logFormat' failed to satisfy constraint: Member must satisfy enum value set: [JSON, Text]"},
		{"unknown log level", awslambda.UpdateFunctionConfigurationInput{LoggingConfig: &types.LoggingConfig{LogFormat: types.LogFormatJson, SystemLogLevel: "TRACE"}}, codeValidation, 400,
			"1 validation error detected: Value 'TRACE' at 'loggingConfig.systemLogLevel' failed to satisfy constraint: Member must satisfy enum value set: [DEBUG, INFO, WARN]"},
		{"log level with text logs", awslambda.UpdateFunctionConfigurationInput{LoggingConfig: &types.LoggingConfig{LogFormat: types.LogFormatText, ApplicationLogLevel: types.ApplicationLogLevelWarn}}, codeInvalidParameter, 400,
			`LogLevel is not supported when LogFormat is set to "Text". Remove LogLevel from your request or change the LogFormat to "Json" and try again.`},
		{"bad log group", awslambda.UpdateFunctionConfigurationInput{LoggingConfig: &types.LoggingConfig{LogGroup: aws.String("logs here")}}, codeValidation, 400,
			`1 validation error detected: Value 'logs here' at 'loggingConfig.logGroup' failed to satisfy constraint: Member must satisfy regular expression pattern: [\.\-_/#A-Za-z0-9]+`},
		{"stale revision", awslambda.UpdateFunctionConfigurationInput{RevisionId: aws.String("0000"), Timeout: aws.Int32(5)}, codePrecondition, 412,
			"The Revision Id provided does not match the latest Revision Id. Call the GetFunction/GetAlias API to retrieve the latest Revision Id"},
	}
	before, err := h.client.GetFunctionConfiguration(ctx, &awslambda.GetFunctionConfigurationInput{FunctionName: aws.String("val")})
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := tt.in
			in.FunctionName = aws.String("val")
			_, err := h.client.UpdateFunctionConfiguration(ctx, &in)
			assertAPIError(t, "UpdateFunctionConfiguration", err, tt.code, tt.status, tt.message)

			// CreateFunction validates the same fields the same way.
			if in.RevisionId != nil {
				return
			}
			_, err = h.client.CreateFunction(ctx, &awslambda.CreateFunctionInput{
				FunctionName: aws.String("fresh"), Role: aws.String(testRole), Code: &types.FunctionCode{ZipFile: codeZip(t, "fresh")},
				Runtime: types.RuntimeProvidedal2023, Handler: in.Handler, MemorySize: in.MemorySize, Timeout: in.Timeout, Description: in.Description,
				EphemeralStorage: in.EphemeralStorage, Environment: in.Environment, Layers: in.Layers, LoggingConfig: in.LoggingConfig,
			})
			if in.Runtime != "" {
				return // CreateFunction names its own runtime above
			}
			assertAPIError(t, "CreateFunction", err, tt.code, tt.status, tt.message)
		})
	}
	after, err := h.client.GetFunctionConfiguration(ctx, &awslambda.GetFunctionConfigurationInput{FunctionName: aws.String("val")})
	if err != nil {
		t.Fatal(err)
	}
	if aws.ToString(after.RevisionId) != aws.ToString(before.RevisionId) {
		t.Error("a refused update changed the function's RevisionId")
	}
}

// assertAPIError checks an SDK error's code, HTTP status and message.
func assertAPIError(t *testing.T, op string, err error, code string, status int, message string) {
	t.Helper()
	var api smithy.APIError
	if !errors.As(err, &api) {
		t.Fatalf("%s: %v, want %s", op, err, code)
	}
	var re interface{ HTTPStatusCode() int }
	if api.ErrorCode() != code || api.ErrorMessage() != message || !errors.As(err, &re) || re.HTTPStatusCode() != status {
		t.Fatalf("%s answered %s %q (%v)\nwant %d %s %q", op, api.ErrorCode(), api.ErrorMessage(), err, status, code, message)
	}
}

// TestVersionsCarryConfiguration publishes two versions with different
// settings and checks that each reports and runs with its own snapshot,
// directly and through a routing alias.
func TestVersionsCarryConfiguration(t *testing.T) {
	h := newHarness(t, Options{SettleTime: -1})
	ctx := context.Background()
	h.create(t, "snap", map[string]string{"LABEL": "one"}, func(in *awslambda.CreateFunctionInput) {
		in.MemorySize, in.Timeout = aws.Int32(256), aws.Int32(1)
		in.EphemeralStorage = &types.EphemeralStorage{Size: aws.Int32(1024)}
		in.Description = aws.String("first release")
	})
	v1, err := h.client.PublishVersion(ctx, &awslambda.PublishVersionInput{FunctionName: aws.String("snap")})
	if err != nil {
		t.Fatal(err)
	}
	_, err = h.client.UpdateFunctionConfiguration(ctx, &awslambda.UpdateFunctionConfigurationInput{
		FunctionName: aws.String("snap"), MemorySize: aws.Int32(512), Timeout: aws.Int32(5),
		Environment:      &types.Environment{Variables: map[string]string{"LABEL": "two"}},
		EphemeralStorage: &types.EphemeralStorage{Size: aws.Int32(2048)},
		LoggingConfig:    &types.LoggingConfig{LogFormat: types.LogFormatJson},
	})
	if err != nil {
		t.Fatal(err)
	}
	v2, err := h.client.PublishVersion(ctx, &awslambda.PublishVersionInput{FunctionName: aws.String("snap")})
	if err != nil {
		t.Fatal(err)
	}
	if aws.ToString(v1.Version) != "1" || aws.ToString(v2.Version) != "2" {
		t.Fatalf("published %s and %s, want 1 and 2", aws.ToString(v1.Version), aws.ToString(v2.Version))
	}

	want := map[string]struct {
		label           string
		memory, timeout int32
		storage         int32
		format          types.LogFormat
	}{
		"1": {"one", 256, 1, 1024, types.LogFormatText},
		"2": {"two", 512, 5, 2048, types.LogFormatJson},
	}
	for version, w := range want {
		got, err := h.client.GetFunction(ctx, &awslambda.GetFunctionInput{FunctionName: aws.String("snap"), Qualifier: aws.String(version)})
		if err != nil {
			t.Fatal(err)
		}
		c := got.Configuration
		if aws.ToString(c.Version) != version || c.Environment.Variables["LABEL"] != w.label || aws.ToInt32(c.MemorySize) != w.memory ||
			aws.ToInt32(c.Timeout) != w.timeout || aws.ToInt32(c.EphemeralStorage.Size) != w.storage || c.LoggingConfig.LogFormat != w.format {
			b, _ := json.Marshal(c)
			t.Errorf("GetFunction of version %s: %s", version, b)
		}
		_, r := h.invoke(t, "snap", version, `{}`)
		if r.Label != w.label || r.Env["AWS_LAMBDA_FUNCTION_MEMORY_SIZE"] != strconv.Itoa(int(w.memory)) || r.Version != version {
			t.Errorf("version %s ran with LABEL %q, memory %q, version %q", version, r.Label, r.Env["AWS_LAMBDA_FUNCTION_MEMORY_SIZE"], r.Version)
		}
		if budget := time.Duration(w.timeout) * time.Second; time.Until(time.UnixMilli(r.DeadlineMs)) > budget {
			t.Errorf("version %s: deadline %v away, beyond its %v timeout", version, time.Until(time.UnixMilli(r.DeadlineMs)), budget)
		}
	}

	// Version 1 keeps its 1-second timeout although $LATEST now has 5.
	out, _ := h.invoke(t, "snap", "1", `{"sleepMs":1500}`)
	if aws.ToString(out.FunctionError) != "Unhandled" || !strings.Contains(string(out.Payload), "Task timed out after 1.00 seconds") {
		t.Fatalf("version 1 past its timeout: %s %s", aws.ToString(out.FunctionError), out.Payload)
	}
	if out, _ := h.invoke(t, "snap", "2", `{"sleepMs":1500}`); out.FunctionError != nil {
		t.Fatalf("version 2 within its timeout: %s", out.Payload)
	}

	// Through an alias that routes half the traffic to version 2, each
	// invocation runs with the configuration of the version it drew.
	if _, err := h.client.CreateAlias(ctx, &awslambda.CreateAliasInput{
		FunctionName: aws.String("snap"), Name: aws.String("live"), FunctionVersion: aws.String("1"),
		RoutingConfig: &types.AliasRoutingConfiguration{AdditionalVersionWeights: map[string]float64{"2": 0.5}},
	}); err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	for range 40 {
		out, r := h.invoke(t, "snap", "live", `{}`)
		executed := aws.ToString(out.ExecutedVersion)
		w := want[executed]
		if r.Version != executed || r.Label != w.label || r.Env["AWS_LAMBDA_FUNCTION_MEMORY_SIZE"] != strconv.Itoa(int(w.memory)) {
			t.Fatalf("alias ran version %s with LABEL %q and memory %q", executed, r.Label, r.Env["AWS_LAMBDA_FUNCTION_MEMORY_SIZE"])
		}
		seen[executed] = true
	}
	if !seen["1"] || !seen["2"] {
		t.Errorf("alias with weights drew versions %v, want both", seen)
	}
}

// TestUpdateConfigurationLifecycle follows one update: InProgress, a second
// update refused while it lasts, Successful, then a publish pinned to the
// new RevisionId and CodeSha256.
func TestUpdateConfigurationLifecycle(t *testing.T) {
	h := newHarness(t, Options{SettleTime: 300 * time.Millisecond})
	ctx := context.Background()
	created := h.create(t, "life", nil)
	upd, err := h.client.UpdateFunctionConfiguration(ctx, &awslambda.UpdateFunctionConfigurationInput{
		FunctionName: aws.String("life"), MemorySize: aws.Int32(512), RevisionId: created.RevisionId,
	})
	if err != nil {
		t.Fatal(err)
	}
	if upd.LastUpdateStatus != types.LastUpdateStatusInProgress || aws.ToString(upd.RevisionId) == aws.ToString(created.RevisionId) {
		t.Fatalf("update answered %s with RevisionId %s", upd.LastUpdateStatus, aws.ToString(upd.RevisionId))
	}
	_, err = h.client.UpdateFunctionConfiguration(ctx, &awslambda.UpdateFunctionConfigurationInput{FunctionName: aws.String("life"), Timeout: aws.Int32(10)})
	assertAPIError(t, "second UpdateFunctionConfiguration", err, codeConflict, 409,
		"The operation cannot be performed at this time. An update is in progress for resource: "+functionARN("life"))
	h.waitUpdated(t, "life")

	cur, err := h.client.GetFunctionConfiguration(ctx, &awslambda.GetFunctionConfigurationInput{FunctionName: aws.String("life")})
	if err != nil {
		t.Fatal(err)
	}
	if cur.LastUpdateStatus != types.LastUpdateStatusSuccessful || aws.ToInt32(cur.MemorySize) != 512 {
		t.Fatalf("after the update: %s, memory %d", cur.LastUpdateStatus, aws.ToInt32(cur.MemorySize))
	}
	_, err = h.client.PublishVersion(ctx, &awslambda.PublishVersionInput{FunctionName: aws.String("life"), RevisionId: created.RevisionId})
	assertAPIError(t, "PublishVersion with the RevisionId from before the update", err, codePrecondition, 412,
		"The Revision Id provided does not match the latest Revision Id. Call the GetFunction/GetAlias API to retrieve the latest Revision Id")
	v, err := h.client.PublishVersion(ctx, &awslambda.PublishVersionInput{FunctionName: aws.String("life"), RevisionId: cur.RevisionId, CodeSha256: cur.CodeSha256})
	if err != nil {
		t.Fatal(err)
	}
	if aws.ToString(v.Version) != "1" || aws.ToInt32(v.MemorySize) != 512 {
		t.Fatalf("PublishVersion answered version %s with memory %d", aws.ToString(v.Version), aws.ToInt32(v.MemorySize))
	}
}
