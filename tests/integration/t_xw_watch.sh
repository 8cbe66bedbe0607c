#!/usr/bin/env bash
# --watch prints one line per interval with that interval's tally, stops at
# --duration (or on SIGINT) and then prints the summary of the whole run.
source "$(dirname "$0")/lib.sh"
own_loopback # it stops servers and expects their ports to refuse
# Background xwing must be the process itself (signals reach it, wait gets its
# status): a simple command with & is exec'd, a function call is not, hence
# lib.sh's prog_cmd rather than run_prog.

serve_doc k "$KOORNACHT" --drain 0
kpid=$REBEL_PID k=$REBEL_PORT

# Five intervals for the three lines asked: on a loaded machine xwing can be off
# the CPU for a few hundred ms, and an interval in which no reply came in prints
# "0 req" (seen under load: 1.6 s gave exactly three lines).
run_prog xwing --watch --duration 2600ms --watch-interval 500ms --rate 20 "$LO:$k" >"$TMP/w1" 2>&1 ||
    fail "watch over a healthy server: $(cat "$TMP/w1")"
lines=$(grep -cE '^ +[0-9.]+s +[0-9]+ req  Koornacht [0-9]+$' "$TMP/w1" || true)
((lines >= 3)) || fail "expected >= 3 interval lines: $(cat "$TMP/w1")"
total=$(grep -E '^ +[0-9.]+s' "$TMP/w1" | awk '{ s += $2 } END { print s }')
# The default interval is 1 s: two or three lines in 2.5 s, not one per request.
run_prog xwing --watch --duration 2500ms --rate 20 "$LO:$k" >"$TMP/w0" 2>&1 ||
    fail "watch at the default interval: $(cat "$TMP/w0")"
lines=$(grep -cE '^ +[0-9.]+s +[0-9]+ req' "$TMP/w0" || true)
((lines >= 1 && lines <= 3)) || fail "default --watch-interval: $lines lines in 2.5 s: $(head -5 "$TMP/w0")"
assert_match "^ok $total  failed 0 " "$(grep '^ok ' "$TMP/w1")" "interval lines add up to the summary"

# Failover as it happens: the server stops mid-watch, later lines show refused.
prog_cmd xwing
"${PROG_CMD[@]}" --watch --duration 4s --watch-interval 500ms --rate 20 --timeout 300ms "$LO:$k" >"$TMP/w2" 2>&1 &
wpid=$!
PIDS+=("$wpid")
koornacht_line() { grep -qE '^ +[0-9.]+s +[0-9]+ req  Koornacht [0-9]+$' "$TMP/w2"; }
wait_until "a Koornacht-only interval line before the failover" 20 koornacht_line
stop_server "$kpid" "$k"
wait_exit "$wpid" 30
assert_eq 1 "$EXIT_STATUS" "exit status of a watch that saw failures"
grep -qE '^ +[0-9.]+s +[0-9]+ req  Koornacht [0-9]+$' "$TMP/w2" || fail "no Koornacht-only line: $(cat "$TMP/w2")"
grep -qE '^ +[0-9.]+s +[0-9]+ req  refused [0-9]+$' "$TMP/w2" || fail "no refused-only line: $(cat "$TMP/w2")"

# SIGINT ends an open-ended watch with the summary.
serve_doc k2 "$KOORNACHT"
k=$REBEL_PORT
prog_cmd xwing
"${PROG_CMD[@]}" --watch --watch-interval 200ms "$LO:$k" >"$TMP/w3" 2>&1 &
pid=$!
PIDS+=("$pid")
# Its first interval line says it runs, and so handles SIGINT.
running() { grep -qE '^ +[0-9.]+s +[0-9]+ req' "$TMP/w3"; }
wait_until "the open-ended watch's first interval line" 20 running
kill -INT "$pid"
wait_exit "$pid" 20
# 130 (128 + SIGINT), as xwing --help states: an interrupted run is never judged ok.
assert_eq 130 "$EXIT_STATUS" "exit status after SIGINT"
assert_match 'ok [0-9]+  failed [0-9]+' "$(cat "$TMP/w3")" "summary after SIGINT"
