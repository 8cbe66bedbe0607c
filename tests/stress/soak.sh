#!/usr/bin/env bash
# A bounded soak: rebel-base for SOAK_S seconds (default 600) under mixed load:
# keep-alive (4 connections, 200 req/s) and a new connection per request
# (4 at once, 100 req/s), with a kubelet-style ConfigMap swap every 2 s among
# three valid versions (every reply checked byte for byte against them), while
# `xwing probe` asks it every second (5 requests a round) and its /metrics is
# scraped every 10 s. Every 10 s both processes' RSS, open descriptors and
# threads are sampled; the least-squares slope (per hour) and the maximum of
# each are printed, for rebel-base and for the probe.
#
# Judged (no error, and flat):
# - every request of the load got a whole valid version, the probe counted no
#   failure, both processes are alive at the end;
# - RSS: at most 2 MiB above the first sample after the first minute (a leak of
#   one 8 KiB connection pool per 1,000 requests would pass that in under 3
#   minutes at this load), and, for runs of 5 minutes or more, a slope of at most
#   1 MiB/h (a 32 MiB pod would last more than a day at that rate);
# - descriptors: at most 4 above the first sample (a round's or a scrape's
#   socket may be open at a sample); threads: never more than at the first.
# The load is fixed in rate, not pushed to the limit: this is about drift, not speed.
#   SOAK_S=600 bash tests/stress/soak.sh      (make soak; CI runs SOAK_S=60)
source "$(dirname "$0")/common.sh"
secs=${SOAK_S:-${1:-600}}
((secs >= 30)) || fail "SOAK_S=$secs: at least 30 s"
hammer=$(tool hammer)

"$PY" - "$TMP" <<'PY'
import json, sys
d = sys.argv[1]
for i, (c, p) in enumerate([("Koornacht", "N'Zoth"), ("Tion", "Foran Tutha"), ("Koornacht", "Jakku")]):
    open("%s/v%d" % (d, i + 1), "w").write(json.dumps({"Cluster": c, "Planet": p, "v": i + 1}))
PY
kubelet_write "$TMP/vol" index.html "$(cat "$TMP/v1")"
start_rebel rb --listen 127.0.0.1:0 --document "$TMP/vol/index.html" --served-by soak --drain 0
port=$REBEL_PORT
wait_http "http://127.0.0.1:$port/readyz"
rb=$REBEL_PID

"$PY" "$ROOT/tests/tools/swapper.py" "$TMP/vol" index.html --interval-ms 2000 \
    --max-seconds $((secs + 30)) "$TMP/v1" "$TMP/v2" "$TMP/v3" >"$TMP/swapper.out" 2>&1 &
PIDS+=($!)
swap_pid=$!
start_probe probe --listen 127.0.0.1:0 --every 1s -n 5 "127.0.0.1:$port"
probe=$PROBE_PID

valid=(-V "$TMP/v1" -V "$TMP/v2" -V "$TMP/v3")
"$hammer" -k -c 4 -r 200 -n $((secs * 220)) -d "$secs" -t 5000 "${valid[@]}" 127.0.0.1 "$port" / \
    >"$TMP/ka.out" 2>&1 &
ka=$!
"$hammer" -c 4 -r 100 -n $((secs * 110)) -d "$secs" -t 5000 "${valid[@]}" 127.0.0.1 "$port" / \
    >"$TMP/nc.out" 2>&1 &
nc=$!
PIDS+=("$ka" "$nc")

fds() { find "/proc/$1/fd" -mindepth 1 -maxdepth 1 2>/dev/null | wc -l; }
threads() { awk '/^Threads/{print $2}' "/proc/$1/status" 2>/dev/null || echo 0; }
# One sample every 10 s (the sampling period), each with a /metrics scrape.
t0=$(date +%s)
: >"$TMP/samples"
while alive "$ka" || alive "$nc"; do
    now=$(($(date +%s) - t0))
    curl -s -o /dev/null --max-time 5 "http://127.0.0.1:$port/metrics"
    echo "$now $(rss_kb "$rb") $(fds "$rb") $(threads "$rb") $(rss_kb "$probe") $(fds "$probe") $(threads "$probe")" \
        >>"$TMP/samples"
    sleep 10
