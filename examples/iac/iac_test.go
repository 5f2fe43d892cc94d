package iac

import (
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// The tag the examples' targets select.
const tagKey, tagValue = "greenlight", "managed"

// ---- SAM ---------------------------------------------------------------------

// samForbidden match what a SAM template must not say about a function
// greenlight releases, with why.
var samForbidden = []struct {
	re  *regexp.Regexp
	why string
}{
	{regexp.MustCompile(`(?m)^\s*AutoPublishAlias\s*:`), "AutoPublishAlias publishes a version and moves an alias on every deploy"},
	{regexp.MustCompile(`(?m)^\s*AutoPublishCodeSha256\s*:`), "AutoPublishCodeSha256 publishes versions"},
	{regexp.MustCompile(`(?m)^\s*VersionDescription\s*:`), "VersionDescription publishes versions"},
	{regexp.MustCompile(`(?m)^\s*DeploymentPreference\s*:`), "DeploymentPreference has CodeDeploy shift the alias greenlight shifts"},
	{regexp.MustCompile(`(?m)^\s*ProvisionedConcurrencyConfig\s*:`), "ProvisionedConcurrencyConfig needs AutoPublishAlias"},
	{regexp.MustCompile(`(?m)^\s*Type\s*:\s*["']?AWS::Lambda::(Version|Alias)\b`), "greenlight publishes the versions and owns the aliases"},
	{regexp.MustCompile(`(?m)^\s*Events\s*:`), "SAM wires events to $LATEST; callers invoke the live alias"},
}

var (
	tagsKey  = regexp.MustCompile(`^(\s*)Tags\s*:\s*$`)
	tagEntry = regexp.MustCompile(`^\s*["']?` + tagKey + `["']?\s*:\s*["']?` + tagValue + `["']?\s*$`)
)

// hasSAMTag reports whether a Tags: map of the template (comments
// stripped) holds the targets' tag.
func hasSAMTag(text string) bool {
	lines := strings.Split(text, "\n")
	for i, line := range lines {
		m := tagsKey.FindStringSubmatch(line)
		if m == nil {
			continue
		}
		for _, entry := range lines[i+1:] {
			if strings.TrimSpace(entry) == "" {
				continue
			}
			if indent := len(entry) - len(strings.TrimLeft(entry, " \t")); indent <= len(m[1]) {
				break
			}
			if tagEntry.MatchString(entry) {
				return true
			}
		}
	}
	return false
}

// checkSAM returns what is wrong with a SAM template for a function handed
// to greenlight.
func checkSAM(template string) []string {
	text := stripYAMLComments(template)
	var problems []string
	for _, f := range samForbidden {
		if m := f.re.FindString(text); m != "" {
			problems = append(problems, strings.TrimSpace(m)+": "+f.why)
		}
	}
	if !strings.Contains(text, "AWS::Serverless::Function") {
		problems = append(problems, "no AWS::Serverless::Function")
	}
	if !hasSAMTag(text) {
		problems = append(problems, "the function does not carry the tag "+tagKey+": "+tagValue+" that the targets select")
	}
	return problems
}

// stripYAMLComments drops # comments: a # at the start of a line or after
// a space, outside quotes.
func stripYAMLComments(s string) string {
	lines := strings.Split(s, "\n")
	for i, line := range lines {
		quote := rune(0)
		for j, r := range line {
			switch {
			case quote != 0:
				if r == quote {
					quote = 0
				}
			case r == '"' || r == '\'':
				quote = r
			case r == '#' && (j == 0 || line[j-1] == ' ' || line[j-1] == '\t'):
				line = line[:j]
			}
			if len(line) <= j {
				break
			}
		}
		lines[i] = strings.TrimRight(line, " \t")
	}
	return strings.Join(lines, "\n")
}

// ---- Terraform ---------------------------------------------------------------

// terraformIgnored are the attributes of aws_lambda_function that greenlight
// changes on $LATEST, so Terraform must ignore their changes: the code a
// release uploads, and the configuration a release carries.
var terraformIgnored = []string{
	"filename", "s3_bucket", "s3_key", "s3_object_version", "source_code_hash",
	"environment", "memory_size", "timeout", "ephemeral_storage", "layers", "handler", "runtime", "logging_config",
}

// aliasIgnored are the attributes of an aws_lambda_alias that greenlight
// moves; an alias Terraform declares must ignore them.
var aliasIgnored = []string{"function_version", "routing_config"}

var (
	resourceHeader = regexp.MustCompile(`(?m)^\s*resource\s+"([^"]+)"\s+"([^"]+)"\s*\{`)
	lifecycleBlock = regexp.MustCompile(`(?m)^\s*lifecycle\s*\{`)
	ignoreChanges  = regexp.MustCompile(`ignore_changes\s*=\s*\[([^\]]*)\]`)
	publishFalse   = regexp.MustCompile(`(?m)^\s*publish\s*=\s*false\s*$`)
	tfTag          = regexp.MustCompile(`(?m)^\s*tags\s*=\s*\{[^}]*\b` + tagKey + `\s*=\s*"` + tagValue + `"`)
)

// checkTerraform returns what is wrong with a Terraform configuration for a
// function handed to greenlight.
func checkTerraform(config string) []string {
	text := stripHCLComments(config)
	var problems []string
	functions := 0
	for _, m := range resourceHeader.FindAllStringSubmatchIndex(text, -1) {
		kind, name := text[m[2]:m[3]], text[m[4]:m[5]]
		body := block(text, m[1]-1)
		at := kind + "." + name
		switch kind {
		case "aws_lambda_function":
			functions++
			if !publishFalse.MatchString(body) {
				problems = append(problems, at+": publish = false is missing: greenlight publishes the versions")
			}
			if !tfTag.MatchString(body) {
				problems = append(problems, at+": the tag "+tagKey+" = \""+tagValue+"\" that the targets select is missing")
			}
			problems = append(problems, missingIgnored(at, body, terraformIgnored)...)
		case "aws_lambda_alias":
			problems = append(problems, missingIgnored(at, body, aliasIgnored)...)
		}
	}
	if functions == 0 {
		problems = append(problems, "no aws_lambda_function")
	}
	return problems
}

// missingIgnored reports the attributes of want that the lifecycle block of
// body does not list in ignore_changes.
func missingIgnored(at, body string, want []string) []string {
	var listed []string
	if loc := lifecycleBlock.FindStringIndex(body); loc != nil {
		if m := ignoreChanges.FindStringSubmatch(block(body, loc[1]-1)); m != nil {
			listed = strings.FieldsFunc(m[1], func(r rune) bool { return r == ',' || r == ' ' || r == '\n' || r == '\t' })
		}
	}
	var problems []string
	for _, w := range want {
		if !slices.Contains(listed, w) {
			problems = append(problems, at+": lifecycle.ignore_changes does not list "+w+": greenlight changes it")
		}
	}
	return problems
}

// block returns the text from the { at open to its matching }, or to the
// end.
func block(text string, open int) string {
	depth := 0
	for i := open; i < len(text); i++ {
		switch text[i] {
		case '{':
			depth++
		case '}':
			depth--
			if depth == 0 {
				return text[open : i+1]
			}
		}
	}
	return text[open:]
}

// stripHCLComments drops # and // comments outside strings, and /* */
// comments.
func stripHCLComments(s string) string {
	var b strings.Builder
	inString := false
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case inString:
			b.WriteByte(c)
			if c == '\\' && i+1 < len(s) {
				i++
				b.WriteByte(s[i])
			} else if c == '"' {
				inString = false
			}
		case c == '"':
			inString = true
			b.WriteByte(c)
		case c == '#' || (c == '/' && strings.HasPrefix(s[i:], "//")):
			for i < len(s) && s[i] != '\n' {
				i++
			}
			if i < len(s) {
				b.WriteByte('\n')
			}
		case c == '/' && strings.HasPrefix(s[i:], "/*"):
			end := strings.Index(s[i+2:], "*/")
			if end < 0 {
				return b.String()
			}
			i += end + 3
		default:
			b.WriteByte(c)
		}
	}
	return b.String()
}

