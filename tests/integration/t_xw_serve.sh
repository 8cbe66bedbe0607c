#!/usr/bin/env bash
# `xwing serve`: /healthz answers, /tally runs a tally against rebel-base and
# returns the JSON report, bad queries get 400 naming the parameter, and
# SIGTERM ends it promptly with status 0. --max-tallies 1: a second tally while
# one runs gets 503.
source "$(dirname "$0")/lib.sh"
# Background xwing must be the process itself (signals reach it, wait gets its
# status): lib.sh's start_serve runs it as a simple command with &, which is exec'd.

serve_doc k "$KOORNACHT"
k=$REBEL_PORT
serve_doc t "$TION"
t=$REBEL_PORT
# The rebel-bases and helpers here listen on loopback, which serve refuses unless named.
start_serve serve --listen 127.0.0.1:0 --max-requests 200 --max-tallies 1 --allow-target 127.0.0.1
pid=$SERVE_PID port=$SERVE_PORT
# Threads of a serve with no connection open (main and listener): what it goes
# back to once the requests below are done.
idle_threads=$(ls "/proc/$pid/task" | wc -l)
wait_http "http://127.0.0.1:$port/healthz"
base=http://127.0.0.1:$port

assert_eq '{"status":"ok"}' "$(curl -s --max-time 5 "$base/healthz")" "/healthz body"

j=$(curl -s --max-time 30 "$base/tally?target=127.0.0.1:$k&target=127.0.0.1:$t&n=20&c=2")
echo "$j" | jq -e '.requests == 20 and .ok == 20 and .failed == 0 and .requested == 20
    and ([.rows[].count] | add) == 20 and .expect.ok == true' >/dev/null || fail "/tally: $j"
assert_eq "Koornacht 10|Tion 10" "$(echo "$j" | jq -r '[.rows[] | "\(.value) \(.count)"] | sort | join("|")')" "/tally rows"

j=$(curl -s --max-time 30 "$base/tally?target=127.0.0.1:$k&n=3&by=pod")
assert_eq 3 "$(echo "$j" | jq '[.rows[] | select(.kind == "reply") | .count] | add')" "/tally by pod"
j=$(curl -s --max-time 30 "$base/tally?target=127.0.0.1:$k&n=2&key=Planet")
assert_eq "N'Zoth" "$(echo "$j" | jq -r '.rows[0].value')" "/tally key=Planet"

j=$(curl -s --max-time 30 "$base/tally?target=127.0.0.1:$DEAD_PORT&n=3")
assert_eq "refused 3 error" "$(echo "$j" | jq -r '.rows[0] | "\(.value) \(.count) \(.kind)"')" "/tally of a stopped server"

assert_eq 400 "$(http_code "$base/tally?n=3")" "missing target"
assert_match 'missing target' "$(curl -s --max-time 5 "$base/tally?n=3")" "missing target reason"
assert_eq 400 "$(http_code "$base/tally?target=x&n=201")" "n above --max-requests"
assert_match "bad n '201'" "$(curl -s --max-time 5 "$base/tally?target=x&n=201")" "n reason"
assert_eq 400 "$(http_code "$base/tally?target=https://x")" "https target"
assert_eq 400 "$(http_code "$base/tally?target=x&frobnicate=1")" "unknown parameter"
assert_eq '{"error":"bad by '"'"'cluster'"'"': expected key, pod, ip or body"}' \
    "$(curl -s --max-time 5 "$base/tally?target=x&by=cluster")" "by reason"
# A request line libmicrohttpd drops gets the 400 in serve's JSON.
line=$("$PY" -c 'import socket, sys
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=5)
s.sendall(b"GARBAGE\r\n\r\n")
d = b""
while True:
    b = s.recv(4096)
    if not b:
        break
    d += b
print(d.decode().split("\r\n\r\n", 1)[-1], end="")' "$SERVE_PORT")
assert_eq '{"error":"malformed request line"}' "$line" "a request line without a space"
assert_eq 404 "$(http_code "$base/nope")" "unknown path"
assert_eq 405 "$(http_code -X POST "$base/tally?target=x")" "POST"

# Idle: next to no CPU over a second. The sleep is the measuring interval, not a
# wait. What counts is the CPU time the process itself was charged (its ticks in
# /proc/PID/stat, all threads), which a busy machine does not inflate: a loaded
# machine only stretches the wall time, and an idle process stays at ~0 however
# long that is. First, though, the threads of the requests above must be gone,
# so that their last moments are not charged to the idle interval.
idle() { [ "$(ls "/proc/$pid/task" | wc -l)" -le "$idle_threads" ]; }
wait_until "xwing serve's connection threads to end" 10 idle
t0=$(awk '{print $14 + $15}' "/proc/$pid/stat")
w0=$(date +%s%N)
sleep 1
t1=$(awk '{print $14 + $15}' "/proc/$pid/stat")
note "idle CPU ticks in $((($(date +%s%N) - w0) / 1000000)) ms of wall time (1 s asked): $((t1 - t0))"
[ "${VALGRIND:-0}" = 1 ] || ((t1 - t0 <= 2)) || fail "busy while idle: $((t1 - t0)) ticks in 1 s"

# SIGTERM during a running tally (a server that never answers) still exits 0 at once.
start_helper h "$ROOT/tests/tools/hostile.py" --port 0 --mode hang
hang=$HELPER_PORT
wait_http "http://127.0.0.1:$hang/healthz"
curl -s --max-time 30 "$base/tally?target=127.0.0.1:$hang&n=100&timeout=10s" >/dev/null 2>&1 &
PIDS+=($!)
reached() { [ -n "$(ss -Htn state established "( dport = :$hang )")" ]; }
wait_until "the tally's request to reach the hung server" 20 reached
assert_eq 503 "$(http_code "$base/tally?target=127.0.0.1:$k&n=1")" "a second tally beyond --max-tallies 1"
assert_match 'busy' "$(curl -s --max-time 5 "$base/tally?target=127.0.0.1:$k&n=1")" "busy reason"
assert_eq 200 "$(http_code "$base/healthz")" "/healthz while a tally runs"
kill -TERM "$pid"
wait_exit "$pid" 5
assert_eq 0 "$EXIT_STATUS" "exit status after SIGTERM"
assert_match 'exit' "$(cat "$TMP/serve.log")" "exit logged"
