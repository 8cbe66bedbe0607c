#!/usr/bin/env bash
# xwing against its anchors, side by side in one run, on loopback:
#   - `xwing -n 10` wall time vs the lab's loop of 10 `curl` processes (goal >= 10x)
#   - requests/s with a new connection per request at the same -c vs `ab` (>= 1.0x)
#     and `hey -disable-keepalive` (>= 2x); --keepalive vs wrk (reported)
#   - peak RSS at -n 1000 / 100000 / 1000000 (goal < 8 MB and flat as N grows)
# Each throughput figure is the best of $REPS runs, for every tool alike, each
# xwing run paired with its anchor's run right after it (the machine is shared
# and its load drifts). Prints figures and ratios; never fails on them.
# BENCH_QUICK=1: smaller N and shorter runs. Everything is bounded by timeout.
# Ports: rebel-base listens on port 0 and its listen line names the port; the
# nginx stand-in, which cannot, gets a random port, retried when taken (nginx.sh).
set -uo pipefail
: "${BIN:?BIN must point at the directory holding rebel-base and xwing}"
# The test library: $TMP (removed at exit), PIDS (stopped at exit), wait_until,
# wait_port, $PY. It turns errexit on; a benchmark keeps going past a tool that
# fails (its figure is then empty), so errexit goes off again.
source "$(cd "$(dirname "$0")/.." && pwd)/integration/lib.sh"
set +e
source "$(dirname "$0")/nginx.sh"

QUICK=${BENCH_QUICK:-0}
C=${BENCH_C:-8}
if [ "$QUICK" = 1 ]; then
    N=4000 HEY_N=2000 SECS=3 REPS=2 RSS_NS="1000 10000 100000"
else
    N=20000 HEY_N=10000 SECS=5 REPS=3 RSS_NS="1000 100000 1000000"
fi
X=$BIN/xwing

now_us() { echo $(($(date +%s%N) / 1000)); }
best() { sort -g | tail -1; }        # highest of the figures on stdin
least() { sort -g | head -1; }       # lowest
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2fx", a / b; else print "-" }'; }

# The server: rebel-base when it serves, else a stand-in (and the table says so).
# rebel-base listens on port 0 and its listen line names the port. wait_port runs
# in a subshell here: when rebel-base dies first it fails that subshell only.
printf '%s\n' '{"Cluster": "Koornacht", "Planet": "N'"'"'Zoth"}' >"$TMP/doc.json"
SERVER="rebel-base (1 epoll thread)"
"$BIN/rebel-base" --listen 127.0.0.1:0 --document "$TMP/doc.json" --served-by bench 2>"$TMP/rb.log" &
rb=$!
PIDS+=("$rb")
port=$(wait_port "$rb" "$TMP/rb.log" 2>/dev/null)
if [ -z "$port" ] || ! curl -sf --max-time 2 "http://127.0.0.1:$port/" >/dev/null 2>&1; then
    SERVER="STAND-IN nginx-light (rebel-base did not serve)"
    mkdir -p "$TMP/www"
    chmod 755 "$TMP" # nginx workers drop root to nobody and must read the file
    cp "$TMP/doc.json" "$TMP/www/index.html"
    standin_conf() { # standin_conf PORT PIDFILE ERRLOG (start_nginx's CONF_FN)
        cat <<NGX
daemon off; worker_processes 1; error_log $3; pid $2;
events { worker_connections 4096; }
http { access_log off; server { listen 127.0.0.1:$1; root $TMP/www; } }
NGX
    }
    start_nginx standin standin_conf
    port=$NGINX_PORT
    wait_http "http://127.0.0.1:$port/" 200 10
fi
URL=http://127.0.0.1:$port/
HP=127.0.0.1:$port

