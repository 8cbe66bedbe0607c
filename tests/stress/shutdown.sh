#!/usr/bin/env bash
# Shutdown under load: a client runs 32 concurrent connections (a new connection
# per request, as xwing does by default) when rebel-base gets SIGTERM. Checks:
# /readyz answers 503 during the drain (polled every 50 ms), exit status 0, and
# no request the server accepted fails: every request the server answered (its
# access log) reached the client whole, and nothing ended mid-reply or timed out.
# Requests after the listener closed are refused, which is how a client (and a
# Service) learns to go elsewhere; connections still queued in the kernel (or
# opened but without a request read yet) when the listener closes are reset
# before any reply byte and counted apart. Prints the time from SIGTERM to exit.
# CLIENT hammer (tests/tools/hammer.c, which tells "reset before any byte"
# apart from "cut mid-reply") or xwing itself (-c 32, -o json: its rows).
#   bash tests/stress/shutdown.sh [DRAIN] [hammer|xwing]     (default 2s hammer)
source "$(dirname "$0")/common.sh"
drain=${1:-2s} client=${2:-hammer}
hammer=$(tool hammer)

printf '%s' "$KOORNACHT" >"$TMP/v1"
kubelet_write "$TMP/vol" index.html "$KOORNACHT"
start_rebel rb --listen 127.0.0.1:0 --document "$TMP/vol/index.html" --served-by shut \
    --drain "$drain" --access-log
port=$REBEL_PORT
wait_http "http://127.0.0.1:$port/readyz" 200 20

if [ "$client" = xwing ]; then
    "$BIN/xwing" -n 10000000 -c 32 --duration 7s --timeout 3s -o json "127.0.0.1:$port/" \
        >"$TMP/xwing.json" 2>"$TMP/xwing.err" &
else
    "$hammer" -c 32 -n 10000000 -d 7 -t 3000 -V "$TMP/v1" 127.0.0.1 "$port" / >"$TMP/hammer.out" 2>&1 &
fi
HPID=$!
PIDS+=("$HPID")
# SIGTERM lands in the middle of the load: once the server has answered a first
# request, the load runs 2 s more (that sleep is part of the scenario, not a wait).
served_one() { grep -q 'access.*GET / 200' "$TMP/rb.log"; }
wait_until "the client's first request to be served" 10 served_one
sleep 2
t0=$(date +%s%N)
kill -TERM "$REBEL_PID"
codes=()
while alive "$REBEL_PID" && [ $(( ($(date +%s%N) - t0) / 1000000000 )) -lt 60 ]; do
    codes+=("$(curl -s -o /dev/null -w '%{http_code}' --max-time 1 "http://127.0.0.1:$port/readyz" || true)")
    sleep 0.05
done
wait_exit "$REBEL_PID" 30 # in this shell: a $(...) subshell cannot wait for it
status=$EXIT_STATUS
t1=$(date +%s%N)
crc=0
wait "$HPID" || crc=$?
if [ "$client" = xwing ]; then
    # The same key=value shape as hammer's line, from xwing's JSON rows.
    h=$("$PY" - "$TMP/xwing.json" "$crc" <<'PY'
import json, sys
j = json.load(open(sys.argv[1], encoding="utf-8"))
rows = {r["value"]: r["count"] for r in j["rows"] if r["kind"] == "error"}
total = sum(r["count"] for r in j["rows"])
other = sum(v for k, v in rows.items() if k not in ("refused", "timeout") and not k.startswith("http"))
print("xwing: started=%d done=%d ok=%d refused=%d timeout=%d bad_status=%d invalid_body=0 "
      "closed_before_reply=%d closed_mid_reply=0 rows_sum=%d exit=%s rows=%s" % (
      j["requests"], j["requests"], j["ok"], rows.get("refused", 0), rows.get("timeout", 0),
      sum(v for k, v in rows.items() if k.startswith("http")), other, total, sys.argv[2],
      ";".join("%s:%d" % (k.replace(" ", "_"), v) for k, v in rows.items())))
PY
)
    [ "$(kv rows_sum "$h")" = "$(kv "done" "$h")" ] || verdict_x="FAIL (xwing rows do not add up)"
    [ "$crc" = 1 ] || verdict_x="FAIL (xwing exit $crc with failures)"
else
    h=$(cat "$TMP/hammer.out")
fi
ms=$(( (t1 - t0) / 1000000 ))
# A probe that raced the exit sees 000 (refused); count the rest.
n503=$(printf '%s\n' "${codes[@]}" | grep -c '^503$' || true)
n200=$(printf '%s\n' "${codes[@]}" | grep -c '^200$' || true)
served=$(grep -c 'access.*GET / 200' "$TMP/rb.log" || true)
inflight=$(grep -oE '[0-9]+ request\(s\) still in flight' "$TMP/rb.log" | head -1 | cut -d' ' -f1)

echo "  client: $h"
echo "  /readyz during drain: ${#codes[@]} probes: 503 x$n503, 200 x$n200, other: $(printf '%s\n' "${codes[@]}" | grep -vE '^(200|503)$' | sort | uniq -c | xargs)"
echo "  server: exit $status after ${ms} ms; answered $served GET / (access log)"
grep -E 'drain|exit|stop' "$TMP/rb.log" | grep -v access | sed 's/^/  log: /' | tail -5

verdict=${verdict_x:-pass}
[ "$status" = 0 ] || verdict="FAIL (exit status $status)"
[ "$n200" = 0 ] || verdict="FAIL (/readyz 200 after SIGTERM x$n200)"
[ "$n503" -gt 0 ] || verdict="FAIL (/readyz never 503 during the drain)"
for k in invalid_body bad_status closed_mid_reply timeout; do
    v=$(kv "$k" "$h")
    [ "$v" = 0 ] || verdict="FAIL ($k=$v)"
done
ok=$(kv ok "$h")
[ "$served" = "$ok" ] || verdict="FAIL (server answered $served, client received $ok)"
[ "$ok" -gt 0 ] || verdict="FAIL (no request succeeded)"

row "shutdown under load ($client)" \
    "SIGTERM (--drain $drain) while $client runs 32 concurrent requests (new connection each)" \
    "SIGTERM->exit ${ms} ms, exit $status; /readyz 503 x$n503 (200 x$n200) in the drain; server answered $served, client got $ok whole; mid-reply $(kv closed_mid_reply "$h"), timeouts $(kv timeout "$h"); after close: refused $(kv refused "$h"), reset before any reply byte $(kv closed_before_reply "$h") (connections queued or just opened when the listener closed at the drain's end; the server logged ${inflight:-?} requests in flight at that point and answered every request it read)" \
    "$verdict"
[ "$verdict" = pass ]
