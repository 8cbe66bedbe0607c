#!/usr/bin/env bash
# rebel-base in each threading mode (one epoll thread, a pool, one thread per
# connection): byte-exact replies, a fault delay that does not block others,
# and a clean drain with the delayed request in flight.
. "$(dirname "$0")/lib.sh"

# Whether PID is still running (a zombie has finished; kill -0 would say yes).
running() { case $(ps -o stat= -p "$1" 2>/dev/null) in "" | Z*) return 1 ;; esac; }

printf '%s' "$TION" >"$TMP/index.html"
# The mode each flag gives, as the listen line (and build_info's threading label) names
# it: --threads 0 is a thread per CPU, online ones as sysconf counts them (getconf).
cpus=$(getconf _NPROCESSORS_ONLN)
declare -A label=([--threads 1]=epoll [--threads 2]=epoll-pool:2 [--threads 0]=epoll-pool:$cpus
    [--thread-per-connection]=per-connection)
[ "$cpus" -gt 1 ] || label[--threads 0]=epoll
for mode in "--threads 1" "--threads 2" "--threads 0" "--thread-per-connection"; do
    read -r -a margs <<<"$mode"
    start_rebel rb --listen 127.0.0.1:0 --document "$TMP/index.html" --allow-faults \
        --drain 200ms "${margs[@]}"
    base="http://127.0.0.1:$REBEL_PORT"
    wait_http "$base/readyz"
    curl -sS -o "$TMP/b" "$base/"
    cmp "$TMP/index.html" "$TMP/b" || fail "$mode: body"
    # 1.5 s: long enough to still be held when SIGTERM comes on a loaded machine.
    curl -sS -o /dev/null -w '%{http_code}' "$base/?delay=1500ms&status=503" >"$TMP/slow.code" &
    slow=$!
    wait_until "$mode: rebel-base to read the delayed request" 10 request_read "$slow" "$REBEL_PORT"
    assert_eq 200 "$(http_code --max-time 0.5 "$base/")" "$mode: request during a delay"
    running "$slow" || fail "$mode: the delayed request was answered before SIGTERM"
    kill -TERM "$REBEL_PID"
    wait "$slow" || fail "$mode: delayed request failed"
    assert_eq 503 "$(cat "$TMP/slow.code")" "$mode: delayed request status"
    wait_exit "$REBEL_PID" 10
    assert_eq 0 "$EXIT_STATUS" "$mode: exit status"
    grep -q "listening on 127.0.0.1:$REBEL_PORT (${label[$mode]}, " "$TMP/rb.log" ||
        fail "$mode: not ${label[$mode]}: $(grep -o 'listening on [^,]*' "$TMP/rb.log")"
done
