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
# A tool the scenario cannot run without: missing, it skips loudly, saying why; with
# CI=true it fails instead, since CI installs every one (tests/deps.sh) and a skip
# there would pass a run that checked nothing.
need() { # need TOOL WHY
    command -v "$1" >/dev/null 2>&1 && return 0
    [ "${CI:-}" = true ] && fail "$1 not installed, and CI=true: $2"
    skip "$1 not installed: $2"
}

assert_eq() { # assert_eq EXPECTED ACTUAL WHAT
    [ "$1" == "$2" ] || fail "$3: expected '$1', got '$2'"
}
assert_match() { # assert_match REGEX TEXT WHAT
    [[ "$2" =~ $1 ]] || fail "$3: '$2' does not match /$1/"
}

# Python for helper scripts, chosen on purpose: Debian's own interpreter starts in
# about 0.1 s, while a version-manager shim first on PATH can take a second. The
# suite never relies on how fast it starts anyway: helpers say when they are ready.
PY=${PYTHON:-$(command -v /usr/bin/python3 || command -v python3)}

# Deadlines stretch under valgrind, where everything runs ~20x slower.
TIME_SCALE=${TIME_SCALE:-1}
[ "${VALGRIND:-0}" = 1 ] && TIME_SCALE=5

# A port nothing listens on: 1 (tcpmux) is privileged and unused on any machine we
# run on, so connecting to it is refused. Picking a "free" port instead would race.
DEAD_PORT=1

# Polls CMD every 50 ms until it succeeds; after SECS (scaled under valgrind) the
# scenario fails, naming WHAT it waited for. This is the one way tests wait.
wait_until() { # wait_until WHAT SECS CMD...
    local what=$1 secs=$2 start now
    shift 2
    start=$(date +%s%N)
    until "$@" >/dev/null 2>&1; do
        now=$(date +%s%N)
        if ((now - start > secs * TIME_SCALE * 1000000000)); then
            fail "timed out after $((secs * TIME_SCALE))s waiting for $what"
        fi
        sleep 0.05
    done
}

# The port a server of ours (or a helper) reports on its listen line in LOG; every
# server under test listens on port 0 and the kernel picks, so ports never race.
log_port() { # log_port LOG: prints the port, empty when not listening yet
    sed -nE 's/.*(listening on|serving [^ ]+ and [^ ]+ on|listening:) [^ ]*:([0-9]+)([ ,].*)?$/\2/p' "$1" 2>/dev/null |
        head -1
}
has_port() { [ -n "$(log_port "$1")" ]; }

# Waits until the process PID has logged its port to LOG (or died); prints the port.
wait_port() { # wait_port PID LOG
    local pid=$1 log=$2 start now
    start=$(date +%s%N)
    until has_port "$log"; do
        kill -0 "$pid" 2>/dev/null || fail "pid $pid exited before listening: $(tail -3 "$log")"
        now=$(date +%s%N)
        ((now - start > 10 * TIME_SCALE * 1000000000)) &&
            fail "pid $pid did not report a port within $((10 * TIME_SCALE))s: $(tail -3 "$log")"
        sleep 0.05
    done
    log_port "$log"
}

