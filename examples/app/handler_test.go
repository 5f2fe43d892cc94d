package main

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/aws/aws-lambda-go/events"

	"github.com/greenlight/greenlight/examples/internal/flaky"
)

func TestHealthCheck(t *testing.T) {
	tests := []struct {
		version string
		status  int
		body    string
	}{
		{"v1", 200, "ok"},
		{"v2", 200, "ok"},
		{"v3", 200, "ok"},
		{"v4", 503, "unhealthy"},
	}
	for _, tt := range tests {
		t.Run(tt.version, func(t *testing.T) {
			h, err := newHandler(tt.version, noEnv)
			if err != nil {
				t.Fatal(err)
			}
			// The check passes every time, however many requests came before.
			for i := range 20 {
				resp, err := h.Handle(context.Background(), events.APIGatewayProxyRequest{Path: HealthPath})
				if err != nil {
					t.Fatalf("request %d: %v", i, err)
				}
				if resp.StatusCode != tt.status || resp.Body != tt.body || resp.Headers["X-App-Version"] != tt.version {
					t.Fatalf("request %d: %d %q (version %q), want %d %q (version %q)", i,
						resp.StatusCode, resp.Body, resp.Headers["X-App-Version"], tt.status, tt.body, tt.version)
				}
			}
		})
	}
}

func TestRequests(t *testing.T) {
	tests := []struct {
		version  string
		greeting string
		failures int // of 100 requests
	}{
		{"v1", "hello from greenlight", 0},
		{"v2", "hello again, now with a canary", 0},
		{"v3", "hello, most of the time", 30},
		{"v4", "hello from a broken build", 0},
	}
	for _, tt := range tests {
		t.Run(tt.version, func(t *testing.T) {
			h, err := newHandler(tt.version, noEnv)
			if err != nil {
				t.Fatal(err)
			}
			failures := 0
			for i := range 100 {
				resp, err := h.Handle(context.Background(), events.APIGatewayProxyRequest{Path: "/orders"})
				if err != nil {
					var broken *flaky.BrokenVersionError
					if !errors.As(err, &broken) {
						t.Fatalf("request %d: %v (%T), want a *flaky.BrokenVersionError", i, err, err)
					}
					if broken.Version != tt.version {
						t.Errorf("request %d: broken version %q, want %q", i, broken.Version, tt.version)
					}
					failures++
					continue
				}
				if resp.StatusCode != 200 || resp.Headers["Content-Type"] != "application/json" {
					t.Fatalf("request %d: %d %q, want 200 application/json", i, resp.StatusCode, resp.Headers["Content-Type"])
				}
				var g greeting
				if err := json.Unmarshal([]byte(resp.Body), &g); err != nil {
					t.Fatalf("request %d: body %q: %v", i, resp.Body, err)
				}
				if want := (greeting{Message: tt.greeting, Version: tt.version, Path: "/orders"}); g != want {
					t.Fatalf("request %d: %+v, want %+v", i, g, want)
				}
			}
			if failures != tt.failures {
				t.Errorf("%d of 100 requests failed, want %d", failures, tt.failures)
			}
		})
	}
}

func TestFirstRequestSucceeds(t *testing.T) {
	h, err := newHandler("v3", noEnv)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := h.Handle(context.Background(), events.APIGatewayProxyRequest{})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(resp.Body, `"path":"/"`) {
		t.Errorf("body %s, want the path /", resp.Body)
	}
}

func TestUnknownVersion(t *testing.T) {
	for _, v := range []string{"dev", "", "v5", "V1"} {
		if _, err := newHandler(v, noEnv); err == nil || !strings.Contains(err.Error(), "unknown version") {
			t.Errorf("newHandler(%q): %v, want an unknown version", v, err)
		}
	}
}

func noEnv(string) string { return "" }

func TestConfiguration(t *testing.T) {
	tests := []struct {
		name    string
		env     map[string]string
		feature string
		wantErr string // of a request other than the health check
		badEnv  bool
	}{
		{name: "no configuration"},
		{name: "feature flag", env: map[string]string{FeatureVar: "b"}, feature: "b"},
		{name: "enough memory", env: map[string]string{MinMemoryVar: "256", memoryVar: "512"}},
		{name: "just enough memory", env: map[string]string{MinMemoryVar: "256", memoryVar: "256"}},
		{name: "too little memory", env: map[string]string{MinMemoryVar: "256", memoryVar: "128"}, wantErr: "out of memory: 128 MB configured, 256 MB needed"},
		{name: "minimum not a number", env: map[string]string{MinMemoryVar: "lots"}, badEnv: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h, err := newHandler("v1", func(k string) string { return tt.env[k] })
			if (err != nil) != tt.badEnv {
				t.Fatalf("newHandler: %v, want error %v", err, tt.badEnv)
			}
			if err != nil {
				return
			}
			health, err := h.Handle(context.Background(), events.APIGatewayProxyRequest{Path: HealthPath})
			if err != nil || health.StatusCode != 200 {
				t.Fatalf("health check: %d %v; it passes whatever the configuration", health.StatusCode, err)
			}
			resp, err := h.Handle(context.Background(), events.APIGatewayProxyRequest{Path: "/orders"})
			if tt.wantErr != "" {
				var m *MemoryError
				if !errors.As(err, &m) || err.Error() != tt.wantErr {
					t.Fatalf("error %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			var g greeting
			if err := json.Unmarshal([]byte(resp.Body), &g); err != nil {
				t.Fatal(err)
			}
			if g.Feature != tt.feature {
				t.Errorf("feature %q, want %q", g.Feature, tt.feature)
			}
		})
	}
}