# The binary the x-wing image ships (static musl, HTTP-only libcurl) when the image
# exists: that is what runs in the lab's pod. build/bin/xwing is the dev build,
# dynamically linked against Debian's libcurl and its ~35 libraries.
XI=
VERSION=$(cat "$ROOT/VERSION")
if command -v docker >/dev/null && timeout 20 docker image inspect "x-wing:$VERSION" >/dev/null 2>&1; then
    cid=$(timeout 30 docker create "x-wing:$VERSION" 2>/dev/null) &&
        timeout 30 docker cp "$cid:/usr/local/bin/xwing" "$TMP/xwing-image" >/dev/null 2>&1 &&
        "$TMP/xwing-image" --version >/dev/null 2>&1 && XI=$TMP/xwing-image
    [ -n "${cid:-}" ] && timeout 30 docker rm "$cid" >/dev/null 2>&1
fi

echo "xwing $("$X" --version | cut -d' ' -f2) against $SERVER on $HP; -c $C; best of $REPS; quick=$QUICK"
echo "dev   = $X (dynamic, Debian libcurl)"
if [ -n "$XI" ]; then echo "image = /usr/local/bin/xwing from x-wing:$VERSION (static musl)"; else echo "image = (no x-wing:$VERSION image: run make images to include it)"; fi

# 1. Ten requests, the lab's way and xwing's way (wall time, including process start).
xw10() { local s; s=$(now_us); timeout 30 "$1" -n 10 "$HP" >/dev/null; echo $(($(now_us) - s)); }
curl10() {
    local s i
    s=$(now_us)
    for i in $(seq 1 10); do timeout 5 curl -s --max-time 2 "$URL" >/dev/null; done
    echo $(($(now_us) - s))
}
# 2. New connection per request at -c C.
xw_rps() { timeout 300 "$1" -n "$N" -c "$C" -o json "$HP" 2>/dev/null | jq -r .rps; }
ab_rps() { timeout 300 ab -q -n "$N" -c "$C" "$URL" 2>/dev/null | awk '/^Requests per second/ { print $4 }'; }
hey_rps() { timeout 300 hey -n "$HEY_N" -c "$C" -disable-keepalive "$URL" 2>/dev/null | awk '/Requests\/sec/ { print $2 }'; }
# 3. Keep-alive, time-bound like wrk.
xw_ka() { timeout 120 "$1" --keepalive --duration "${SECS}s" -c "$C" -o json "$HP" 2>/dev/null | jq -r .rps; }
wrk_ka() { timeout 120 wrk -t1 -c "$C" -d "${SECS}s" "$URL" 2>/dev/null | awk '/^Requests\/sec/ { print $2 }'; }
# 4. Peak RSS as N grows (--keepalive so a million requests fit in the run), from
#    getrusage's maximum resident set size: exact, shared libraries included. The
#    growth over `xwing --version` (code and libraries alone) is what N could move.
# Max RSS of a child in kB: GNU time when installed (a small C parent, exact);
# else getrusage from python, an upper bound (the forked python's pages count too).
if [ -x /usr/bin/time ]; then
    RSS_HOW="GNU time"
    maxrss() { # maxrss OUTFILE CMD...: runs CMD with stdout to OUTFILE, prints its max RSS
        local out=$1
        shift
        /usr/bin/time -f %M -o "$TMP/maxrss" "$@" >"$out" 2>/dev/null
        tail -1 "$TMP/maxrss"
    }
else
    RSS_HOW="python getrusage, an upper bound (GNU time is not installed)"
    maxrss() {
        "$PY" -c 'import resource, subprocess, sys
with open(sys.argv[1], "w") as out:
    subprocess.run(sys.argv[2:], stdout=out, stderr=subprocess.DEVNULL)
print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)' "$@"
    }
fi
rss_run() { # rss_run BINARY N: prints "maxrss_kB seconds"
    local s rss
    s=$(now_us)
    # Bounded by xwing's own --duration.
    rss=$(maxrss "$TMP/rss.json" "$1" --keepalive -n "$2" -c "$C" --duration 300s -o json "$HP")
    echo "$rss $(awk -v u=$(($(now_us) - s)) 'BEGIN { printf "%.1f", u / 1e6 }')"
}
mb() { awk -v k="$1" 'BEGIN { printf "%.1f", k / 1024 }'; }
row() { printf '%-36s %12s %-24s %12s %8s  %s\n' "$@"; }