# Starts a helper script of ours (tests/...py) with --port 0; it prints
# "listening: HOST:PORT" once bound. Sets HELPER_PID and HELPER_PORT.
start_helper() { # start_helper NAME SCRIPT ARGS...
    local name=$1 script=$2
    shift 2
    "$PY" "$script" "$@" >"$TMP/$name.log" 2>&1 &
    HELPER_PID=$!
    PIDS+=("$HELPER_PID")
    HELPER_PORT=$(wait_port "$HELPER_PID" "$TMP/$name.log")
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

# start_xwing NAME ARGS...: xwing in the background, stdout/stderr to
# $TMP/NAME.{out,err}; XPID is xwing itself (a simple command with & is exec'd),
# so signals reach it and wait_exit gets its status.
start_xwing() {
    local name=$1
    shift
    prog_cmd xwing
    "${PROG_CMD[@]}" "$@" >"$TMP/$name.out" 2>"$TMP/$name.err" &
    XPID=$!
    PIDS+=("$XPID")
}

# served PORT: how many GET / the rebel-base on PORT has answered 200, from its
# /metrics; empty when it could not say.
served() {
    curl -s --max-time 2 "http://127.0.0.1:$1/metrics" |
        sed -n 's/^rebel_base_http_requests_total{path="\/",code="200"} //p'
}
served_at_least() { # served_at_least PORT N
    local n
    n=$(served "$1")
    [ "${n:-0}" -ge "$2" ]
}

xw() { # xw NAME ARGS...: runs xwing, stdout to $TMP/NAME, stderr to $TMP/NAME.err; sets RC
    local name=$1
    shift
    set +e
    run_prog xwing "$@" >"$TMP/$name" 2>"$TMP/$name.err"
    RC=$?
    set -e
}

# Starts rebel-base in the background and waits for its listen line; sets REBEL_PID
# and REBEL_PORT (pass --listen 127.0.0.1:0 and the kernel picks the port). Logs go
# to $TMP/NAME.log. A simple command with & is exec'd by the forked shell, so
# REBEL_PID is the server itself: signals sent to it (drain tests) reach it, and
# wait gets its status.
start_rebel() { # start_rebel NAME ARGS...
    local name=$1; shift
    : >"$TMP/$name.log" # before the fork: wait_port must not read a previous run's port
    prog_cmd rebel-base
    "${PROG_CMD[@]}" "$@" >"$TMP/$name.out" 2>"$TMP/$name.log" &
    REBEL_PID=$!
    PIDS+=("$REBEL_PID")
    REBEL_PORT=$(wait_port "$REBEL_PID" "$TMP/$name.log")
}

# The loopback address the helpers below listen on: 127.0.0.1, or this scenario's
# own after own_loopback.
LO=127.0.0.1
# Gives this scenario a loopback address of its own, 127.A.B.C from its PID (Linux
# routes all of 127/8 to lo), in LO. A scenario that stops a server and then expects
# its port to refuse needs it: a port-0 server of a scenario running beside it may be
# given the freed port, but only on its own address, so it cannot answer here. (A
# server bound to the wildcard address still could; no such scenario stops servers.)
own_loopback() {
    local p=$$
    LO=127.$(((p >> 16) + 1)).$(((p >> 8) & 255)).$((p & 255))
}

# Serves TEXT with a rebel-base named NAME: writes it to $TMP/NAME.json, starts
# rebel-base on $LO, port 0, with ARGS added, and waits until /readyz
# answers 200 (the document is loaded). Sets REBEL_PID and REBEL_PORT as
# start_rebel does, REBEL_DOC (the file) and REBEL_URL (http://$LO:PORT).
# The two-cluster setup is two calls:
#   serve_doc k "$KOORNACHT"; k=$REBEL_PORT; serve_doc t "$TION"; t=$REBEL_PORT
serve_doc() { # serve_doc NAME TEXT [REBEL-BASE ARGS...]
    local name=$1 text=$2
    shift 2
    REBEL_DOC=$TMP/$name.json
    printf '%s' "$text" >"$REBEL_DOC"
    start_rebel "$name" --listen "$LO:0" --document "$REBEL_DOC" "$@"
    REBEL_URL=http://$LO:$REBEL_PORT
    wait_http "$REBEL_URL/readyz"
}

# Starts `xwing serve` the same way; sets SERVE_PID and SERVE_PORT.
start_serve() { # start_serve NAME ARGS...
    local name=$1; shift
    : >"$TMP/$name.log" # before the fork: wait_port must not read a previous run's port
    prog_cmd xwing
    "${PROG_CMD[@]}" serve "$@" >"$TMP/$name.out" 2>"$TMP/$name.log" &
    SERVE_PID=$!
    PIDS+=("$SERVE_PID")
    SERVE_PORT=$(wait_port "$SERVE_PID" "$TMP/$name.log")
}

# Starts `xwing probe` the same way; sets PROBE_PID and PROBE_PORT.
start_probe() { # start_probe NAME ARGS...
    local name=$1
    shift
    : >"$TMP/$name.log" # before the fork: wait_port must not read a previous run's port
    prog_cmd xwing
    "${PROG_CMD[@]}" probe "$@" >"$TMP/$name.out" 2>"$TMP/$name.log" &
    PROBE_PID=$!
    PIDS+=("$PROBE_PID")
    PROBE_PORT=$(wait_port "$PROBE_PID" "$TMP/$name.log")
}

# Whether rebel-base has read the request that client PID sent it (its metrics
# count connections, not requests in flight): the server's end of that client's
# established connection has received bytes and left none unread. Before that, a
# signal could close the listener on a request that never arrived.
request_read() { # request_read PID PORT
    local cport
    cport=$(ss -tnpH state established "( dport = :$2 )" |
        awk -v p="pid=$1," 'index($0, p) { sub(/.*:/, "", $3); print $3; exit }')
    [ -n "$cport" ] || return 1
    ss -tniH state established "( sport = :$2 and dport = :$cport )" | awk '
        NR == 1 { q = $1 }
        match($0, /bytes_received:[0-9]+/) { n = substr($0, RSTART + 15, RLENGTH - 15) + 0 }
        END { exit !(q == 0 && n > 0) }'
}

# Waits until URL answers with CODE (default 200), at most SECS (default 10).
wait_http() { # wait_http URL [CODE] [SECS]
    local url=$1 code=${2:-200} secs=${3:-10}
    wait_until "$url to answer $code" "$secs" is_http "$url" "$code"
}
is_http() { [ "$(curl -s -o /dev/null -w '%{http_code}' --max-time 1 "$1")" = "$2" ]; }

# HTTP status of a request: http_code [CURL ARGS...] URL
http_code() { curl -s -o /dev/null -w '%{http_code}' --max-time 5 "$@" || true; }

# Waits for PID (a child of this shell) to exit, at most SECS, and sets
# EXIT_STATUS to its exit status. Call it in the test shell itself, never inside
# $(...): a subshell cannot wait for its parent's children.
wait_exit() { # wait_exit PID SECS
    local pid=$1 secs=$2 i
    for ((i = 0; i < secs * TIME_SCALE * 20; i++)); do
        if ! kill -0 "$pid" 2>/dev/null; then
            EXIT_STATUS=0
            wait "$pid" || EXIT_STATUS=$?
            return 0
        fi
        sleep 0.05
    done
    fail "pid $pid still running after ${secs}s"
}

# Keeps PORT on $LO, just freed by a server of ours that exited, bound without listening, so
# connecting to it stays refused. Without this the kernel can hand the same port to a
# port-0 server of a scenario running beside this one, which then answers in the
# stopped server's place (seen once in CI: a stopped target counted as answering).
# The port is held within about 0.1 s of the exit, not for the rest of the scenario.
hold_port() { # hold_port PORT
    "$PY" -c 'import socket, sys, time
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind((sys.argv[2], int(sys.argv[1])))
print("held", flush=True)
time.sleep(3600)' "$1" "$LO" >"$TMP/hold-$1.log" 2>&1 &
    local pid=$!
    PIDS+=("$pid")
    held() {
        kill -0 "$pid" 2>/dev/null || fail "port $1 was taken before it could be held: $(cat "$TMP/hold-$1.log")"
        grep -q '^held$' "$TMP/hold-$1.log"
    }
    wait_until "port $1 to be held" 10 held "$1"
}

# Stops a server of ours (SIGTERM), waits for its exit status (EXIT_STATUS), then holds
# its port so that it stays refused (hold_port).
stop_server() { # stop_server PID PORT [SECS]
    kill -TERM "$1"
    wait_exit "$1" "${3:-10}"
    hold_port "$2"
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
