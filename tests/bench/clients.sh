# The HTTP clients the xwing benchmarks compare, run the same way everywhere: each
# makes N requests at concurrency C, a new connection per request, against $HP.
# shellcheck shell=bash
# Needs tests/integration/lib.sh and benchlib.sh sourced first, SHIP_XW from ship_bins.

# The clients: CL_NAME, CL_KIND (ab, hey or xwing), CL_BIN, CL_FLAGS. ab and hey
# first, then the dev xwing ($BIN), the shipped one (when there), then
# XW_MODES (';'-separated flag sets for both xwing builds, e.g. '--dns-cache') and
# XW_EXTRA (';'-separated LABEL=PATH, more xwing binaries).
client_list() {
    local m nb list
    CL_NAME=(ab hey xwing-dev) CL_KIND=(ab hey xwing) CL_BIN=(ab hey "$BIN/xwing") CL_FLAGS=("" "" "")
    if [ -n "${SHIP_XW:-}" ]; then
        CL_NAME+=(xwing-shipped) CL_KIND+=(xwing) CL_BIN+=("$SHIP_XW") CL_FLAGS+=("")
    fi
    if [ -n "${XW_MODES:-}" ]; then
        IFS=';' read -r -a list <<<"$XW_MODES"
        for m in "${list[@]}"; do
            CL_NAME+=("xwing-dev $m") CL_KIND+=(xwing) CL_BIN+=("$BIN/xwing") CL_FLAGS+=("$m")
            [ -n "${SHIP_XW:-}" ] && CL_NAME+=("xwing-shipped $m") CL_KIND+=(xwing) CL_BIN+=("$SHIP_XW") CL_FLAGS+=("$m")
        done
    fi
    if [ -n "${XW_EXTRA:-}" ]; then
        IFS=';' read -r -a list <<<"$XW_EXTRA"
        for nb in "${list[@]}"; do
            CL_NAME+=("${nb%%=*}") CL_KIND+=(xwing) CL_BIN+=("${nb#*=}") CL_FLAGS+=("")
        done
    fi
}

# One bounded run of client I: N requests at concurrency C. Prints
# "REQ_PER_S CPU_US_PER_REQ P99_MS FAILED USER_US_PER_REQ KERNEL_US_PER_REQ", the
# CPU being the client's own (user+system, every thread, from wait4's rusage);
# "-" for what it did not report.
client_run() { # client_run I N C
    local rps cpu p99 bad usr sys
    { read -r rps cpu p99 bad; read -r usr sys; } < <(client_run_kind "$@")
    awk -v rps="$rps" -v cpu="$cpu" -v usr="$usr" -v sys="$sys" -v rest="$p99 $bad" 'BEGIN {
        split_ok = cpu ~ /^[0-9.]+$/ && usr + sys > 0
        printf "%s %s %s %s %s\n", rps ~ /^[0-9.]+$/ ? sprintf("%.0f", rps) : rps,
            cpu ~ /^[0-9.]+$/ ? sprintf("%.1f", cpu) : cpu, rest,
            split_ok ? sprintf("%.1f", cpu * usr / (usr + sys)) : "-",
            split_ok ? sprintf("%.1f", cpu * sys / (usr + sys)) : "-" }'
}
# The run itself, per kind of client: a line "REQ_PER_S CPU_US_PER_REQ P99_MS FAILED",
# then a line "USER_US SYS_US" of the whole run.
client_run_kind() { # client_run_kind I N C
    local i=$1 n=$2 c=$3 out=$TMP/client.out cpu usr sys flags
    read -r -a flags <<<"${CL_FLAGS[$i]}"
    case ${CL_KIND[$i]} in
    ab)
        read -r cpu _ usr sys < <(run_cpu "$out" 300 ab -r -q -n "$n" -c "$c" -e "$out.csv" "$URL")
        awk -v cpu="$cpu" -F'[ \t]+' '
            /^Complete requests/ { n = $3 } /^Requests per second/ { rps = $4 }
            /^Failed requests/ { bad += $3 } /^Non-2xx responses/ { bad += $3 }
            END { p99 = "-"; while ((getline l < (FILENAME ".csv")) > 0) { split(l, f, ","); if (f[1] == "99") p99 = f[2] }
                  printf "%s %s %s %d\n", rps ? rps : "-", n ? sprintf("%.1f", cpu / n) : "-", p99, bad }' "$out" ;;
    hey)
        read -r cpu _ usr sys < <(run_cpu "$out" 300 hey -n "$n" -c "$c" -t 10 -disable-keepalive "$URL")
        # hey makes C * floor(N / C) requests; errors are counted in their own section.
        awk -v cpu="$cpu" '
            /Requests\/sec:/ { rps = $2 } $1 == "99%" && $2 == "in" { p99 = sprintf("%.3f", $3 * 1000) }
            /^Status code distribution:/ { sec = "status" } /^Error distribution:/ { sec = "error" } /^$/ { sec = "" }
            # status lines: "[CODE] COUNT responses"; error lines: "[COUNT] message"
            sec == "status" && /^  \[[0-9]+\]/ { all += $2; if ($1 != "[200]") bad += $2 }
            sec == "error" && /^  \[[0-9]+\]/ { n = substr($1, 2) + 0; all += n; bad += n }
            END { printf "%s %s %s %d\n", rps ? rps : "-", all ? sprintf("%.1f", cpu / all) : "-", p99 ? p99 : "-", bad }' "$out" ;;
    xwing)
        read -r cpu _ usr sys < <(run_cpu "$out" 300 "${CL_BIN[$i]}" -n "$n" -c "$c" -o json "${flags[@]}" "$HP")
        jq -r --argjson cpu "$cpu" '"\(.rps) \(if .completed > 0 then ($cpu / .completed * 10 | round / 10) else "-" end)" +
            " \(.latency_ms.p99 // "-") \(.failed + (.requested - .completed))"' "$out" 2>/dev/null || echo "- - - $n" ;;
    esac
    echo "$usr $sys"
}

# The server every client hits: the dev rebel-base on port 0. Sets RB_SERVER, HP, URL,
# the client list and nc, its length.
client_setup() {
    start_rb server "$BIN/rebel-base"
    RB_SERVER=$RB_PID
    HP=127.0.0.1:$RB_PORT
    URL=http://$HP/
    wait_http "$URL" 200 10
    client_list
    nc=${#CL_NAME[@]}
}
