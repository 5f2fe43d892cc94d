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

// TestAWSCLIScript runs e2e/awscli.sh: a release driven only by the AWS CLI
// against `greenlight local up`, rolled back by setting its alarm by hand.
func TestAWSCLIScript(t *testing.T) {
	if os.Getenv("GREENLIGHT_E2E_AWS") == "1" {
		t.Skip("the AWS CLI script drives the local cloud only")
	}
	if _, err := os.Stat(debianAWSCLI); err != nil {
		testenv.Missing(t, "Debian's AWS CLI is not installed at %s (apt-get install awscli; .ci/run does)", debianAWSCLI)
	}
	if _, err := exec.LookPath("zip"); err != nil {
		testenv.Missing(t, "zip is not installed (apt-get install zip; .ci/run does)")
	}
	tmpl := assemblyPath(t)
	bin := greenlightBin(t)
	cmd := exec.Command("bash", "awscli.sh")
	cmd.Env = append(os.Environ(), "GREENLIGHT="+bin, "TEMPLATE="+tmpl, "AWS="+debianAWSCLI)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	err := cmd.Run()
	t.Log(out.String())
	if err != nil {
		t.Fatalf("awscli.sh: %v", err)
	}
	if !strings.Contains(out.String(), "awscli: release rolled back by its alarm") {
		t.Fatal("awscli.sh ended without its closing line")
	}
}
