#!/usr/bin/env bash
# A server that accepts and never answers shows as `timeout` after --timeout,
# and the run takes about that long, not longer.
source "$(dirname "$0")/lib.sh"

start_helper h "$ROOT/tests/tools/hostile.py" --port 0 --mode hang
port=$HELPER_PORT
wait_http "http://127.0.0.1:$port/healthz"

# On a busy machine starting and ending a process takes longer, and that is not
# the timeout's doing: the same run against a port that refuses at once measures
# that cost now, and the upper bound applies to what the hung run adds to it.
# xwing's own clock (the summary's "in S s", from the start of the run to its last
# answer) is held to the same bounds.
elapsed_ms() { # elapsed_ms OUTPUT: xwing's "in S s" in ms
    sed -nE 's/^ok [0-9]+  failed [0-9]+  in ([0-9]+)\.([0-9]{3}) s.*/\1\2/p' <<<"$1" | sed 's/^0*//;s/^$/0/'
}
start=$(date +%s%N)
run_prog xwing -n 4 -c 4 --timeout 400ms "127.0.0.1:$DEAD_PORT" >/dev/null 2>&1 || true
base=$((($(date +%s%N) - start) / 1000000))

start=$(date +%s%N)
set +e
out=$(run_prog xwing -n 4 -c 4 --timeout 400ms "127.0.0.1:$port" 2>"$TMP/err")
rc=$?
set -e
ms=$((($(date +%s%N) - start) / 1000000))
own=$(elapsed_ms "$out")
note "4 hung requests at -c 4 took ${ms} ms (xwing's clock: ${own} ms; start and exit alone: ${base} ms)"
assert_eq 1 "$rc" "exit status"
assert_match 'timeout +4 100\.0%  x+' "$out" "timeout row"
assert_match 'ok 0  failed 4' "$out" "summary"
assert_match 'timeout 4' "$(cat "$TMP/err")" "reason on stderr"
((ms >= 350)) || fail "gave up after ${ms} ms, before the 400 ms timeout"
[ -n "$own" ] || fail "no elapsed time in the summary: $out"
((own >= 350)) || fail "gave up after ${own} ms by xwing's clock, before the 400 ms timeout"
if [ "${VALGRIND:-0}" != 1 ]; then
    ((ms - base < 3000)) || fail "took ${ms} ms (${base} ms of it to start and exit) for a 400 ms timeout"
    ((own < 3000)) || fail "took ${own} ms by xwing's clock for a 400 ms timeout"
fi

# --expect-fail is the default-deny check: every request timing out passes it.
run_prog xwing -n 2 --timeout 200ms --expect-fail "127.0.0.1:$port" >/dev/null ||
    fail "--expect-fail with every request timed out"
