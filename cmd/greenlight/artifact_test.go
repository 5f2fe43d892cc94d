package main

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/greenlight/greenlight/internal/release"
)

func TestCheckFunction(t *testing.T) {
	tests := []struct {
		name    string
		wantErr bool
		says    string // what the error says, when it matters
	}{
		{"orders", false, ""},
		{"shop-orders_v2", false, ""},
		{"", true, ""},
		{"arn:aws:lambda:eu-west-1:123456789012:function:orders", true, "give the function's name alone, not an ARN or a name:qualifier"},
		{"orders:live", true, "give the function's name alone, not an ARN or a name:qualifier"},
		{"orders ", true, "remove the spaces around it"},
		{"a/b", true, `--function "a/b" is not a Lambda function name`},
		{string(make([]byte, 65)), true, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := checkFunction(tt.name)
			if (err != nil) != tt.wantErr {
				t.Fatalf("checkFunction(%q) = %v, want error %v", tt.name, err, tt.wantErr)
			}
			if err != nil && !strings.Contains(err.Error(), tt.says) {
				t.Errorf("checkFunction(%q) = %v, want it to say %q", tt.name, err, tt.says)
			}
			if err != nil && exitCode(err) != exitUsage {
				t.Errorf("exit code %d, want %d", exitCode(err), exitUsage)
			}
		})
	}
}

func TestCheckBuild(t *testing.T) {
	for build, ok := range map[string]bool{"42": true, "20261122T101500Z-3f2a9c1b": true, "v1.2.3": true, "": false, "../x": false, "a/b": false, ".hidden": false} {
		if err := checkBuild(build); (err == nil) != ok {
			t.Errorf("checkBuild(%q) = %v, want ok %v", build, err, ok)
		}
	}
}

func TestCheckZip(t *testing.T) {
	if err := checkZip("a.zip", []byte("PK\x03\x04rest")); err != nil {
		t.Errorf("zip rejected: %v", err)
	}
	for _, body := range [][]byte{nil, []byte("hello"), []byte("PK\x05\x06")} {
		if err := checkZip("a.zip", body); err == nil {
			t.Errorf("checkZip(%q) accepted a non-zip", body)
		}
	}
}

func TestDefaultBuildID(t *testing.T) {
	at := time.Date(2026, 11, 22, 10, 15, 0, 0, time.FixedZone("CET", 3600))
	got := defaultBuildID(at, []byte("abc"))
	// sha256("abc") starts with ba7816bf.
	if want := "20261122T091500Z-ba7816bf"; got != want {
		t.Errorf("defaultBuildID = %q, want %q", got, want)
	}
	if err := checkBuild(got); err != nil {
		t.Errorf("default build id is not a valid build: %v", err)
	}
}

func TestArtifactKeys(t *testing.T) {
	zip, manifest := artifactKeys("orders", "42")
	if zip != "releases/orders/42.zip" || manifest != "releases/orders/42.json" {
		t.Errorf("artifactKeys = %q, %q", zip, manifest)
	}
}

func TestParseStrategy(t *testing.T) {
	tests := []struct {
		flag     string
		wantName string
		wantErr  bool
	}{
		{"Canary10Percent5Minutes", "Canary10Percent5Minutes", false},
		{"AllAtOnce", "AllAtOnce", false},
		{`{"steps":[{"percent":5,"bakeSeconds":60},{"percent":25,"bakeSeconds":120}]}`, "Custom", false},
		{"Canary50Percent", "", true},
		{`{"steps":[{"percent":50},{"percent":20}]}`, "", true},
		{`{"steps":`, "", true},
		{`{"steps":[{"percent":50,"bakeSecond":60}]}`, "", true},
		{`{"name":"Canary10Percent5Minutes","aproval":true}`, "", true},
		{`{"steps":[{"Percent":50,"bakeSeconds":60}]}`, "", true},
		{`{"steps":[{"percent":50}],"steps":[{"percent":10}]}`, "", true},
		{`{"steps":[{"percent":50}]}]`, "", true},
	}
	for _, tt := range tests {
		t.Run(tt.flag, func(t *testing.T) {
			s, err := parseStrategy(tt.flag)
			if (err != nil) != tt.wantErr {
				t.Fatalf("parseStrategy(%q) error = %v, want error %v", tt.flag, err, tt.wantErr)
			}
			if err != nil {
				var u *usageError
				if !errors.As(err, &u) {
					t.Errorf("error %T is not a usage error", err)
				}
				return
			}
			if s.Name != tt.wantName {
				t.Errorf("name = %q, want %q", s.Name, tt.wantName)
			}
		})
	}
}