// ---- Tests -------------------------------------------------------------------

func read(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestSAMTemplate(t *testing.T) {
	for _, p := range checkSAM(read(t, filepath.Join("sam", "template.yaml"))) {
		t.Error("sam/template.yaml: " + p)
	}
}

func TestTerraform(t *testing.T) {
	for _, p := range checkTerraform(read(t, filepath.Join("terraform", "main.tf"))) {
		t.Error("terraform/main.tf: " + p)
	}
}

// TestCheckSAM shows that checkSAM catches what it is for, and is not
// fooled by comments.
func TestCheckSAM(t *testing.T) {
	const good = `Resources:
  Orders:
    Type: AWS::Serverless::Function
    Properties:
      # no AutoPublishAlias: here, nor DeploymentPreference:
      CodeUri: ../placeholder/
      Tags:
        team: shop
        greenlight: managed
`
	tests := []struct {
		name, template, want string
	}{
		{"good", good, ""},
		{"auto publish alias", strings.Replace(good, "      CodeUri", "      AutoPublishAlias: live\n      CodeUri", 1), "AutoPublishAlias"},
		{"deployment preference", strings.Replace(good, "      CodeUri", "      DeploymentPreference:\n        Type: Canary10Percent5Minutes\n      CodeUri", 1), "DeploymentPreference"},
		{"events", strings.Replace(good, "      CodeUri", "      Events:\n        Api:\n          Type: Api\n      CodeUri", 1), "Events"},
		{"alias resource", good + "  Live:\n    Type: AWS::Lambda::Alias\n", "AWS::Lambda::Alias"},
		{"no tag", strings.Replace(good, "greenlight: managed", "greenlight: other", 1), "does not carry the tag"},
		{"tag in a comment", strings.Replace(good, "        greenlight: managed", "        # greenlight: managed", 1), "does not carry the tag"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := strings.Join(checkSAM(tt.template), "\n")
			if tt.want == "" && got != "" || !strings.Contains(got, tt.want) {
				t.Errorf("checkSAM = %q, want %q", got, tt.want)
			}
		})
	}
}