done
wait "$ka" "$nc" 2>/dev/null || true
kill -TERM "$swap_pid" 2>/dev/null || true
wait "$swap_pid" 2>/dev/null || true

# Per column: the first sample after the first minute (or after a fifth of a
# shorter run), the maximum, and the least-squares slope per hour from there.
stats() { # stats COLUMN -> "first max slope_per_hour"
    awk -v c="$1" -v warm="$((secs >= 300 ? 60 : secs / 5))" '
        $1 >= warm { n++; x = $1; y = $c; if (n == 1) f = y; if (y > m) m = y
                     sx += x; sy += y; sxx += x * x; sxy += x * y }
        END { d = n * sxx - sx * sx; s = d ? (n * sxy - sx * sy) / d * 3600 : 0
              printf "%d %d %.0f\n", f, m, s }' "$TMP/samples"
}
verdict=pass
judge() { # judge WHO RSS_COL FD_COL THREAD_COL
    local who=$1 r f t
    read -r -a r < <(stats "$2")
    read -r -a f < <(stats "$3")
    read -r -a t < <(stats "$4")
    echo "  $who: RSS kB first ${r[0]} max ${r[1]} slope ${r[2]}/h; fds first ${f[0]} max ${f[1]} slope ${f[2]}/h; threads first ${t[0]} max ${t[1]}"
    SUMMARY+="$who RSS $(awk -v k="${r[0]}" 'BEGIN{printf "%.1f", k/1024}')->max $(awk -v k="${r[1]}" 'BEGIN{printf "%.1f", k/1024}') MiB, slope ${r[2]} kB/h; fds ${f[0]}->max ${f[1]}; threads ${t[1]}. "
    ((r[1] - r[0] <= 2048)) || verdict="FAIL ($who RSS grew $((r[1] - r[0])) kB)"
    if ((secs >= 300)) && ((r[2] > 1024)); then verdict="FAIL ($who RSS slope ${r[2]} kB/h)"; fi
    ((f[1] - f[0] <= 4)) || verdict="FAIL ($who descriptors ${f[0]} -> ${f[1]})"
    ((t[1] <= t[0])) || verdict="FAIL ($who threads ${t[0]} -> ${t[1]})"
}
SUMMARY=""
judge rebel-base 2 3 4
judge "xwing probe" 5 6 7

ka_line=$(cat "$TMP/ka.out") nc_line=$(cat "$TMP/nc.out")
echo "  keep-alive:      $ka_line"
echo "  new connection:  $nc_line"
echo "  swaps:           $(cat "$TMP/swapper.out")"
for line in "$ka_line" "$nc_line"; do
    [ "$(kv ok "$line")" = "$(kv done "$line")" ] && [ "$(kv done "$line")" -gt 0 ] ||
        verdict="FAIL (load errors: $line)"
done
fails=$(curl -s --max-time 5 "http://127.0.0.1:$PROBE_PORT/metrics" |
    awk '/^xwing_probe_failures_total\{/{n += $2} END {print n + 0}')
replies=$(curl -s --max-time 5 "http://127.0.0.1:$PROBE_PORT/metrics" |
    awk '/^xwing_probe_replies_total\{/{n += $2} END {print n + 0}')
echo "  probe:           replies $replies, failures $fails"
[ "$fails" = 0 ] && [ "$replies" -gt 0 ] || verdict="FAIL (probe: replies $replies, failures $fails)"
alive "$rb" || verdict="FAIL (rebel-base died)"
alive "$probe" || verdict="FAIL (xwing probe died)"

row "soak ${secs}s" \
    "keep-alive 200 req/s + new connection 100 req/s, ConfigMap swap every 2 s, xwing probe every 1 s, sampled every 10 s" \
    "$(kv done "$ka_line") + $(kv done "$nc_line") requests, all whole valid versions; probe $replies replies, $fails failures. ${SUMMARY% }" \
    "$verdict"
[ "$verdict" = pass ]
