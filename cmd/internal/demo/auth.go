package demo

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"

	"github.com/greenlight/greenlight/localcloud"
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

// Env is the environment a process needs to reach cloud c, as `greenlight
// local up` prints it: the endpoint, the region, the credentials the cloud
// accepts and, when token is not "", its control token.
func Env(ctx context.Context, c *localcloud.Cloud, token string) ([]string, error) {
	cfg := c.AWSConfig()
	creds, err := cfg.Credentials.Retrieve(ctx)
	if err != nil {
		return nil, err
	}
	env := []string{
		"AWS_ENDPOINT_URL=" + c.Endpoint(),
		"AWS_REGION=" + cfg.Region,
		"AWS_DEFAULT_REGION=" + cfg.Region, // what AWS CLI v1 reads
		"AWS_ACCESS_KEY_ID=" + creds.AccessKeyID,
		"AWS_SECRET_ACCESS_KEY=" + creds.SecretAccessKey,
	}
	if token != "" {
		env = append(env, TokenVar+"="+token)
	}
	return env, nil
}

// secretsFile is where a verifying local cloud with a state folder keeps the
// secrets it made up, so that a restart on the folder accepts the same
// credentials and token.
const secretsFile = "signing.json"

// Secrets are a verifying cloud's secret access key and control token.
type Secrets struct {
	SecretAccessKey string `json:"secretAccessKey"`
	ControlToken    string `json:"controlToken"`
}

// LoadSecrets fills the secrets s leaves empty: from dir's secrets file when
// an earlier start wrote them, else with new random ones, which it writes
// there (readable by the owner only) for the next start. Secrets s gives
// are used, never written. With dir "" (a cloud in memory) nothing is kept.
func LoadSecrets(dir string, s Secrets) (Secrets, error) {
	var kept Secrets
	path := filepath.Join(dir, secretsFile)
	if dir != "" {
		data, err := os.ReadFile(path)
		switch {
		case err == nil:
			if err := json.Unmarshal(data, &kept); err != nil {
				return s, fmt.Errorf("%s: %w", path, err)
			}
		case !errors.Is(err, fs.ErrNotExist):
			return s, err
		}
	}
	made := false
	fill := func(v, keep *string) {
		switch {
		case *v != "":
		case *keep != "":
			*v = *keep
		default:
			*v, made = NewSecret(), true
			*keep = *v
		}
	}
	fill(&s.SecretAccessKey, &kept.SecretAccessKey)
	fill(&s.ControlToken, &kept.ControlToken)
	if dir == "" || !made {
		return s, nil
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return s, err
	}
	data, err := json.Marshal(kept)
	if err != nil {
		return s, err
	}
	return s, os.WriteFile(path, data, 0o600)
}
