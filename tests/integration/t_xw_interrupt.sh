#!/usr/bin/env bash
# An interrupted run is its own outcome: SIGINT or SIGTERM mid-run prints the
# partial tally, says "interrupted after K of N requests" on the summary and
# expectation lines (never "expect ok"), and exits 130 or 143; -o json has
# requested, completed, interrupted and ended_by. --duration is a planned end:
# judged as usual. xwing serve's /tally says when its budget cut a tally short.
# limit: 120
source "$(dirname "$0")/lib.sh"
# Background xwing must be the process itself (signals reach it, wait gets its
# status): lib.sh's start_xwing.

serve_doc k "$KOORNACHT" --allow-faults
k=$REBEL_PORT
K=127.0.0.1:$k D=127.0.0.1:$DEAD_PORT

has_line() { grep -qE "$2" "$1"; } # has_line FILE REGEX

# 1. SIGINT in the middle of a long, paced run: the partial tally, marked.
before=$(served "$k")
start_xwing int -n 100000000 --rate 200 "$K"
wait_until "xwing's requests to reach rebel-base" 30 served_at_least "$k" $((before + 20))
kill -INT "$XPID"
wait_exit "$XPID" 20
assert_eq 130 "$EXIT_STATUS" "exit status after SIGINT"
out=$(cat "$TMP/int.out")
assert_match '^xwing: ([0-9]+) requests to 1 target, by key Cluster, interrupted after ([0-9]+) of 100000000 requests \(SIGINT\)$' \
    "$(head -1 "$TMP/int.out")" "summary line after SIGINT"
n=${BASH_REMATCH[1]}
assert_eq "$n" "${BASH_REMATCH[2]}" "K on the summary line"
((n >= 10 && n < 100000000)) || fail "partial count $n after 20 replies were served"
grep -q "^ok $n  failed 0  in " "$TMP/int.out" || fail "ok line after SIGINT: $out"
want="interrupted after $n of 100000000 requests (SIGINT); so far held: $n of $n requests got a reply"
assert_eq "expect $want" "$(grep '^expect ' "$TMP/int.out")" "expectation line after SIGINT"
assert_eq "xwing: $want" "$(cat "$TMP/int.err")" "stderr after SIGINT"
! grep -q '^expect ok' "$TMP/int.out" || fail "an interrupted run said expect ok: $out"

# 2. SIGTERM with failures so far, -o json: 143, and the JSON says what happened.
before=$(served "$k")
start_xwing term -n 100000000 --rate 200 -o json "$K" "$D"
wait_until "xwing's requests to reach rebel-base" 30 served_at_least "$k" $((before + 10))
kill -TERM "$XPID"
wait_exit "$XPID" 20
assert_eq 143 "$EXIT_STATUS" "exit status after SIGTERM"
jq -e '. as $j | .requested == 100000000 and .completed == .requests and .completed >= 10
    and .completed < 100000000 and .interrupted == true and .ended_by == "SIGTERM"
    and ([.rows[].count] | add) == .completed and .ok + .failed == .completed
    and .failed > 0 and .expect.ok == false and .expect.interrupted == true
    and (.expect.reason == "interrupted after \($j.completed) of 100000000 requests (SIGTERM); so far failed: \($j.failed) of \($j.completed) requests failed (refused \($j.failed))")' \
    "$TMP/term.out" >/dev/null || fail "JSON after SIGTERM: $(cat "$TMP/term.out")"
assert_match '^xwing: interrupted after [0-9]+ of 100000000 requests \(SIGTERM\); so far failed: ' \
    "$(cat "$TMP/term.err")" "stderr after SIGTERM"

# 3. An open-ended --watch ended by Ctrl-C is interrupted too: no N to reach.
start_xwing watch --watch --watch-interval 200ms "$K"
# Two lines with replies, so at least two requests: the summary's plural below
# (under valgrind the first 200 ms saw one).
two_lines() { (($(grep -cE '^ +[0-9.]+s +[0-9]+ req  Koornacht [0-9]+$' "$1") >= 2)); }
wait_until "two --watch lines" 30 two_lines "$TMP/watch.out"
kill -INT "$XPID"
wait_exit "$XPID" 20
assert_eq 130 "$EXIT_STATUS" "exit status of a watch after SIGINT"
assert_match '^xwing: ([0-9]+) requests to 1 target, by key Cluster, interrupted after ([0-9]+) requests \(SIGINT\)$' \
    "$(grep '^xwing: ' "$TMP/watch.out")" "summary line of an open-ended run"
