# Shared helpers for integration tests. Source it; each test is one scenario.
# Every process a test starts is recorded and killed on exit; every wait is bounded.
set -euo pipefail

: "${BIN:?BIN must point at the directory holding rebel-base and xwing}"
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
TMP=$(mktemp -d "${TMPDIR:-/tmp}/rbxw.XXXXXX")
PIDS=()

# Asks every process to stop (SIGTERM), gives them 5 s (a drain, and under
# valgrind the leak check at exit, need that), then kills what is left.
cleanup() {
    local pid i alive
    for pid in "${PIDS[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
    for ((i = 0; i < 100; i++)); do
        alive=0
        for pid in "${PIDS[@]}"; do
            case $(ps -o stat= -p "$pid" 2>/dev/null) in "" | Z*) ;; *) alive=1 ;; esac
        done
        [ "$alive" = 0 ] && break
        sleep 0.05
    done
    for pid in "${PIDS[@]}"; do kill -KILL "$pid" 2>/dev/null || true; done
    wait 2>/dev/null || true
    rm -rf "$TMP"
}
trap cleanup EXIT

fail() { echo "FAIL: $*" >&2; exit 1; }
skip() { echo "SKIP: $*" >&2; exit 77; }
note() { echo "  $*"; }

assert_eq() { # assert_eq EXPECTED ACTUAL WHAT
    [ "$1" == "$2" ] || fail "$3: expected '$1', got '$2'"
}
assert_match() { # assert_match REGEX TEXT WHAT
    [[ "$2" =~ $1 ]] || fail "$3: '$2' does not match /$1/"
}

# A TCP port nothing listens on right now (the kernel picks it).
free_port() {
    python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

# The command line that runs a program of ours (under valgrind memcheck when
# VALGRIND=1), in the array PROG_CMD.
prog_cmd() { # prog_cmd NAME
    PROG_CMD=()
    if [ "${VALGRIND:-0}" = 1 ]; then
        PROG_CMD=(valgrind -q --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite
            --show-leak-kinds=definite)
    fi
    PROG_CMD+=("$BIN/$1")
}

# Runs a program of ours, under valgrind memcheck when VALGRIND=1.
run_prog() { # run_prog NAME ARGS...
    local prog=$1; shift
    prog_cmd "$prog"
    "${PROG_CMD[@]}" "$@"
}

# Starts rebel-base in the background; sets REBEL_PID. Logs go to $TMP/NAME.log.
# A simple command with & is exec'd by the forked shell, so REBEL_PID is the
# server itself: signals sent to it (drain tests) reach it, and wait gets its status.
start_rebel() { # start_rebel NAME ARGS...
    local name=$1; shift
    prog_cmd rebel-base
    "${PROG_CMD[@]}" "$@" >"$TMP/$name.out" 2>"$TMP/$name.log" &
    REBEL_PID=$!
    PIDS+=("$REBEL_PID")
}

# Waits until URL answers with CODE (default 200), at most SECS (default 10).
wait_http() { # wait_http URL [CODE] [SECS]
    local url=$1 code=${2:-200} secs=${3:-10} got i
    for ((i = 0; i < secs * 20; i++)); do
        got=$(curl -s -o /dev/null -w '%{http_code}' --max-time 1 "$url" || true)
        [ "$got" = "$code" ] && return 0
        sleep 0.05
    done
    fail "$url did not answer $code within ${secs}s (last: $got)"
}

# HTTP status of a request: http_code [CURL ARGS...] URL
http_code() { curl -s -o /dev/null -w '%{http_code}' --max-time 5 "$@" || true; }

# Waits for PID (a child of this shell) to exit, at most SECS, and sets
# EXIT_STATUS to its exit status. Call it in the test shell itself, never inside
# $(...): a subshell cannot wait for its parent's children.
wait_exit() { # wait_exit PID SECS
    local pid=$1 secs=$2 i
    for ((i = 0; i < secs * 20; i++)); do
        if ! kill -0 "$pid" 2>/dev/null; then
            EXIT_STATUS=0
            wait "$pid" || EXIT_STATUS=$?
            return 0
        fi
        sleep 0.05
    done
    fail "pid $pid still running after ${secs}s"
}

# Writes a ConfigMap-style volume into DIR the way the kubelet does: the data in a
# timestamped directory, ..data a symlink to it, the key a symlink through ..data.
# Later calls swap ..data atomically (rename of a new symlink over the old).
kubelet_write() { # kubelet_write DIR KEY CONTENT
    local dir=$1 key=$2 content=$3 ts
    ts="..$(date +%Y_%m_%d_%H_%M_%S).$RANDOM$RANDOM"
    mkdir -p "$dir/$ts"
    printf '%s' "$content" >"$dir/$ts/$key"
    ln -sfn "$ts" "$dir/..data_tmp"
    local old
    old=$(readlink "$dir/..data" 2>/dev/null || true)
    mv -T "$dir/..data_tmp" "$dir/..data"
    [ -L "$dir/$key" ] || ln -s "..data/$key" "$dir/$key"
    [ -n "$old" ] && rm -rf "${dir:?}/$old"
    return 0
}

KOORNACHT='{"Cluster": "Koornacht", "Planet": "N'"'"'Zoth"}
'
TION='{"Cluster": "Tion", "Planet": "Foran Tutha"}
'
