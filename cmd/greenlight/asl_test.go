package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestASLRun(t *testing.T) {
	dir := t.TempDir()
	write := func(name, def string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(def), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	ok := write("ok.json", `{"StartAt":"Bake","States":{"Bake":{"Type":"Wait","Seconds":1800,"Next":"Add"},
	  "Add":{"Type":"Pass","Parameters":{"sum.$":"States.MathAdd($.a, 1)"},"End":true}}}`)
	fail := write("fail.json", `{"StartAt":"F","States":{"F":{"Type":"Fail","Error":"Broken","Cause":"on purpose"}}}`)
	task := write("task.json", `{"StartAt":"T","States":{"T":{"Type":"Task","Resource":"arn:aws:lambda:us-east-1:000000000000:function:deploy","End":true}}}`)
	bad := write("bad.json", `{"StartAt":"Nope","States":{"A":{"Type":"Succeed"}}}`)
	tests := []struct {
		name       string
		args       []string
		wantOut    []string
		wantErrOut []string
		wantCode   int
	}{
		{"output", []string{"run", ok, "--input", `{"a":41}`}, []string{`{"sum":42}`}, nil, exitOK},
		{"history", []string{"run", ok, "--input", `{"a":1}`, "--history"}, []string{"WaitStateEntered", "PassStateExited", "ExecutionSucceeded"}, nil, exitOK},
		{"fail state", []string{"run", fail}, nil, []string{"error: Broken", "cause: on purpose"}, exitFailed},
		{"task without resolver", []string{"run", task}, nil, []string{"error: States.TaskFailed", "arn:aws:lambda:us-east-1:000000000000:function:deploy"}, exitFailed},
		{"invalid definition", []string{"run", bad}, nil, nil, exitFailed},
		{"bad input", []string{"run", ok, "--input", `{`}, nil, nil, exitUsage},
		{"missing file", []string{"run", filepath.Join(dir, "none.json")}, nil, nil, exitUsage},
		{"no file", []string{"run"}, nil, nil, exitUsage},
		{"scaled clock", []string{"run", fail, "--time-scale", "10"}, nil, []string{"error: Broken"}, exitFailed},
		{"negative scale", []string{"run", ok, "--time-scale", "-1"}, nil, nil, exitUsage},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var out, errOut bytes.Buffer
			cmd := newASLCmd()
			cmd.SetArgs(tt.args)
			cmd.SetOut(&out)
			cmd.SetErr(&errOut)
			err := cmd.Execute()
			if code := exitCode(err); code != tt.wantCode {
				t.Fatalf("exit code %d (%v), want %d", code, err, tt.wantCode)
			}
			for _, w := range tt.wantOut {
				if !strings.Contains(out.String(), w) {
					t.Errorf("stdout %q does not contain %q", out.String(), w)
				}
			}
			for _, w := range tt.wantErrOut {
				if !strings.Contains(errOut.String(), w) {
					t.Errorf("stderr %q does not contain %q", errOut.String(), w)
				}
			}
		})
	}
}
