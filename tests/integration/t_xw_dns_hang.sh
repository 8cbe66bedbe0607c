#!/usr/bin/env bash
# A hung name lookup is bounded by --timeout (and --connect-timeout) like the rest of a
# request. libcurl's threaded resolver cannot stop getaddrinfo, and when a request timed out
# during one it joined the thread (7.88.1 lib/asyn-thread.c, Curl_resolver_kill), so each
# request lasted the resolver's own timeout: with DNS blocked by a policy in the Cilium lab,
# `xwing -n 20 --timeout 1s` took 100 s. Now libcurl leaves the thread (CURLOPT_QUICK_EXIT),
# and xwing serve's allowlist, which looks targets up itself before a tally, stops waiting.
# xwing runs in a private mount namespace whose resolv.conf names a nameserver of ours that
# never answers (the resolver gives up after 8 s), with `hosts: files dns` so that no NSS
# module answers instead. The rows are `dns`: the name never resolved, as the resolver,
# given its 8 s, would say too. Needs root (unshare -m, mount --bind, port 53): skips
# loudly otherwise, fails with CI=true.
# limit: 90
source "$(dirname "$0")/lib.sh"

if [ "$(id -u)" != 0 ] || ! unshare -m --propagation private true 2>/dev/null; then
    why="needs root allowed to unshare a mount namespace (unshare -m), for a resolv.conf of its own"
    [ "${CI:-}" = true ] && fail "$why, and CI=true"
    skip "$why"
fi
need unshare "a private mount namespace with its own /etc/resolv.conf"

NAME=rebel-base.dns-hang.test
grep -qiF "$NAME" /etc/hosts && fail "/etc/hosts names $NAME: the lookup would never reach DNS"
RESOLVER_S=8

own_loopback
"$PY" -c 'import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind((sys.argv[1], 53))
print("listening: %s:53" % sys.argv[1], flush=True)
while True:
    q, _ = s.recvfrom(512)
    labels, i = [], 12  # the question name follows the 12-byte header
    while i < len(q) and q[i]:
        labels.append(q[i + 1:i + 1 + q[i]].decode("ascii", "replace"))
        i += 1 + q[i]
    print("query: " + ".".join(labels), flush=True)' "$LO" >"$TMP/ns.log" 2>&1 &
ns_pid=$!
PIDS+=("$ns_pid")
wait_port "$ns_pid" "$TMP/ns.log" >/dev/null

printf 'nameserver %s\noptions timeout:%s attempts:1\n' "$LO" "$RESOLVER_S" >"$TMP/resolv.conf"
printf 'hosts: files dns\n' >"$TMP/nsswitch.conf"
# A simple command with & is exec'd, and unshare and sh exec in turn: the pid is xwing's.
# shellcheck disable=SC2016 # $1, $2, $@ are the inner shell's
NS=(unshare -m --propagation private sh -c 'mount --bind "$1" /etc/resolv.conf &&
    { [ ! -e /etc/nsswitch.conf ] || mount --bind "$2" /etc/nsswitch.conf; } &&
    shift 2 && exec "$@"' sh "$TMP/resolv.conf" "$TMP/nsswitch.conf")
prog_cmd xwing

queries() { grep -c "^query: $NAME\$" "$TMP/ns.log" || true; }
gone() { ! kill -0 "$1" 2>/dev/null; }
elapsed_ms() { echo $((($(date +%s%N) - $1) / 1000000)); }

# run NAME SECS WHY ARGS...: xwing in the namespace, which must end within SECS; sets RC
# and MS (wall clock).
run() {
    local name=$1 secs=$2 why=$3 start pid
    shift 3
    start=$(date +%s%N)
    "${NS[@]}" "${PROG_CMD[@]}" "$@" >"$TMP/$name.out" 2>"$TMP/$name.err" &
    pid=$!
    PIDS+=("$pid")
    wait_until "xwing $* to end ($why)" "$secs" gone "$pid"
    MS=$(elapsed_ms "$start")
    RC=0
    wait "$pid" || RC=$?
}

# 5 requests, one at a time: 5 x 1 s, where waiting for each lookup takes 5 x 8 s.
before=$(queries)
run five 9 "each lookup waited for would take ${RESOLVER_S} s: $((5 * RESOLVER_S)) s" \
    -n 5 --timeout 1s "$NAME:8080"
out=$(cat "$TMP/five.out")
note "5 requests, --timeout 1s, DNS hung: ${MS} ms; $(($(queries) - before)) queries reached the nameserver"
(($(queries) - before >= 5)) || fail "only $(($(queries) - before)) lookups reached our nameserver: $(cat "$TMP/five.err")"
((MS >= 4500)) || fail "ended after ${MS} ms: the requests did not wait their 1 s timeout: $out"
assert_eq 1 "$RC" "exit status"
assert_match 'dns +5 100\.0%' "$out" "dns row"
assert_match 'ok 0  failed 5' "$out" "summary"
assert_match 'dns 5' "$(cat "$TMP/five.err")" "reason on stderr"

# --connect-timeout bounds the lookup too (libcurl counts it in the connect phase).
run connect 6 "each lookup waited for would take ${RESOLVER_S} s" \
    -n 2 --connect-timeout 1s --timeout 30s "$NAME:8080"
note "2 requests, --connect-timeout 1s, --timeout 30s: ${MS} ms"
assert_eq 1 "$RC" "exit status with --connect-timeout"
assert_match 'dns +2 100\.0%' "$(cat "$TMP/connect.out")" "dns row with --connect-timeout"

# xwing serve: its allowlist looks the targets up before a tally, within one request's
# connect timeout (then gate_admit guards each connection); the tally's requests are dns.
"${NS[@]}" "${PROG_CMD[@]}" serve --listen 127.0.0.1:0 --allow-target "$NAME" \
    >"$TMP/serve.out" 2>"$TMP/serve.log" &
serve_pid=$!
PIDS+=("$serve_pid")
serve_port=$(wait_port "$serve_pid" "$TMP/serve.log")
start=$(date +%s%N)
body=$(curl -s --max-time 30 "http://127.0.0.1:$serve_port/tally?target=$NAME:8080&n=2&timeout=1s")
MS=$(elapsed_ms "$start")
note "xwing serve, /tally n=2 timeout=1s: ${MS} ms"
((MS < 6000 * TIME_SCALE)) ||
    fail "/tally with 2 requests of 1 s took ${MS} ms (a lookup waited for takes ${RESOLVER_S} s): $body"
assert_match '"value":"dns","count":2' "$body" "serve's dns row"

# SIGINT while a lookup hangs: xwing ends at once, not when the resolver gives up.
before=$(queries)
"${NS[@]}" "${PROG_CMD[@]}" -n 1 --timeout 30s "$NAME:8080" >"$TMP/int.out" 2>"$TMP/int.err" &
pid=$!
PIDS+=("$pid")
lookup_sent() { (($(queries) > before)); }
wait_until "the lookup to reach our nameserver" 10 lookup_sent
start=$(date +%s%N)
kill -INT "$pid"
wait_until "xwing to end on SIGINT (the lookup gives up only ${RESOLVER_S} s after it began)" 3 gone "$pid"
note "SIGINT during the lookup: ended after $(elapsed_ms "$start") ms"
RC=0
wait "$pid" || RC=$?
assert_eq 130 "$RC" "exit status after SIGINT"
assert_match 'interrupted' "$(cat "$TMP/int.out" "$TMP/int.err")" "interrupted run"
