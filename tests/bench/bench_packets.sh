#!/usr/bin/env bash
# What the kernel does per request, for nginx-return and rebel-base side by side:
# TCP segments in and out, pure and delayed ACKs, which side keeps TIME_WAIT (the
# side that closed first), and the servers' system calls, by name, and context
# switches per request (perf stat; strace where perf cannot trace).
# Counts, not times, so they hold on a busy machine: the run is in a network
# namespace of its own (unshare -n), so nstat sees only these connections.
# Three loads of BENCH_PACKETS_N requests (default 2000) with ab: a new connection
# per request at -c1 and -c16 (the lab's traffic), and keep-alive at -c16.
# Never fails on a figure; skips (saying so) without root, unshare or nstat.
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)

if [ "${BENCH_PACKETS_NS:-}" != 1 ]; then
    for t in unshare nstat ab nginx ss; do
        command -v "$t" >/dev/null || { echo "bench_packets: $t not installed, skipped"; exit 0; }
    done
    command -v perf >/dev/null || command -v strace >/dev/null ||
        { echo "bench_packets: neither perf nor strace is installed, skipped"; exit 0; }
    BENCH_PACKETS_NS=1 unshare -n bash "$0" "$@" && exit 0
    echo "bench_packets: unshare -n failed (needs root), skipped"
    exit 0
fi

source "$here/../integration/lib.sh"
set +e # a tool that fails leaves "-" in its cell, the rest goes on
source "$here/nginx.sh"
source "$here/benchlib.sh"
source "$here/servers.sh"
ip link set lo up || fail "cannot bring up lo in the new namespace"

N=${BENCH_PACKETS_N:-2000}
[ "${BENCH_QUICK:-0}" = 1 ] && N=200
# TIME_WAIT needs 60 s to clear: each load gets a fresh server port, so the
# sockets one run leaves are told from the next's by port.

# nstat counters that tell a request's packets apart.
COUNTERS="TcpInSegs TcpOutSegs TcpExtTCPPureAcks TcpExtDelayedACKs TcpExtTCPHPAcks TcpExtTW TcpEstabResets TcpExtTCPAbortOnData"

# load PORT MODE: ab with N requests; MODE new1, new16 or keep16.
load() {
    case $2 in
    new1) ab -q -n "$N" -c 1 "http://127.0.0.1:$1/" ;;
    new16) ab -q -n "$N" -c 16 "http://127.0.0.1:$1/" ;;
    keep16) ab -q -k -n "$N" -c 16 "http://127.0.0.1:$1/" ;;
    esac >"$TMP/ab.out" 2>&1
    grep -q "^Complete requests: *$N" "$TMP/ab.out" && grep -q "^Failed requests: *0" "$TMP/ab.out"
}

# segments PORT MODE: nstat deltas per request, "name=value ..."
segments() {
    nstat -n >/dev/null
    load "$1" "$2" || { echo "ab-failed"; return; }
    nstat -z $COUNTERS 2>/dev/null | awk -v n="$N" '$1 !~ /^#/ { printf "%s=%.2f ", $1, $2 / n }'
}

# tw_side PORT: TIME_WAIT sockets held by the server side (local port PORT)
# and by the clients, per request.
tw_side() {
    local server client
    server=$(ss -Htan state time-wait "( sport = :$1 )" | wc -l)
    client=$(ss -Htan state time-wait "( dport = :$1 )" | wc -l)
    awk -v s="$server" -v c="$client" -v n="$N" 'BEGIN { printf "server %.2f client %.2f", s / n, c / n }'
}

