#!/usr/bin/env bash
# Drives a release on the local cloud with nothing but Debian's AWS CLI v2,
# the way a user would: upload an artifact, watch the execution start by
# itself, see the traffic split mid-canary, set the release's alarm, and check
# that blue serves 100 % again and the "rolled back" notification went out.
#
# Needs: a built `greenlight` binary ($GREENLIGHT), the synthesized local
# template ($TEMPLATE), `zip`, and the AWS CLI ($AWS, default /usr/bin/aws).
set -euo pipefail

FN=${FN:-greenlight-demo}
# shellcheck source=lib.sh
source "$(dirname "$0")/lib.sh"

step "build two versions of the demo function"
build_app v1
build_app v2
aws lambda create-function --function-name "$FN" --runtime provided.al2023 --handler bootstrap \
  --role arn:aws:iam::000000000000:role/greenlight-demo --zip-file "fileb://$work/v1.zip" >/dev/null

# release uploads an artifact and prints the ARN of the execution it started.
release() { # version strategy
  local key="releases/$FN/$1-$RANDOM.zip"
  printf '{"strategy":"%s"}' "$2" >"$work/manifest.json"
  aws s3 cp --quiet "$work/manifest.json" "s3://$BUCKET/${key%.zip}.json"
  aws s3 cp --quiet "$work/$1.zip" "s3://$BUCKET/$key"
  for _ in $(seq 1 200); do
    for arn in $(aws stepfunctions list-executions --state-machine-arn "$STATE_MACHINE" \
        --query 'executions[].executionArn' --output text); do
      if aws stepfunctions describe-execution --execution-arn "$arn" --query input --output text | grep -q "$key"; then
        echo "$arn"; return 0
      fi
    done
    sleep 0.1
  done
  fail "no execution started for s3://$BUCKET/$key"
}
wait_for() { # execution-arn -> final status
  local status
  for _ in $(seq 1 1200); do
    status=$(aws stepfunctions describe-execution --execution-arn "$1" --query status --output text)
    [ "$status" != RUNNING ] && { echo "$status"; return 0; }
    sleep 0.1
  done
  fail "execution $1 still running"
}

step "first release (v1): creates the live alias"
exe=$(release v1 AllAtOnce)
echo "execution: $exe"
status=$(wait_for "$exe")
echo "status: $status"
[ "$status" = SUCCEEDED ] || fail "first release ended $status"
blue=$(aws lambda get-alias --function-name "$FN" --name live --query FunctionVersion --output text)
echo "live serves version $blue"

step "canary release (v2): the execution starts by itself"
exe=$(release v2 Canary10Percent30Minutes)
aws stepfunctions describe-execution --execution-arn "$exe" --query '{status:status,started:startDate}'

step "get-alias shows the traffic split mid-canary"
split=
for _ in $(seq 1 600); do
  split=$(aws lambda get-alias --function-name "$FN" --name live --query 'RoutingConfig.AdditionalVersionWeights' --output json)
  [ "$split" != null ] && [ "$split" != "{}" ] && break
  [ "$(aws stepfunctions describe-execution --execution-arn "$exe" --query status --output text)" = RUNNING ] || break
  sleep 0.1
done
echo "live: version $blue + $split"
echo "$split" | grep -q '0.1' || fail "no 10 % split seen: $split"

step "set the release's alarm to ALARM"
alarm=$(aws cloudwatch describe-alarms --alarm-name-prefix "greenlight-$FN" --query 'MetricAlarms[0].AlarmName' --output text)
[ -n "$alarm" ] && [ "$alarm" != None ] || fail "no release alarm"
aws cloudwatch set-alarm-state --alarm-name "$alarm" --state-value ALARM --state-reason "set by hand from the AWS CLI"
echo "alarm: $alarm"

step "the release rolls back"
status=$(wait_for "$exe")
echo "status: $status"
[ "$status" = FAILED ] || fail "canary ended $status, want FAILED (rolled back)"
aws stepfunctions get-execution-history --execution-arn "$exe" \
  --query 'events[?stateEnteredEventDetails].stateEnteredEventDetails.name' --output text | tr '\t' '\n' | sed 's/^/  /'

step "get-alias: blue at 100 %, no routing config"
alias_json=$(aws lambda get-alias --function-name "$FN" --name live --output json)
echo "$alias_json"
version=$(echo "$alias_json" | python3 -c 'import json,sys; print(json.load(sys.stdin)["FunctionVersion"])')
routing=$(echo "$alias_json" | python3 -c 'import json,sys; a=json.load(sys.stdin); print(a.get("RoutingConfig",{}).get("AdditionalVersionWeights") or "")')
[ "$version" = "$blue" ] || fail "live serves $version, want blue $blue"
[ -z "$routing" ] || fail "routing config left: $routing"

step "the local SNS inbox holds the rolled back message"
inbox=$("$GREENLIGHT" local inbox --topic "$TOPIC")
echo "$inbox" | tail -n 20
echo "$inbox" | grep -qi 'rolled back' || fail "no rolled back message in the inbox"

printf '\nawscli: release rolled back by its alarm; blue %s serves 100 %%\n' "$blue"
