#!/usr/bin/env bash
# Per-request profile of both builds, the dev one ($BIN) and the shipped one (from
# the images, when there): syscalls per request (strace -c -f) and instructions
# per request (valgrind --tool=callgrind), on bounded runs.
#   servers (rebel-base dev and shipped; nginx-return for the syscalls):
#     attached once warm, counted over ab -n N -c 16 (a new connection per request)
#     and over wrk -t1 -c32 -d S (keep-alive); callgrind's counters are zeroed
#     before each load and dumped after it (callgrind_control), so start-up and
#     idle time are not in the figures.
#   clients (xwing dev and shipped; ab as the anchor), a new connection per
#   request at -c 16 against the dev rebel-base: two runs, -n SMALL and -n BIG,
#   and the difference over BIG - SMALL requests, so start-up is not in the figures.
# The shipped binaries are stripped: callgrind gives their totals but not their
# functions; the dev build's top functions are listed. Raw strace summaries and
# callgrind files go to $BENCH_OUT/profile (callgrind_annotate FILE, kcachegrind).
# BENCH_QUICK=1: smaller runs. Never fails on a figure.
set -uo pipefail
: "${BIN:?BIN must point at the directory holding rebel-base and xwing}"
for t in strace valgrind callgrind_control callgrind_annotate ab wrk nginx; do
    command -v "$t" >/dev/null || { echo "bench_profile: $t not installed, skipped"; exit 0; }
done
here=$(cd "$(dirname "$0")" && pwd)
source "$here/../integration/lib.sh"
set +e # a tool that fails leaves "-" in its cell; the rest goes on
TIME_SCALE=5 # the servers start under valgrind
source "$here/nginx.sh"
source "$here/benchlib.sh"
source "$here/servers.sh"

quick=${BENCH_QUICK:-0}
if [ "$quick" = 1 ]; then
    SN=1000 SKA=1 CN=300 CKA=1 XS=50 XB=300
else
    SN=5000 SKA=3 CN=2000 CKA=3 XS=200 XB=2000
fi
OUT=${BENCH_OUT:+$BENCH_OUT/profile}
OUT=${OUT:-$TMP/profile}
mkdir -p "$OUT"
ship_bins "$TMP"

# --- strace -c: per-syscall counts, divided by the requests.
strace_counts() { # strace_counts SUMMARY: "syscall calls" lines
    awk '$1 ~ /^[0-9.]+$/ && NF >= 5 && $NF != "total" { print $NF, $4 }' "$1" 2>/dev/null
}
# "syscall calls" lines on stdin -> "TOTAL name:n name:n ..." per request, the
# syscalls made at least once per 100 requests, largest first.
per_req_fmt() { # per_req_fmt REQUESTS
    sort -k2 -gr | awk -v n="$1" '{ t += $2; if (n > 0 && $2 / n >= 0.01) s = s sprintf(" %s:%.2f", $1, $2 / n) }
        END { if (n > 0 && NR) printf "%.2f%s\n", t / n, s; else print "-" }'
}
strace_per_req() { strace_counts "$1" | per_req_fmt "$2"; } # strace_per_req SUMMARY REQUESTS
# Attaches strace -c -f to PIDS (every thread) and waits until it is attached.
strace_on() { # strace_on SUMMARY PIDS...: sets ST_PID
    local sum=$1 args=() p
    shift
    for p in "$@"; do args+=(-p "$p"); done
    strace -c -f -o "$sum" "${args[@]}" 2>"$sum.err" &
    ST_PID=$!
    PIDS+=("$ST_PID")
    wait_until "strace to attach to $*" 10 st_attached "$sum.err" "$#"
}
st_attached() { [ "$(grep -c attached "$1")" -ge "$2" ]; }
strace_off() { # strace_off: detaches, which writes the summary
    kill -INT "$ST_PID" 2>/dev/null
    wait_until "strace to write its summary" 30 pid_gone "$ST_PID"
    wait "$ST_PID" 2>/dev/null
}
load_nc() { timeout 300 ab -r -q -n "$1" -c 16 "$2" 2>/dev/null | awk '/^Complete requests/ { print $3 }'; }
load_ka() { timeout $(($1 + 60)) wrk -t1 -c32 -d"$1s" "$2" 2>/dev/null | awk '/ requests in / { print $1 }'; }

