#!/usr/bin/env bash
# Started with stdin closed (as some supervisors do), xwing serve's listening
# socket is descriptor 0: it must still say where it listens and answer.
source "$(dirname "$0")/lib.sh"

: >"$TMP/serve.log"
prog_cmd xwing
"${PROG_CMD[@]}" serve --listen 127.0.0.1:0 <&- >"$TMP/serve.out" 2>"$TMP/serve.log" &
pid=$!
PIDS+=("$pid")
port=$(wait_port "$pid" "$TMP/serve.log")
fd0=$(readlink "/proc/$pid/fd/0" || true)
if [ "${VALGRIND:-0}" = 1 ]; then
    note "under valgrind its own log file takes descriptor 0 ($fd0): the socket check is left out"
else
    assert_match '^socket:' "$fd0" "descriptor 0 of xwing serve (stdin closed)"
fi
assert_eq 200 "$(http_code "http://127.0.0.1:$port/healthz")" "/healthz on a socket at descriptor 0"
kill -TERM "$pid"
wait_exit "$pid" 10
assert_eq 0 "$EXIT_STATUS" "exit status"