# The system calls a server's request path makes, counted by perf where it can
# (tracepoints: a few hundred ns a call, so the run keeps its timing; strace
# stops the server at every call, and a server slowed that way finds each
# request already there at accept and hides the calls a fast one makes).
SC_NAMES="accept4 epoll_wait epoll_pwait epoll_ctl recvfrom read sendmsg sendto writev write setsockopt getsockopt ioctl close poll shutdown"
perf_ok() { command -v perf >/dev/null && perf stat -e raw_syscalls:sys_enter -o /dev/null -- true >/dev/null 2>&1; }
# syscalls PID PORT MODE: the server's system calls and context switches per
# request during the load (every thread), the top ones by count.
syscalls() {
    local pid=$1 port=$2 mode=$3 st ev s
    if [ "$COUNT_BY" = perf ]; then
        ev=context-switches,raw_syscalls:sys_enter
        for s in $SC_NAMES; do ev+=",syscalls:sys_enter_$s"; done
        perf stat -x, -o "$TMP/perf.out" -e "$ev" -p "$pid" -- bash -c "$(declare -f load); N=$N TMP=$TMP load $port $mode" ||
            { echo "ab-failed"; return; }
        awk -F, -v n="$N" '$3 == "raw_syscalls:sys_enter" { t = $1 } $3 == "context-switches" { cs = $1 }
            $3 ~ /^syscalls:sys_enter_/ { sub(/^syscalls:sys_enter_/, "", $3); c[$3] = $1 }
            END { printf "total %.1f (context switches %.2f):", t / n, cs / n
                  for (s in c) if (c[s] / n >= 0.05) printf " %s %.2f", s, c[s] / n; }' "$TMP/perf.out"
        return
    fi
    strace -f -c -o "$TMP/strace.out" -p "$pid" 2>/dev/null &
    st=$!
    wait_until "strace to attach to $pid" 10 grep -q TracerPid:.[1-9] "/proc/$pid/status"
    load "$port" "$mode" || { kill -INT "$st"; wait "$st"; echo "ab-failed"; return; }
    kill -INT "$st"
    wait "$st"
    awk -v n="$N" '$NF ~ /^[a-z_0-9]+$/ && $4 ~ /^[0-9]+$/ && $NF != "total" { c[$NF] = $4 }
        $NF == "total" { t = $4 }
        END { printf "total %.1f (strace):", t / n; k = 0
              for (s in c) if (c[s] / n >= 0.05) printf " %s %.2f", s, c[s] / n; }' "$TMP/strace.out"
}
COUNT_BY=strace
perf_ok && COUNT_BY=perf

# One load's figures for one server: segments and TIME_WAIT from a first run,
# system calls (PID: the process that serves) from a second.
row() { # row NAME MODE PORT PID
    local seg tw sys
    seg=$(segments "$3" "$2")
    sleep 0.2 # the last FINs of the load: counted in this mode, not the next
    tw=$(tw_side "$3")
    printf '  %-22s %-7s %s\n' "$1" "$2" "$seg"
    printf '  %-22s %-7s TIME_WAIT per request: %s\n' "" "" "$tw"
    sys=$(syscalls "$4" "$3" "$2")
    printf '  %-22s %-7s syscalls per request: %s\n' "" "" "$sys"
}

echo "bench_packets: $N requests per load, ab, in a private network namespace"
echo "  segments are counted on loopback, so each is seen once out and once in"
echo "  system calls counted by $COUNT_BY$([ "$COUNT_BY" = strace ] && echo " (perf stat cannot trace here: the counts are of a server slowed by strace)")"
for mode in new1 new16 keep16; do
    start_ngx "ngx-$mode" ngx_conf_return
    row "nginx return (1 worker)" "$mode" "$NGINX_PORT" "${NGX_PIDS#* }" # the worker
    kill -QUIT "$NGINX_PID"
    start_rb "rb-dev-$mode" "$BIN/rebel-base"
    row "rebel-base dev" "$mode" "$RB_PORT" "$RB_PID"
    kill -TERM "$RB_PID"
    if [ -n "${SHIP_RB:-}" ] && [ -x "${SHIP_RB:-}" ]; then
        start_rb "rb-ship-$mode" "$SHIP_RB"
        row "rebel-base shipped" "$mode" "$RB_PORT" "$RB_PID"
        kill -TERM "$RB_PID"
    fi
done
