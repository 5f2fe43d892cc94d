#!/usr/bin/env bash
# Releases a group the way a user would, with the greenlight CLI and Debian's
# AWS CLI v2: the shop example's api and worker, created by the AWS CLI, are
# released as one by `greenlight deploy --group … --wait`, which exits 0 with
# both live aliases on the new versions; callers of live reach live versions
# only, and the candidate aliases the whole new stack; a bundle whose worker
# fails under traffic ends with both members back on their previous versions
# and one rolled back notification that names the worker.
#
# Needs what lib.sh needs.
set -euo pipefail

GROUP=greenlight-shop
API=greenlight-shop-api
WORKER=greenlight-shop-worker
# shellcheck source=lib.sh
source "$(dirname "$0")/lib.sh"

# build_shop MEMBER VERSION builds examples/shop/MEMBER as VERSION into
# $work/VERSION.zip.
build_shop() {
  mkdir -p "$work/$2"
  (cd "$root" && CGO_ENABLED=0 go build -tags lambda.norpc -ldflags "-X main.version=$2" -o "$work/$2/bootstrap" "./examples/shop/$1")
  (cd "$work/$2" && zip -q "$work/$2.zip" bootstrap)
}

# order QUALIFIER invokes the api through QUALIFIER with an order and prints
# "<api alias> <worker alias> <api build> <worker build>".
order() {
  aws lambda invoke --function-name "$API" --qualifier "$1" --cli-binary-format raw-in-base64-out \
    --payload '{"order":"group.sh"}' "$work/answer.json" >/dev/null
  python3 -c '
import json, sys
a = json.load(open(sys.argv[1]))
print(a.get("alias", "-"), a.get("worker", {}).get("alias", "-"), a.get("api", "-"), a.get("worker", {}).get("worker", "-"))' "$work/answer.json"
}

step "create the api and the worker with the AWS CLI"
for v in a1 a2; do build_shop api "$v"; done
for v in w1 w2 w3; do build_shop worker "$v"; done
aws lambda create-function --function-name "$WORKER" --runtime provided.al2023 --handler bootstrap \
  --role arn:aws:iam::000000000000:role/greenlight-demo --zip-file "fileb://$work/w1.zip" >/dev/null
aws lambda create-function --function-name "$API" --runtime provided.al2023 --handler bootstrap \
  --role arn:aws:iam::000000000000:role/greenlight-demo --zip-file "fileb://$work/a1.zip" \
  --environment "Variables={WORKER_FUNCTION=$WORKER}" >/dev/null

step "first group release: greenlight deploy --group $GROUP -a $API=a1.zip -a $WORKER=w1.zip --wait"
"$GREENLIGHT" deploy --group "$GROUP" -a "$API=$work/a1.zip" -a "$WORKER=$work/w1.zip" --strategy AllAtOnce --wait ||
  fail "the first group release did not promote"
api_blue=$(live_version "$API")
worker_blue=$(live_version "$WORKER")
echo "live: $API $api_blue, $WORKER $worker_blue"

step "greenlight deploy --group $GROUP -a $API=a2.zip -a $WORKER=w2.zip --wait"
"$GREENLIGHT" deploy --group "$GROUP" -a "$API=$work/a2.zip" -a "$WORKER=$work/w2.zip" \
  --strategy Canary10Percent5Minutes --wait || fail "the group release did not promote"
api_green=$(live_version "$API")
worker_green=$(live_version "$WORKER")
echo "live: $API $api_green, $WORKER $worker_green"
[ "$api_green" != "$api_blue" ] && [ "$worker_green" != "$worker_blue" ] ||
  fail "live did not move: $API $api_blue → $api_green, $WORKER $worker_blue → $worker_green"

step "callers of live reach live versions, the candidate aliases the candidate stack"
read -r api_alias worker_alias api_build worker_build <<<"$(order live)"
echo "through live: api $api_build via $api_alias, worker $worker_build via $worker_alias"
[ "$api_alias $worker_alias $api_build $worker_build" = "live live a2 w2" ] || fail "live answered $api_alias $worker_alias $api_build $worker_build"
read -r api_alias worker_alias api_build worker_build <<<"$(order green)"
echo "through green: api $api_build via $api_alias, worker $worker_build via $worker_alias"
[ "$api_alias $worker_alias" = "green green" ] || fail "green answered through $api_alias and $worker_alias"

step "a bundle whose worker (w3) fails under traffic, while callers use live"
"$GREENLIGHT" deploy --group "$GROUP" -a "$API=$work/a1.zip" -a "$WORKER=$work/w3.zip" \
  --strategy '{"steps":[{"percent":50,"bakeSeconds":600}]}' --wait >"$work/deploy.out" 2>&1 &
deploy_pid=$!
calls=0
while kill -0 "$deploy_pid" 2>/dev/null && [ "$calls" -lt 200 ]; do
  order live >/dev/null 2>&1 || true
  calls=$((calls + 1))
done
status=0
wait "$deploy_pid" || status=$?
cat "$work/deploy.out"
echo "callers made $calls orders through live; deploy exited $status"
[ "$status" = 1 ] || fail "deploy --wait exited $status, want 1 (rolled back)"
[ "$(live_version "$API")" = "$api_green" ] || fail "$API serves $(live_version "$API"), want $api_green"
[ "$(live_version "$WORKER")" = "$worker_green" ] || fail "$WORKER serves $(live_version "$WORKER"), want $worker_green"
echo "live: $API $api_green, $WORKER $worker_green, each at 100 %"

step "one rolled back notification for the group, naming the worker"
inbox=$("$GREENLIGHT" local inbox --topic "$TOPIC")
rolled=$(echo "$inbox" | grep -c "group $GROUP rolled back" || true)
echo "$inbox" | grep "group $GROUP" | tail -n 5
[ "$rolled" = 1 ] || fail "$rolled rolled back notifications for $GROUP, want 1"
echo "$inbox" | grep -q "\"decidedBy\": \"$WORKER\"" || fail "the rolled back notification does not name $WORKER"

printf '\ngroup: %s released as one (%s %s, %s %s); a failing worker rolled both back\n' "$GROUP" "$API" "$api_green" "$WORKER" "$worker_green"
