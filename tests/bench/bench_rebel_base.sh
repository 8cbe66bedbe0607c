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
# Ports: rebel-base listens on port 0 and its listen line names the port; nginx,
# which cannot, gets a random port and another when that one is taken (nginx.sh).
set -euo pipefail
: "${BIN:?BIN must point at the directory holding rebel-base}"
for t in nginx wrk ab curl; do
    command -v "$t" >/dev/null || { echo "bench_rebel_base: $t not installed, skipped"; exit 0; }
done
# The test library: $TMP (removed at exit), PIDS (stopped at exit: TERM, then KILL
# after 5 s, so an nginx master takes its worker along), wait_until, wait_port, $PY.
source "$(cd "$(dirname "$0")/.." && pwd)/integration/lib.sh"
source "$(dirname "$0")/nginx.sh"

quick=${BENCH_QUICK:-0}
dur=5s; abn=20000; rounds=${BENCH_ROUNDS:-3}
[ "$quick" = 1 ] && { dur=2s; abn=5000; rounds=${BENCH_ROUNDS:-1}; }
conns=50       # wrk and ab concurrency
hold=1000      # connections held for the RSS figure
chmod 755 "$TMP" # nginx workers drop root to nobody and must read the file

mkdir -p "$TMP/www"
printf '%s\n' '{"Cluster": "Koornacht", "Planet": "N'"'"'Zoth"}' >"$TMP/www/index.html"
chmod 644 "$TMP/www/index.html"
ulimit -n 4096 2>/dev/null || true

# --- nginx: its own prefix, config and loopback port; nothing under /etc or /var.
ngx_conf() { # ngx_conf PORT PIDFILE ERRLOG (start_nginx's CONF_FN)
    cat <<NGX
worker_processes 1;
daemon off;
pid $2;
error_log $3;
worker_rlimit_nofile 4096;
events { worker_connections 4096; }
http {
    access_log off;
    sendfile on;        # as in Debian's own nginx.conf
    tcp_nopush on;
    keepalive_timeout 65;
    keepalive_requests 1000000;
    types { application/json html; }
    client_body_temp_path $TMP/cb; proxy_temp_path $TMP/px; fastcgi_temp_path $TMP/fc;
    uwsgi_temp_path $TMP/uw; scgi_temp_path $TMP/sc;
    server {
        listen 127.0.0.1:$1;
        root $TMP/www;
        location / { index index.html; }
    }
}
NGX
}

# A second, tuned nginx as a harder anchor: open_file_cache and no sendfile take
# its per-request syscalls from 9 (open, 2 fstat, sendfile, writev, 2 setsockopt
# for nopush, recv, close) to 3 (recv, writev, epoll_wait share).
ngx_conf_tuned() {
    ngx_conf "$@" | sed -e 's/sendfile on; .*/sendfile off; open_file_cache max=100 inactive=60s; open_file_cache_valid 60s;/' \
        -e '/^    tcp_nopush on;$/d'
}

# Start time: python starts the server and polls it every 0.2 ms until it
# answers 200, so the figure includes exec, load and listen. PORT "log": the
# server listens on port 0, and the poll first reads the port from its listen
# line (its stderr, OUTFILE.log), as any client of a port-0 server must.
start_timed() { # start_timed OUTFILE PORT|log PATH CMD...: starts CMD, sets STARTED_PID
    # OUTFILE gets the ms to 200 (-1: none within 10 s, or CMD exited), OUTFILE.port the port.
    local out=$1
    rm -f "$out" "$out.pid" "$out.port"
    "$PY" - "$@" >/dev/null 2>&1 <<'PY' &
import os, re, socket, subprocess, sys, time
out, port, path, cmd = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4:]
req = ("GET %s HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n" % path).encode()
listen = re.compile(rb"listening on [^ ]*:(\d+)")


def put(path, text):  # atomic: the shell polls for the file and reads it whole
    with open(path + ".tmp", "w") as f:
        f.write(text)
    os.rename(path + ".tmp", path)


t0 = time.perf_counter()
p = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=open(out + ".log", "wb"))
put(out + ".pid", str(p.pid))
port = None if port == "log" else int(port)
ms = -1
while time.perf_counter() - t0 < 10 and p.poll() is None:
    if port is None:
        with open(out + ".log", "rb") as f:
            m = listen.search(f.read())
        port = int(m.group(1)) if m else None
    if port is not None:
        try:
            s = socket.create_connection(("127.0.0.1", port), timeout=1)
            s.sendall(req)
            if s.recv(64).startswith(b"HTTP/1.1 200"):
                ms = (time.perf_counter() - t0) * 1000
                s.close()
                break
            s.close()
        except OSError:
            pass
    time.sleep(0.0002)
if port is not None:
    put(out + ".port", str(port))
