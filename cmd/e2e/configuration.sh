#!/usr/bin/env bash
# Releases configuration on the local cloud the way a user would, with the
# greenlight CLI and Debian's AWS CLI v2: a function created by the AWS CLI
# with FEATURE=a gets FEATURE=b through a configuration-only canary; the
# published version keeps every other variable; the live alias answers b; a
# later release whose test fails leaves live on that version; a configuration
# Lambda would refuse exits 1 and changes nothing.
#
# Needs what lib.sh needs.
set -euo pipefail

FN=${FN:-greenlight-e2e-configuration}
# shellcheck source=lib.sh
source "$(dirname "$0")/lib.sh"

# env_of VERSION prints the version's environment variables as JSON.
env_of() {
  aws lambda get-function-configuration --function-name "$FN" --qualifier "$1" \
    --query 'Environment.Variables' --output json
}

# feature_of_live invokes the live alias and prints the FEATURE it answers with.
feature_of_live() {
  aws lambda invoke --function-name "$FN" --qualifier live --cli-binary-format raw-in-base64-out \
    --payload '{"path":"/"}' "$work/answer.json" >/dev/null
  python3 -c 'import json,sys; print(json.loads(json.load(open(sys.argv[1]))["body"]).get("feature", ""))' "$work/answer.json"
}

step "create the function with the AWS CLI: FEATURE=a, OTHER=kept"
build_app v1
build_app v4
aws lambda create-function --function-name "$FN" --runtime provided.al2023 --handler bootstrap \
  --role arn:aws:iam::000000000000:role/greenlight-demo --zip-file "fileb://$work/v1.zip" \
  --environment 'Variables={FEATURE=a,OTHER=kept}' >/dev/null
printf '{"tests":[{"name":"health","payload":{"path":"/health"},"expect":{"statusCode":200}}]}' >"$work/tests.json"

step "first release: greenlight deploy -a v1.zip"
"$GREENLIGHT" deploy -f "$FN" -a "$work/v1.zip" -s AllAtOnce -m "$work/tests.json" --wait
blue=$(live_version)
echo "live serves version $blue, FEATURE=$(feature_of_live)"

step "greenlight deploy -f $FN --set-env FEATURE=b --wait"
"$GREENLIGHT" deploy -f "$FN" --set-env FEATURE=b -s Canary10Percent5Minutes -m "$work/tests.json" --wait ||
  fail "the configuration release did not promote"
green=$(live_version)
[ "$green" != "$blue" ] || fail "live still serves version $blue"
env=$(env_of "$green")
echo "version $green: $env"
echo "$env" | python3 -c 'import json,sys; e=json.load(sys.stdin); sys.exit(0 if e=={"FEATURE":"b","OTHER":"kept"} else "environment %s, want FEATURE=b and OTHER=kept" % e)' ||
  fail "green's environment"
[ "$(env_of "$blue" | python3 -c 'import json,sys; print(json.load(sys.stdin)["FEATURE"])')" = a ] ||
  fail "blue's version $blue no longer has FEATURE=a"
feature=$(feature_of_live)
echo "aws lambda invoke $FN:live answers FEATURE=$feature"
[ "$feature" = b ] || fail "live answers FEATURE=$feature, want b"

step "a release whose test fails (v4) leaves live on version $green"
if "$GREENLIGHT" deploy -f "$FN" -a "$work/v4.zip" -m "$work/tests.json" --wait; then
  fail "the release of v4 succeeded"
fi
[ "$(live_version)" = "$green" ] || fail "live serves $(live_version), want $green"
[ "$(feature_of_live)" = b ] || fail "live no longer answers FEATURE=b"

step "greenlight deploy -f $FN --memory 64: refused, nothing started"
executions=$(aws stepfunctions list-executions --state-machine-arn "$STATE_MACHINE" --query 'length(executions)')
set +e
"$GREENLIGHT" deploy -f "$FN" --memory 64 2>"$work/refused.err"
code=$?
set -e
cat "$work/refused.err"
[ "$code" = 1 ] || fail "exit code $code, want 1"
grep -q 'memorySize 64' "$work/refused.err" || fail "the error does not name memorySize 64"
[ "$(aws stepfunctions list-executions --state-machine-arn "$STATE_MACHINE" --query 'length(executions)')" = "$executions" ] ||
  fail "an execution was started"
[ "$(live_version)" = "$green" ] || fail "live serves $(live_version), want $green"

printf '\nconfiguration: FEATURE=b released as version %s; live kept it through a failed release\n' "$green"
