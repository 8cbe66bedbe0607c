#!/usr/bin/env bash
# xwing against its anchors, side by side in one run, on loopback against one
# rebel-base (the dev build, the same server for every client):
#   - a new connection per request, -n N -c 16: the client's own CPU per request
#     (user+system from wait4's rusage, over the requests made) and req/s, p99,
#     against ab (THE ANCHOR) and hey -disable-keepalive. On 2 cores the client and
#     the server share the CPU, so req/s saturates; CPU per request is the cleaner
#     figure. Clients alternate within each round (rotating order); medians.
#   - `xwing -n 10` wall time against the lab's loop of 10 `curl` processes
#   - --keepalive against wrk (reported, no goal)
#   - peak RSS as N grows to 1,000,000 (GNU time's maximum resident set size)
# for the dev build ($BIN/xwing) and the shipped one (from the x-wing image, when
# it is there). The performance goals are printed beside the ratios as met /
# NOT MET; the benchmark never fails on them. Every run is bounded by timeout.
# BENCH_QUICK=1: small N, 1 round. BENCH_ROUNDS=N (default 3). BENCH_C (default 16).
# XW_MODES / XW_EXTRA: more xwing columns (see clients.sh); XW_MODES defaults
# to '--threads 2', a column for each build.
# Ports: rebel-base listens on port 0 and its listen line names the port.
set -uo pipefail
: "${BIN:?BIN must point at the directory holding rebel-base and xwing}"
for t in ab hey wrk curl jq; do
    command -v "$t" >/dev/null || { echo "bench_xwing: $t not installed, skipped"; exit 0; }
done
here=$(cd "$(dirname "$0")" && pwd)
# The test library turns errexit on; a benchmark keeps going past a tool that
# fails (its figure is then "-"), so errexit goes off again.
source "$here/../integration/lib.sh"
set +e
source "$here/nginx.sh"
source "$here/benchlib.sh"
source "$here/servers.sh"
source "$here/clients.sh"
# One loop of new connections is bound by its core; --threads 2 is the run that
# can use both (the req/s goal). XW_MODES= (empty) leaves it out.
XW_MODES=${XW_MODES-"--threads 2"}

QUICK=${BENCH_QUICK:-0}
C=${BENCH_C:-16}
if [ "$QUICK" = 1 ]; then
    N=3000 SECS=2 rounds=${BENCH_ROUNDS:-1} RSS_NS="1000 10000 100000"
else
    N=20000 SECS=5 rounds=${BENCH_ROUNDS:-3} RSS_NS="1000 100000 1000000"
fi
ship_bins "$TMP"

client_setup
xw=() # the xwing clients' indexes
for i in "${!CL_NAME[@]}"; do [ "${CL_KIND[$i]}" = xwing ] && xw+=("$i"); done

echo "xwing $("$BIN/xwing" --version | cut -d' ' -f2) against rebel-base (dev build) on $HP; -c $C; median of $rounds round(s)"
for i in "${xw[@]}"; do
    printf '  %-14s %s %s (%s)\n' "${CL_NAME[$i]}" "${CL_BIN[$i]}" "${CL_FLAGS[$i]}" \
        "$(file -b "${CL_BIN[$i]}" 2>/dev/null | grep -oE 'dynamically linked|statically linked' || echo '?')"
done
[ "$QUICK" = 1 ] && echo "BENCH_QUICK=1: short runs, one round: a smoke test, not figures to quote"
ship_missing "${SHIP_XW:-}" xwing

# --- 1. a new connection per request, -n N -c C
declare -A R
for i in "${!CL_NAME[@]}"; do client_run "$i" 200 "$C" >/dev/null; done # warm-up
for ((r = 0; r < rounds; r++)); do
    for ((k = 0; k < nc; k++)); do
        i=$(((k + r) % nc))
        read -r rps cpu p99 bad usr sys < <(client_run "$i" "$N" "$C")
        R[rps:$i]+=" $rps" R[cpu:$i]+=" $cpu" R[p99:$i]+=" $p99" R[bad:$i]+=" $bad"
        R[usr:$i]+=" $usr" R[sys:$i]+=" $sys"
    done
done
med() { echo "${R[$1:$2]:-}" | median; }
echo
echo "new connection per request: -n $N -c $C (ab -n $N -c $C; hey -n $N -c $C -disable-keepalive)"
printf '%-26s %18s %22s %10s %16s %16s %18s %8s\n' client "req/s (vs ab)" "client CPU us/req" "vs hey" \
    "user (vs ab)" "kernel (vs ab)" "p99 ms (vs ab)" failed
for i in "${!CL_NAME[@]}"; do
    printf '%-26s %18s %22s %10s %16s %16s %18s %8s\n' "${CL_NAME[$i]}" \
        "$(fmt "$(med rps "$i")") $(ratio "$(med rps "$i")" "$(med rps 0)")" \
        "$(fmt "$(med cpu "$i")") $(ratio "$(med cpu "$i")" "$(med cpu 0)")" \
        "$(ratio "$(med cpu "$i")" "$(med cpu 1)")" \
        "$(fmt "$(med usr "$i")") $(ratio "$(med usr "$i")" "$(med usr 0)")" \
        "$(fmt "$(med sys "$i")") $(ratio "$(med sys "$i")" "$(med sys 0)")" \
        "$(fmt "$(med p99 "$i")") $(ratio "$(med p99 "$i")" "$(med p99 0)")" \
        "$(echo "${R[bad:$i]}" | tr ' ' '\n' | awk '{ s += $1 } END { print s + 0 }')"
