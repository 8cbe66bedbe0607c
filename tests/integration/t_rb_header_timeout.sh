#!/usr/bin/env bash
# rebel-base --header-timeout: a connection that sends nothing, or trickles a
# request head, is closed once the deadline passes; normal requests work; a
# keep-alive connection that completed a request is left to --idle-timeout;
# /healthz answers throughout; with 0 the trickler stays open. Every threading
# mode is checked.
. "$(dirname "$0")/lib.sh"

printf '%s' "$KOORNACHT" >"$TMP/index.html"

check() { # MODE(on|off) PORT
    timeout 20 "$PY" - "$@" <<'PY'
import socket, sys, time, urllib.request
mode, port = sys.argv[1], int(sys.argv[2])

def conn():
    s = socket.create_connection(("127.0.0.1", port))
    s.setblocking(False)
    return s

def closed(s):
    """True once the server closed (EOF or reset); False while open."""
    try:
        return s.recv(65536) == b""
    except BlockingIOError:
        return False
    except ConnectionResetError:
        return True

def healthz():
    with urllib.request.urlopen("http://127.0.0.1:%d/healthz" % port, timeout=2) as r:
        assert r.status == 200, "healthz %d" % r.status

silent, trickler, served = conn(), conn(), conn()
served.setblocking(True)
served.settimeout(3)
served.sendall(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
assert served.recv(65536).startswith(b"HTTP/1.1 200"), "normal request failed"
served.setblocking(False)
partial = b"GET / HTTP/1.1\r\nHost: x\r\nX-Slow: " + b"a" * 60
start = time.time()
closed_at = {}
i = 0
while time.time() - start < 3.0:
    if i < len(partial) and not closed_at.get("trickler"):
        try:
            trickler.send(partial[i:i + 1])
            i += 1
        except OSError:
            closed_at["trickler"] = time.time() - start
    for name, s in (("silent", silent), ("trickler", trickler), ("keepalive", served)):
        if name not in closed_at and closed(s):
            closed_at[name] = time.time() - start
    if int((time.time() - start) * 10) % 5 == 0:
        healthz()
    time.sleep(0.05)
healthz()
print("  %s: closed after %s (trickled %d bytes)" % (mode,
      {k: round(v, 2) for k, v in closed_at.items()}, i))
assert "keepalive" not in closed_at, "a keep-alive connection that completed a request was closed"
if mode == "on":
    for name in ("silent", "trickler"):
        assert name in closed_at, "%s connection still open at 3 s" % name
        assert 0.8 < closed_at[name] < 2.2, "%s closed after %.2fs" % (name, closed_at[name])
else:
    assert "trickler" not in closed_at, "trickler closed with --header-timeout 0"
    assert "silent" not in closed_at, "silent connection closed with --header-timeout 0"
# The keep-alive connection still serves after 3 s of idle.
served.setblocking(True)
served.settimeout(3)
served.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
assert served.recv(65536).startswith(b"HTTP/1.1 200"), "keep-alive connection no longer serves"
PY
}

n=0
for mode in "" "--threads 2" "--thread-per-connection"; do
    n=$((n + 1))
    # shellcheck disable=SC2086  # $mode is a word list on purpose
    start_rebel "rb$n" --listen 127.0.0.1:0 --document "$TMP/index.html" \
        --header-timeout 1s --idle-timeout 30s --drain 0 $mode
    port=$REBEL_PORT
    wait_http "http://127.0.0.1:$port/readyz"
    echo "mode: ${mode:-epoll}"
    check on "$port" || fail "--header-timeout 1s (${mode:-epoll}) failed"
    assert_eq 200 "$(http_code "http://127.0.0.1:$port/")" "still serving (${mode:-epoll})"
    kill "$REBEL_PID"
    wait_exit "$REBEL_PID" 10
done

start_rebel rb0 --listen 127.0.0.1:0 --document "$TMP/index.html" \
    --header-timeout 0 --idle-timeout 30s --drain 0
port=$REBEL_PORT
wait_http "http://127.0.0.1:$port/readyz"
check off "$port" || fail "--header-timeout 0 failed"
grep -q "header timeout off" "$TMP/rb0.log" || fail "startup log does not show the header timeout"
