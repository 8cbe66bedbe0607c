#!/usr/bin/env bash
# `xwing serve`: /healthz answers, /tally runs a tally against rebel-base and
# returns the JSON report, bad queries get 400 naming the parameter, and
# SIGTERM ends it promptly with status 0. --max-tallies 1: a second tally while
# one runs gets 503.
source "$(dirname "$0")/lib.sh"
# Background xwing must be the process itself (signals reach it, wait gets its
# status): a simple command with & is exec'd, a function call is not, hence
# lib.sh's prog_cmd rather than run_prog.

printf '%s' "$KOORNACHT" >"$TMP/k.json"
printf '%s' "$TION" >"$TMP/t.json"
k=$(free_port) t=$(free_port) port=$(free_port)
start_rebel k --listen "127.0.0.1:$k" --document "$TMP/k.json"
start_rebel t --listen "127.0.0.1:$t" --document "$TMP/t.json"
prog_cmd xwing
"${PROG_CMD[@]}" serve --listen "127.0.0.1:$port" --max-requests 200 --max-tallies 1 >"$TMP/serve.out" 2>"$TMP/serve.log" &
pid=$!
PIDS+=("$pid")
wait_http "http://127.0.0.1:$k/healthz"
wait_http "http://127.0.0.1:$t/healthz"
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

dead=$(free_port)
j=$(curl -s --max-time 30 "$base/tally?target=127.0.0.1:$dead&n=3")
assert_eq "refused 3 error" "$(echo "$j" | jq -r '.rows[0] | "\(.value) \(.count) \(.kind)"')" "/tally of a stopped server"

assert_eq 400 "$(http_code "$base/tally?n=3")" "missing target"
assert_match 'missing target' "$(curl -s --max-time 5 "$base/tally?n=3")" "missing target reason"
assert_eq 400 "$(http_code "$base/tally?target=x&n=201")" "n above --max-requests"
assert_match "bad n '201'" "$(curl -s --max-time 5 "$base/tally?target=x&n=201")" "n reason"
assert_eq 400 "$(http_code "$base/tally?target=https://x")" "https target"
assert_eq 400 "$(http_code "$base/tally?target=x&frobnicate=1")" "unknown parameter"
assert_eq 404 "$(http_code "$base/nope")" "unknown path"
assert_eq 405 "$(http_code -X POST "$base/tally?target=x")" "POST"

# Idle: next to no CPU over a second.
t0=$(awk '{print $14 + $15}' "/proc/$pid/stat")
sleep 1
t1=$(awk '{print $14 + $15}' "/proc/$pid/stat")
note "idle CPU ticks in 1 s: $((t1 - t0))"
[ "${VALGRIND:-0}" = 1 ] || ((t1 - t0 <= 2)) || fail "busy while idle: $((t1 - t0)) ticks in 1 s"

# SIGTERM during a running tally (a server that never answers) still exits 0 at once.
hang=$(free_port)
python3 "$ROOT/tests/integration/hostile.py" --port "$hang" --mode hang >"$TMP/h.log" 2>&1 &
PIDS+=($!)
wait_http "http://127.0.0.1:$hang/healthz"
curl -s --max-time 30 "$base/tally?target=127.0.0.1:$hang&n=100&timeout=10s" >/dev/null 2>&1 &
for ((i = 0; i < 200; i++)); do # until its request reaches the hung server; bounded: 20 s
    [ -n "$(ss -Htn state established "( dport = :$hang )")" ] && break
    sleep 0.1
done
assert_eq 503 "$(http_code "$base/tally?target=127.0.0.1:$k&n=1")" "a second tally beyond --max-tallies 1"
assert_match 'busy' "$(curl -s --max-time 5 "$base/tally?target=127.0.0.1:$k&n=1")" "busy reason"
assert_eq 200 "$(http_code "$base/healthz")" "/healthz while a tally runs"
kill -TERM "$pid"
wait_exit "$pid" 5
assert_eq 0 "$EXIT_STATUS" "exit status after SIGTERM"
assert_match 'exit' "$(cat "$TMP/serve.log")" "exit logged"