n=${BASH_REMATCH[1]}
assert_eq "expect interrupted after $n requests (SIGINT); so far held: $n of $n requests got a reply" \
    "$(grep '^expect ' "$TMP/watch.out")" "expectation line of an open-ended run"

# 4. --duration is a planned end: judged on the requests made, exit 0 or 1.
run_prog xwing -n 1000000 --rate 50 --duration 600ms --expect-only Koornacht "$K" >"$TMP/d1" 2>&1 ||
    fail "--duration with -n not reached: exit $?: $(cat "$TMP/d1")"
assert_match '^xwing: ([0-9]+) requests to 1 target, by key Cluster, stopped by --duration 600ms after ([0-9]+) of 1000000 requests$' \
    "$(head -1 "$TMP/d1")" "summary line of a --duration run"
n=${BASH_REMATCH[1]}
assert_eq "expect ok: all $n replies from Koornacht (stopped by --duration 600ms after $n of 1000000 requests)" \
    "$(grep '^expect ' "$TMP/d1")" "expectation line of a --duration run"

run_prog xwing --rate 50 --duration 300ms -o json "$K" >"$TMP/d2.json" ||
    fail "open-ended --duration: exit $?: $(cat "$TMP/d2.json")"
jq -e '.requested == null and .completed == .requests and .completed > 0 and .interrupted == false
    and .ended_by == "duration" and .expect.ok == true and .expect.interrupted == false
    and (.expect.reason | endswith(" (ran for --duration 300ms)"))' "$TMP/d2.json" >/dev/null ||
    fail "JSON of an open-ended --duration run: $(cat "$TMP/d2.json")"

set +e
run_prog xwing --rate 50 --duration 300ms "$D" >"$TMP/d3" 2>"$TMP/d3.err"
rc=$?
set -e
assert_eq 1 "$rc" "exit status of a --duration run whose requests failed (a failure, not an interruption)"
assert_match '^xwing: [0-9]+ of [0-9]+ requests failed \(refused [0-9]+\) \(ran for --duration 300ms\)$' \
    "$(cat "$TMP/d3.err")" "stderr of a failed --duration run"

run_prog xwing -n 5 --duration 30s -o json "$K" >"$TMP/d4.json" || fail "-n 5 --duration 30s: exit $?"
jq -e '.requested == 5 and .completed == 5 and .interrupted == false and .ended_by == "count"
    and .expect.reason == "5 of 5 requests got a reply"' "$TMP/d4.json" >/dev/null ||
    fail "JSON when -n ends the run before --duration: $(cat "$TMP/d4.json")"

# 5. xwing serve: a tally its budget cuts short says so; a whole one says count.
start_serve serve --listen 127.0.0.1:0 --tally-budget 500ms --allow-target "$K"
base=http://127.0.0.1:$SERVE_PORT
curl -s --max-time 30 -G "$base/tally" --data-urlencode "target=$K/?delay=200ms" --data n=100 \
    >"$TMP/budget.json"
jq -e '. as $j | .requested == 100 and .completed == .requests and .completed >= 1 and .completed < 100
    and .interrupted == true and .ended_by == "budget" and .expect.ok == false
    and .expect.interrupted == true
    and (.expect.reason | startswith("interrupted after \($j.completed) of 100 requests (the 500ms budget per tally ran out); so far held: "))' \
    "$TMP/budget.json" >/dev/null || fail "/tally cut short by its budget: $(cat "$TMP/budget.json")"
curl -s --max-time 30 "$base/tally?target=$K&n=3" >"$TMP/whole.json"
jq -e '.requested == 3 and .completed == 3 and .interrupted == false and .ended_by == "count"
    and .expect.ok == true and .expect.reason == "3 of 3 requests got a reply"' \
    "$TMP/whole.json" >/dev/null || fail "/tally that completed: $(cat "$TMP/whole.json")"
