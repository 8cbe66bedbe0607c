#!/usr/bin/env bash
# Malformed and abusive HTTP against `xwing serve` (the x-wing pod's listener,
# reachable by anything in the cluster): the same 25 cases as t_hard_malformed,
# aimed at /healthz (it answers one request per connection, then closes). Each must get a clean 4xx (or the case's allowed answer)
# or a close, /healthz must answer after every case, /tally must still work,
# and SIGTERM must still exit 0.
source "$(dirname "$0")/lib.sh"

start_serve serve --listen 127.0.0.1:0 --allow-target "127.0.0.1:$DEAD_PORT"
port=$SERVE_PORT
wait_http "http://127.0.0.1:$port/healthz" 200 20

tmo=5
[ "${VALGRIND:-0}" = 1 ] && tmo=20
out=$("$PY" "$ROOT/tests/tools/malformed.py" 127.0.0.1 "$port" --timeout "$tmo" --path /healthz --one-per-connection) || {
    echo "$out"
    fail "some malformed requests to xwing serve were not answered cleanly (table above)"
}
echo "$out"
assert_match "malformed: [0-9]+ cases, 0 bad" "$(tail -1 <<<"$out")" "summary"

kill -0 "$SERVE_PID" || fail "xwing serve died during the malformed requests"
tally=$(curl -s --max-time 10 "http://127.0.0.1:$port/tally?target=127.0.0.1:$DEAD_PORT&n=3")
assert_match '"requests":3' "$tally" "/tally after the malformed requests"
kill -TERM "$SERVE_PID"
# wait_exit in this shell, not in $(...): a subshell cannot wait for our child.
wait_exit "$SERVE_PID" 30
assert_eq 0 "$EXIT_STATUS" "xwing serve exit status after SIGTERM"
