#!/usr/bin/env bash
# rebel-base against nginx, side by side in one run on this machine: the dev build
# ($BIN) and the binary the rebel-base image ships, against
#   nginx-return  nginx at its best for a fixed answer, THE ANCHOR: 1 worker,
#                 access_log off, location / { return 200 '<the 45-byte document>'; }
#   nginx-cache   nginx serving the file with open_file_cache (sendfile off)
#   nginx-debian  nginx serving the file with Debian's sendfile on; tcp_nopush on
# For each server:
#   keep-alive (wrk -t1 -c32) and a new connection per request (ab -c16): req/s,
#   p99 latency, and the server's CPU per request: utime+stime from /proc/PID/stat
#   before and after the run, over the requests served. On 2 cores the load
#   generator shares the CPU, so req/s saturates near the load generator's limit;
#   CPU per request is the cleaner figure.
#   idle RSS, RSS holding 1000 connections, start to the first 200.
# Every server is measured in every round, in a rotating order, and each figure is
# the median over the rounds; ratios are against nginx-return. The performance goals
# are printed beside the ratios as met / NOT MET; the benchmark never fails on them.
# BENCH_QUICK=1: short runs, 1 round. BENCH_ROUNDS=N (default 3).
# RB_ARGS: extra flags for every rebel-base. RB_MODES: ';'-separated flag sets, each
# one more dev rebel-base column (e.g. '--threads 2;--connection-memory 4096').
# RB_EXTRA: ';'-separated LABEL=PATH, more rebel-base binaries as columns.
# Ports: rebel-base listens on port 0 and its listen line names the port; nginx,
# which cannot, gets a random port and another when that one is taken (nginx.sh).
set -uo pipefail
: "${BIN:?BIN must point at the directory holding rebel-base}"
for t in nginx wrk ab curl; do
    command -v "$t" >/dev/null || { echo "bench_rebel_base: $t not installed, skipped"; exit 0; }
done
here=$(cd "$(dirname "$0")" && pwd)
# The test library: $TMP (removed at exit), PIDS (stopped at exit: TERM, then KILL
# after 5 s, so an nginx master takes its worker along), wait_until, wait_port, $PY.
source "$here/../integration/lib.sh"
set +e # lib.sh turns errexit on; a tool that fails leaves "-" in its cell, the rest goes on
source "$here/nginx.sh"
source "$here/benchlib.sh"
source "$here/servers.sh"

quick=${BENCH_QUICK:-0}
dur=5 abn=30000 rounds=${BENCH_ROUNDS:-3}
[ "$quick" = 1 ] && { dur=2; abn=4000; rounds=${BENCH_ROUNDS:-1}; }
KA_C=32 NC_C=16 # the issue's settings: p99 at -c32, new connections at -c16
hold=1000       # connections held for the RSS figure
ship_bins "$TMP"

# --- the servers: S_NAME, S_PORT, S_PIDS (space-separated; nginx: master and worker)
S_NAME=() S_PORT=() S_PIDS=() S_START=()
add() { S_NAME+=("$1"); S_PORT+=("$2"); S_PIDS+=("$3"); S_START+=("${4:--}"); }

start_ngx nginx-return ngx_conf_return launch_timed
add nginx-return "$NGINX_PORT" "$NGX_PIDS" "$(timed_ms "$TMP/ngx-$NGINX_PORT.ms" nginx)"
start_ngx nginx-cache ngx_conf_cache
add nginx-cache "$NGINX_PORT" "$NGX_PIDS"
start_ngx nginx-debian ngx_conf_debian
add nginx-debian "$NGINX_PORT" "$NGX_PIDS"

rb_bins=("rb-dev=$BIN/rebel-base")
[ -n "${SHIP_RB:-}" ] && rb_bins+=("rb-shipped=$SHIP_RB")
if [ -n "${RB_EXTRA:-}" ]; then IFS=';' read -r -a extra <<<"$RB_EXTRA"; rb_bins+=("${extra[@]}"); fi
for nb in "${rb_bins[@]}"; do
    start_rb_timed "${nb%%=*}" "${nb#*=}"
    add "${nb%%=*}" "$RB_PORT" "$RB_PID" "$RB_START"
