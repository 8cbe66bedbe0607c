# The servers the rebel-base benchmarks compare, started the same way everywhere:
# nginx in three configurations and rebel-base binaries, all serving $DOC.
# shellcheck shell=bash disable=SC2034 # RB_PORT, RB_PID, RB_START, NGX_PIDS: for the caller
# Needs tests/integration/lib.sh, nginx.sh and benchlib.sh sourced first.

chmod 755 "$TMP" # nginx workers drop root to nobody and must read the file
mkdir -p "$TMP/www"
DOC=$TMP/www/index.html
printf '%s' "$KOORNACHT" >"$DOC" # 45 bytes, as the lab's ConfigMap
chmod 644 "$DOC"
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true # 10,000 connections: the scaling bench
# Connections each server is configured for. nginx preallocates its connection
# table, so its idle RSS grows with this (12 MiB at 4096, 19 MiB at 20,000); the
# scaling bench raises it to hold 10,000.
MAX_CONNS=${MAX_CONNS:-4096}

# The document as an nginx string: \ and ' escaped, the newline as \n.
NGX_BODY=$("$PY" -c 'import sys
s = open(sys.argv[1]).read()
print(s.replace("\\", "\\\\").replace("\x27", "\\\x27").replace("\n", "\\n"), end="")' "$DOC")

# --- nginx: its own prefix, config and loopback port; nothing under /etc or /var.
ngx_conf() { # ngx_conf VARIANT PORT PIDFILE ERRLOG: return, cache or debian
    local variant=$1 http loc
    shift
    case $variant in
    return) # nginx at its best for a fixed answer: no file at all (keep-alive: recv, writev)
        http="default_type application/json;"
        loc="location / { return 200 '$NGX_BODY'; }" ;;
    cache) # the file, its descriptor cached: recv, writev, close
        http="sendfile off; open_file_cache max=100 inactive=60s; open_file_cache_valid 60s;"
        loc="root $TMP/www; location / { index index.html; }" ;;
    debian) # the file as Debian's /etc/nginx/nginx.conf serves it: open, fstat, sendfile
        http="sendfile on; tcp_nopush on;"
        loc="root $TMP/www; location / { index index.html; }" ;;
    esac
    cat <<NGX
worker_processes 1;
daemon off;
pid $2;
error_log $3;
worker_rlimit_nofile $((MAX_CONNS + 100));
events { worker_connections $MAX_CONNS; }
http {
    access_log off;
    keepalive_timeout 65;
    keepalive_requests 1000000;
    types { application/json html; }
    client_body_temp_path $TMP/cb; proxy_temp_path $TMP/px; fastcgi_temp_path $TMP/fc;
    uwsgi_temp_path $TMP/uw; scgi_temp_path $TMP/sc;
    $http
    server {
        listen 127.0.0.1:$1 backlog=1024; # as rebel-base's
        $loc
    }
}
NGX
}
ngx_conf_return() { ngx_conf return "$@"; }
ngx_conf_cache() { ngx_conf cache "$@"; }
ngx_conf_debian() { ngx_conf debian "$@"; }
# start_nginx, then waits for the worker; NGX_PIDS: master and worker, whose CPU
# and memory count (the worker serves, the master idles).
start_ngx() { # start_ngx NAME CONF_FN [LAUNCH_FN]
    start_nginx "$@"
    wait_until "nginx $1's worker" 10 pgrep -P "$NGINX_PID"
    NGX_PIDS="$NGINX_PID $(pgrep -P "$NGINX_PID" | tr '\n' ' ')"
    NGX_PIDS=${NGX_PIDS% }
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

# rebel-base as every benchmark runs it: loopback port 0, the document, no
# per-client limit (all load comes from 127.0.0.1), MAX_CONNS connections.
rb_args() { # rb_args BINARY: the command line, in RB_CMD
    local extra
    read -r -a extra <<<"${RB_ARGS:-}"
    RB_CMD=("$1" --listen 127.0.0.1:0 --document "$DOC" --served-by bench --max-per-ip 0
        --max-connections "$MAX_CONNS" "${extra[@]}")
}
start_rb() { # start_rb NAME BINARY [FLAGS...]: sets RB_PID, RB_PORT
    local name=${1// /_} bin=$2
    shift 2
    rb_args "$bin"
    "${RB_CMD[@]}" "$@" >/dev/null 2>"$TMP/$name.log" &
    RB_PID=$!
    PIDS+=("$RB_PID")
    RB_PORT=$(wait_port "$RB_PID" "$TMP/$name.log")
}
# Starts BINARY, timing start to /readyz 200, and keeps it running as the server;
# then 4 more starts, each stopped again. RB_START: the best of the 5 (ms).
start_rb_timed() { # start_rb_timed NAME BINARY: sets RB_PID, RB_PORT, RB_START
    local name=$1 bin=$2 i times restarted=()
    rb_args "$bin"
    start_timed "$TMP/$name.ms" log /readyz "${RB_CMD[@]}"
    RB_PID=$STARTED_PID
    times=$(timed_ms "$TMP/$name.ms" "$name")
    RB_PORT=$(cat "$TMP/$name.ms.port")
    for i in 1 2 3 4; do
        start_timed "$TMP/$name-$i.ms" log /readyz "${RB_CMD[@]}" --drain 0
        times="$times $(timed_ms "$TMP/$name-$i.ms" "$name start $i")"
        kill -TERM "$STARTED_PID"
        restarted+=("$STARTED_PID")
    done
    RB_START=$(echo "$times" | tr ' ' '\n' | sort -g | head -1)
    # The servers of the start figure are gone before anything is measured.
    for i in "${restarted[@]}"; do wait_until "$name start-time server $i to exit" 10 pid_gone "$i"; done
}

# Every server answers the document itself, byte for byte.
check_serving() {
    local i
    for i in "${!S_NAME[@]}"; do
        { curl -s --max-time 2 -o "$TMP/check" "http://127.0.0.1:${S_PORT[$i]}/" && cmp -s "$TMP/check" "$DOC"; } ||
            fail "${S_NAME[$i]} on port ${S_PORT[$i]} does not serve the document: $(head -c 200 "$TMP/check" 2>/dev/null)"
    done
}

# RSS with N keep-alive connections open, each served once, summed over PIDS.
hold_conns() { # hold_conns PORT N PIDS...
    local port=$1 n=$2
    shift 2
    # shellcheck disable=SC2048,SC2086 # PIDs may come as one word (nginx master and worker)
    timeout 120 "$PY" - "$port" "$n" $* <<'PY'
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

# wrk --latency's 99th percentile, in ms.
wrk_p99() { # wrk_p99 WRK_OUTPUT_FILE
    awk '$1 == "99%" { v = $2; u = v; sub(/^[0-9.]+/, "", u); sub(/[a-z]+$/, "", v)
         f = (u == "us") ? 0.001 : (u == "ms") ? 1 : (u == "s") ? 1000 : (u == "m") ? 60000 : -1
         if (f > 0) printf "%.3f", v * f }' "$1"
}
