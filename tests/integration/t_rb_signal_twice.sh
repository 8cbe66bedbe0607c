#!/usr/bin/env bash
# rebel-base: a second SIGTERM/SIGINT during the drain exits at once (128+signal).
. "$(dirname "$0")/lib.sh"

serve_doc rb "$TION" --drain 60s
base=$REBEL_URL
kill -TERM "$REBEL_PID"
wait_http "$base/readyz" 503 5
kill -0 "$REBEL_PID" || fail "exited during a 60s drain"
start=$(date +%s%3N)
kill -INT "$REBEL_PID"
wait_exit "$REBEL_PID" 5
status=$EXIT_STATUS
note "exited $(($(date +%s%3N) - start)) ms after the second signal"
if [ "${VALGRIND:-0}" = 1 ]; then
    [ "$status" != 0 ] || fail "second signal: status 0"
else
    assert_eq 130 "$status" "exit status after a second signal (SIGINT)"
fi
