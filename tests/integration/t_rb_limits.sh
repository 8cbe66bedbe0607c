#!/usr/bin/env bash
# rebel-base limits: --max-per-ip refuses a client's extra connections,
# --idle-timeout closes idle keep-alive connections, oversized request heads
# are refused by --connection-memory, and the server keeps serving.
. "$(dirname "$0")/lib.sh"

serve_doc rb "$KOORNACHT" --max-per-ip 3 --idle-timeout 500ms --connection-memory 8KiB
port=$REBEL_PORT
# The per-client limit counts a connection until rebel-base has closed its end:
# wait_http's must be gone, or the three held below would not all fit.
no_server_ends() { [ -z "$(ss -tnH state connected exclude time-wait "( sport = :$1 )")" ]; }
wait_until "earlier connections to be closed by rebel-base" 5 no_server_ends "$port"

timeout 20 "$PY" - "$port" <<'PY' || fail "limits check failed"
import socket, sys, time
port = int(sys.argv[1])

def get(s):
    s.sendall(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
    return s.recv(65536)

# Three idle connections are allowed; the fourth is closed at once.
held = [socket.create_connection(("127.0.0.1", port)) for _ in range(3)]
for s in held:
    assert get(s).startswith(b"HTTP/1.1 200"), "held connection not served"
extra = socket.create_connection(("127.0.0.1", port))
extra.settimeout(2)
try:
    extra.sendall(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
    data = extra.recv(65536)
except (ConnectionResetError, BrokenPipeError):
    data = b""
assert data == b"", "a 4th connection from one client was served: %r" % data[:40]
print("  4th connection refused")

# Idle ones are closed after about 1 s (MHD checks timeouts each second).
start = time.time()
for s in held:
    s.settimeout(5)
    try:
        assert s.recv(1) == b"", "idle connection got data"
    except ConnectionResetError:
        pass
took = time.time() - start
assert 0.5 < took < 4, "idle close after %.1fs" % took
print("  idle connections closed after %.1fs" % took)

# A proxy-sized head (35 headers, ~3.5 KB, more than Envoy adds) fits in 8 KiB.
s = socket.create_connection(("127.0.0.1", port))
s.settimeout(5)
s.sendall(b"GET / HTTP/1.1\r\nHost: x\r\n" + b"".join(b"X-H%d: %s\r\n" % (i, b"v" * 90) for i in range(35)) + b"\r\n")
assert s.recv(65536).startswith(b"HTTP/1.1 200"), "a 3.5 KB head was refused"
s.close()
print("  3.5 KB head served")

# A request head larger than the connection memory is refused, not served.
s = socket.create_connection(("127.0.0.1", port))
s.settimeout(5)
s.sendall(b"GET / HTTP/1.1\r\nHost: x\r\nX-Big: " + b"a" * 20000 + b"\r\n\r\n")
try:
    reply = s.recv(65536)
except ConnectionResetError:
    reply = b""
# 431 says what went wrong; a 500 or a 400 would pass "not served" and mislead.
assert reply.startswith(b"HTTP/1.1 431 "), "oversized head: %r, not a 431" % reply[:40]
print("  oversized head: %r" % reply[:40])
PY
assert_eq 200 "$(http_code "http://127.0.0.1:$port/")" "still serving"
