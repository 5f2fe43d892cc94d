package main

import (
	"context"
	"errors"
	"maps"
	"slices"
	"strings"
	"testing"

	"github.com/aws/aws-lambda-go/lambdacontext"

	"github.com/greenlight/greenlight/examples/internal/flaky"
	"github.com/greenlight/greenlight/examples/shop"
)

const workerARN = "arn:aws:lambda:us-east-1:000000000000:function:shop-worker"

func TestBuildsAreTheGroupsWorkers(t *testing.T) {
	if got, want := slices.Sorted(maps.Keys(failOn)), shop.Members["worker"]; !slices.Equal(got, want) {
		t.Errorf("the worker knows builds %v, the group lists %v", got, want)
	}
}

func TestHealthCheck(t *testing.T) {
	for _, version := range shop.Members["worker"] {
		t.Run(version, func(t *testing.T) {
			h := mustHandler(t, version, "3")
			// The check passes every time, however many requests came before.
			for i := range 20 {
				got, err := h.Handle(context.Background(), shop.Request{Path: shop.HealthPath})
				if err != nil || got != shop.Healthy {
					t.Fatalf("request %d: %v %v, want %v", i, got, err, shop.Healthy)
				}
				if _, err := h.Handle(context.Background(), shop.Request{}); err != nil && version != "w3" {
					t.Fatalf("order %d: %v", i, err)
				}
			}
		})
	}
}

func TestRequests(t *testing.T) {
	tests := []struct {
		version  string
		failures int // of 100 requests
	}{
		{"w1", 0},
		{"w2", 0},
		{"w3", 50},
	}
	for _, tt := range tests {
		t.Run(tt.version, func(t *testing.T) {
			h := mustHandler(t, tt.version, "3")
			ctx := lambdacontext.NewContext(context.Background(), &lambdacontext.LambdaContext{InvokedFunctionArn: workerARN + ":green"})
			failures := 0
			for i := range 100 {
				got, err := h.Handle(ctx, shop.Request{})
				if err != nil {
					var broken *flaky.BrokenVersionError
					if !errors.As(err, &broken) || broken.Version != tt.version {
						t.Fatalf("request %d: %v (%T), want a *flaky.BrokenVersionError of %s", i, err, err, tt.version)
					}
					if i == 0 {
						t.Fatal("the first request failed: a broken build still answers some")
					}
					failures++
					continue
				}
				want := shop.WorkerAnswer{Worker: tt.version, Alias: "green", FunctionVersion: "3"}
				if got != want {
					t.Fatalf("request %d: %+v, want %+v", i, got, want)
				}
			}
			if failures != tt.failures {
				t.Errorf("%d of 100 requests failed, want %d", failures, tt.failures)
			}
		})
	}
}

func TestAnswerNamesHowItWasInvoked(t *testing.T) {
	tests := []struct {
		name, arn, functionVersion string
		want                       shop.WorkerAnswer
	}{
		{"live alias", workerARN + ":live", "2", shop.WorkerAnswer{Worker: "w1", Alias: "live", FunctionVersion: "2"}},
		{"version", workerARN + ":2", "2", shop.WorkerAnswer{Worker: "w1", Alias: "2", FunctionVersion: "2"}},
		{"unqualified", workerARN, "$LATEST", shop.WorkerAnswer{Worker: "w1", FunctionVersion: "$LATEST"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx := lambdacontext.NewContext(context.Background(), &lambdacontext.LambdaContext{InvokedFunctionArn: tt.arn})
			got, err := mustHandler(t, "w1", tt.functionVersion).Handle(ctx, shop.Request{})
			if err != nil || got != tt.want {
				t.Errorf("Handle = %+v, %v; want %+v", got, err, tt.want)
			}
		})
	}
}

func TestUnknownVersion(t *testing.T) {
	for _, v := range []string{"dev", "", "w4", "a1"} {
		if _, err := newHandler(v, "1"); err == nil || !strings.Contains(err.Error(), "unknown version") {
			t.Errorf("newHandler(%q): %v, want an unknown version", v, err)
		}
	}
}

func mustHandler(t *testing.T, version, functionVersion string) *handler {
	t.Helper()
	h, err := newHandler(version, functionVersion)
	if err != nil {
		t.Fatal(err)
	}
	return h
}
