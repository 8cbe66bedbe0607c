#!/usr/bin/env bash
# A rebel-base that was stopped shows as `refused`, beside the one still up.
source "$(dirname "$0")/lib.sh"
own_loopback # it stops servers and expects their ports to refuse

serve_doc up "$KOORNACHT" --served-by up
up=$REBEL_PORT
serve_doc down "$KOORNACHT" --served-by down
pid=$REBEL_PID down=$REBEL_PORT
stop_server "$pid" "$down" 20

set +e
json=$(run_prog xwing -n 10 -o json "$LO:$up" "$LO:$down")
rc=$?
set -e
assert_eq 1 "$rc" "exit status with refused requests"
assert_eq 5 "$(echo "$json" | jq '.rows[] | select(.value == "refused" and .kind == "error") | .count')" "refused row"
assert_eq 5 "$(echo "$json" | jq '.rows[] | select(.value == "Koornacht") | .count')" "replies from the live server"
echo "$json" | jq -e '.ok + .failed == .requests and ([.rows[].count] | add) == 10' >/dev/null || fail "counts: $json"
assert_match 'refused' "$(echo "$json" | jq -r .expect.reason)" "reason names the failure"
