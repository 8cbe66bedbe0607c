# Shared by tests/bench/*.sh: CPU time per request from /proc, peak RSS, medians,
# ratios, goals printed as met / not met, and the binaries the images ship.
# shellcheck shell=bash
# Self-contained (run.sh sources it without the test library); the bench_*.sh
# scripts source tests/integration/lib.sh first.

CLK_TCK=$(getconf CLK_TCK)
VERSION=$(cat "$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)/VERSION")

# The functions taking PID... also take them as one space-separated word, as the
# benchmarks keep a server's processes (an nginx master and its worker) together.

# utime+stime of the PIDs, summed, in clock ticks: the CPU they used so far, every
# thread included. Read before and after a run; the difference over the requests
# served is the CPU per request. On 2 cores the load generator shares the CPU, so
# req/s saturates near the load generator's own limit while this figure does not.
cpu_ticks() { # cpu_ticks PID...
    local u s
    read -r u s < <(cpu_split "$@")
    echo $((u + s))
}
# The same, split: "UTIME STIME" in clock ticks. Kernel time is most of a small
# request's cost (the loopback TCP work of the peer included); what is left to a
# server's own code is user time.
cpu_split() { # cpu_split PID...
    local p u=0 s=0 a b
    # shellcheck disable=SC2048 # PIDs may come as one word
    for p in $*; do
        # The fields after "(comm) " are counted from 3; utime and stime are 14 and 15.
        read -r a b < <(sed 's/.*) //' "/proc/$p/stat" 2>/dev/null | awk '{ print $12, $13 }')
        u=$((u + ${a:-0})) s=$((s + ${b:-0}))
    done
    echo "$u $s"
}
# The CPU time the PIDs' threads have run so far, in ns, from the scheduler's own
# account (/proc/PID/task/TID/schedstat): exact, where ticks are 10 ms apiece,
# so a short run still gets a figure to quote. No user/kernel split.
cpu_ns() { # cpu_ns PID...
    # shellcheck disable=SC2046,SC2048,SC2086 # PIDs may come as one word; the globs expand
    cat $(for p in $*; do echo /proc/"$p"/task/*/schedstat; done) 2>/dev/null | awk '{ t += $1 } END { printf "%.0f", t }'
}
us_per_req_ns() { # us_per_req_ns NS REQUESTS
    awk -v t="$1" -v n="$2" 'BEGIN { if (n > 0 && t != "") printf "%.1f", t / 1000 / n; else print "-" }'
}
us_per_req() { # us_per_req TICKS REQUESTS
    awk -v t="$1" -v n="$2" -v hz="$CLK_TCK" \
        'BEGIN { if (n > 0 && t != "") printf "%.1f", t * 1e6 / hz / n; else print "-" }'
}

rss_kb() { # rss_kb PID...: VmRSS summed, KiB
    local p t=0 v
    # shellcheck disable=SC2048 # PIDs may come as one word
    for p in $*; do
        v=$(awk '/^VmRSS/ { print $2 }' "/proc/$p/status" 2>/dev/null)
        t=$((t + ${v:-0}))
    done
    echo "$t"
}
# Peak RSS over a run: hwm_reset before it (writing 5 to clear_refs resets VmHWM to
# the current RSS), hwm_kb after it. Needs root or the processes' owner.
hwm_reset() {
    local p
    # shellcheck disable=SC2048 # PIDs may come as one word
    for p in $*; do echo 5 >"/proc/$p/clear_refs" 2>/dev/null; done
    return 0
}
hwm_kb() { # hwm_kb PID...: VmHWM summed, KiB
    local p t=0 v
    # shellcheck disable=SC2048 # PIDs may come as one word
    for p in $*; do
        v=$(awk '/^VmHWM/ { print $2 }' "/proc/$p/status" 2>/dev/null)
        t=$((t + ${v:-0}))
    done
    echo "$t"
}

# Runs a client CMD bounded by SECS, stdout to OUT and stderr to OUT.err, and
# prints "CPU_US WALL_S USER_US SYS_US": user+system CPU of CMD and everything it
# waited for (bash's time keyword: wait4's rusage, millisecond precision), then
# the two apart. timeout's own share is a few hundred microseconds.
run_cpu() { # run_cpu OUT SECS CMD...
    local out=$1 secs=$2 t TIMEFORMAT='%3R %3U %3S'
    shift 2
    t=$({ time timeout "$secs" "$@" >"$out" 2>"$out.err"; } 2>&1)
    awk -v t="$t" 'BEGIN { split(t, a, " ");
        printf "%.0f %s %.0f %.0f\n", (a[2] + a[3]) * 1e6, a[1], a[2] * 1e6, a[3] * 1e6 }'
}

# Numbers on stdin (blank, "-" and other words dropped) -> their median, or "-".
median() {
    tr ' ' '\n' | { grep -E '^[0-9]+([.][0-9]+)?$' || true; } | sort -g |
        awk '{ a[NR] = $1 } END { if (NR == 0) print "-"; else if (NR % 2) print a[(NR + 1) / 2];
             else printf "%.6g\n", (a[NR / 2] + a[NR / 2 + 1]) / 2 }'
}
# The median of the scaling runs' R[METRIC:INDEX:C] rounds (R is the caller's array).
scale_med() { echo "${R[$1:$2:$3]:-}" | median; }
# A scaling run's plot data, one row per value of CS: the value, then for each
# metric one column per index given, "-" for a column not measured. Such a
# column, and any median that is missing, is "?", which gnuplot skips.
scale_dat() { # scale_dat "METRIC..." "INDEX..."
    local c m i v
    for c in "${CS[@]}"; do
        printf '%s' "$c"
        for m in $1; do
            for i in $2; do
                v=-
                [ "$i" = - ] || v=$(scale_med "$m" "$i" "$c")
                [ "$v" = - ] && v='?'
                printf ' %s' "$v"
            done
        done
        echo
    done
}

# The scaling tables: for each "METRIC:label", a row per concurrency in CS and a
# column per name in the array NAMES, each the median and its ratio to column 0.
scale_tables() { # scale_tables NAMES "METRIC:label"...
    local -n names=$1
    local m c i a v n
    shift
    for m in "$@"; do
        printf '%-22s' "${m#*:}"
        for n in "${names[@]}"; do printf ' %19s' "${n:0:19}"; done
        echo
        for c in "${CS[@]}"; do
            printf '  -c %-17s' "$c"
            a=$(scale_med "${m%%:*}" 0 "$c")
            for i in "${!names[@]}"; do
                v=$(scale_med "${m%%:*}" "$i" "$c")
                printf ' %19s' "$(fmt "$v") $(ratio "$v" "$a")"
            done
            echo
        done
    done
}
# A figure for a table: whole numbers from 100 up, 1 decimal from 10, else 2.
fmt() { # fmt VALUE
    awk -v v="$1" 'BEGIN { if (v !~ /^[0-9.]+$/) print v; else if (v >= 100) printf "%.0f", v;
        else if (v >= 10) printf "%.1f", v; else printf "%.2f", v }'
}
ratio() { # ratio A B: A/B as 1.23x, or "-"
    awk -v a="$1" -v b="$2" 'BEGIN { if (a ~ /^[0-9.]+$/ && b ~ /^[0-9.]+$/ && b > 0) printf "%.2fx", a / b; else print "-" }'
}
# Whether VALUE (a ratio like 0.84x, or a figure) meets "OP LIMIT" (<= or >=).
verdict() { # verdict OP LIMIT VALUE
    awk -v op="$1" -v lim="${2%x}" -v v="${3%x}" 'BEGIN {
        if (v !~ /^[0-9.]+$/) { print "n/a"; exit }
        ok = (op == "<=") ? (v + 0 <= lim + 0) : (op == "<") ? (v + 0 < lim + 0) : (v + 0 >= lim + 0)
        print ok ? "met" : "NOT MET" }'
}
# One row of a goals table: the goal, then "VALUE verdict" for each VALUE.
goal_row() { # goal_row LABEL OP LIMIT VALUE...
    local label=$1 op=$2 lim=$3 v
    shift 3
    printf '  %-44s %-9s' "$label" "$op $lim"
    for v in "$@"; do printf ' %8s %-8s' "$v" "$(verdict "$op" "$lim" "$v")"; done
    echo
}

# --- The binaries the images ship -------------------------------------------------
# Copied out of rebel-base:VERSION and x-wing:VERSION (docker create + docker cp: the
# container never runs). SHIP_RB / SHIP_XW set by the caller win, for a static build
# made by the images' recipe elsewhere. Sets SHIP_RB and SHIP_XW (empty when not
# available), SHIP_WHY (why not, one line each), SHIP_INFO (image size and age) and
# SHIP_DONE=1; run.sh exports them so each benchmark does not copy them again.
ship_one() { # ship_one IMAGE DEST: copies the image's entrypoint to DEST, or prints why not
    local img=$1 dest=$2 path cid rc
    timeout 20 docker image inspect "$img" >/dev/null 2>&1 ||
        { echo "no image $img here (make images builds it)"; return 1; }
    path=$(timeout 20 docker image inspect -f '{{index .Config.Entrypoint 0}}' "$img" 2>/dev/null)
    cid=$(timeout 30 docker create "$img" 2>/dev/null) || { echo "docker create $img failed"; return 1; }
    timeout 30 docker cp "$cid:$path" "$dest" >/dev/null 2>&1
    rc=$?
    timeout 30 docker rm "$cid" >/dev/null 2>&1
    ((rc == 0)) || { echo "docker cp $img:$path failed"; return 1; }
    "$dest" --version >/dev/null 2>&1 || { echo "$img's $path does not run on this machine"; return 1; }
}
ship_bins() { # ship_bins DIR: fills SHIP_RB, SHIP_XW, SHIP_WHY, SHIP_INFO
    local dir=$1 why
    [ "${SHIP_DONE:-}" = 1 ] && return 0
    SHIP_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
    SHIP_WHY='' SHIP_INFO='' SHIP_DONE=1
    if [ -n "${SHIP_RB:-}${SHIP_XW:-}" ]; then
        SHIP_INFO="shipped binaries given by SHIP_RB=${SHIP_RB:-} SHIP_XW=${SHIP_XW:-}"$'\n'
        [ -z "${SHIP_RB:-}" ] && SHIP_WHY+="SHIP_RB not given"$'\n'
        [ -z "${SHIP_XW:-}" ] && SHIP_WHY+="SHIP_XW not given"$'\n'
        return 0
    fi
    SHIP_RB='' SHIP_XW=''
    if ! command -v docker >/dev/null; then
        SHIP_WHY="docker is not installed"$'\n'
        return 0
    fi
    if ! timeout 20 docker info >/dev/null 2>&1; then
        SHIP_WHY="the Docker engine does not answer (tests/docker-up.sh starts one)"$'\n'
        return 0
    fi
    if why=$(ship_one "rebel-base:$VERSION" "$dir/rebel-base"); then SHIP_RB=$dir/rebel-base; else SHIP_WHY+="$why"$'\n'; fi
    if why=$(ship_one "x-wing:$VERSION" "$dir/xwing"); then SHIP_XW=$dir/xwing; else SHIP_WHY+="$why"$'\n'; fi
    SHIP_INFO=$(ship_info "$dir")
}
ship_info() { # the size/age lines, for binaries that were copied
    local img
    for img in "rebel-base:$VERSION" "x-wing:$VERSION"; do
        case $img in rebel-base*) [ -n "$SHIP_RB" ] || continue ;; *) [ -n "$SHIP_XW" ] || continue ;; esac
        local size created ref newer=0
        size=$(timeout 20 docker image inspect -f '{{.Size}}' "$img" 2>/dev/null)
        created=$(timeout 20 docker image inspect -f '{{.Created}}' "$img" 2>/dev/null)
        # A stale image benches old code: count the sources its build copies that changed since.
        ref=$(mktemp)
        touch -d "$created" "$ref" 2>/dev/null &&
            newer=$(cd "$SHIP_ROOT" && find common "${img%%:*}" docker Makefile VERSION -type f -newer "$ref" 2>/dev/null | wc -l)
        rm -f "$ref"
        printf 'image %s: %s bytes (goal <= 1 MiB: %s), built %s' "$img" "$size" "$(verdict '<=' 1048576 "$size")" "$created"
        [ "$newer" -gt 0 ] && printf '; WARNING: %s source files changed since (make images rebuilds it)' "$newer"
        echo
    done
    return 0
}
# In a benchmark's own output: says loudly when its shipped binary is missing, and why.
ship_missing() { # ship_missing BINARY_PATH_OR_EMPTY rebel-base|xwing
    local why re='rebel-base:|SHIP_RB'
    [ -n "$1" ] && return 0
    [ "$2" = xwing ] && re='x-wing:|SHIP_XW'
    why=$(printf '%s' "${SHIP_WHY:-}" | grep -E "$re|docker is not|engine" | head -1)
    echo "NOT BENCHING THE SHIPPED $2: ${why:-no binary} -> the dev build only"
}
# Prints which shipped binaries are benched, and loudly which are not and why.
ship_say() {
    [ -n "$SHIP_INFO" ] && printf '%s\n' "${SHIP_INFO%$'\n'}"
    [ -n "$SHIP_RB" ] && echo "shipped rebel-base: $SHIP_RB"
    [ -n "$SHIP_XW" ] && echo "shipped xwing: $SHIP_XW"
    if [ -n "$SHIP_WHY" ]; then
        printf '%s' "$SHIP_WHY" | sed 's/^/NOT BENCHING THE SHIPPED BINARY: /'
        echo "  -> only the dev build (BIN) is measured where a shipped binary is missing"
    fi
    return 0
}
