package main

import (
	"context"
	"errors"

	"github.com/greenlight/greenlight/internal/stackref"
)

// discoverStack reads the outputs of the deployed greenlight stack; every
// failure is an environment error (exit code 4).
func discoverStack(ctx context.Context, api stackref.Describer, name string) (stackref.Stack, error) {
	s, err := stackref.Find(ctx, api, name)
	var nd *stackref.NotDeployedError
	if errors.As(err, &nd) {
		return stackref.Stack{}, environmentf("%v: run `make deploy` (AWS) or `greenlight local up` (local cloud), or name another stack with --stack or %s", err, stackref.NameVar)
	}
	if err != nil {
		return stackref.Stack{}, environmentf("%w", err)
	}
	return s, nil
}
