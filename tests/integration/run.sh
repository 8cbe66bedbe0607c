#!/usr/bin/env bash
# Runs every integration scenario (tests/integration/t_*.sh), one process group each,
# JOBS of them side by side (default 3). A scenario exits 0 (pass), 77 (skip, with
# its reason) or anything else (fail).
#
# Each scenario has a time limit, 60 s unless its header (first 15 lines) says otherwise
# with a line `# limit: SECONDS`. One that runs out is killed with its whole process group
# (servers and helpers included) and reported as FAIL with the tail of its output
# and of the logs it left. A scenario whose header says `# run: alone` runs after
# the others, by itself: it measures timing that neighbours would disturb.
#
# ONLY=regex runs the scenarios whose file name matches it; EXCEPT=regex skips them.
# VERBOSE=1 also prints the output of passing scenarios. STOP_ON_FAIL=1 stops at the first
# failure (make mutate: one failing scenario is all a mutant needs).
set -uo pipefail
: "${BIN:?BIN must point at the directory holding rebel-base and xwing}"
export BIN
dir=$(cd "$(dirname "$0")" && pwd)
JOBS=${JOBS:-3}
work=$(mktemp -d "${TMPDIR:-/tmp}/rbxw-run.XXXXXX")
declare -A running=() started=()
pass=0 failed=() skipped=()

# Interrupted (Ctrl-C, make killed): take every running scenario's group with us.
# timeout(1) puts each scenario in its own process group, so a terminal's SIGINT
# does not reach them by itself.
# Scenarios get up to 15 s to run their clean-up (containers to remove) before KILL.
stop_all() {
    local pid i
    for pid in "${!running[@]}"; do kill -TERM -- "-$pid" 2>/dev/null; done
    for ((i = 0; i < 150; i++)); do
        for pid in "${!running[@]}"; do kill -0 -- "-$pid" 2>/dev/null || unset "running[$pid]"; done
        [ ${#running[@]} -eq 0 ] && return
        sleep 0.1
    done
    for pid in "${!running[@]}"; do kill -KILL -- "-$pid" 2>/dev/null; done
}
trap 'stop_all; rm -rf "$work"; exit 130' INT
trap 'stop_all; rm -rf "$work"; exit 143' TERM
trap 'rm -rf "$work"' EXIT

header() { # header FILE KEY: the first word of a `# KEY: value` line in the first 15 lines
    sed -n "1,15s/^# $2: *//p" "$1" | head -1 | awk '{print $1}'
}

launch() { # launch FILE
    local t=$1 name limit
    name=$(basename "$t" .sh)
    limit=$(header "$t" limit)
    mkdir -p "$work/$name"
    # timeout(1) makes the scenario a process-group leader; its pid is the group id.
    # Under valgrind everything runs ~20x slower: limits triple (waits inside scale by 5).
    [ "${VALGRIND:-0}" = 1 ] && limit=$((${limit:-60} * 3))
    TMPDIR="$work/$name" timeout -k 5 "${limit:-60}" bash "$t" >"$work/$name.out" 2>&1 &
    running[$!]=$name
    started[$name]=$(date +%s%N)
}

report() { # report PID RC
    local pid=$1 rc=$2 name=${running[$1]} secs log
    unset "running[$pid]"
    kill -KILL -- "-$pid" 2>/dev/null # leftovers of a scenario that exited without cleanup
    secs=$(awk -v a="${started[$name]}" -v b="$(date +%s%N)" 'BEGIN { printf "%.1f", (b - a) / 1e9 }')
    case $rc in
    0)
        pass=$((pass + 1))
        echo "PASS $name (${secs}s)"
        [ "${VERBOSE:-0}" = 1 ] && sed 's/^/    /' "$work/$name.out"
        ;;
    77)
        skipped+=("$name")
        echo "SKIP $name: $(grep SKIP "$work/$name.out" | tail -1)"
        ;;
    *)
        failed+=("$name")
        if [ "$rc" = 124 ] || [ "$rc" = 137 ]; then
            echo "FAIL $name (timed out after ${secs}s; killed with its process group)"
        else
            echo "FAIL $name (rc=$rc, ${secs}s)"
        fi
        tail -40 "$work/$name.out" | sed 's/^/    /'
        while IFS= read -r log; do
            echo "    -- tail of ${log#"$work/$name/"}"
            tail -8 "$log" | sed 's/^/    | /'
        done < <(find "$work/$name" -name '*.log' -size +0 2>/dev/null | sort)
        ;;
    esac
    rm -rf "${work:?}/$name" "$work/$name.out"
}

wait_one() {
    local pid rc
    wait -n -p pid
    rc=$?
    [ -n "${pid:-}" ] && report "$pid" "$rc"
    if [ "${STOP_ON_FAIL:-0}" = 1 ] && [ ${#failed[@]} -gt 0 ]; then
        stop_all
        echo "integration: stopped at the first failure (STOP_ON_FAIL=1): ${failed[*]}"
        exit 1
    fi
}

together=() alone=()
for t in "$dir"/t_*.sh; do
    name=$(basename "$t" .sh)
    [[ -n "${ONLY:-}" && ! "$name" =~ ${ONLY} ]] && continue
    [[ -n "${EXCEPT:-}" && "$name" =~ ${EXCEPT} ]] && continue
    if [ "$(header "$t" run)" = alone ]; then alone+=("$t"); else together+=("$t"); fi
done

t0=$(date +%s)
for t in "${together[@]}"; do
    while [ ${#running[@]} -ge "$JOBS" ]; do wait_one; done
    launch "$t"
done
while [ ${#running[@]} -gt 0 ]; do wait_one; done
for t in "${alone[@]}"; do
    launch "$t"
    wait_one
done
echo "integration: ${pass} passed, ${#failed[@]} failed, ${#skipped[@]} skipped in $(($(date +%s) - t0)) s${failed[*]:+ (failed: ${failed[*]})}"
[ ${#failed[@]} -eq 0 ]
