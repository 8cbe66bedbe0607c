#!/usr/bin/env bash
# libmicrohttpd's own messages come out as xwing's log events, in its format:
# past 64 connections `xwing serve --log-format json` logs JSON lines with
# event "libmicrohttpd" (not bare "Server reached connection limit" lines that
# break a JSON log); `xwing probe` starts and stops with its own events only.
source "$(dirname "$0")/lib.sh"

# Holds N connections to PORT open until the file STOP exists (20 s at most).
hold() { # hold NAME PORT N
    "$PY" - "$2" "$3" "$TMP/$1.stop" >"$TMP/$1.hold" 2>&1 <<'PY' &
import os, socket, sys, time
port, n, stop = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
conns = []
for _ in range(n):
    try:
        conns.append(socket.create_connection(("127.0.0.1", port), timeout=5))
    except OSError as e:
        print("connect:", e)
print("held", len(conns), flush=True)
end = time.time() + 20
while not os.path.exists(stop) and time.time() < end:
    time.sleep(0.05)
PY
    PIDS+=($!)
}
limit_logged() { grep -q 'connection limit' "$1"; }

start_serve serve --listen 127.0.0.1:0 --log-format json
hold serve "$SERVE_PORT" 80
wait_until "xwing serve to log the connection limit" 10 limit_logged "$TMP/serve.log"
touch "$TMP/serve.stop"
kill -TERM "$SERVE_PID"
wait_exit "$SERVE_PID" 10
grep -v '^==' "$TMP/serve.log" >"$TMP/serve.lines" # valgrind's own lines start with ==
jq -e -c . "$TMP/serve.lines" >/dev/null 2>&1 ||
    fail "serve: not all JSON lines: $(grep -v '^{' "$TMP/serve.lines" | head -3)"
n=$(jq -r 'select(.event == "libmicrohttpd" and .level == "warn") | .msg' "$TMP/serve.lines" |
    grep -c 'connection limit' || true)
((n >= 1)) || fail "serve: no libmicrohttpd event: $(head -5 "$TMP/serve.lines")"
note "serve: $n libmicrohttpd events, every line JSON"

# The probe serves from one polling thread, which stops accepting at its limit
# instead (nothing for libmicrohttpd to say); its start must log events only:
# the logger is libmicrohttpd's first option, or it warns on stderr itself.
start_probe probe --listen 127.0.0.1:0 --every 10s "127.0.0.1:$DEAD_PORT"
kill -TERM "$PROBE_PID"
wait_exit "$PROBE_PID" 10
bare=$(grep -v '^==' "$TMP/probe.log" | grep -Ev '^[0-9T:.-]+Z info xwing (listen|exit): ' || true)
[[ -z "$bare" ]] || fail "probe: lines that are not its listen and exit events: $(head -3 <<<"$bare")"
note "probe: its listen and exit events, nothing else"
