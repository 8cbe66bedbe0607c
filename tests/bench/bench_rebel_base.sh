#!/usr/bin/env bash
# rebel-base against Debian's nginx (1 worker, access_log off, keep-alive on,
# same file), side by side in one run on this machine:
#   keep-alive req/s (wrk), new-connection req/s (ab), idle RSS, RSS holding
#   1000 connections, and start-to-/readyz-200 time.
# Prints figures and ratios; never fails on them (machines are noisy).
# nginx is configured as Debian ships it (sendfile, tcp_nopush); a second nginx
# with open_file_cache is printed as the harder anchor.
# BENCH_QUICK=1: shorter runs. BENCH_ROUNDS=N: alternate the servers N times
# and report the median (default 3, quick 1). RB_ARGS: extra rebel-base flags.
# RB_MODES: ';'-separated rebel-base flag sets to compare in the req/s table
# (e.g. '--threads 1;--threads 2;--thread-per-connection').
set -euo pipefail
: "${BIN:?BIN must point at the directory holding rebel-base}"
for t in nginx wrk ab python3 curl; do
    command -v "$t" >/dev/null || { echo "bench_rebel_base: $t not installed, skipped"; exit 0; }
done

quick=${BENCH_QUICK:-0}
dur=5s; abn=20000; rounds=${BENCH_ROUNDS:-3}
[ "$quick" = 1 ] && { dur=2s; abn=5000; rounds=${BENCH_ROUNDS:-1}; }
conns=50       # wrk and ab concurrency
hold=1000      # connections held for the RSS figure
T=$(mktemp -d "${TMPDIR:-/tmp}/bench-rb.XXXXXX")
chmod 755 "$T" # nginx workers drop root to nobody and must read the file
PIDS=()
cleanup() {
    # TERM first: an nginx master killed with KILL leaves its worker running.
    for p in "${PIDS[@]}"; do kill -TERM "$p" 2>/dev/null || true; done
    sleep 0.5
    for p in "${PIDS[@]}"; do kill -KILL "$p" 2>/dev/null || true; done
    wait 2>/dev/null || true
    rm -rf "$T"
}
trap cleanup EXIT

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
mkdir -p "$T/www"
printf '%s\n' '{"Cluster": "Koornacht", "Planet": "N'"'"'Zoth"}' >"$T/www/index.html"
chmod 644 "$T/www/index.html"
ulimit -n 4096 2>/dev/null || true

# --- nginx: its own prefix, config and loopback port; nothing under /etc or /var.
NGX_PORT=$(free_port)
cat >"$T/nginx.conf" <<NGX
worker_processes 1;
daemon off;
pid $T/nginx.pid;
error_log $T/nginx-error.log;
worker_rlimit_nofile 4096;
events { worker_connections 4096; }
http {
    access_log off;
    sendfile on;        # as in Debian's own nginx.conf
    tcp_nopush on;
    keepalive_timeout 65;
    keepalive_requests 1000000;
    types { application/json html; }
    client_body_temp_path $T/cb; proxy_temp_path $T/px; fastcgi_temp_path $T/fc;
    uwsgi_temp_path $T/uw; scgi_temp_path $T/sc;
    server {
        listen 127.0.0.1:$NGX_PORT;
        root $T/www;
        location / { index index.html; }
    }
}
NGX

# A second, tuned nginx as a harder anchor: open_file_cache and no sendfile take
# its per-request syscalls from 9 (open, 2 fstat, sendfile, writev, 2 setsockopt
# for nopush, recv, close) to 3 (recv, writev, epoll_wait share).
NGT_PORT=$(free_port)
sed -e "s/listen 127.0.0.1:$NGX_PORT;/listen 127.0.0.1:$NGT_PORT;/" -e "s|pid $T/nginx.pid;|pid $T/nginx-tuned.pid;|" \
    -e 's/sendfile on; .*/sendfile off; open_file_cache max=100 inactive=60s; open_file_cache_valid 60s;/' \
    -e 's/^    tcp_nopush on;$//' "$T/nginx.conf" >"$T/nginx-tuned.conf"

# Start time: python starts the server and polls it every 0.2 ms until it
# answers 200, so the figure includes exec, load and listen.
start_timed() { # start_timed OUTFILE URL CMD...: starts CMD, sets STARTED_PID; OUTFILE gets ms to 200
    local out=$1 url=$2; shift 2
    python3 - "$url" "$out" "$@" >/dev/null 2>&1 <<'PY' &
import os, socket, sys, time, subprocess
url, out, cmd = sys.argv[1], sys.argv[2], sys.argv[3:]
host, rest = url[len("http://"):].split(":", 1)
port, path = rest.split("/", 1)
req = ("GET /%s HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n" % path).encode()
t0 = time.perf_counter()
p = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=open(out + ".log", "w"))
with open(out + ".pid", "w") as f:
    f.write(str(p.pid))
