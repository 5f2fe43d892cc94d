# Shared by the scripts that drive the local cloud the way a user would:
# starts `greenlight local up` with the synthesized stack, exports what it
# prints (endpoint, region, credentials, stack name), and defines step, fail,
# aws (Debian's AWS CLI v2 against the local endpoint), output (a stack
# output), build_app (a zip of examples/app built as a version) and
# live_version (the version a function's live alias serves).
#
# Needs: a built `greenlight` binary ($GREENLIGHT), the synthesized local
# template ($TEMPLATE), `zip`, and the AWS CLI ($AWS, default /usr/bin/aws).
# Source it after `set -euo pipefail`; it sets $root, $work, $BUCKET,
# $STATE_MACHINE and $TOPIC.

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd) # the repository root
AWS=${AWS:-/usr/bin/aws}
GREENLIGHT=${GREENLIGHT:?path of the greenlight binary}
TEMPLATE=${TEMPLATE:-$root/cdk.out}
work=$(mktemp -d)
cloud_pid=
cleanup() {
  if [ -n "$cloud_pid" ]; then kill "$cloud_pid" 2>/dev/null || true; wait "$cloud_pid" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT

step() { printf '\n== %s\n' "$*"; }
fail() { printf 'FAIL: %s\n' "$*" >&2; exit 1; }

step "start the local cloud and apply the stack"
"$GREENLIGHT" local up --port 0 --ephemeral --time-scale 120 --template "$TEMPLATE" >"$work/up.out" 2>"$work/up.err" &
cloud_pid=$!
for _ in $(seq 1 300); do
  grep -q '^export AWS_ENDPOINT_URL=' "$work/up.out" 2>/dev/null && break
  kill -0 "$cloud_pid" 2>/dev/null || { cat "$work/up.err" >&2; fail "local cloud exited"; }
  sleep 0.1
done
grep -q '^export AWS_ENDPOINT_URL=' "$work/up.out" || { cat "$work/up.err" >&2; fail "local cloud did not start"; }
eval "$(grep '^export ' "$work/up.out")"
export AWS_PAGER="" AWS_DEFAULT_OUTPUT=json
# AWS CLI 2.9 predates AWS_ENDPOINT_URL: name the endpoint on every call.
aws() { "$AWS" --endpoint-url "$AWS_ENDPOINT_URL" "$@"; }
echo "endpoint: $AWS_ENDPOINT_URL"

output() { aws cloudformation describe-stacks --stack-name greenlight \
  --query "Stacks[0].Outputs[?OutputKey=='$1'].OutputValue" --output text; }
BUCKET=$(output ArtifactBucketName)
STATE_MACHINE=$(output StateMachineArn)
TOPIC=$(output TopicArn)
[ -n "$BUCKET" ] && [ -n "$STATE_MACHINE" ] && [ -n "$TOPIC" ] || fail "stack outputs missing"
echo "bucket: $BUCKET"


# build_app VERSION builds examples/app as VERSION into $work/VERSION.zip.
build_app() {
  mkdir -p "$work/$1"
  (cd "$root" && CGO_ENABLED=0 go build -tags lambda.norpc -ldflags "-X main.version=$1" -o "$work/$1/bootstrap" ./examples/app)
  (cd "$work/$1" && zip -q "$work/$1.zip" bootstrap)
}

# live_version [FN] prints the version FN's live alias serves (default $FN);
# it fails when the alias routes traffic to a second version.
live_version() {
  aws lambda get-alias --function-name "${1:-$FN}" --name live --output json | python3 -c '
import json, sys
a = json.load(sys.stdin)
w = (a.get("RoutingConfig") or {}).get("AdditionalVersionWeights") or {}
if w:
    sys.exit("live routes %s besides version %s" % (w, a["FunctionVersion"]))
print(a["FunctionVersion"])'
}
