#!/usr/bin/env bash
# rebel-base on SIGTERM: /readyz turns 503 at once while / keeps answering for
# --drain, then new connections are refused, the in-flight (delayed) request
# completes, and the process exits 0.
. "$(dirname "$0")/lib.sh"


port=$(free_port)
printf '%s' "$KOORNACHT" >"$TMP/index.html"
start_rebel rb --listen "127.0.0.1:$port" --document "$TMP/index.html" --drain 1s --allow-faults
base="http://127.0.0.1:$port"
wait_http "$base/readyz"

# In flight across the whole drain: answered 2.5 s after it started.
curl -sS --max-time 15 -o "$TMP/slow" -w '%{http_code}' "$base/?delay=2500ms" >"$TMP/slow.code" &
slow=$!
sleep 0.3
kill -TERM "$REBEL_PID"
sleep 0.2
assert_eq 503 "$(http_code "$base/readyz")" "readyz during drain"
assert_eq '"draining"' "$(curl -sS "$base/readyz" | jq .reason)" "readyz reason"
assert_eq 200 "$(http_code "$base/")" "/ during drain"
assert_eq 200 "$(http_code "$base/healthz")" "healthz during drain"
assert_match 'rebel_base_draining 1' "$(curl -sS "$base/metrics")" "draining gauge"

sleep 1.2 # past --drain: no longer accepting, the slow request still in flight
kill -0 "$REBEL_PID" 2>/dev/null || fail "exited before the in-flight request finished"
code=$(curl -sS -o /dev/null -w '%{http_code}' --max-time 2 "$base/" 2>/dev/null || true)
assert_eq 000 "$code" "a new connection after the drain"

wait "$slow" || fail "the in-flight request failed"
assert_eq 200 "$(cat "$TMP/slow.code")" "in-flight request status"
cmp "$TMP/index.html" "$TMP/slow" || fail "in-flight request body"
wait_exit "$REBEL_PID" 10
assert_eq 0 "$EXIT_STATUS" "exit status after drain"
grep -q 'drain: signal 15' "$TMP/rb.log" || fail "drain not logged"
grep -q 'exit: clean shutdown' "$TMP/rb.log" || fail "exit not logged"

# --drain 0 with SIGINT: straight to the exit, still 0.
port=$(free_port)
start_rebel rb0 --listen "127.0.0.1:$port" --document "$TMP/index.html" --drain 0
wait_http "http://127.0.0.1:$port/readyz"
kill -INT "$REBEL_PID"
wait_exit "$REBEL_PID" 5
assert_eq 0 "$EXIT_STATUS" "exit status with --drain 0 and SIGINT"

# --grace shorter than a delayed request: the delay is cut short, the request is
# still answered, and the exit is 0 and bounded.
port=$(free_port)
start_rebel rbg --listen "127.0.0.1:$port" --document "$TMP/index.html" --drain 0 --grace 500ms \
    --allow-faults
wait_http "http://127.0.0.1:$port/readyz"
curl -sS --max-time 15 -o "$TMP/cut" -w '%{http_code}' "http://127.0.0.1:$port/?delay=20s" >"$TMP/cut.code" &
cut=$!
sleep 0.3
kill -TERM "$REBEL_PID"
wait_exit "$REBEL_PID" 5
assert_eq 0 "$EXIT_STATUS" "exit status when --grace runs out"
wait "$cut" || fail "the cut-short request failed"
assert_eq 200 "$(cat "$TMP/cut.code")" "cut-short request status"
grep -q '1 request(s) still in flight' "$TMP/rbg.log" || fail "grace overrun not logged"