done
if [ -n "${RB_MODES:-}" ]; then
    IFS=';' read -r -a modes <<<"$RB_MODES"
    for m in "${modes[@]}"; do
        read -r -a margs <<<"$m"
        start_rb "dev $m" "$BIN/rebel-base" "${margs[@]}"
        add "dev $m" "$RB_PORT" "$RB_PID"
    done
fi
check_serving
# Idle RSS now, before any load.
S_IDLE=()
for i in "${!S_NAME[@]}"; do S_IDLE+=("$(rss_kb "${S_PIDS[$i]}")"); done

# --- load, one server at a time, rotating the order each round.
declare -A R # R[metric:i] = "round1 round2 ..."
WARN=()
wrk_run() { # wrk_run I: keep-alive
    local i=$1 url=http://127.0.0.1:${S_PORT[$1]}/ u0 s0 u1 s1 ccpu out=$TMP/wrk.out n
    read -r u0 s0 < <(cpu_split "${S_PIDS[$i]}")
    read -r ccpu _ < <(run_cpu "$out" $((dur + 30)) wrk -t1 -c"$KA_C" -d"${dur}s" --latency "$url")
    read -r u1 s1 < <(cpu_split "${S_PIDS[$i]}")
    n=$(awk '/ requests in / { print $1 }' "$out")
    R[ka_rps:$i]+=" $(awk '/^Requests\/sec/ { printf "%.0f", $2 }' "$out")"
    cpu_record ka "$i" $((u1 - u0)) $((s1 - s0)) "${n:-0}" "$ccpu"
    R[ka_p99:$i]+=" $(wrk_p99 "$out")"
    grep -qE 'Non-2xx|Socket errors' "$out" && WARN+=("${S_NAME[$i]} wrk: $(grep -E 'Non-2xx|Socket errors' "$out" | tr -s ' \n' ' ')")
    [ -n "$n" ] || WARN+=("${S_NAME[$i]}: no figures from wrk: $(head -c 300 "$out" | tr -s ' \n' ' ')")
    return 0
}
# The server's CPU, user and kernel per request, the load generator's (CLIENT_US in
# all, from wait4) and the two together. On loopback each side's kernel time holds
# some of the other side's TCP work (a packet is processed in the sender's context,
# or in the receiver's when its socket is busy), so a server can look dearer only
# because its client got cheaper: the sum says which.
cpu_record() { # cpu_record KIND I UTICKS STICKS REQUESTS CLIENT_US
    local srv cli
    srv=$(us_per_req $(($3 + $4)) "$5")
    cli=$(awk -v c="$6" -v n="$5" 'BEGIN { if (n > 0 && c != "") printf "%.1f", c / n; else print "-" }')
    R[$1_cpu:$2]+=" $srv"
    R[$1_usr:$2]+=" $(us_per_req "$3" "$5")"
    R[$1_sys:$2]+=" $(us_per_req "$4" "$5")"
    R[$1_cli:$2]+=" $cli"
    R[$1_sum:$2]+=" $(awk -v a="$srv" -v b="$cli" 'BEGIN { if (a != "-" && b != "-") printf "%.1f", a + b; else print "-" }')"
}
ab_run() { # ab_run I: a new connection per request
    local i=$1 url=http://127.0.0.1:${S_PORT[$1]}/ u0 s0 u1 s1 ccpu out=$TMP/ab.out n bad
    read -r u0 s0 < <(cpu_split "${S_PIDS[$i]}")
    read -r ccpu _ < <(run_cpu "$out" 300 ab -r -q -n "$abn" -c "$NC_C" -e "$TMP/ab.csv" "$url")
    read -r u1 s1 < <(cpu_split "${S_PIDS[$i]}")
    n=$(awk '/^Complete requests/ { print $3 }' "$out")
    R[nc_rps:$i]+=" $(awk '/^Requests per second/ { printf "%.0f", $4 }' "$out")"
    cpu_record nc "$i" $((u1 - u0)) $((s1 - s0)) "${n:-0}" "$ccpu"
    R[nc_p99:$i]+=" $(awk -F, '$1 == 99 { print $2 }' "$TMP/ab.csv" 2>/dev/null)"
    bad=$(awk '/^(Failed requests|Non-2xx responses)/ && $NF > 0' "$out" | tr -s ' \n' ' ')
    [ -n "$bad" ] && WARN+=("${S_NAME[$i]} ab: $bad")
    [ -n "$n" ] || WARN+=("${S_NAME[$i]}: no figures from ab: $(head -c 300 "$out" | tr -s ' \n' ' ')")
    return 0
}
ns=${#S_NAME[@]}
for i in $(seq 0 $((ns - 1))); do # warm-up: pools, caches, the page cache
    timeout 60 ab -q -n 500 -c "$NC_C" "http://127.0.0.1:${S_PORT[$i]}/" >/dev/null 2>&1 || true
done
for ((r = 0; r < rounds; r++)); do
    for ((k = 0; k < ns; k++)); do wrk_run $(((k + r) % ns)); done
    for ((k = 0; k < ns; k++)); do ab_run $(((k + r) % ns)); done
done

# --- memory holding 1000 connections (after the load: pools are warm).
S_HOLD=()
for i in "${!S_NAME[@]}"; do S_HOLD+=("$(hold_conns "${S_PORT[$i]}" "$hold" "${S_PIDS[$i]}")"); done

# --- the report
med() { echo "${R[$1:$2]:-}" | median; }
echo "rebel-base $("$BIN/rebel-base" --version | cut -d' ' -f2-) vs $(nginx -v 2>&1 | cut -d' ' -f3)"
echo "document $(wc -c <"$DOC") bytes; keep-alive: wrk -t1 -c$KA_C -d${dur}s; new connection: ab -n $abn -c $NC_C;" \
    "median of $rounds round(s); ratios against nginx-return; rebel-base flags: ${RB_ARGS:-(defaults)}"
[ "$quick" = 1 ] && echo "BENCH_QUICK=1: short runs, one round: a smoke test, not figures to quote"
ship_missing "${SHIP_RB:-}" rebel-base
for i in "${!S_NAME[@]}"; do printf '  %-14s pids %s\n' "${S_NAME[$i]}" "${S_PIDS[$i]}"; done
cell_w=19
printf '%-28s' metric
for n in "${S_NAME[@]}"; do printf " %${cell_w}s" "$n"; done
echo
row() { # row LABEL: the values in V, each with its ratio to V[0] (nginx-return)
    local i v
    printf '%-28s' "$1"
    for i in "${!S_NAME[@]}"; do
        v=${V[$i]}
        printf " %${cell_w}s" "$(fmt "$v") $(ratio "$v" "${V[0]}" | sed 's/^-$/     /')"
    done
    echo
}
table_row() { # table_row LABEL METRIC: the medians
    local i
    V=()
    for i in "${!S_NAME[@]}"; do V+=("$(med "$2" "$i")"); done
    row "$1"
}
list_row() { # list_row LABEL VALUES...
    local label=$1
    shift
    V=("$@")
    row "$label"
}
table_row "keep-alive req/s" ka_rps
table_row "keep-alive CPU us/req" ka_cpu
table_row "  of which user" ka_usr
table_row "  of which kernel" ka_sys
table_row "  load generator's CPU" ka_cli
table_row "  server + load generator" ka_sum
table_row "keep-alive p99 ms" ka_p99
table_row "new-conn req/s" nc_rps
table_row "new-conn CPU us/req" nc_cpu
table_row "  of which user" nc_usr
table_row "  of which kernel" nc_sys
table_row "  load generator's CPU" nc_cli
table_row "  server + load generator" nc_sum
table_row "new-conn p99 ms" nc_p99
list_row "idle RSS KiB" "${S_IDLE[@]}"
list_row "RSS KiB, $hold conns held" "${S_HOLD[@]%%(*}"
list_row "start to 200 ms (best of 5)" "${S_START[@]}"
echo "per round (the spread):"
for m in ka_rps ka_cpu nc_rps nc_cpu; do
    printf '  %-7s' "$m"
    for i in "${!S_NAME[@]}"; do printf ' %s [%s]' "${S_NAME[$i]}" "${R[$m:$i]# }"; done
    echo
done
for i in "${!S_NAME[@]}"; do
    [[ "${S_HOLD[$i]}" == *"("* ]] && WARN+=("${S_NAME[$i]} holding $hold connections: ${S_HOLD[$i]}")
done
for w in "${WARN[@]}"; do echo "WARNING: $w"; done

# --- the goals, for each rebel-base against nginx-return
echo
printf '  %-44s %-9s' "goals against nginx-return" goal
for i in "${!S_NAME[@]}"; do ((i >= 3)) && printf ' %17s' "${S_NAME[$i]}"; done
echo
goals() { # goals LABEL OP LIMIT WHAT: a metric of R, or idle, hold or start
    local label=$1 op=$2 lim=$3 i vals=()
    for i in "${!S_NAME[@]}"; do
        ((i >= 3)) || continue
        case $4 in
        idle) vals+=("$(ratio "${S_IDLE[$i]}" "${S_IDLE[0]}")") ;;
        hold) vals+=("$(ratio "${S_HOLD[$i]%%(*}" "${S_HOLD[0]%%(*}")") ;;
        start) vals+=("${S_START[$i]}") ;;
        *) vals+=("$(ratio "$(med "$4" "$i")" "$(med "$4" 0)")") ;;
        esac
    done
    goal_row "$label" "$op" "$lim" "${vals[@]}"
}
goals "CPU per request, keep-alive" '<=' 0.9x ka_cpu
goals "CPU per request, new connection" '<=' 1.0x nc_cpu
goals "req/s keep-alive" '>=' 1.0x ka_rps
goals "req/s new connection" '>=' 1.0x nc_rps
goals "p99 latency, keep-alive -c$KA_C" '<=' 1.0x ka_p99
goals "idle RSS" '<=' 0.5x idle
goals "RSS holding $hold connections" '<=' 1.0x hold
goals "start to ready, ms (absolute)" '<' 10 start
# What the CPU goals leave to user code: each server's kernel time per request
# against nginx-return's whole CPU per request. Where that alone is above the goal,
# no user-space work can meet it with the same syscalls.
echo
printf '  %-44s %-9s' "kernel time alone, against nginx-return's CPU" goal
for i in "${!S_NAME[@]}"; do ((i >= 3)) && printf ' %17s' "${S_NAME[$i]}"; done
echo
floor() { # floor LABEL GOAL KIND
    local i
    printf '  %-44s %-9s' "$1" "$2"
    for i in "${!S_NAME[@]}"; do
        ((i >= 3)) && printf ' %17s' "$(ratio "$(med "$3_sys" "$i")" "$(med "$3_cpu" 0)")"
    done
    echo
}
floor "keep-alive" '<= 0.9x' ka
floor "new connection" '<= 1.0x' nc
printf '  %-44s %-9s' "nginx-return's own kernel share" ""
echo " keep-alive $(ratio "$(med ka_sys 0)" "$(med ka_cpu 0)"), new connection $(ratio "$(med nc_sys 0)" "$(med nc_cpu 0)")"
echo "reproduce: make bench ONLY=rebel_base   (BENCH_QUICK=1: short; RB_MODES='--threads 2;...': more columns)"
