package main

import (
	"reflect"
	"strings"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2/awslambda"

	"github.com/greenlight/greenlight/infra/greenlight"
)

func TestSettingsFrom(t *testing.T) {
	tests := []struct {
		name    string
		ctx     map[string]any
		check   func(t *testing.T, s settings)
		wantErr []string
	}{
		{
			name: "defaults",
			ctx:  map[string]any{},
			check: func(t *testing.T, s settings) {
				if s.stackName != "greenlight" || s.props.Assets != "build/lambda" || *s.props.Architecture.Name() != "arm64" {
					t.Errorf("got %s %s %s", s.stackName, s.props.Assets, *s.props.Architecture.Name())
				}
				if !reflect.DeepEqual(s.props.Config.Targets.Names, []string{"greenlight-demo"}) {
					t.Errorf("default targets = %+v, want the demo function", s.props.Config.Targets)
				}
			},
		},
		{
			name: "config as a JSON string from -c",
			ctx:  map[string]any{ctxConfig: `{"targets":{"prefix":"shop-"}}`, ctxArchitecture: "x86_64", ctxAssets: "/tmp/fns"},
			check: func(t *testing.T, s settings) {
				if s.props.Config.Targets.Prefix != "shop-" || *s.props.Architecture.Name() != *awslambda.Architecture_X86_64().Name() || s.props.Assets != "/tmp/fns" {
					t.Errorf("got %+v", s.props)
				}
			},
		},
		{
			name: "config as an object from cdk.json",
			ctx: map[string]any{
				ctxConfig:    map[string]any{"targets": map[string]any{"names": []any{"orders"}}, "functions": map[string]any{"orders": map[string]any{"strategy": "AllAtOnce"}}},
				ctxEmails:    []any{"ops@example.com"},
				ctxStackName: "greenlight-staging",
			},
			check: func(t *testing.T, s settings) {
				want := greenlight.Config{
					Targets:   greenlight.Targets{Names: []string{"orders"}},
					Functions: map[string]greenlight.Settings{"orders": {Strategy: &greenlight.Strategy{Name: "AllAtOnce"}}},
				}
				if !reflect.DeepEqual(s.props.Config, want) || !reflect.DeepEqual(s.props.Emails, []string{"ops@example.com"}) || s.stackName != "greenlight-staging" {
					t.Errorf("got %+v %s", s.props, s.stackName)
				}
			},
		},
		{
			name: "emails as a comma-separated string",
			ctx:  map[string]any{ctxEmails: "a@example.com, b@example.com,"},
			check: func(t *testing.T, s settings) {
				if !reflect.DeepEqual(s.props.Emails, []string{"a@example.com", "b@example.com"}) {
					t.Errorf("emails = %v", s.props.Emails)
				}
			},
		},
		{
			name:    "every bad value at once",
			ctx:     map[string]any{ctxArchitecture: "sparc", ctxEmails: 3.0, ctxConfig: `{"targets":{}}`, ctxAssets: true},
			wantErr: []string{`greenlight:architecture: want arm64 or x86_64, got "sparc"`, "greenlight:emails: want a list", "greenlight:config: greenlight config: targets", "greenlight:assets: want a string"},
		},
		{
			name:    "config not JSON",
			ctx:     map[string]any{ctxConfig: `{targets`},
			wantErr: []string{"greenlight:config: greenlight config: invalid character"},
		},
		{
			name:    "email list of non-strings",
			ctx:     map[string]any{ctxEmails: []any{1.0}},
			wantErr: []string{"greenlight:emails: want email addresses"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := settingsFrom(func(key string) any { return tt.ctx[key] })
			if len(tt.wantErr) > 0 {
				if err == nil {
					t.Fatal("want an error, got none")
				}
				for _, want := range tt.wantErr {
					if !strings.Contains(err.Error(), want) {
						t.Errorf("error %q does not contain %q", err, want)
					}
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			tt.check(t, s)
		})
	}
}
