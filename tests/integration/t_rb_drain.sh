#!/usr/bin/env bash
# rebel-base on SIGTERM: /readyz turns 503 at once while / keeps answering for
# --drain, then new connections are refused, the in-flight (delayed) request
# completes, and the process exits 0.
. "$(dirname "$0")/lib.sh"
own_loopback # it expects new connections to refuse while the process lives on

# Whether a new connection to URL is refused (curl exit 7): the listener is closed.
# A timeout or a reset would not do: the point is an immediate refusal.
refused() { # refused URL
    local rc=0
    curl -s -o /dev/null --max-time 2 "$1" || rc=$?
    [ "$rc" = 7 ]
}

# Whether PID is still running (a zombie has finished; kill -0 would say yes).
running() { case $(ps -o stat= -p "$1" 2>/dev/null) in "" | Z*) return 1 ;; esac; }

# The checks made during the drain take a few requests; 2 s leaves them room on a
# loaded machine (and under valgrind), and the delay outlasts the drain by 2 s.
serve_doc rb "$KOORNACHT" --drain 2s --allow-faults
base=$REBEL_URL doc=$REBEL_DOC

# In flight across the whole drain: answered 4 s after it started.
curl -sS --max-time 15 -o "$TMP/slow" -w '%{http_code}' "$base/?delay=4s" >"$TMP/slow.code" &
slow=$!
wait_until "rebel-base to read the delayed request" 10 request_read "$slow" "$REBEL_PORT"
kill -TERM "$REBEL_PID"
wait_until "/readyz to turn 503 after SIGTERM" 1 is_http "$base/readyz" 503
assert_eq 503 "$(http_code "$base/readyz")" "readyz during drain"
assert_eq '"draining"' "$(curl -sS "$base/readyz" | jq .reason)" "readyz reason"
assert_eq 200 "$(http_code "$base/")" "/ during drain"
assert_eq 200 "$(http_code "$base/healthz")" "healthz during drain"
assert_match 'rebel_base_draining 1' "$(curl -sS "$base/metrics")" "draining gauge"

# Past --drain: no longer accepting, the slow request still in flight.
wait_until "new connections to be refused after the drain" 5 refused "$base/"
running "$REBEL_PID" || fail "exited before the in-flight request finished"
running "$slow" || fail "the delayed request finished before the drain ended"
code=$(curl -sS -o /dev/null -w '%{http_code}' --max-time 2 "$base/" 2>/dev/null || true)
assert_eq 000 "$code" "a new connection after the drain"

wait "$slow" || fail "the in-flight request failed"
assert_eq 200 "$(cat "$TMP/slow.code")" "in-flight request status"
cmp "$doc" "$TMP/slow" || fail "in-flight request body"
wait_exit "$REBEL_PID" 10
assert_eq 0 "$EXIT_STATUS" "exit status after drain"
grep -q 'drain: signal 15' "$TMP/rb.log" || fail "drain not logged"
grep -q 'exit: clean shutdown' "$TMP/rb.log" || fail "exit not logged"

# --drain 0 with SIGINT: straight to the exit, still 0.
serve_doc rb0 "$KOORNACHT" --drain 0
kill -INT "$REBEL_PID"
wait_exit "$REBEL_PID" 5
assert_eq 0 "$EXIT_STATUS" "exit status with --drain 0 and SIGINT"

# --grace shorter than a delayed request: the delay is cut short, the request is
# still answered, the exit is bounded and its status 3 says requests were cut short.
serve_doc rbg "$KOORNACHT" --drain 0 --grace 500ms --allow-faults
curl -sS --max-time 15 -o "$TMP/cut" -w '%{http_code}' "http://$LO:$REBEL_PORT/?delay=20s" \
    >"$TMP/cut.code" &
cut=$!
wait_until "rebel-base to read the 20 s request" 10 request_read "$cut" "$REBEL_PORT"
kill -TERM "$REBEL_PID"
wait_exit "$REBEL_PID" 5
assert_eq 3 "$EXIT_STATUS" "exit status when --grace runs out"
wait "$cut" || fail "the cut-short request failed"
assert_eq 200 "$(cat "$TMP/cut.code")" "cut-short request status"
grep -q '1 request(s) still in flight' "$TMP/rbg.log" || fail "grace overrun not logged"
grep -q 'exit: grace expired: 1 request cut short' "$TMP/rbg.log" || fail "grace expiry not logged"
