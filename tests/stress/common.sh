# Shared by the stress scenarios: the integration helpers (start_rebel, kubelet_write,
# wait_http, $TMP cleanup, ...) plus the load tools and the result table.
# shellcheck shell=bash
source "$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)/integration/lib.sh"
TOOLS=$ROOT/build/stress
mkdir -p "$TOOLS"

# Compiles tests/tools/NAME.c into build/stress/NAME when the source is newer.
tool() { # tool NAME -> path
    local src=$ROOT/tests/tools/$1.c out=$TOOLS/$1
    if [ ! -x "$out" ] || [ "$src" -nt "$out" ]; then
        cc -O2 -Wall -Wextra -o "$out.tmp.$$" "$src" && mv "$out.tmp.$$" "$out" || fail "cannot build $1"
    fi
    echo "$out"
}

rss_kb() { awk '/^VmRSS/{print $2}' "/proc/$1/status" 2>/dev/null || echo 0; }

# One key=value figure out of a tool's summary line: kv KEY LINE
kv() { grep -oE "(^| )$1=[^ ]+" <<<"$2" | head -1 | cut -d= -f2; }

# Appends a markdown table row (scenario | load | figures | result) to the
# run's table and prints it.
row() { # row SCENARIO LOAD FIGURES RESULT
    local line="| $1 | $2 | $3 | $4 |"
    echo "$line"
    [ -n "${STRESS_TABLE:-}" ] && echo "$line" >>"$STRESS_TABLE"
    return 0
}

# Samples PID's RSS every 0.5 s into FILE until the process or the sampler is killed.
rss_sampler() { # rss_sampler PID FILE &
    local pid=$1 file=$2
    while kill -0 "$pid" 2>/dev/null; do rss_kb "$pid" >>"$file"; sleep 0.5; done
}
max_of() { sort -n "$1" | tail -1; }

# The process that really is rebel-base. lib.sh's start_rebel backgrounds the
# run_prog *function*, so $! is a bash subshell whose child is the program (or
# valgrind): signals and RSS must go to the child. Works unchanged if start_rebel
# ever execs directly.
real_pid() { # real_pid PID -> the program's pid
    local p=$1 c
    for _ in $(seq 1 100); do
        c=$(pgrep -P "$p" | head -1 || true)
        [ -n "$c" ] && { echo "$c"; return 0; }
        [ "$(cat "/proc/$p/comm" 2>/dev/null)" != bash ] && { echo "$p"; return 0; }
        sleep 0.02
    done
    echo "$p"
}

# start_rebel, then REBEL_PID is the program itself (also killed on exit).
start_server() { # start_server NAME ARGS...
    start_rebel "$@"
    REBEL_PID=$(real_pid "$REBEL_PID")
    PIDS+=("$REBEL_PID")
}
