#!/usr/bin/env bash
# rebel-base says exactly what happened: an empty REBEL_BASE_* variable is the
# empty value (REBEL_BASE_SERVED_BY= fails as --served-by "" does), the
# environment never asks for --help, the listen line says "unlimited" and "off"
# rather than 0, a listen error keeps the port, a second port is named as such,
# and a shutdown whose --grace ran out says how many requests it cut short and
# exits 3 instead of claiming a clean shutdown.
# limit: 90
source "$(dirname "$0")/lib.sh"

printf '%s' "$KOORNACHT" >"$TMP/index.html"

rb() { # rb NAME ARGS...: runs rebel-base to its exit, stdout/stderr to $TMP/NAME{,.err}; sets RC
    local name=$1
    shift
    set +e
    run_prog rebel-base "$@" >"$TMP/$name" 2>"$TMP/$name.err"
    RC=$?
    set -e
}

# Empty variables behave like their flags given "".
set +e
REBEL_BASE_SERVED_BY= run_prog rebel-base --document "$TMP/index.html" >"$TMP/e1" 2>"$TMP/e1.err"
rc=$?
set -e
assert_eq 2 "$rc" "exit status with REBEL_BASE_SERVED_BY="
assert_eq "rebel-base: REBEL_BASE_SERVED_BY: bad value '': must not be empty (see --help)" \
    "$(cat "$TMP/e1.err")" "message with REBEL_BASE_SERVED_BY="
rb e2 --served-by "" --document "$TMP/index.html"
assert_eq 2 "$RC" "exit status with --served-by ''"
assert_eq "rebel-base: --served-by: bad value '': must not be empty (see --help)" \
    "$(cat "$TMP/e2.err")" "message with --served-by ''"
set +e
REBEL_BASE_ACCESS_LOG= run_prog rebel-base --document "$TMP/index.html" >"$TMP/e3" 2>"$TMP/e3.err"
rc=$?
set -e
assert_eq 2 "$rc" "exit status with REBEL_BASE_ACCESS_LOG="
assert_eq "rebel-base: REBEL_BASE_ACCESS_LOG: bad value '': expected true or false (see --help)" \
    "$(cat "$TMP/e3.err")" "message with REBEL_BASE_ACCESS_LOG="

# REBEL_BASE_HELP and REBEL_BASE_VERSION are not read: the server starts (and
# here fails to listen, showing it tried), with nothing on stdout.
set +e
REBEL_BASE_HELP=1 REBEL_BASE_VERSION=1 run_prog rebel-base --document "$TMP/index.html" \
    --listen nohost.invalid:8080 >"$TMP/h1" 2>"$TMP/h1.err"
rc=$?
set -e
assert_eq 1 "$rc" "exit status with REBEL_BASE_HELP=1 and an unusable address"
assert_eq "" "$(cat "$TMP/h1")" "stdout with REBEL_BASE_HELP=1"
# The listen error keeps the port.
assert_match ' error rebel-base listen: cannot listen on nohost\.invalid:8080: [A-Za-z]' \
    "$(grep 'listen:' "$TMP/h1.err")" "listen error names host and port"
REBEL_BASE_HELP=1 start_rebel h --listen 127.0.0.1:0 --document "$TMP/index.html" --drain 0
assert_eq 200 "$(http_code "http://127.0.0.1:$REBEL_PORT/")" "serving with REBEL_BASE_HELP=1"
assert_eq "" "$(cat "$TMP/h.out")" "no help printed with REBEL_BASE_HELP=1"
# --help itself states the outcomes and the environment rule.
rb help --help
assert_eq 0 "$RC" "exit status of --help"
grep -qF '3 when --grace ran out' "$TMP/help" || fail "--help lacks the grace-expired status"
grep -qF 'REBEL_BASE_SERVED_BY= is --served-by ""' "$TMP/help" || fail "--help lacks the empty-variable rule"
grep -qF 'Every option but --help and --version' "$TMP/help" || fail "--help lacks the help rule"

