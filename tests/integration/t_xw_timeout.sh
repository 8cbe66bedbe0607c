#!/usr/bin/env bash
# A server that accepts and never answers shows as `timeout` after --timeout,
# and the run takes about that long, not longer.
source "$(dirname "$0")/lib.sh"

port=$(free_port)
python3 "$ROOT/tests/integration/hostile.py" --port "$port" --mode hang >"$TMP/h.log" 2>&1 &
PIDS+=($!)
wait_http "http://127.0.0.1:$port/healthz"

start=$(date +%s%N)
set +e
out=$(run_prog xwing -n 4 -c 4 --timeout 400ms "127.0.0.1:$port" 2>"$TMP/err")
rc=$?
set -e
ms=$((($(date +%s%N) - start) / 1000000))
note "4 hung requests at -c 4 took ${ms} ms"
assert_eq 1 "$rc" "exit status"
assert_match 'timeout +4 100\.0%  x+' "$out" "timeout row"
assert_match 'ok 0  failed 4' "$out" "summary"
assert_match 'timeout 4' "$(cat "$TMP/err")" "reason on stderr"
((ms >= 350)) || fail "gave up after ${ms} ms, before the 400 ms timeout"
if [ "${VALGRIND:-0}" != 1 ]; then
    ((ms < 3000)) || fail "took ${ms} ms for a 400 ms timeout"
fi

# --expect-fail is the default-deny check: every request timing out passes it.
run_prog xwing -n 2 --timeout 200ms --expect-fail "127.0.0.1:$port" >/dev/null ||
    fail "--expect-fail with every request timed out"
