package cloudwatch_test

import (
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/greenlight/greenlight/localcloud/clock"
	"github.com/greenlight/greenlight/localcloud/internal/testenv"
)

// The AWS CLI drives alarms and metrics through the local endpoint.
func TestAWSCLI(t *testing.T) {
	if testing.Short() {
		t.Skip("starting the AWS CLI takes seconds")
	}
	// Debian's CLI speaks the query protocol where newer ones speak CBOR.
	for _, aws := range testenv.AWSCLIs(t) {
		cli := aws.Path
		t.Run(aws.Version, func(t *testing.T) {
			_, endpoint := newClient(t, newService(t, clock.Real{}, newRecorder(), ""))
			home := t.TempDir()
			run := func(args ...string) ([]byte, error) {
				cmd := exec.Command(cli, append([]string{"cloudwatch", "--endpoint-url", endpoint, "--output", "json"}, args...)...)
				cmd.Env = append(os.Environ(), "HOME="+home, "AWS_ACCESS_KEY_ID=test", "AWS_SECRET_ACCESS_KEY=test",
					"AWS_DEFAULT_REGION=us-east-1", "AWS_REGION=us-east-1", "AWS_PAGER=",
					"AWS_CONFIG_FILE="+filepath.Join(home, "none"), "AWS_SHARED_CREDENTIALS_FILE="+filepath.Join(home, "none"))
				var stderr bytes.Buffer
				cmd.Stderr = &stderr
				out, err := cmd.Output()
				if err != nil {
					return out, &cliError{err: err, stderr: stderr.String()}
				}
				return out, nil
			}
			must := func(args ...string) []byte {
				t.Helper()
				out, err := run(args...)
				if err != nil {
					t.Fatalf("aws %s: %v", strings.Join(args, " "), err)
				}
				return out
			}
			must("put-metric-alarm", "--alarm-name", "orders-errors", "--namespace", "AWS/Lambda", "--metric-name", "Errors",
				"--dimensions", "Name=FunctionName,Value=orders", "Name=Resource,Value=orders:live",
				"--statistic", "Sum", "--period", "60", "--evaluation-periods", "1", "--threshold", "1",
				"--comparison-operator", "GreaterThanOrEqualToThreshold", "--treat-missing-data", "notBreaching",
				"--alarm-actions", "arn:aws:sns:us-east-1:000000000000:alerts")
			must("set-alarm-state", "--alarm-name", "orders-errors", "--state-value", "ALARM", "--state-reason", "from the CLI")

			var described struct {
				MetricAlarms []struct {
					AlarmName, StateValue, StateReason string
					Threshold                          float64
					Dimensions                         []struct{ Name, Value string }
					AlarmActions                       []string
				}
			}
			if err := json.Unmarshal(must("describe-alarms", "--alarm-names", "orders-errors"), &described); err != nil {
				t.Fatal(err)
			}
			if len(described.MetricAlarms) != 1 {
				t.Fatalf("describe-alarms found %d alarms", len(described.MetricAlarms))
			}
			a := described.MetricAlarms[0]
			if a.StateValue != "ALARM" || a.StateReason != "from the CLI" || a.Threshold != 1 || len(a.Dimensions) != 2 || len(a.AlarmActions) != 1 {
				t.Errorf("describe-alarms = %+v", a)
			}

			must("put-metric-data", "--namespace", "Shop", "--metric-name", "Orders", "--value", "3", "--dimensions", "Site=eu")
			var stats struct {
				Datapoints []struct{ Sum float64 }
			}
			start, end := time.Now().Add(-time.Hour).UTC().Format(time.RFC3339), time.Now().Add(time.Hour).UTC().Format(time.RFC3339)
			if err := json.Unmarshal(must("get-metric-statistics", "--namespace", "Shop", "--metric-name", "Orders", "--dimensions", "Name=Site,Value=eu",
				"--start-time", start, "--end-time", end, "--period", "7200", "--statistics", "Sum"), &stats); err != nil {
				t.Fatal(err)
			}
			if len(stats.Datapoints) != 1 || stats.Datapoints[0].Sum != 3 {
				t.Errorf("get-metric-statistics = %+v, want one datapoint of sum 3", stats.Datapoints)
			}
			if _, err := run("get-metric-statistics", "--namespace", "Shop", "--metric-name", "Orders",
				"--start-time", "2000-01-01T00:00:00Z", "--end-time", "2100-01-01T00:00:00Z", "--period", "60", "--statistics", "Sum"); err == nil || !strings.Contains(err.Error(), "InvalidParameterValue") {
				t.Errorf("get-metric-statistics over a century: %v, want InvalidParameterValue", err)
			}
			out, err := run("set-alarm-state", "--alarm-name", "nope", "--state-value", "OK", "--state-reason", "x")
			if err == nil || !strings.Contains(err.Error(), "ResourceNotFound") {
				t.Errorf("set-alarm-state on an unknown alarm: %s %v, want ResourceNotFound", out, err)
			}
			must("delete-alarms", "--alarm-names", "orders-errors")
		})
	}
}

type cliError struct {
	err    error
	stderr string
}

func (e *cliError) Error() string { return e.err.Error() + ": " + strings.TrimSpace(e.stderr) }
