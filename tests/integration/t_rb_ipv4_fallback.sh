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

# Where IPv6 works, the same flag gives one dual-stack socket.
start_rebel rb6 --listen :0 --document "$TMP/index.html"
port=$REBEL_PORT
wait_http "http://127.0.0.1:$port/readyz"
if grep -q "listening on \[::\]:$port " "$TMP/rb6.log"; then
    if curl -sS -g -o /dev/null "http://[::1]:$port/readyz" 2>/dev/null; then
        note "dual stack: answered on 127.0.0.1 and [::1]"
    else
        note "dual stack socket; no ::1 on this host"
    fi
else
    note "this host has no IPv6: $(grep listen "$TMP/rb6.log")"
fi
