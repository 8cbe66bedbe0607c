#!/usr/bin/env bash
# Server under abuse: IDLE idle connections plus SLOW slowloris clients (a request
# line, then one header byte per second, never finished) held against rebel-base,
# while a real client keeps sending requests. Prints the real requests' success
# rate and p99 (and the same without abuse, for scale), the server's RSS before,
# during (peak) and after, what the abusers saw, and that it recovers: once the
# abuse is closed /readyz is 200 and a burst of requests all succeed.
#
#   bash tests/stress/abuse.sh [raised|defaults] [IDLE] [SLOW] [SECONDS]
# raised:   --max-connections/--max-per-ip raised so the server really holds all
#           IDLE+SLOW connections; the real client shares 127.0.0.1 with them.
# defaults: rebel-base's default limits; abuse from 127.0.0.1, the real client
#           from 127.0.0.2, so the per-client limit is what protects it.
source "$(dirname "$0")/common.sh"
mode=${1:-raised} idle=${2:-10000} slow=${3:-1000} secs=${4:-20}
hammer=$(tool hammer) hold=$(tool hold)

need=$((idle + slow + 200))
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
[ "$(ulimit -n)" -ge "$need" ] || skip "ulimit -n $(ulimit -n) is below the $need descriptors needed"

port=$(free_port)
kubelet_write "$TMP/doc" index.html "$KOORNACHT"
printf '%s' "$KOORNACHT" >"$TMP/v1"
args=(--listen "127.0.0.1:$port" --document "$TMP/doc/index.html" --served-by abuse --drain 0)
real_src=127.0.0.1
if [ "$mode" = raised ]; then
    args+=(--max-connections $((idle + slow + 1000)) --max-per-ip 0)
else
    real_src=127.0.0.2
fi
start_server rb "${args[@]}"
wait_http "http://127.0.0.1:$port/readyz" 200 20
rss_before=$(rss_kb "$REBEL_PID")

real=("$hammer" -b "$real_src" -c 4 -r 500 -t 2000 -V "$TMP/v1")
base=$("${real[@]}" -n 2000 -d 5 127.0.0.1 "$port" /)

"$hold" -i "$idle" -s "$slow" -g 1000 -d $((secs + 90)) 127.0.0.1 "$port" >"$TMP/hold.log" 2>&1 &
HOLD_PID=$!
PIDS+=("$HOLD_PID")
for _ in $(seq 1 1200); do grep -q '^hold: ready' "$TMP/hold.log" && break; sleep 0.05; done
grep -q '^hold: ready' "$TMP/hold.log" || fail "the abuse did not finish connecting in 60s: $(tail -2 "$TMP/hold.log")"
ready=$(grep '^hold: ready' "$TMP/hold.log")

rss_sampler "$REBEL_PID" "$TMP/rss" &
SAMPLER=$!
PIDS+=("$SAMPLER")
during=$("${real[@]}" -n $((secs * 500)) -d "$secs" 127.0.0.1 "$port" /)
held=$(grep -E '^hold: t=' "$TMP/hold.log" | tail -1)
kill "$SAMPLER" 2>/dev/null || true
rss_during=$(max_of "$TMP/rss")

kill -TERM "$HOLD_PID"
wait "$HOLD_PID" 2>/dev/null || true
done_line=$(grep '^hold: done' "$TMP/hold.log")
wait_http "http://127.0.0.1:$port/readyz" 200 10
after=$("${real[@]}" -n 2000 -d 10 127.0.0.1 "$port" /)
sleep 1
rss_after=$(rss_kb "$REBEL_PID")
kill -0 "$REBEL_PID" || fail "rebel-base died"

echo "  baseline: $base"
echo "  abuse:    $ready"
echo "  held:     $held"
echo "  during:   $during"
echo "  abusers:  $done_line"
echo "  after:    $after"

rate() { awk -v o="$(kv ok "$1")" -v d="$(kv "done" "$1")" 'BEGIN{printf "%.2f", d ? 100*o/d : 0}'; }
verdict=pass
d_rate=$(rate "$during") a_rate=$(rate "$after")
awk -v r="$d_rate" 'BEGIN{exit !(r >= 99.9)}' || verdict="FAIL (success during abuse $d_rate% < 99.9%)"
[ "$(kv ok "$after")" = "$(kv "done" "$after")" ] || verdict="FAIL (not recovered: $after)"
[ "$(kv "done" "$during")" -gt 0 ] || verdict="FAIL (no real requests ran)"
# Bounded: 64 KiB per held connection on top of the idle process is far more than
# a 16 KiB pool per connection should need; beyond it memory is not bounded.
limit=$((rss_before + (idle + slow) * 64))
[ "$rss_during" -le "$limit" ] || verdict="FAIL (RSS ${rss_during} kB > ${limit} kB)"

row "abuse (${mode/defaults/default} limits)" \
    "$idle idle + $slow slowloris (1 B/s) for ${secs}s; real client ${real_src}, 4 conns, 500 req/s" \
    "held idle=$(kv idle_open "$held") slow=$(kv slow_open "$held"); real: $(kv "done" "$during") req, ${d_rate}% ok, p99 $(kv p99_ms "$during") ms (no abuse: $(kv p99_ms "$base") ms); RSS $((rss_before / 1024))->$((rss_during / 1024))->$((rss_after / 1024)) MiB; after: /readyz 200, ${a_rate}% of $(kv "done" "$after") ok" \
    "$verdict"
[ "$verdict" = pass ]
