package e2e

import (
	"bytes"
	"os"
	"os/exec"
	"strings"
	"testing"

	"github.com/greenlight/greenlight/cmd/internal/testenv"
)

// debianAWSCLI is where Debian's awscli package installs the AWS CLI v2.
const debianAWSCLI = "/usr/bin/aws"

// TestAWSCLIScript runs the scripts that drive `greenlight local up` with
// Debian's AWS CLI and the greenlight CLI only, as a user would: awscli.sh
// rolls a release back by setting its alarm by hand; configuration.sh
// releases an environment variable and refuses a memory size; group.sh
// releases the shop example's two functions as one group, and rolls both
// back when the worker fails under traffic.
func TestAWSCLIScript(t *testing.T) {
	if os.Getenv("GREENLIGHT_E2E_AWS") == "1" {
		t.Skip("the AWS CLI scripts drive the local cloud only")
	}
	if _, err := os.Stat(debianAWSCLI); err != nil {
		testenv.Missing(t, "Debian's AWS CLI is not installed at %s (apt-get install awscli; .ci/run does)", debianAWSCLI)
	}
	if _, err := exec.LookPath("zip"); err != nil {
		testenv.Missing(t, "zip is not installed (apt-get install zip; .ci/run does)")
	}
	tmpl := assemblyPath(t)
	bin := greenlightBin(t)
	for _, tt := range []struct{ script, closing string }{
		{"awscli.sh", "awscli: release rolled back by its alarm"},
		{"configuration.sh", "configuration: FEATURE=b released as version"},
		{"group.sh", "group: greenlight-shop released as one"},
	} {
		t.Run(tt.script, func(t *testing.T) {
			cmd := exec.Command("bash", tt.script)
			cmd.Env = append(os.Environ(), "GREENLIGHT="+bin, "TEMPLATE="+tmpl, "AWS="+debianAWSCLI)
			var out bytes.Buffer
			cmd.Stdout, cmd.Stderr = &out, &out
			err := cmd.Run()
			t.Log(out.String())
			if err != nil {
				t.Fatalf("%s: %v", tt.script, err)
			}
			if !strings.Contains(out.String(), tt.closing) {
				t.Fatalf("%s ended without its closing line", tt.script)
			}
		})
	}
}