ms = -1
while time.perf_counter() - t0 < 10:
    try:
        s = socket.create_connection((host, int(port)), timeout=1)
        s.sendall(req)
        if s.recv(64).startswith(b"HTTP/1.1 200"):
            ms = (time.perf_counter() - t0) * 1000
            s.close()
            break
        s.close()
    except OSError:
        pass
    time.sleep(0.0002)
with open(out, "w") as f:
    f.write("%.2f" % ms)
p.wait()
PY
    PIDS+=($!)
    for _ in $(seq 250); do [ -s "$out" ] && break; sleep 0.05; done
    STARTED_PID=$(cat "$out.pid")
    PIDS+=("$STARTED_PID")
}

rss_kb() { # rss_kb PID...: summed VmRSS
    local t=0 p
    for p in "$@"; do t=$((t + $(awk '/^VmRSS/ {print $2}' "/proc/$p/status" 2>/dev/null || echo 0))); done
    echo "$t"
}
nginx_pids() { echo "$NGX_PID $(pgrep -P "$NGX_PID" | tr '\n' ' ')"; }

hold_conns() { # hold_conns PORT N PIDS...: RSS with N keep-alive connections open (each served once)
    local port=$1 n=$2; shift 2
    python3 - "$port" "$n" "$@" <<'PY'
import socket, sys, time
port, n, pids = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3:]
socks = []
for i in range(n):
    s = socket.create_connection(("127.0.0.1", port), timeout=5)
    s.sendall(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
    socks.append(s)
ok = sum(1 for s in socks if s.recv(4096).startswith(b"HTTP/1.1 200"))
time.sleep(0.3)
rss = 0
for p in pids:
    with open("/proc/%s/status" % p) as f:
        for line in f:
            if line.startswith("VmRSS"):
                rss += int(line.split()[1])
print(rss if ok == n else "%d(only %d/%d served)" % (rss, ok, n))
for s in socks:
    s.close()
PY
}