done
echo "per round (the spread):"
for m in rps cpu; do
    printf '  %-4s' "$m"
    for i in "${!CL_NAME[@]}"; do printf ' %s [%s]' "${CL_NAME[$i]}" "${R[$m:$i]# }"; done
    echo
done

# --- 2. ten requests, the lab's way and xwing's way (wall time, process start included)
now_us() { echo $(($(date +%s%N) / 1000)); }
xw10() { local s; s=$(now_us); timeout 30 "$1" -n 10 "$HP" >/dev/null; echo $(($(now_us) - s)); }
curl10() {
    local s i
    s=$(now_us)
    for i in $(seq 1 10); do timeout 5 curl -s --max-time 2 "$URL" >/dev/null; done
    echo $(($(now_us) - s))
}
least() { sort -g | head -1; }
echo
echo "-n 10, wall ms, least of 5 paired runs (each xwing run right after a 10-curl loop)"
declare -A TEN
for i in "${xw[@]}"; do
    rm -f "$TMP/xa" "$TMP/xb"
    for k in 1 2 3 4 5; do curl10 >>"$TMP/xb"; xw10 "${CL_BIN[$i]}" >>"$TMP/xa"; done
    a=$(least <"$TMP/xa") b=$(least <"$TMP/xb")
    TEN[$i]=$(ratio "$b" "$a")
    printf '  %-24s %8s ms   10 x curl %8s ms   %s faster\n' "${CL_NAME[$i]}" \
        "$(awk -v u="$a" 'BEGIN { printf "%.1f", u / 1000 }')" "$(awk -v u="$b" 'BEGIN { printf "%.1f", u / 1000 }')" "${TEN[$i]}"
done

# What the dev build cannot go below, whatever xwing does: an empty program linked
# with the same Debian shared libraries (libcurl's OpenSSL, LDAP, SASL and Kerberos
# among them), its start (least of 5) and peak RSS, beside an empty static one.
floor_line() { # floor_line LABEL BINARY
    local k s
    rm -f "$TMP/fl"
    for k in 1 2 3 4 5; do s=$(now_us); "$2"; echo $(($(now_us) - s)) >>"$TMP/fl"; done
    /usr/bin/time -f %M -o "$TMP/fl.rss" "$2" 2>/dev/null
    printf '  %-44s start %6s ms, peak RSS %6s KiB\n' "$1" \
        "$(awk -v u="$(least <"$TMP/fl")" 'BEGIN { printf "%.1f", u / 1000 }')" "$(tail -1 "$TMP/fl.rss" 2>/dev/null)"
}
printf 'int main(void) { return 0; }\n' >"$TMP/empty.c"
# shellcheck disable=SC2046 # pkg-config prints a list of flags
if [ -x /usr/bin/time ] && cc -o "$TMP/empty-dyn" "$TMP/empty.c" -Wl,--no-as-needed \
    $(pkg-config --libs libmicrohttpd libcjson libcurl 2>/dev/null) 2>/dev/null &&
    cc -static -o "$TMP/empty-static" "$TMP/empty.c" 2>/dev/null; then
    echo "the dev build's floor: an empty program (no xwing code at all)"
    floor_line "linked with the dev build's shared libraries" "$TMP/empty-dyn"
    floor_line "static, no libraries" "$TMP/empty-static"
fi

# --- 3. keep-alive, time-bound like wrk (reported)
echo
echo "keep-alive, ${SECS}s at -c $C (reported, no goal): req/s and client CPU us/req"
ka_line() { # ka_line LABEL CPU_US REQUESTS RPS
    printf '  %-24s %10s req/s %8s us/req\n' "$1" "$(fmt "$4")" "$(awk -v c="$2" -v n="$3" 'BEGIN { if (n > 0) printf "%.1f", c / n; else print "-" }')"
}
read -r cpu _ < <(run_cpu "$TMP/wrk.out" 120 wrk -t1 -c "$C" -d "${SECS}s" "$URL")
ka_line "wrk -t1" "$cpu" "$(awk '/ requests in / { print $1 }' "$TMP/wrk.out")" "$(awk '/^Requests\/sec/ { print $2 }' "$TMP/wrk.out")"
for i in "${xw[@]}"; do
    read -r -a flags <<<"${CL_FLAGS[$i]}"
    read -r cpu _ < <(run_cpu "$TMP/ka.json" 120 "${CL_BIN[$i]}" --keepalive --duration "${SECS}s" -n 1000000000 -c "$C" -o json "${flags[@]}" "$HP")
    ka_line "${CL_NAME[$i]}" "$cpu" "$(jq -r .completed "$TMP/ka.json" 2>/dev/null)" "$(jq -r .rps "$TMP/ka.json" 2>/dev/null)"