func TestManifestBody(t *testing.T) {
	tests := []struct {
		name     string
		file     string // "" means no --manifest
		strategy string
		// memory, when set, is the configuration flags' change; with
		// member, a group's manifest.
		memory  int32
		member  string
		want    string // JSON, "" means no manifest
		wantErr bool
	}{
		{name: "nothing to upload"},
		{name: "strategy only", strategy: "AllAtOnce", want: `{"strategy":{"name":"AllAtOnce"}}`},
		{name: "file kept as given", file: `{"alarms":[],"hook":"smoke"}`, want: `{"alarms":[],"hook":"smoke"}`},
		{name: "flag overrides file", file: `{"strategy":"Canary10Percent5Minutes","alarms":["a"]}`, strategy: "AllAtOnce",
			want: `{"alarms":["a"],"strategy":{"name":"AllAtOnce"}}`},
		{name: "file with function", file: `{"function":"orders"}`, wantErr: true},
		{name: "file with unknown field", file: `{"stratgy":"AllAtOnce"}`, wantErr: true},
		{name: "file with bad strategy", file: `{"strategy":"Slowly"}`, wantErr: true},
		{name: "file not an object", file: `[1]`, wantErr: true},
		{name: "bad flag", file: `{}`, strategy: "Slowly", wantErr: true},
		{name: "configuration", memory: 256, want: `{"configuration":{"memorySize":256}}`},
		{name: "configuration in file and flags", file: `{"configuration":{"timeout":3}}`, memory: 256, wantErr: true},
		{name: "group: a member's configuration beside the file's", file: `{"configuration":{"shop-api":{"timeout":3}},"hook":"smoke"}`, memory: 256, member: "shop-worker",
			want: `{"hook":"smoke","configuration":{"shop-api":{"timeout":3},"shop-worker":{"memorySize":256}}}`},
		{name: "group: one member configured twice", file: `{"configuration":{"shop-api":{"timeout":3}}}`, memory: 256, member: "shop-api", wantErr: true},
		{name: "group: a function's manifest", file: `{"configuration":{"timeout":3}}`, memory: 256, member: "shop-api", wantErr: true},
		{name: "group: file with group", file: `{"group":"shop"}`, memory: 256, member: "shop-api", wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var file []byte
			if tt.file != "" {
				file = []byte(tt.file)
			}
			p := manifestParts{file: file, strategy: tt.strategy, group: tt.member != "", member: tt.member}
			if tt.memory != 0 {
				p.configuration = &release.Configuration{MemorySize: &tt.memory}
			}
			got, err := manifestBody(p)
			if (err != nil) != tt.wantErr {
				t.Fatalf("error = %v, want error %v", err, tt.wantErr)
			}
			if err != nil {
				if exitCode(err) != exitUsage {
					t.Errorf("exit code %d, want %d", exitCode(err), exitUsage)
				}
				return
			}
			if tt.want == "" {
				if got != nil {
					t.Errorf("manifest = %s, want none", got)
				}
				return
			}
			assertJSONEqual(t, string(got), tt.want)
		})
	}
}

func assertJSONEqual(t *testing.T, got, want string) {
	t.Helper()
	var g, w any
	if err := json.Unmarshal([]byte(got), &g); err != nil {
		t.Fatalf("got is not JSON: %v\n%s", err, got)
	}
	if err := json.Unmarshal([]byte(want), &w); err != nil {
		t.Fatalf("want is not JSON: %v", err)
	}
	gb, _ := json.Marshal(g)
	wb, _ := json.Marshal(w)
	if string(gb) != string(wb) {
		t.Errorf("JSON = %s, want %s", gb, wb)
	}
}
