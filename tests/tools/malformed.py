#!/usr/bin/env python3
"""malformed: sends malformed and abusive HTTP/1.x requests to a server and checks
that each gets a clean answer (a 4xx, or the case's allowed statuses) or a close,
never a hang, a crash or a leak of something it should not serve, and that
GET /healthz answers 200 after every case.

    malformed.py HOST PORT [--timeout S] [--only SUBSTR] [--path /healthz] [--one-per-connection]

--path is what the well-formed parts of the cases ask for (default /, the
document; /healthz suits a server without a document, like `xwing serve`).

Prints one table line per case (what it got), then a summary; exit 0 when every
case held, 1 otherwise. python3 stdlib only; loopback only by intent.
"""
import argparse
import re
import socket
import sys
import threading
import time

FOURXX = set(range(400, 500))


def case_list(path=b"/", one_per_conn=False):
    big = 100_000
    c = []

    def add(name, data, ok=FOURXX, close_ok=True, check=None, **kw):
        c.append(dict(name=name, data=data, ok=set(ok), close_ok=close_ok, check=check, **kw))

    add("long request line (100 kB URI)",
        b"GET /" + b"a" * big + b" HTTP/1.1\r\nHost: x\r\n\r\n")
    add("huge header (100 kB value)",
        b"GET / HTTP/1.1\r\nHost: x\r\nX-Big: " + b"b" * big + b"\r\n\r\n")
    add("many headers (10,000)",
        b"GET / HTTP/1.1\r\nHost: x\r\n" + b"".join(b"X-H%d: v\r\n" % i for i in range(10000)) + b"\r\n")
    add("bad method FOO", b"FOO / HTTP/1.1\r\nHost: x\r\n\r\n", ok=FOURXX | {501})
    add("method with NUL", b"G\x00T / HTTP/1.1\r\nHost: x\r\n\r\n", ok=FOURXX | {501})
    add("DELETE /", b"DELETE / HTTP/1.1\r\nHost: x\r\n\r\n", ok={405})
    add("HTTP/0.9 simple request", b"GET /\r\n\r\n", ok=FOURXX | {505})
    add("HTTP/2.0 in a 1.x request line", b"GET / HTTP/2.0\r\nHost: x\r\n\r\n", ok=FOURXX | {505})
    # RFC 9112 wants a 400; libmicrohttpd 0.9.75 serves it. Either is clean.
    add("HTTP/1.1 without Host", b"GET / HTTP/1.1\r\n\r\n", ok=FOURXX | {200})
    add("header line without colon", b"GET / HTTP/1.1\r\nHost: x\r\nNoColonHere\r\n\r\n")
    add("garbage bytes (4 kB)", bytes((i * 131 + 7) % 256 for i in range(4096)) + b"\r\n\r\n")
    # The URL ends at the NUL for a C server: serving "/" is fine, a file is not.
    add("NUL in path", b"GET /\x00../etc/passwd HTTP/1.1\r\nHost: x\r\n\r\n", ok=FOURXX | {200},
        check=no_leak)
    add("path traversal", b"GET /../../../../etc/passwd HTTP/1.1\r\nHost: x\r\n\r\n", ok={400, 403, 404},
        check=no_leak)
    add("bad percent-encoding", b"GET /%zz%%%00 HTTP/1.1\r\nHost: x\r\n\r\n", ok={400, 404})
    add("Content-Length not a number", b"GET / HTTP/1.1\r\nHost: x\r\nContent-Length: abc\r\n\r\n")
    add("Content-Length 20 digits", b"GET / HTTP/1.1\r\nHost: x\r\nContent-Length: 99999999999999999999\r\n\r\n")
    add("two different Content-Lengths",
        b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nContent-Length: 7\r\n\r\nhello")
    add("Content-Length with chunked (smuggling)",
        b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n"
        b"GET /smuggled HTTP/1.1\r\nHost: x\r\n\r\n", ok=FOURXX, max_replies=2, stop_after=2, no_status={200})
    add("bad chunk size", b"POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nabc\r\n")
    add("large body on GET (8 MB, all sent)",
        b"GET / HTTP/1.1\r\nHost: x\r\nContent-Length: 8388608\r\n\r\n", body_bytes=8 << 20,
        ok=FOURXX | {200})
    # Answering (even 200) and closing without reading the gigabyte is fine;
    # waiting for it is not.
    add("large body on GET (1 GB announced, 4 MB sent)",
        b"GET / HTTP/1.1\r\nHost: x\r\nContent-Length: 1073741824\r\n\r\n", body_bytes=4 << 20,
        ok=FOURXX | {200})
    add("1 GB body on POST (announced, 4 MB sent)",
        b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 1073741824\r\n\r\n", body_bytes=4 << 20)
    add("pipelined: 3 GETs in one write",
        b"GET / HTTP/1.1\r\nHost: x\r\n\r\n" * 2 + b"GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
        ok={200}, close_ok=False, want_replies=3, stop_after=3)
    add("pipelined: GET then garbage",
        b"GET / HTTP/1.1\r\nHost: x\r\n\r\n\x01\x02\x03 junk junk\r\n\r\n", ok={200} | FOURXX,
        max_replies=2, stop_after=2)
    # libmicrohttpd drops a line without a space unanswered; the 400 comes
    # from common/line_refusal.c, for a line pipelined behind an answered
    # request too (it counts what each request's head took).
    add("pipelined: GET then a line without a space",
        b"GET / HTTP/1.1\r\nHost: x\r\n\r\nGARBAGE\r\n\r\n", ok={200, 400},
        want_replies=2, stop_after=2)
    # libmicrohttpd 0.9.75 (epoll) misses ~10-30% of such half-closes: the
    # connection then stays until the idle timeout (--idle-timeout) closes it.
    # Bounded, so allowed; the server must keep answering others meanwhile.
    add("request line only, then half-close", b"GET / HTTP/1.1\r\n", half_close=True, ok=FOURXX,
        idle_ok=True)
    if one_per_conn:
        # A server that answers one request per connection and closes (xwing
        # serve) answers the first pipelined request only: that is a clean close.
        for x in c:
            if x["name"].startswith("pipelined"):
                x.update(want_replies=None, stop_after=1, max_replies=1, close_ok=False)
    if path != b"/":
        for x in c:
            x["data"] = x["data"].replace(b" / HTTP/", b" " + path + b" HTTP/")
    return c


def no_leak(body):
    return None if b"root:" not in body else "served /etc/passwd"


STATUS = re.compile(rb"HTTP/1\.[01] (\d{3})")


def parse_replies(buf, closed=True):
    """Splits buf into whole (status, body) replies using Content-Length (or the
    close, when there is none); stops at the first one it cannot delimit."""
    out = []
    while True:
        end = buf.find(b"\r\n\r\n")
        if end < 0:
            break
        m = STATUS.match(buf)
        if not m:
            out.append(("junk", buf))
            break
        hdr = buf[:end].decode("latin-1")
        cl = re.search(r"(?im)^content-length:\s*(\d+)", hdr)
        if not cl and not closed:
            break
        n = int(cl.group(1)) if cl else len(buf) - end - 4
        if len(buf) - end - 4 < n and not closed:
            break
        out.append((int(m.group(1)), buf[end + 4:end + 4 + n]))
        buf = buf[end + 4 + n:]
    return out


def run_case(host, port, case, timeout):
    s = socket.create_connection((host, port), timeout=timeout)
    sent_err = []

    def sender():
        try:
            s.sendall(case["data"])
            left = case.get("body_bytes", 0)
            chunk = b"x" * 65536
            while left > 0:
                s.sendall(chunk[:min(left, len(chunk))])
                left -= len(chunk)
            if case.get("half_close"):
                s.shutdown(socket.SHUT_WR)
        except OSError as e:
            sent_err.append(e.__class__.__name__)

    t = threading.Thread(target=sender, daemon=True)
    t.start()
    buf, how = b"", "closed"
    deadline = time.monotonic() + timeout
    try:
        while time.monotonic() < deadline and len(buf) < (8 << 20):
            s.settimeout(max(0.05, deadline - time.monotonic()))
            chunk = s.recv(65536)
            if not chunk:
                break
            buf += chunk
            # Enough whole replies and the connection is still open: a
            # keep-alive server waiting for the next request, not a hang.
            if len(parse_replies(buf, closed=False)) >= case.get("stop_after", 1):
                how = "open"
                try:
                    s.settimeout(0.1)
                    if s.recv(1) == b"":
                        how = "closed"
                except ConnectionResetError:
                    how = "reset"
                except OSError:
                    pass
                break
        else:
            how = "timeout"
    except socket.timeout:
        how = "timeout"
    except ConnectionResetError:
        how = "reset"
    except OSError as e:
        how = e.__class__.__name__
    s.close()
    t.join(1)
    return parse_replies(buf), how, buf


def judge(case, replies, how):
    """Returns None when the outcome is acceptable, else the reason."""
    statuses = [r[0] for r in replies]
    if how == "timeout" and not replies and not case.get("idle_ok"):
        return "no answer and no close within the timeout"
    if "junk" in statuses:
        return "reply that is not HTTP"
    if not replies:
        return None if case["close_ok"] else "closed without a reply"
    if case.get("want_replies") and len(replies) != case["want_replies"]:
        return "expected %d replies, got %d" % (case["want_replies"], len(replies))
    if len(replies) > case.get("max_replies", case.get("want_replies", 1)):
        return "%d replies to one request" % len(replies)
    for st, body in replies:
        if st in case.get("no_status", ()):
            return "status %d (request smuggled?)" % st
    first = statuses[0]
    if first not in case["ok"]:
        return "status %s not in the allowed set" % first
    if case.get("check"):
        for _, body in replies:
            why = case["check"](body)
            if why:
                return why
    return None


def healthz(host, port):
    try:
        s = socket.create_connection((host, port), timeout=3)
        s.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        buf = b""
        while True:
            chunk = s.recv(4096)
            if not chunk:
                break
            buf += chunk
        s.close()
        m = STATUS.match(buf)
        return int(m.group(1)) if m else 0
    except OSError:
        return 0


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("host")
    ap.add_argument("port", type=int)
    ap.add_argument("--timeout", type=float, default=5)
    ap.add_argument("--only", default="")
    ap.add_argument("--path", default="/")
    ap.add_argument("--one-per-connection", action="store_true",
                    help="the server closes after each reply (no keep-alive)")
    a = ap.parse_args()
    bad = 0
    n = 0
    print("  %-46s %-34s %-8s %s" % ("case", "got", "healthz", "verdict"))
    for case in case_list(a.path.encode(), a.one_per_connection):
        if a.only not in case["name"]:
            continue
        n += 1
        t0 = time.monotonic()
        replies, how, _ = run_case(a.host, a.port, case, a.timeout)
        ms = (time.monotonic() - t0) * 1000
        why = judge(case, replies, how)
        hz = healthz(a.host, a.port)
        if hz != 200:
            why = (why + "; " if why else "") + "healthz %d afterwards" % hz
        got = ",".join(str(r[0]) for r in replies) or "-"
        got = "%s then %s (%.0f ms)" % (got, how, ms)
        print("  %-46s %-34s %-8s %s" % (case["name"][:46], got, hz, "ok" if not why else "BAD: " + why))
        bad += why is not None
    print("malformed: %d cases, %d bad" % (n, bad))
    sys.exit(1 if bad else 0)


if __name__ == "__main__":
    main()