put(out, "%.2f" % ms)
p.wait()
PY
    PIDS+=($!)
    wait_until "$out.pid" 10 test -s "$out.pid"
    STARTED_PID=$(cat "$out.pid")
    PIDS+=("$STARTED_PID")
}
# Waits for start_timed's figure; fails unless CMD answered 200.
timed_ms() { # timed_ms OUTFILE WHAT -> ms
    wait_until "$2 to answer 200" 15 test -s "$1"
    [ "$(cat "$1")" != -1 ] || fail "$2 did not answer 200 within 10 s: $(tail -5 "$1.log")"
    cat "$1"
}
# start_nginx's LAUNCH_FN: a timed start, its figure in $TMP/ngx-PORT.ms (one file
# per try, so a try that lost its port cannot write into the next one's).
launch_timed() { # launch_timed CONF ERRLOG PORT
    start_timed "$TMP/ngx-$3.ms" "$3" / nginx -p "$TMP" -c "$1" -e "$2"
    # shellcheck disable=SC2034 # read by start_nginx
    LAUNCHED_PID=$STARTED_PID
}

rss_kb() { # rss_kb PID...: summed VmRSS
    local t=0 p
    for p in "$@"; do t=$((t + $(awk '/^VmRSS/ {print $2}' "/proc/$p/status" 2>/dev/null || echo 0))); done
    echo "$t"
}
nginx_pids() { echo "$NGX_PID $(pgrep -P "$NGX_PID" | tr '\n' ' ')"; }

hold_conns() { # hold_conns PORT N PIDS...: RSS with N keep-alive connections open (each served once)
    local port=$1 n=$2; shift 2
    "$PY" - "$port" "$n" "$@" <<'PY'
import socket, sys, time
port, n, pids = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3:]
socks = []
for i in range(n):
    s = socket.create_connection(("127.0.0.1", port), timeout=5)
    s.sendall(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
    socks.append(s)
ok = sum(1 for s in socks if s.recv(4096).startswith(b"HTTP/1.1 200"))
time.sleep(0.3)  # part of the figure: RSS of a server that has held them a while
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
start_nginx nginx ngx_conf launch_timed
NGX_PID=$NGINX_PID NGX_PORT=$NGINX_PORT
ngx_start=$(timed_ms "$TMP/ngx-$NGX_PORT.ms" nginx)
start_nginx nginx-tuned ngx_conf_tuned
NGT_PORT=$NGINX_PORT
read -r -a rb_extra <<<"${RB_ARGS:-}"
start_timed "$TMP/rb.ms" log /readyz \
    "$BIN/rebel-base" --listen 127.0.0.1:0 --document "$TMP/www/index.html" \
    --max-per-ip 0 --max-connections 4096 "${rb_extra[@]}"
RB_PID=$STARTED_PID
rb_start=$(timed_ms "$TMP/rb.ms" rebel-base)
RB_PORT=$(cat "$TMP/rb.ms.port")
for url in "http://127.0.0.1:$NGX_PORT/" "http://127.0.0.1:$NGT_PORT/" "http://127.0.0.1:$RB_PORT/"; do
    curl -s --max-time 2 -o "$TMP/check" "$url" && cmp -s "$TMP/check" "$TMP/www/index.html" ||
        { echo "bench_rebel_base: $url does not serve the document"; cat "$TMP"/*.log; exit 1; }
done
# Best of 5 fresh starts for the start time (the first one above included).
restarted=()
for i in 1 2 3 4; do
    start_timed "$TMP/rb$i.ms" log /readyz "$BIN/rebel-base" \
        --listen 127.0.0.1:0 --document "$TMP/www/index.html" --drain 0
    rb_start="$rb_start $(timed_ms "$TMP/rb$i.ms" "rebel-base start $i")"
    kill -TERM "$STARTED_PID"
    restarted+=("$STARTED_PID")
done
rb_start_best=$(echo "$rb_start" | tr ' ' '\n' | sort -n | head -1)
rb_start_med=$(echo "$rb_start" | median)
# The servers of the start figure are gone before anything else is measured.
all_gone() { local p; for p in "${restarted[@]}"; do pid_gone "$p" || return 1; done; }
wait_until "the start-time rebel-bases to exit" 10 all_gone
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
    read -r -a margs <<<"$m"
    k=${#mode_pid[@]}
    "$BIN/rebel-base" --listen 127.0.0.1:0 --document "$TMP/www/index.html" --max-per-ip 0 \
        "${margs[@]}" >/dev/null 2>"$TMP/mode-$k.log" &
    p=$!
    PIDS+=("$p"); mode_pid+=("$p")
    mode_port+=("$(wait_port "$p" "$TMP/mode-$k.log")")
done
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
echo "document $(wc -c <"$TMP/www/index.html") bytes; wrk -t1 -c$conns -d$dur; ab -n $abn -c $conns;" \
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
