#!/usr/bin/env bash
# rebel-base --listen :PORT where the kernel has no IPv6 (socket(AF_INET6) fails
# with EAFNOSUPPORT, as in containers with IPv6 disabled): it starts on IPv4.
# The missing IPv6 is simulated with an LD_PRELOAD shim; only loopback is used.
. "$(dirname "$0")/lib.sh"

[ "${VALGRIND:-0}" = 1 ] && skip "an LD_PRELOAD shim and valgrind do not mix"
command -v cc >/dev/null || skip "no C compiler for the shim"
cat >"$TMP/noipv6.c" <<'C'
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <sys/socket.h>
int socket(int domain, int type, int protocol)
{
    static int (*real)(int, int, int);
    if (domain == AF_INET6) {
        errno = EAFNOSUPPORT;
        return -1;
    }
    if (!real)
        real = (int (*)(int, int, int))dlsym(RTLD_NEXT, "socket");
    return real(domain, type, protocol);
}
C
cc -shared -fPIC -o "$TMP/noipv6.so" "$TMP/noipv6.c" -ldl || fail "cannot build the shim"

printf '%s' "$KOORNACHT" >"$TMP/index.html"
# ASan insists on being first in the library list; the shim only wraps socket().
LD_PRELOAD="$TMP/noipv6.so" ASAN_OPTIONS="${ASAN_OPTIONS:-}:verify_asan_link_order=0" \
    start_rebel rb --listen :0 --document "$TMP/index.html"
port=$REBEL_PORT
wait_http "http://127.0.0.1:$port/readyz"
grep -q "listening on 0.0.0.0:$port " "$TMP/rb.log" || fail "not on IPv4: $(grep listen "$TMP/rb.log")"
curl -sS -o "$TMP/b" "http://127.0.0.1:$port/"
cmp "$TMP/index.html" "$TMP/b" || fail "body over IPv4"

# Where IPv6 works, the same flag gives one dual-stack socket, and [::]:PORT an
# IPv6-only one (as --help says). Whether IPv6 works is asked of the kernel, not
# of rebel-base, so a server that fell back where it need not have fails here.
if why=$("$PY" -c 'import socket; socket.socket(socket.AF_INET6).bind(("::1", 0))' 2>&1); then
    start_rebel rb6 --listen :0 --document "$TMP/index.html"
    port=$REBEL_PORT
    grep -q "listening on \[::\]:$port " "$TMP/rb6.log" || fail "not dual stack: $(grep listen "$TMP/rb6.log")"
    wait_http "http://127.0.0.1:$port/readyz"
    assert_eq 200 "$(http_code -g "http://[::1]:$port/readyz")" "--listen :0 over IPv6"

    start_rebel rb6only --listen '[::]:0' --document "$TMP/index.html"
    port=$REBEL_PORT
    grep -q "listening on \[::\]:$port " "$TMP/rb6only.log" || fail "[::]: $(grep listen "$TMP/rb6only.log")"
    wait_http "http://[::1]:$port/readyz"
    # ss shows an IPv6-only listener as [::]:PORT and a dual-stack one as *:PORT.
    # (Not "IPv4's port can be bound": under a parallel load a client or
    # TIME_WAIT socket may hold the same number; seen in make mutate's run.)
    listeners=$(ss -Hltn "sport = :$port")
    assert_match "^LISTEN +[0-9]+ +[0-9]+ +\[::\]:$port " "$listeners" "[::]:0 listens IPv6-only"
    "$PY" - "$port" >"$TMP/v4.out" 2>&1 <<'PY' || fail "--listen [::]:0 over IPv4: $(cat "$TMP/v4.out")"
import socket, sys
try:
    socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=5)
    sys.exit("IPv4 connected")
except ConnectionRefusedError:
    pass
PY
else
    # No IPv6 here: the flag's own fallback must have been taken, unshimmed.
    start_rebel rb6 --listen :0 --document "$TMP/index.html"
    grep -q "listening on 0.0.0.0:$REBEL_PORT " "$TMP/rb6.log" || fail "no fallback: $(grep listen "$TMP/rb6.log")"
    skip "no IPv6 on this host ($(echo "$why" | tail -1)): the IPv4 fallback passed, the dual-stack and [::] checks did not run"
fi