wrk_rps() { wrk -t1 -c"$conns" -d"$dur" "$1" | awk '/^Requests\/sec/ {printf "%d", $2}'; }
ab_rps() { ab -q -n "$abn" -c "$conns" "$1" 2>/dev/null | awk '/^Requests per second/ {printf "%d", $4}'; }
median() { tr ' ' '\n' | grep -v '^$' | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2fx", a / b; else print "-" }'; }

# --- start both, measuring start-to-200 (nginx: GET /, rebel-base: /readyz).
start_timed "$T/ngx.ms" "http://127.0.0.1:$NGX_PORT/" \
    nginx -p "$T" -c "$T/nginx.conf" -e "$T/nginx-error.log"
NGX_PID=$STARTED_PID
nginx -p "$T" -c "$T/nginx-tuned.conf" -e "$T/nginx-error.log" </dev/null >/dev/null 2>&1 &
PIDS+=($!)
RB_PORT=$(free_port)
read -r -a rb_extra <<<"${RB_ARGS:-}"
start_timed "$T/rb.ms" "http://127.0.0.1:$RB_PORT/readyz" \
    "$BIN/rebel-base" --listen "127.0.0.1:$RB_PORT" --document "$T/www/index.html" \
    --max-per-ip 0 --max-connections 4096 "${rb_extra[@]}"
RB_PID=$STARTED_PID
for url in "http://127.0.0.1:$NGX_PORT/" "http://127.0.0.1:$NGT_PORT/" "http://127.0.0.1:$RB_PORT/"; do
    curl -s --max-time 2 -o "$T/check" "$url" && cmp -s "$T/check" "$T/www/index.html" ||
        { echo "bench_rebel_base: $url does not serve the document"; cat "$T"/*.log; exit 1; }
done
# Best of 5 fresh starts for the start time (the first one above included).
rb_start=$(cat "$T/rb.ms")
for i in 1 2 3 4; do
    p=$(free_port)
    start_timed "$T/rb$i.ms" "http://127.0.0.1:$p/readyz" "$BIN/rebel-base" \
        --listen "127.0.0.1:$p" --document "$T/www/index.html" --drain 0
    rb_start="$rb_start $(cat "$T/rb$i.ms")"
    kill -TERM "$STARTED_PID"
done
rb_start_best=$(echo "$rb_start" | tr ' ' '\n' | sort -n | head -1)
rb_start_med=$(echo "$rb_start" | median)
ngx_start=$(cat "$T/ngx.ms")
sleep 0.5
ngx_idle=$(rss_kb $(nginx_pids)); rb_idle=$(rss_kb "$RB_PID")

# --- throughput, alternating servers each round; median per server.
declare -A W A
modes=("${RB_ARGS:-default}")
if [ -n "${RB_MODES:-}" ]; then IFS=';' read -r -a modes <<<"$RB_MODES"; fi
mode_port=() mode_pid=()
for m in "${modes[@]}"; do
    if [ "$m" = "${RB_ARGS:-default}" ] && [ -z "${RB_MODES:-}" ]; then
        mode_port+=("$RB_PORT"); mode_pid+=("$RB_PID"); continue
    fi
    p=$(free_port)
    read -r -a margs <<<"$m"
    "$BIN/rebel-base" --listen "127.0.0.1:$p" --document "$T/www/index.html" --max-per-ip 0 \
        "${margs[@]}" >/dev/null 2>"$T/mode-$p.log" &
    PIDS+=($!); mode_port+=("$p"); mode_pid+=($!)
done
sleep 0.3
for ((r = 1; r <= rounds; r++)); do
    W[nginx]+=" $(wrk_rps "http://127.0.0.1:$NGX_PORT/")"
    W[tuned]+=" $(wrk_rps "http://127.0.0.1:$NGT_PORT/")"
    for i in "${!modes[@]}"; do W[$i]+=" $(wrk_rps "http://127.0.0.1:${mode_port[$i]}/")"; done
    A[nginx]+=" $(ab_rps "http://127.0.0.1:$NGX_PORT/")"
    A[tuned]+=" $(ab_rps "http://127.0.0.1:$NGT_PORT/")"
    for i in "${!modes[@]}"; do A[$i]+=" $(ab_rps "http://127.0.0.1:${mode_port[$i]}/")"; done
done
ngx_w=$(echo "${W[nginx]}" | median); ngx_a=$(echo "${A[nginx]}" | median)
ngt_w=$(echo "${W[tuned]}" | median); ngt_a=$(echo "${A[tuned]}" | median)

# --- memory with 1000 connections held (after the load: pools are warm).
ngx_hold=$(hold_conns "$NGX_PORT" "$hold" $(nginx_pids))
rb_hold=$(hold_conns "$RB_PORT" "$hold" "$RB_PID")

echo "rebel-base $("$BIN/rebel-base" --version | cut -d' ' -f2-) vs $(nginx -v 2>&1 | cut -d' ' -f3)"
echo "document $(wc -c <"$T/www/index.html") bytes; wrk -t1 -c$conns -d$dur; ab -n $abn -c $conns;" \
    "median of $rounds round(s); rebel-base flags: ${RB_ARGS:-(defaults)}"
printf '%-34s %12s %12s %8s  %s\n' metric nginx rebel-base ratio goal
for i in "${!modes[@]}"; do
    w=$(echo "${W[$i]}" | median); a=$(echo "${A[$i]}" | median)
    tag=""; [ ${#modes[@]} -gt 1 ] && tag=" [${modes[$i]}]"
    printf '%-34s %12s %12s %8s  %s\n' "keep-alive req/s (wrk)$tag" "$ngx_w" "$w" "$(ratio "$w" "$ngx_w")" ">= 1.3x"
    printf '%-34s %12s %12s %8s  %s\n' "new-connection req/s (ab)$tag" "$ngx_a" "$a" "$(ratio "$a" "$ngx_a")" ">= 1.0x"
    printf '%-34s %12s %12s %8s  %s\n' "  vs tuned nginx (wrk)$tag" "$ngt_w" "$w" "$(ratio "$w" "$ngt_w")" "(open_file_cache)"
    printf '%-34s %12s %12s %8s\n' "  vs tuned nginx (ab)$tag" "$ngt_a" "$a" "$(ratio "$a" "$ngt_a")"
    printf '  rounds wrk%s: nginx [%s] tuned [%s] rebel-base [%s]\n' "$tag" "${W[nginx]# }" "${W[tuned]# }" "${W[$i]# }"
    printf '  rounds ab%s:  nginx [%s] tuned [%s] rebel-base [%s]\n' "$tag" "${A[nginx]# }" "${A[tuned]# }" "${A[$i]# }"
done
printf '%-34s %12s %12s %8s  %s\n' "idle RSS KiB (nginx master+worker)" "$ngx_idle" "$rb_idle" "$(ratio "$rb_idle" "$ngx_idle")" "<= 0.5x"
printf '%-34s %12s %12s %8s\n' "RSS KiB holding $hold connections" "$ngx_hold" "$rb_hold" "$(ratio "${rb_hold%%(*}" "${ngx_hold%%(*}")"
printf '%-34s %12s %12s %8s  %s\n' "start to 200 ms (best of 5)" "$ngx_start" "$rb_start_best" "$(ratio "$rb_start_best" "$ngx_start")" "< 10 ms"
printf '%-34s %12s %12s\n' "  rebel-base starts (ms)" "" "$rb_start_med median"
