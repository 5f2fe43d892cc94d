package demo

import (
	"crypto/rand"
	"os"
	"strconv"
)

// The environment variables of a local cloud that verifies signatures: what
// `greenlight local up` reads and prints, the CLI's control commands and
// the end-to-end tests read.
const (
	// VerifySignaturesVar, when true (strconv.ParseBool), turns signature
	// verification on: the default of `local up --verify-signatures`, and
	// of StartLocal.
	VerifySignaturesVar = "GREENLIGHT_VERIFY_SIGNATURES"
	// AccessKeyIDVar and SecretAccessKeyVar are the credentials a
	// verifying local cloud accepts (not AWS_ACCESS_KEY_ID, which may hold
	// real AWS credentials that `local up` would print).
	AccessKeyIDVar     = "GREENLIGHT_LOCAL_ACCESS_KEY_ID"
	SecretAccessKeyVar = "GREENLIGHT_LOCAL_SECRET_ACCESS_KEY"
	// TokenVar is the control token of a verifying local cloud, which its
	// control endpoints (faults, inbox, stacks, clock) require.
	TokenVar = "GREENLIGHT_LOCAL_TOKEN"
)

// VerifyFromEnv reports whether VerifySignaturesVar turns verification on.
func VerifyFromEnv() bool {
	on, _ := strconv.ParseBool(os.Getenv(VerifySignaturesVar))
	return on
}

// NewSecret returns a random secret, for a verifying cloud's secret access
// key or control token when none is given.
func NewSecret() string { return rand.Text() }