// TestCheckTerraform shows that checkTerraform catches what it is for, and
// is not fooled by comments.
func TestCheckTerraform(t *testing.T) {
	const good = `resource "aws_lambda_function" "orders" {
  function_name = "shop-orders"
  publish       = false # not true
  tags = {
    greenlight = "managed"
  }
  environment {
    variables = { A = "b" }
  }
  lifecycle {
    ignore_changes = [filename, s3_bucket, s3_key, s3_object_version, source_code_hash,
      environment, memory_size, timeout, ephemeral_storage, layers, handler, runtime, logging_config]
  }
}
`
	const alias = `resource "aws_lambda_alias" "live" {
  name             = "live"
  function_name    = aws_lambda_function.orders.function_name
  function_version = "1"
%s}
`
	tests := []struct {
		name, config, want string
	}{
		{"good", good, ""},
		{"published", strings.Replace(good, "publish       = false", "publish = true", 1), "publish = false is missing"},
		{"code not ignored", strings.Replace(good, "source_code_hash,", "", 1), "does not list source_code_hash"},
		{"configuration not ignored", strings.Replace(good, " memory_size,", "", 1), "does not list memory_size"},
		{"ignored in a comment only", strings.Replace(good, "ignore_changes", "# ignore_changes", 1), "does not list filename"},
		{"no tag", strings.Replace(good, `greenlight = "managed"`, `team = "shop"`, 1), "the tag greenlight"},
		{"live alias", good + strings.Replace(alias, "%s", "", 1), "aws_lambda_alias.live: lifecycle.ignore_changes does not list function_version"},
		{"live alias, routing not ignored", good + strings.Replace(alias, "%s", "  lifecycle {\n    ignore_changes = [function_version]\n  }\n", 1), "does not list routing_config"},
		{"live alias that ignores what greenlight moves", good + strings.Replace(alias, "%s", "  lifecycle {\n    ignore_changes = [function_version, routing_config]\n  }\n", 1), ""},
		{"no function", "", "no aws_lambda_function"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := strings.Join(checkTerraform(tt.config), "\n")
			if tt.want == "" && got != "" || !strings.Contains(got, tt.want) {
				t.Errorf("checkTerraform = %q, want %q", got, tt.want)
			}
		})
	}
}

// TestLinks checks that every relative link of README.md points at a file.
func TestLinks(t *testing.T) {
	link := regexp.MustCompile(`\]\(([^)#]+)(?:#[^)]*)?\)`)
	for _, m := range link.FindAllStringSubmatch(read(t, "README.md"), -1) {
		if strings.Contains(m[1], "://") {
			continue
		}
		if _, err := os.Stat(m[1]); err != nil {
			t.Errorf("README.md links to %s: %v", m[1], err)
		}
	}
}
