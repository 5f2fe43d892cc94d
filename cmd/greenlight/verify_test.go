package main

import (
	"context"
	"errors"
	"regexp"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/sfn"
	"github.com/aws/smithy-go"

	"github.com/greenlight/greenlight/cmd/internal/demo"
)

// TestLocalUpVerifySignatures starts `local up --verify-signatures` with
// given credentials: it prints them and a control token, accepts requests
// signed with them, refuses a wrong secret, and the control commands work
// with the token only.
func TestLocalUpVerifySignatures(t *testing.T) {
	t.Setenv(demo.TokenVar, "")
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	var out, errOut syncBuffer
	done := make(chan error, 1)
	go func() {
		root := newRootCmd()
		root.SetArgs([]string{"local", "up", "--port", "0", "--ephemeral", "--template", "", "--verify-signatures",
			"--access-key-id", "LOCALKEY", "--secret-access-key", "local-secret"})
		root.SetOut(&out)
		root.SetErr(&errOut)
		done <- execute(ctx, root)
	}()
	tokenRE := regexp.MustCompile(`export ` + demo.TokenVar + `=(\S+)\n`)
	waitFor(t, 30*time.Second, func() bool { return tokenRE.MatchString(out.String()) }, "local up printed no token; stdout: %s; stderr: %s", &out, &errOut)
	mustContain(t, out.String(), "export AWS_ACCESS_KEY_ID=LOCALKEY\nexport AWS_SECRET_ACCESS_KEY=local-secret\n")
	mustContain(t, errOut.String(), "signatures verified")
	endpoint := regexp.MustCompile(`export AWS_ENDPOINT_URL=(\S+)\n`).FindStringSubmatch(out.String())[1]
	token := tokenRE.FindStringSubmatch(out.String())[1]

	for _, tt := range []struct {
		secret   string
		wantCode string
	}{
		{"local-secret", ""},
		{"wrong", "InvalidSignatureException"},
	} {
		client := sfn.New(sfn.Options{Region: "us-east-1", BaseEndpoint: aws.String(endpoint), RetryMaxAttempts: 1,
			Credentials: credentials.NewStaticCredentialsProvider("LOCALKEY", tt.secret, "")})
		_, err := client.ListStateMachines(t.Context(), &sfn.ListStateMachinesInput{})
		var api smithy.APIError
		switch {
		case tt.wantCode == "" && err != nil:
			t.Errorf("secret %s: %v", tt.secret, err)
		case tt.wantCode != "" && (!errors.As(err, &api) || api.ErrorCode() != tt.wantCode):
			t.Errorf("secret %s: %v, want %s", tt.secret, err, tt.wantCode)
		}
	}

	t.Setenv("AWS_ENDPOINT_URL", endpoint)
	if _, _, err := runCLI(t.Context(), "local", "fault", "list"); err == nil {
		t.Error("local fault list without the token succeeded")
	}
	t.Setenv(demo.TokenVar, token)
	if _, stderr, err := runCLI(t.Context(), "local", "fault", "list"); err != nil {
		t.Errorf("local fault list with the token: %v\n%s", err, stderr)
	}
	cancel()
	if err := <-done; err != nil {
		t.Errorf("local up: %v", err)
	}
}
