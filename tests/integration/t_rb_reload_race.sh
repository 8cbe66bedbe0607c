#!/usr/bin/env bash
# rebel-base swap safety: the document is replaced every 20 ms for 3 s while
# keep-alive clients hammer / (and wrk, if installed, adds load). Every body must
# be one whole version; under `make asan`/`make valgrind` a use-after-free of a
# swapped-out response would abort the server.
. "$(dirname "$0")/lib.sh"

doc="$TMP/index.html"
printf '{"v": 0, "pad": "%s"}\n' "$(head -c 2000 /dev/zero | tr '\0' x)" >"$doc"
start_rebel rb --listen 127.0.0.1:0 --document "$doc" --watch-interval 10ms
port=$REBEL_PORT
wait_http "http://127.0.0.1:$port/readyz"

(
    for i in $(seq 1 150); do
        printf '{"v": %d, "pad": "%s"}\n' "$i" "$(head -c $((2000 + i)) /dev/zero | tr '\0' x)" >"$doc.tmp"
        mv "$doc.tmp" "$doc"
        sleep 0.02 # the swap pace under test, not a wait for anything
    done
) &
writer=$!
PIDS+=("$writer")
if command -v wrk >/dev/null; then
    wrk -t1 -c20 -d3s "http://127.0.0.1:$port/" >"$TMP/wrk" 2>&1 &
    PIDS+=($!)
fi
timeout 30 "$PY" - "$port" <<'PY' || fail "a reply was not one whole version"
import http.client, json, sys, threading, time
port = int(sys.argv[1])
seen, bad, n = set(), [], [0]
def client():
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
    end = time.time() + 3
    while time.time() < end:
        c.request("GET", "/")
        r = c.getresponse()
        body = r.read()
        try:
            d = json.loads(body)
            ok = d["pad"] == "x" * (2000 + d["v"]) and int(r.getheader("Content-Length")) == len(body)
        except Exception:
            ok = False
        if not ok:
            bad.append(body[:60])
        else:
            seen.add(d["v"])
        n[0] += 1
ts = [threading.Thread(target=client) for _ in range(3)]
for t in ts: t.start()
for t in ts: t.join()
print("  %d replies, %d distinct versions seen, %d bad" % (n[0], len(seen), len(bad)))
sys.exit(1 if bad or len(seen) < 10 else 0)
PY
wait "$writer" || true
kill -0 "$REBEL_PID" 2>/dev/null || fail "server died during the swaps"
[ -s "$TMP/wrk" ] && note "wrk: $(grep -m1 'Requests/sec' "$TMP/wrk")"
assert_match 'rebel_base_document_reloads_total\{result="ok"\} ([5-9][0-9]|1[0-9][0-9])' \
    "$(curl -sS "http://127.0.0.1:$port/metrics")" "reloads during the race"