# The load on a shared machine drifts: each xwing run is paired with its anchor's
# run right after it, and each side keeps its best, so both see the same spell.
pair() { # pair FN_A FN_B ARG_A: REPS rounds of A then B; prints "bestA bestB"
    local a b i
    for ((i = 0; i < REPS; i++)); do
        "$1" "$3" >>"$TMP/pa"
        "$2" >>"$TMP/pb"
    done
    a=$(best <"$TMP/pa") b=$(best <"$TMP/pb")
    rm -f "$TMP/pa" "$TMP/pb"
    echo "$a $b"
}
pair_least() { # as pair, for wall times: the least of each
    local i
    for ((i = 0; i < 5; i++)); do
        "$1" "$3" >>"$TMP/pa"
        "$2" >>"$TMP/pb"
    done
    echo "$(least <"$TMP/pa") $(least <"$TMP/pb")"
    rm -f "$TMP/pa" "$TMP/pb"
}

echo
row "figure" "xwing" "anchor" "anchor fig" "ratio" "goal"
bins=(dev "$X")
[ -n "$XI" ] && bins+=(image "$XI")
for ((i = 0; i < ${#bins[@]}; i += 2)); do
    tag=${bins[i]} bin=${bins[i + 1]}
    read -r us curl_us < <(pair_least xw10 curl10 "$bin")
    read -r new ab_new < <(pair xw_rps ab_rps "$bin")
    read -r new2 hey_new < <(pair xw_rps hey_rps "$bin")
    read -r keep wrk_keep < <(pair xw_ka wrk_ka "$bin")
    row "[$tag] -n 10 wall ms (best of 5)" "$(awk -v u="$us" 'BEGIN { printf "%.1f", u / 1000 }')" \
        "10 x curl loop" "$(awk -v u="$curl_us" 'BEGIN { printf "%.1f", u / 1000 }')" "$(ratio "$curl_us" "$us")" ">= 10x"
    row "[$tag] new conn req/s -n $N" "$new" "ab -n $N -c $C" "$ab_new" "$(ratio "$new" "$ab_new")" ">= 1.0x"
    row "[$tag] new conn req/s -n $N" "$new2" "hey -disable-keepalive" "$hey_new" "$(ratio "$new2" "$hey_new")" ">= 2x"
    row "[$tag] keepalive req/s ${SECS}s" "$keep" "wrk -t1 -c $C -d ${SECS}s" "$wrk_keep" "$(ratio "$keep" "$wrk_keep")" "(reported)"
done

echo
echo "peak RSS by $RSS_HOW"
printf '%-40s %10s %12s %8s\n' "memory (-c $C, --keepalive)" "peak RSS" "over base" "time"
for ((i = 0; i < ${#bins[@]}; i += 2)); do
    tag=${bins[i]} bin=${bins[i + 1]}
    base=$(maxrss /dev/null "$bin" --version)
    printf '%-40s %7s MB %12s %8s\n' "[$tag] --version (code and libraries)" "$(mb "$base")" "" ""
    for n in $RSS_NS; do
        read -r rss secs < <(rss_run "$bin" "$n")
        got=$(jq -r '"\(.requests) requests, \(.ok) ok"' "$TMP/rss.json" 2>/dev/null)
        printf '%-40s %7s MB %9s MB %7ss  %s\n' "[$tag] peak RSS -n $n" "$(mb "$rss")" "$(mb $((rss - base)))" "$secs" "$got"
    done
done
echo "goal: peak RSS < 8 MB and flat as N grows"
echo "reproduce: make bench ONLY=xwing   (BENCH_QUICK=1 for a short run, BENCH_C=N for another -c)"
