#!/usr/bin/env bash
# `xwing probe` holds steady: over 2,000 fast rounds (--every 1ms, scraped as it goes)
# its resident memory and open descriptors stay flat once warm, and between rounds a
# probe with a long --every uses no CPU. (Under valgrind: 300 rounds, for the leak
# check at exit; valgrind's own memory and CPU are not the probe's, nor is
# AddressSanitizer's memory.)
source "$(dirname "$0")/lib.sh"

rounds() { # rounds PORT
    curl -s --max-time 5 "http://127.0.0.1:$1/metrics" | awk '/^xwing_probe_rounds_total\{/ { print $2 }'
}
rounds_at_least() { local r; r=$(rounds "$1"); [ -n "$r" ] && [ "$r" -ge "$2" ]; }
rss_kb() { awk '/^VmRSS:/ { print $2 }' "/proc/$1/status"; }
fds() { ls "/proc/$1/fd" | wc -l; }

serve_doc k "$KOORNACHT"
k=$REBEL_PORT

valgrind=${VALGRIND:-0}
total=2000 warm=250 step=250
[ "$valgrind" = 1 ] && total=300 warm=100 step=100
# AddressSanitizer holds freed memory in quarantine (up to 256 MiB), ThreadSanitizer
# keeps its own allocator and shadow: RSS grows with any
# allocation churn, leak or not. Its own leak check runs at exit instead.
sanitized=0
# Not `ldd | grep -q`: under pipefail, grep leaving first can fail the pipe with ldd's
# SIGPIPE, and the sanitized build was then judged as a plain one (seen in CI under tsan).
grep -qE "libasan|libtsan" <<<"$(ldd "$BIN/xwing" 2>/dev/null)" && sanitized=1
start_probe fast --listen 127.0.0.1:0 --every 1ms -n 1 "127.0.0.1:$k"
fast=$PROBE_PID port=$PROBE_PORT
t0=$(date +%s%N)
wait_until "$warm warm-up rounds" 20 rounds_at_least "$port" "$warm"
base_rss=$(rss_kb "$fast") base_fds=$(fds "$fast") max_rss=0 samples=""
for ((want = warm + step; want <= total; want += step)); do
    wait_until "$want rounds" 20 rounds_at_least "$port" "$want"
    rss=$(rss_kb "$fast")
    samples+=" $rss"
    ((rss > max_rss)) && max_rss=$rss
    # A round's socket and a scrape's may be open at any sample: a leak adds one a round.
    n=$(fds "$fast")
    ((n <= base_fds + 3)) || fail "open descriptors after $want rounds: $n, $base_fds after $warm"
done
secs=$(awk -v a="$t0" -v b="$(date +%s%N)" 'BEGIN { printf "%.1f", (b - a) / 1e9 }')
note "$(rounds "$port") rounds in $secs s; RSS kB after $warm rounds: $base_rss, every $step after:$samples"
# Flat: the state is fixed once started, so what grows is allocator noise, not rounds.
[ "$valgrind$sanitized" != 00 ] || ((max_rss - base_rss <= 256)) ||
    fail "RSS grew by $((max_rss - base_rss)) kB from $warm to $total rounds:$samples"
ok=$(curl -s --max-time 5 "http://127.0.0.1:$port/metrics" | awk -v t="target=\"http://127.0.0.1:$k/\"" \
    'index($0, t) && /^xwing_probe_replies_total/ { print $2 }')
[ "$ok" -ge "$total" ] || fail "replies counted: $ok for at least $total rounds"
kill -TERM "$fast"
wait_exit "$fast" 10
assert_eq 0 "$EXIT_STATUS" "exit status (valgrind's leak check included under VALGRIND=1)"

# Idle between rounds: one round, then nothing due for an hour. What counts is the CPU
# time the process was charged (its ticks in /proc/PID/stat), which a busy machine does
# not inflate. The sleep is the measuring interval, not a wait.
start_probe idle --listen 127.0.0.1:0 --every 1h -n 2 "127.0.0.1:$k"
idle=$PROBE_PID
wait_until "the first round" 10 rounds_at_least "$PROBE_PORT" 1
c0=$(awk '{print $14 + $15}' "/proc/$idle/stat")
sleep 1
c1=$(awk '{print $14 + $15}' "/proc/$idle/stat")
note "idle CPU ticks in 1 s: $((c1 - c0))"
[ "$valgrind" = 1 ] || ((c1 - c0 <= 2)) || fail "busy between rounds: $((c1 - c0)) ticks in 1 s"
assert_eq 1 "$(rounds "$PROBE_PORT")" "rounds of the idle probe"
kill -TERM "$idle"
wait_exit "$idle" 10
assert_eq 0 "$EXIT_STATUS" "the idle probe's exit status"
