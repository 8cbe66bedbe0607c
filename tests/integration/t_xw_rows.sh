#!/usr/bin/env bash
# Replies that are not what the lab expects land in their own rows: not-json
# (nginx's page), too-large (a huge body, with and without Content-Length),
# http 500, no-key, other (connection closed without an answer), dns.
source "$(dirname "$0")/lib.sh"

declare -A port
for mode in not-json huge huge-chunked status no-key close json; do
    start_helper "h-$mode" "$ROOT/tests/tools/hostile.py" --port 0 --mode "$mode"
    port[$mode]=$HELPER_PORT
done
for mode in "${!port[@]}"; do wait_http "http://127.0.0.1:${port[$mode]}/healthz"; done

row() { # row JSON VALUE: the count in that row, 0 if none
    echo "$1" | jq --arg v "$2" '[.rows[] | select(.value == $v) | .count] | add // 0'
}
one() { # one WANT_RC MODE [XWING ARGS...]: -o json of 4 requests to that server, in $j
    local want=$1 mode=$2 rc=0
    shift 2
    j=$(run_prog xwing -n 4 -o json "$@" "127.0.0.1:${port[$mode]}") || rc=$?
    # Failed requests make xwing exit 1, replies 0: the status is part of the verdict.
    assert_eq "$want" "$rc" "exit status of xwing $* ($mode)"
}

one 1 not-json;     assert_eq 4 "$(row "$j" not-json)" "not-json row"
one 1 huge;         assert_eq 4 "$(row "$j" too-large)" "too-large row (Content-Length)"
one 1 huge-chunked; assert_eq 4 "$(row "$j" too-large)" "too-large row (chunked)"
one 1 status;       assert_eq 4 "$(row "$j" "http 500")" "http 500 row"
one 1 no-key;       assert_eq 4 "$(row "$j" no-key)" "no-key row"
one 1 close;        assert_eq 4 "$(row "$j" other)" "other row"
# A body just under the cap is fine; one byte over is not.
one 0 json --max-body 45;  assert_eq 4 "$(row "$j" Koornacht)" "45-byte body with --max-body 45"
one 1 json --max-body 44;  assert_eq 4 "$(row "$j" too-large)" "45-byte body with --max-body 44"
# Non-JSON bodies still tally with --by body; no-key JSON tallies by pod header.
one 0 not-json --by body; assert_eq 4 "$(row "$j" '<html><body>Welcome to nginx!</body></html>')" "--by body"

# All of them at once, plus a name that does not resolve: each in its row, sum N.
rc=0
j=$(run_prog xwing -n 16 -c 4 -o json --timeout 5s "127.0.0.1:${port[not-json]}" "127.0.0.1:${port[huge]}" \
    "127.0.0.1:${port[status]}" "127.0.0.1:${port[no-key]}" "127.0.0.1:${port[close]}" \
    "127.0.0.1:${port[json]}" "127.0.0.1:${port[huge-chunked]}" "no-such-host.invalid") || rc=$?
assert_eq 1 "$rc" "exit status of the mixed run"
for r in not-json "http 500" no-key other Koornacht dns; do
    assert_eq 2 "$(row "$j" "$r")" "row $r in the mixed run"
done
assert_eq 4 "$(row "$j" too-large)" "too-large in the mixed run"
echo "$j" | jq -e '.requests == 16 and .ok == 2 and .failed == 14 and ([.rows[].count] | add) == 16' >/dev/null ||
    fail "counts: $j"
