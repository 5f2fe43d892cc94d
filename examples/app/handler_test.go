package main

import (
	"context"
	"encoding/json"
	"errors"
	"testing"

	"github.com/aws/aws-lambda-go/events"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
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
			h, err := newHandler(tt.version)
			require.NoError(t, err)
			// The check passes every time, however many requests came before.
			for range 20 {
				resp, err := h.Handle(context.Background(), events.APIGatewayProxyRequest{Path: HealthPath})
				require.NoError(t, err)
				assert.Equal(t, tt.status, resp.StatusCode)
				assert.Equal(t, tt.body, resp.Body)
				assert.Equal(t, tt.version, resp.Headers["X-App-Version"])
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
			h, err := newHandler(tt.version)
			require.NoError(t, err)
			failures := 0
			for range 100 {
				resp, err := h.Handle(context.Background(), events.APIGatewayProxyRequest{Path: "/orders"})
				if err != nil {
					var broken *BrokenVersionError
					require.True(t, errors.As(err, &broken), "want a BrokenVersionError, got %T", err)
					assert.Equal(t, tt.version, broken.Version)
					failures++
					continue
				}
				assert.Equal(t, 200, resp.StatusCode)
				assert.Equal(t, "application/json", resp.Headers["Content-Type"])
				var g greeting
				require.NoError(t, json.Unmarshal([]byte(resp.Body), &g))
				assert.Equal(t, greeting{Message: tt.greeting, Version: tt.version, Path: "/orders"}, g)
			}
			assert.Equal(t, tt.failures, failures)
		})
	}
}

func TestFirstRequestSucceeds(t *testing.T) {
	h, err := newHandler("v3")
	require.NoError(t, err)
	resp, err := h.Handle(context.Background(), events.APIGatewayProxyRequest{})
	require.NoError(t, err)
	assert.Contains(t, resp.Body, `"path":"/"`)
}

func TestUnknownVersion(t *testing.T) {
	for _, v := range []string{"dev", "", "v5", "V1"} {
		_, err := newHandler(v)
		assert.ErrorContains(t, err, "unknown version", v)
	}
}