done

# --- 4. peak RSS as N grows (--keepalive so a million requests fit in the run),
# from GNU time's maximum resident set size: exact, shared libraries included.
echo
echo "peak RSS (GNU time %M), -c $C --keepalive, as N grows; goal <= 8 MB and flat"
declare -A PEAK FLAT
# GNU time gives the client's own maximum RSS; a python parent's would count too.
[ -x /usr/bin/time ] || echo "peak RSS not measured: GNU time (/usr/bin/time, Debian package time) is not installed"
[ -x /usr/bin/time ] && for i in "${xw[@]}"; do
    read -r -a flags <<<"${CL_FLAGS[$i]}"
    base=$(/usr/bin/time -f %M -o "$TMP/maxrss" "${CL_BIN[$i]}" --version >/dev/null 2>&1; tail -1 "$TMP/maxrss")
    line=$(printf '  %-24s --version %6s KiB;' "${CL_NAME[$i]}" "$base")
    peaks=()
    for n in $RSS_NS; do
        s=$(now_us)
        # Bounded by xwing's own --duration, and by timeout past it.
        /usr/bin/time -f %M -o "$TMP/maxrss" timeout 400 "${CL_BIN[$i]}" --keepalive -n "$n" -c "$C" \
            --duration 300s -o json "${flags[@]}" "$HP" >"$TMP/rss.json" 2>/dev/null
        p=$(tail -1 "$TMP/maxrss")
        peaks+=("$p")
        ok=$(jq -r 'if .ok == .requested then "" else " (\(.ok) of \(.requested) ok)" end' "$TMP/rss.json" 2>/dev/null)
        line+=$(printf ' -n %s: %s KiB %.1fs%s;' "$n" "$p" "$(awk -v u=$(($(now_us) - s)) 'BEGIN { print u / 1e6 }')" "$ok")
    done
    echo "$line"
    PEAK[$i]=$(printf '%s\n' "${peaks[@]}" | sort -g | tail -1)
    # Flat: the largest N peaks at most 10% above the smallest N.
    FLAT[$i]=$(ratio "${peaks[-1]}" "${peaks[0]}")
done

# --- goals
echo
printf '  %-44s %-9s' "goals, new connection at -c $C" goal
for i in "${xw[@]}"; do printf ' %17s' "${CL_NAME[$i]:0:17}"; done
echo
goal_xw() { # goal_xw LABEL OP LIMIT WHAT: one value per xwing client
    local i vals=()
    for i in "${xw[@]}"; do
        case $4 in
        cpu-ab) vals+=("$(ratio "$(med cpu "$i")" "$(med cpu 0)")") ;;
        cpu-hey) vals+=("$(ratio "$(med cpu "$i")" "$(med cpu 1)")") ;;
        rps-ab) vals+=("$(ratio "$(med rps "$i")" "$(med rps 0)")") ;;
        ten) vals+=("${TEN[$i]}") ;;
        peak) vals+=("$(awk -v k="${PEAK[$i]:-}" 'BEGIN { if (k > 0) printf "%.1f", k / 1024; else print "-" }')") ;;
        flat) vals+=("${FLAT[$i]:--}") ;;
        esac
    done
    goal_row "$1" "$2" "$3" "${vals[@]}"
}
goal_xw "client CPU per request vs ab" '<=' 1.1x cpu-ab
goal_xw "client CPU per request vs hey" '<=' 0.5x cpu-hey
goal_xw "req/s vs ab" '>=' 0.95x rps-ab
goal_xw "-n 10 faster than the 10-curl loop" '>=' 10x ten
goal_xw "peak RSS, MB, up to -n ${RSS_NS##* }" '<=' 8 peak
goal_xw "flat: peak at the largest N / smallest" '<=' 1.1x flat
# What the CPU goals leave to user code: each xwing's kernel time per request
# against ab's (and hey's) whole CPU per request.
printf '  %-44s %-9s' "kernel time alone, against the anchor's CPU" ""
for i in "${xw[@]}"; do printf ' %17s' "${CL_NAME[$i]:0:17}"; done
echo
printf '  %-44s %-9s' "vs ab's CPU per request" '<= 1.1x'
for i in "${xw[@]}"; do printf ' %17s' "$(ratio "$(med sys "$i")" "$(med cpu 0)")"; done
echo
printf '  %-44s %-9s' "vs hey's CPU per request" '<= 0.5x'
for i in "${xw[@]}"; do printf ' %17s' "$(ratio "$(med sys "$i")" "$(med cpu 1)")"; done
echo
echo "  kernel share of the anchors' own CPU: ab $(ratio "$(med sys 0)" "$(med cpu 0)"), hey $(ratio "$(med sys 1)" "$(med cpu 1)")"
echo "reproduce: make bench ONLY=bench_xwing   (BENCH_QUICK=1: short; BENCH_C=N: another -c; XW_MODES='--dns-cache': more columns)"
kill -0 "$RB_SERVER" 2>/dev/null || echo "WARNING: the rebel-base server died during the run"
