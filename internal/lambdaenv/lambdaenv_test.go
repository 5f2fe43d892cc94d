package lambdaenv

import (
	"errors"
	"os"
	"os/exec"
	"strings"
	"testing"
)

func TestGet(t *testing.T) {
	tests := []struct {
		name    string
		value   string
		set     bool
		want    string
		wantErr string
	}{
		{name: "set", value: "artifacts", set: true, want: "artifacts"},
		{name: "empty", value: "", set: true, wantErr: "GREENLIGHT_TEST_VAR is not set"},
		{name: "unset", wantErr: "GREENLIGHT_TEST_VAR is not set"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Setenv("GREENLIGHT_TEST_VAR", tt.value)
			if !tt.set {
				os.Unsetenv("GREENLIGHT_TEST_VAR")
			}
			got, err := Get("GREENLIGHT_TEST_VAR")
			switch {
			case tt.wantErr != "":
				if err == nil || err.Error() != tt.wantErr {
					t.Fatalf("Get = %q, %v; want error %q", got, err, tt.wantErr)
				}
			case err != nil || got != tt.want:
				t.Fatalf("Get = %q, %v; want %q", got, err, tt.want)
			}
		})
	}
}

func TestMustGet(t *testing.T) {
	t.Setenv("GREENLIGHT_TEST_VAR", "artifacts")
	if got := MustGet("GREENLIGHT_TEST_VAR"); got != "artifacts" {
		t.Errorf("MustGet = %q, want artifacts", got)
	}
}

// TestMustGetExits runs the test binary again with the variable unset: the
// process must end with a failure status and name the variable.
func TestMustGetExits(t *testing.T) {
	if os.Getenv("LAMBDAENV_CHILD") == "1" {
		MustGet("GREENLIGHT_TEST_VAR")
		return // not reached when MustGet ends the process
	}
	cmd := exec.Command(os.Args[0], "-test.run=^TestMustGetExits$")
	cmd.Env = append(withoutVar(os.Environ(), "GREENLIGHT_TEST_VAR"), "LAMBDAENV_CHILD=1")
	out, err := cmd.CombinedOutput()
	var exit *exec.ExitError
	if !errors.As(err, &exit) {
		t.Fatalf("process ended with %v, want a failure status; output:\n%s", err, out)
	}
	if !strings.Contains(string(out), "GREENLIGHT_TEST_VAR is not set") {
		t.Errorf("output does not name the variable:\n%s", out)
	}
}

func TestMustLoadAWS(t *testing.T) {
	t.Setenv("AWS_REGION", "eu-west-3")
	if got := MustLoadAWS().Region; got != "eu-west-3" {
		t.Errorf("region %q, want eu-west-3 from AWS_REGION", got)
	}
}

func withoutVar(env []string, name string) []string {
	var out []string
	for _, kv := range env {
		if !strings.HasPrefix(kv, name+"=") {
			out = append(out, kv)
		}
	}
	return out
}
