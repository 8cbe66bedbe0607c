# Shared by the stress scenarios: the integration helpers (start_rebel, wait_until,
# kubelet_write, wait_http, $PY, $TMP cleanup, ...) plus the load tools and the
# result table. Servers listen on port 0 (start_rebel --listen 127.0.0.1:0 sets
# REBEL_PORT from the listen line): no scenario picks a port and binds it later.
# shellcheck shell=bash
source "$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)/integration/lib.sh"
# The load tools and the table go beside BIN's build (build/X/bin -> build/X/stress),
# so runs against different build dirs do not share them.
if [ -z "${STRESS_DIR:-}" ]; then
    STRESS_DIR=$ROOT/build/stress
    [[ "$(cd "$BIN/.." && pwd)" == "$ROOT"/build/* ]] && STRESS_DIR=$(cd "$BIN/.." && pwd)/stress
fi
TOOLS=$STRESS_DIR
mkdir -p "$TOOLS"

# Compiles tests/tools/NAME.c into $STRESS_DIR/NAME when the source is newer.
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

# Whether PID is running. lib.sh's start_rebel execs the server in a child of
# this shell, and a child that exited stays a zombie until it is waited for, on
# which kill -0 still succeeds: ask ps for its state instead.
alive() { # alive PID
    case $(ps -o stat= -p "$1" 2>/dev/null) in "" | Z*) return 1 ;; *) return 0 ;; esac
}

# Samples PID's RSS every 0.5 s (the sampling period, not a wait) into FILE until
# the process exits or the sampler is killed.
rss_sampler() { # rss_sampler PID FILE &
    local pid=$1 file=$2
    while alive "$pid"; do rss_kb "$pid" >>"$file"; sleep 0.5; done
}
max_of() { sort -n "$1" | tail -1; }
