package main

import (
	"bytes"
	"math"
	"testing"
	"time"
)

func TestWeightBar(t *testing.T) {
	tests := []struct {
		name   string
		weight float64
		width  int
		want   string
	}{
		{"zero", 0, 10, "[░░░░░░░░░░]   0%"},
		{"canary", 0.1, 10, "[█░░░░░░░░░]  10%"},
		{"half", 0.5, 4, "[██░░]  50%"},
		{"full", 1, 5, "[█████] 100%"},
		{"rounds", 0.25, 10, "[███░░░░░░░]  25%"},
		{"negative clamps", -0.3, 4, "[░░░░]   0%"},
		{"above one clamps", 1.7, 4, "[████] 100%"},
		{"NaN", math.NaN(), 4, "[░░░░]   0%"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := weightBar(tt.weight, tt.width); got != tt.want {
				t.Errorf("weightBar(%v, %d) = %q, want %q", tt.weight, tt.width, got, tt.want)
			}
		})
	}
}

func TestHumanDuration(t *testing.T) {
	tests := []struct {
		in   time.Duration
		want string
	}{
		{0, "0s"},
		{-5 * time.Second, "0s"},
		{400 * time.Millisecond, "0s"},
		{1500 * time.Millisecond, "2s"},
		{45 * time.Second, "45s"},
		{4*time.Minute + 5*time.Second, "4m05s"},
		{time.Hour, "1h00m"},
		{2*time.Hour + 3*time.Minute + 59*time.Second, "2h03m"},
	}
	for _, tt := range tests {
		t.Run(tt.in.String(), func(t *testing.T) {
			if got := humanDuration(tt.in); got != tt.want {
				t.Errorf("humanDuration(%v) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

func TestWriteTable(t *testing.T) {
	var buf bytes.Buffer
	err := writeTable(&buf, []string{"FUNCTION", "PHASE"}, [][]string{{"orders", "shifting"}, {"billing-api", orDash("")}})
	if err != nil {
		t.Fatal(err)
	}
	want := "FUNCTION     PHASE\norders       shifting\nbilling-api  -\n"
	if buf.String() != want {
		t.Errorf("table:\n%s\nwant:\n%s", buf.String(), want)
	}
}

func TestCauseMessage(t *testing.T) {
	tests := []struct {
		name, cause, want string
	}{
		{"lambda error payload", `{"errorMessage":"1 test(s) failed: health","errorType":"TestFailedError"}`, "1 test(s) failed: health"},
		{"payload with a stack trace", `{"errorType":"Runtime.ExitError","errorMessage":"exit status 2","stackTrace":[]}`, "exit status 2"},
		{"empty message", `{"errorMessage":"","errorType":"X"}`, ""},
		{"plain text", "blue serves all traffic again", "blue serves all traffic again"},
		{"JSON without a message", `{"reason":"halted"}`, `{"reason":"halted"}`},
		{"message that is not a string", `{"errorMessage":42}`, `{"errorMessage":42}`},
		{"broken JSON", `{"errorMessage":"cut`, `{"errorMessage":"cut`},
		{"empty", "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := causeMessage(tt.cause); got != tt.want {
				t.Errorf("causeMessage(%q) = %q, want %q", tt.cause, got, tt.want)
			}
		})
	}
}

func TestClosingLineReadsTheCause(t *testing.T) {
	r := releaseReport{
		ReleaseID: "orders-1", Outcome: "rolledBack", DurationSeconds: 41, Green: "4", Blue: "3",
		Error: "TestFailedError", Cause: `{"errorMessage":"1 test(s) failed: health","errorType":"TestFailedError"}`,
	}
	want := "release orders-1 rolledBack after 41s (green v4, blue v3): TestFailedError: 1 test(s) failed: health"
	if got := closingLine(r); got != want {
		t.Errorf("closingLine = %q\nwant %q", got, want)
	}
}