# --- callgrind: a server under valgrind, counters zeroed and dumped around each load.
cg_total() { awk '/^totals:/ { print $2; exit }' "$1" 2>/dev/null; }
cg_per_req() { awk -v t="$1" -v n="$2" 'BEGIN { if (t > 0 && n > 0) printf "%.0f", t / n; else print "-" }'; }
# Top functions by their own instructions, per request, from a callgrind dump.
# Frames still on the stack when the counters were zeroed (clone, start_thread:
# the server thread) come out with the whole run as their own cost: a function
# with 90% or more is one of those, and skipped.
cg_fns() { # cg_fns FILE: "Ir<TAB>function (object)" for every function
    callgrind_annotate --inclusive=no --threshold=100 --auto=no "$1" 2>/dev/null |
        awk '$1 ~ /^[0-9,]+$/ && $2 ~ /^\(/ && !/PROGRAM TOTALS/ {
            pct = $2 $3; gsub(/[(%)]/, "", pct); if (pct + 0 >= 90) next
            v = $1; gsub(",", "", v); fn = $0; sub(/^[^)]*\) +/, "", fn)
            obj = fn; fn = (fn ~ / \[/) ? substr(fn, 1, index(fn, " [") - 1) : fn
            sub(/^.*:/, "", fn); sub(/^[^[]*\[/, "", obj); sub(/\]$/, "", obj); sub(/^.*\//, "", obj)
            printf "%s\t%s (%s)\n", v, fn, obj }'
}
# The COUNT functions with the most instructions per request, from "Ir<TAB>name" lines.
top_fmt() { # top_fmt REQUESTS COUNT
    sort -t"$(printf '\t')" -k1,1 -gr | head -n "$2" | awk -F'\t' -v n="$1" '{ printf "    %8.0f  %s\n", $1 / n, $2 }'
}
cg_top() { cg_fns "$1" | top_fmt "$2" "$3"; } # cg_top FILE REQUESTS COUNT
cg_top_diff() { # cg_top_diff SMALL BIG REQUESTS COUNT: per function, BIG minus SMALL
    { cg_fns "$1" | awk -F'\t' -v OFS='\t' '{ $1 = -$1; print }'; cg_fns "$2"; } |
        awk -F'\t' -v OFS='\t' '{ c[$2] += $1 } END { for (f in c) print c[f], f }' | top_fmt "$3" "$4"
}

declare -A SC CG TOP # SC[server:kind] syscalls, CG[server:kind] instructions
servers=(nginx-return rb-dev)
[ -n "${SHIP_RB:-}" ] && servers+=(rb-shipped)
for s in "${servers[@]}"; do
    case $s in
    nginx-return) start_ngx nginx-return ngx_conf_return; port=$NGINX_PORT pids=$NGX_PIDS ;;
    rb-dev) start_rb rb-dev "$BIN/rebel-base" --drain 0; port=$RB_PORT pids=$RB_PID ;;
    rb-shipped) start_rb rb-shipped "$SHIP_RB" --drain 0; port=$RB_PORT pids=$RB_PID ;;
    esac
    url=http://127.0.0.1:$port/
    load_nc 500 "$url" >/dev/null # warm
    # shellcheck disable=SC2086 # pids: a list
    strace_on "$OUT/strace-$s-newconn.txt" $pids
    n=$(load_nc "$SN" "$url")
    strace_off
    SC[$s:nc]=$(strace_per_req "$OUT/strace-$s-newconn.txt" "${n:-0}")
    # shellcheck disable=SC2086
    strace_on "$OUT/strace-$s-keepalive.txt" $pids
    n=$(load_ka "$SKA" "$url")
    strace_off
    SC[$s:ka]=$(strace_per_req "$OUT/strace-$s-keepalive.txt" "${n:-0}")
    [ "$s" = nginx-return ] && continue
    kill -TERM "$pids"
    wait_until "$s to stop" 10 pid_gone "$pids"

    # The same binary again, under callgrind.
    bin=$BIN/rebel-base
    [ "$s" = rb-shipped ] && bin=$SHIP_RB
    rb_args "$bin"
    valgrind --tool=callgrind --callgrind-out-file="$OUT/callgrind-$s.%p" "${RB_CMD[@]}" --drain 0 \
        >/dev/null 2>"$TMP/cg-$s.log" &
    vg=$!
    PIDS+=("$vg")
    port=$(wait_port "$vg" "$TMP/cg-$s.log")
    url=http://127.0.0.1:$port/
    load_nc 200 "$url" >/dev/null # warm
    k=0
    for kind in nc ka; do
        timeout 60 callgrind_control -z "$vg" >/dev/null 2>&1
        if [ "$kind" = nc ]; then n=$(load_nc "$CN" "$url"); else n=$(load_ka "$CKA" "$url"); fi
        timeout 60 callgrind_control -d "$vg" >/dev/null 2>&1
        k=$((k + 1))
        f=$OUT/callgrind-$s.$vg.$k
        wait_until "callgrind's dump $f" 30 test -s "$f"
        CG[$s:$kind]=$(cg_per_req "$(cg_total "$f")" "${n:-0}")
        [ "$s" = rb-dev ] && TOP[$kind]=$(cg_top "$f" "${n:-1}" 12)
        mv "$f" "$OUT/callgrind-$s-$kind.out"
    done
    kill -TERM "$vg"
    wait_until "$s under callgrind to stop" 60 pid_gone "$vg"
    rm -f "$OUT/callgrind-$s.$vg"
