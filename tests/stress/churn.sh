#!/usr/bin/env bash
# Truth under change: the ConfigMap volume is swapped kubelet-style (..data
# symlink) every 10 ms, cycling through three valid versions (45 B, 46 B and a
# 200 kB document) and three invalid ones (truncated JSON, an empty file, a 2 MiB
# file over the ConfigMap limit), while N requests run with keep-alive and N/5
# with a new connection each. Every reply must be byte-for-byte one of the valid
# versions: torn or invalid bodies are counted and must be 0, and no request may
# fail. Prints the counts, how often each version was served, and the server's
# reload metrics.
#   bash tests/stress/churn.sh [N]     (default 100000)
source "$(dirname "$0")/common.sh"
n=${1:-100000}
hammer=$(tool hammer)

printf '%s' "$KOORNACHT" >"$TMP/v1"
printf '%s' "$TION" >"$TMP/v2"
"$PY" - "$TMP/v3" "$TMP/inv3" <<'EOF'
import json, sys
# 200 kB of structure: a torn read of it would be long and obvious.
doc = {"Cluster": "Koornacht", "Planet": "N'Zoth",
       "fleet": [{"ship": "X-wing %05d" % i, "pilot": "Red %d" % (i % 12)} for i in range(4000)]}
open(sys.argv[1], "w").write(json.dumps(doc) + "\n")
open(sys.argv[2], "w").write(json.dumps({"pad": "x" * (2 << 20)}) + "\n")  # valid JSON, > 1 MiB
EOF
printf '{"Cluster": "Broken", "Planet": ' >"$TMP/inv1"
: >"$TMP/inv2"

kubelet_write "$TMP/vol" index.html "$KOORNACHT"
start_rebel rb --listen 127.0.0.1:0 --document "$TMP/vol/index.html" --served-by churn \
    --watch-interval 10ms --drain 0
port=$REBEL_PORT
wait_http "http://127.0.0.1:$port/readyz" 200 20

"$PY" "$ROOT/tests/tools/swapper.py" "$TMP/vol" index.html --interval-ms 10 --max-seconds 300 \
    "$TMP/v1" "$TMP/inv1" "$TMP/v2" "$TMP/v3" "$TMP/inv2" "$TMP/v1" "$TMP/inv3" "$TMP/v2" \
    >"$TMP/swapper.out" 2>&1 &
SWAP_PID=$!
PIDS+=("$SWAP_PID")
# The requests start once the churn is under way: the server has reloaded (or
# rejected) at least two swapped versions on top of its first load.
reloads() {
    curl -s --max-time 2 "http://127.0.0.1:$port/metrics" |
        awk '/^rebel_base_document_reloads_total\{/{n += $2} END {print n + 0}'
}
churning() { [ "$(reloads)" -ge 3 ]; }
wait_until "rebel-base to pick up the swapper's versions" 10 churning

valid=(-V "$TMP/v1" -V "$TMP/v2" -V "$TMP/v3")
ka=$("$hammer" -k -c 8 -n "$n" -d 240 -t 5000 "${valid[@]}" 127.0.0.1 "$port" /)
nc=$("$hammer" -c 8 -n $((n / 5)) -d 120 -t 5000 "${valid[@]}" 127.0.0.1 "$port" /)
kill -TERM "$SWAP_PID"
wait "$SWAP_PID" 2>/dev/null || true
swaps=$(kv swaps "$(cat "$TMP/swapper.out")")
metrics=$(curl -s --max-time 5 "http://127.0.0.1:$port/metrics")
r_ok=$(awk '/^rebel_base_document_reloads_total\{result="ok"\}/{print $2}' <<<"$metrics")
r_fail=$(awk '/^rebel_base_document_reloads_total\{result="failed"\}/{print $2}' <<<"$metrics")
ready=$(http_code "http://127.0.0.1:$port/readyz")
alive "$REBEL_PID" || fail "rebel-base died"

echo "  keep-alive:     $ka"
echo "  new connection: $nc"
echo "  $(cat "$TMP/swapper.out")"
echo "  reloads: ok=$r_ok failed=$r_fail; /readyz $ready"

verdict=pass

for line in "$ka" "$nc"; do
    for k in invalid_body bad_status refused connect_err closed_before_reply closed_mid_reply timeout; do
        v=$(kv "$k" "$line")
        [ "$v" = 0 ] || { verdict="FAIL ($k=$v)"; }
    done
    [ "$(kv "done" "$line")" = "$(kv started "$line")" ] || verdict="FAIL (requests unaccounted)"
done
total=$(( $(kv "done" "$ka") + $(kv "done" "$nc") ))
[ "$total" -eq $((n + n / 5)) ] || verdict="FAIL (ran $total of $((n + n / 5)) requests in time)"
[ "${r_fail:-0}" -gt 0 ] || verdict="FAIL (no invalid version was ever picked up: the test did not test)"
[ "${r_ok:-0}" -gt 2 ] || verdict="FAIL (valid swaps were not picked up)"
[ "$ready" = 200 ] || verdict="FAIL (/readyz $ready after the churn)"
torn=$(( $(kv invalid_body "$ka") + $(kv invalid_body "$nc") ))
served() { echo $(( $(kv "$1" "$ka") + $(kv "$1" "$nc") )); }

row "config churn" \
    "..data swap every 10 ms (3 valid, 3 invalid versions) during $n keep-alive + $((n / 5)) new-connection requests, 8 conns" \
    "$swaps swaps; $total replies: torn/invalid $torn, failed $(( total - $(kv ok "$ka") - $(kv ok "$nc") )); served v1=$(served v0) v2=$(served v1) v3(200 kB)=$(served v2); reloads ok=$r_ok failed=$r_fail; $(kv rps "$ka") req/s keep-alive" \
    "$verdict"
[ "$verdict" = pass ]