# The listen line states each limit as what it does.
start_rebel d --listen 127.0.0.1:0 --document "$TMP/index.html" --drain 0
assert_eq "listening on 127.0.0.1:$REBEL_PORT (epoll, max 4096 connections, 1024 per client, idle timeout 65s, header timeout 10000 ms, 8192 B per connection)" \
    "$(sed -n 's/.* listen: //p' "$TMP/d.log")" "listen line with the defaults"
start_rebel z --listen 127.0.0.1:0 --document "$TMP/index.html" --drain 0 --max-per-ip 0 \
    --header-timeout 0
assert_eq "listening on 127.0.0.1:$REBEL_PORT (epoll, max 4096 connections, unlimited per client, idle timeout 65s, header timeout off, 8192 B per connection)" \
    "$(sed -n 's/.* listen: //p' "$TMP/z.log")" "listen line with no per-client limit and no header timeout"

# A second port, and arguments rebel-base does not take.
rb p1 --listen 127.0.0.1:21091:99
assert_eq 2 "$RC" "exit status of --listen with two ports"
assert_eq "rebel-base: --listen: bad value '127.0.0.1:21091:99': more than one ':PORT': give one port, as in host:8080 (see --help)" \
    "$(cat "$TMP/p1.err")" "message of --listen with two ports"
rb p2 --listen ::1:8080
assert_eq "rebel-base: --listen: bad value '::1:8080': IPv6 addresses need brackets: [::1]:8080 (see --help)" \
    "$(cat "$TMP/p2.err")" "message of --listen with an unbracketed IPv6 address"
rb p3 one two
assert_eq 2 "$RC" "exit status with two arguments"
assert_eq "rebel-base: unexpected argument 'one' (see --help)" "$(cat "$TMP/p3.err")" "message with two arguments"

# Shutdown: clean when nothing is left, exit 3 and a count when --grace runs out.
start_rebel c --listen 127.0.0.1:0 --document "$TMP/index.html" --drain 0
kill -TERM "$REBEL_PID"
wait_exit "$REBEL_PID" 10
assert_eq 0 "$EXIT_STATUS" "exit status of a clean shutdown"
grep -q ' info rebel-base exit: clean shutdown$' "$TMP/c.log" || fail "clean exit not logged: $(cat "$TMP/c.log")"

open_conns() { # open_conns PORT N: at least N open connections (this scrape is one)
    local n
    n=$(curl -s --max-time 2 "http://127.0.0.1:$1/metrics" | sed -n 's/^rebel_base_open_connections //p')
    [ "${n:-0}" -ge "$2" ]
}
for inflight in 1 2; do
    start_rebel g$inflight --listen 127.0.0.1:0 --document "$TMP/index.html" --drain 0 \
        --grace 300ms --allow-faults
    port=$REBEL_PORT
    cut=()
    for ((i = 0; i < inflight; i++)); do
        curl -sS --max-time 30 -o /dev/null -w '%{http_code}' "http://127.0.0.1:$port/?delay=20s" \
            >"$TMP/cut$inflight.$i" &
        cut+=($!)
    done
    wait_until "$inflight delayed request(s) at rebel-base" 20 open_conns "$port" $((inflight + 1))
    kill -TERM "$REBEL_PID"
    wait_exit "$REBEL_PID" 10
    assert_eq 3 "$EXIT_STATUS" "exit status when --grace ran out with $inflight in flight"
    want="grace expired: $inflight request$([ "$inflight" = 1 ] || echo s) cut short"
    grep -q " warn rebel-base exit: $want\$" "$TMP/g$inflight.log" ||
        fail "'$want' not logged: $(cat "$TMP/g$inflight.log")"
    ! grep -q 'clean shutdown' "$TMP/g$inflight.log" || fail "a cut-short shutdown claimed to be clean"
    for ((i = 0; i < inflight; i++)); do
        wait "${cut[$i]}" || true
        assert_eq 200 "$(cat "$TMP/cut$inflight.$i")" "the cut-short request was still answered"
    done
done
