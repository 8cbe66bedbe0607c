#!/usr/bin/env bash
# The defaults that make the tally honest: every request opens a new TCP
# connection (a Service load balancer picks the backend per connection) and
# resolves the name afresh (a headless global Service spreads only over fresh
# lookups); --keepalive and --dns-cache opt out. Counted with strace: connect()
# calls, and reads of /etc/hosts (where the name resolves).
source "$(dirname "$0")/lib.sh"
need strace "it counts the lookups and connections (tests/deps.sh installs it)"
[ "${VALGRIND:-0}" = 1 ] && skip "strace and valgrind do not nest"
name=$(hostname)
grep -q '^127\.' <<<"$(getent hosts "$name")" || skip "$name does not resolve to loopback through /etc/hosts"

serve_doc k "$KOORNACHT"
port=$REBEL_PORT

count() { # count PATTERN XWING ARGS...: matching syscalls in one traced run of 6 requests
    local re=$1
    shift
    # LeakSanitizer cannot run under ptrace (make asan): leaks are checked elsewhere.
    ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0 \
        timeout 60 strace -f -qq -e trace=connect,openat -o "$TMP/trace" "$BIN/xwing" -n 6 "$@" >"$TMP/out" ||
        fail "xwing $*: $(cat "$TMP/out")"
    grep -c "$re" "$TMP/trace" || true
}
tcp='connect(.*sin_port=htons('"$port"')'
hosts='openat(.*"/etc/hosts"'

assert_eq 6 "$(count "$tcp" "$name:$port")" "connections by default"
assert_eq 1 "$(count "$tcp" --keepalive "$name:$port")" "connections with --keepalive"
assert_eq 6 "$(count "$hosts" "$name:$port")" "name lookups by default"
assert_eq 1 "$(count "$hosts" --dns-cache "$name:$port")" "name lookups with --dns-cache"
assert_match 'Koornacht +6 100\.0%' "$(cat "$TMP/out")" "replies"