done

# --- clients: -n XB minus -n XS, against the dev rebel-base.
start_rb server "$BIN/rebel-base"
HP=127.0.0.1:$RB_PORT
clients=(ab xwing-dev)
[ -n "${SHIP_XW:-}" ] && clients+=(xwing-shipped)
client_cmd() { # client_cmd NAME N: the command line, in CMD
    case $1 in
    ab) CMD=(ab -q -n "$2" -c 16 "http://$HP/") ;;
    xwing-dev) CMD=("$BIN/xwing" -n "$2" -c 16 "$HP") ;;
    xwing-shipped) CMD=("$SHIP_XW" -n "$2" -c 16 "$HP") ;;
    esac
}
# Per request: (BIG - SMALL) / (XB - XS), per syscall (strace) or in total (callgrind).
st_diff() { # st_diff SMALL_SUMMARY BIG_SUMMARY
    { strace_counts "$1" | awk '{ print $1, -$2 }'; strace_counts "$2"; } |
        awk '{ c[$1] += $2 } END { for (s in c) print s, c[s] }' | per_req_fmt $((XB - XS))
}
for cl in "${clients[@]}"; do
    for n in "$XS" "$XB"; do
        client_cmd "$cl" "$n"
        timeout 300 strace -c -f -o "$OUT/strace-$cl-$n.txt" "${CMD[@]}" >/dev/null 2>&1
        timeout 600 valgrind --tool=callgrind --callgrind-out-file="$OUT/callgrind-$cl-$n.out" "${CMD[@]}" >/dev/null 2>&1
    done
    SC[$cl]=$(st_diff "$OUT/strace-$cl-$XS.txt" "$OUT/strace-$cl-$XB.txt")
    a=$(cg_total "$OUT/callgrind-$cl-$XS.out") b=$(cg_total "$OUT/callgrind-$cl-$XB.out")
    CG[$cl]=$([ -n "$a" ] && [ -n "$b" ] && cg_per_req $((b - a)) $((XB - XS)) || echo -)
    [ "$cl" = xwing-dev ] && TOP[xw]=$(cg_top_diff "$OUT/callgrind-$cl-$XS.out" "$OUT/callgrind-$cl-$XB.out" $((XB - XS)) 15)
done

# --- the report
echo "per-request profile: syscalls (strace -c -f) and instructions (callgrind, Ir) per request"
echo "servers: new connection = ab -n $SN -c 16 (callgrind: -n $CN); keep-alive = wrk -t1 -c32 -d${SKA}s (callgrind: -d${CKA}s)"
[ "$quick" = 1 ] && echo "BENCH_QUICK=1: small runs, a smoke test"
ship_missing "${SHIP_RB:-}" rebel-base
ship_missing "${SHIP_XW:-}" xwing
printf '%-16s %18s %18s %22s %22s\n' server "syscalls new-conn" "syscalls keep-alive" "instructions new-conn" "instructions keep-alive"
for s in "${servers[@]}"; do
    printf '%-16s %18s %18s %22s %22s\n' "$s" "${SC[$s:nc]%% *}" "${SC[$s:ka]%% *}" "${CG[$s:nc]:--}" "${CG[$s:ka]:--}"
done
echo "syscalls per request, by name:"
for s in "${servers[@]}"; do
    printf '  %-13s new-conn  %s\n' "$s" "${SC[$s:nc]#* }"
    printf '  %-13s keep-alive %s\n' "" "${SC[$s:ka]#* }"
done
for kind in nc ka; do
    [ -n "${TOP[$kind]:-}" ] || continue
    echo "rb-dev, instructions per request by function (self), $([ "$kind" = nc ] && echo new connection || echo keep-alive):"
    printf '%s\n' "${TOP[$kind]}"
done
echo
echo "clients: a new connection per request at -c 16 against rebel-base (dev); (-n $XB minus -n $XS) / $((XB - XS))"
printf '%-16s %18s %22s\n' client "syscalls/req" "instructions/req"
for cl in "${clients[@]}"; do printf '%-16s %18s %22s\n' "$cl" "${SC[$cl]%% *}" "${CG[$cl]:--}"; done
echo "syscalls per request, by name:"
for cl in "${clients[@]}"; do printf '  %-14s %s\n' "$cl" "${SC[$cl]#* }"; done
if [ -n "${TOP[xw]:-}" ]; then
    echo "xwing-dev, instructions per request by function (self):"
    printf '%s\n' "${TOP[xw]}"
fi
echo "raw: $OUT (callgrind_annotate FILE; strace summaries)"
echo "reproduce: make bench ONLY=profile"
