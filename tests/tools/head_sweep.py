#!/usr/bin/env python3
"""head_sweep: sends request heads of exact sizes and checks that each gets a
status line, never a silent close.

    head_sweep.py HOST PORT --path /healthz --pool BYTES [--keepalive] [--jobs 4]

A head ends with an empty line, so the smallest is 4 bytes ("G \\n\\n"). Sizes:
every byte from 4 to 600 and from POOL-1100 to POOL+200 (the connection memory,
where a head stops fitting), every 61st byte elsewhere up to 64 KiB. Shapes:
  header  "GET PATH HTTP/1.1\\r\\nHost: x\\r\\nX-Pad: aaa...\\r\\n\\r\\n" (431 when too large)
  path    "GET PATHaaa... HTTP/1.1\\r\\nHost: x\\r\\n\\r\\n" (404, then 431 or 414), near POOL
  query   "GET PATH?aaa... HTTP/1.1\\r\\nHost: x\\r\\n\\r\\n", POOL-300 to POOL+200
  line    "GARBAGEaaa...\\r\\n\\r\\n", a request line without a space (400, or 414
          when longer than the pool), 4 to 600 bytes and near POOL
and below 37 bytes the smallest heads that say the same: "G aaa\\n\\n" (400),
"GET PATH?a HTTP/1.1\\r\\n\\r\\n". With --keepalive each head near POOL (and each
line shape) is sent as the second request of a connection, after a small one was
answered.

The query and line shapes wait --quick-timeout (1 s) for their status line,
many at once: libmicrohttpd 0.9.75 stalled on a query string that left no room
for its argument record (until the 10 s header timeout) and closed lines without
a space silently; common/head_refusal.c and common/line_refusal.c answer them.

Every head must get a status line: 200, 400, 404, 414 or 431. Prints, per
shape, the largest size answered 200 (404 for path) and the smallest refused,
the counts per status, and each silent close (up to 20); exit 0 when there was
none, 1 otherwise.
"""
import argparse
import concurrent.futures
import re
import socket
import sys

ALLOWED = {200, 400, 404, 414, 431}
STATUS = re.compile(rb"HTTP/1\.[01] (\d{3}) ")


def head(shape, n, path):
    """The request head of exactly n bytes in the given shape, or None."""
    p = path.encode()
    if n < 4:
        return None
    if shape == "header":
        base = b"GET " + p + b" HTTP/1.1\r\nHost: x\r\nX-Pad: "
        if n >= len(base) + 4:
            return base + b"a" * (n - len(base) - 4) + b"\r\n\r\n"
    if shape == "line":
        return b"GARBAGE"[:n - 4] + b"a" * max(0, n - 11) + b"\r\n\r\n" if n > 4 else None
    if shape in ("path", "query"):
        sep = b"?" if shape == "query" else b""
        base = b"GET " + p + sep + b" HTTP/1.1\r\nHost: x\r\n\r\n"
        if n >= len(base):
            k = n - len(base)
            return b"GET " + p + sep + b"a" * k + b" HTTP/1.1\r\nHost: x\r\n\r\n"
    small = b"GET " + p + b" HTTP/1.1\r\n\r\n"
    if n == len(small):
        return small
    if n > len(small):
        k = n - len(small)
        return b"GET " + p + b"?" + b"a" * (k - 1) + b" HTTP/1.1\r\n\r\n"
    return b"G " + b"a" * (n - 4) + b"\n\n"


def read_reply(s):
    """The status of the next reply on s (its body read by Content-Length), or
    None when the connection closed first."""
    buf = b""
    while b"\r\n\r\n" not in buf:
        chunk = s.recv(65536)
        if not chunk:
            return None, buf
        buf += chunk
    m = STATUS.match(buf)
    if not m:
        return "junk", buf
    end = buf.index(b"\r\n\r\n") + 4
    cl = re.search(rb"(?im)^content-length:\s*(\d+)", buf[:end])
    need = end + (int(cl.group(1)) if cl else 0)
    while len(buf) < need:
        chunk = s.recv(65536)
        if not chunk:
            break
        buf += chunk
    return int(m.group(1)), buf[need:]


def one(args, shape, n, keepalive):
    data = head(shape, n, args.path)
    if data is None:
        return None
    assert len(data) == n, (shape, n, len(data))
    try:
        with socket.create_connection((args.host, args.port), timeout=args.timeout) as s:
            if keepalive:
                s.sendall(b"GET " + args.path.encode() + b" HTTP/1.1\r\nHost: x\r\n\r\n")
                first, _ = read_reply(s)
                if first != 200:
                    return (shape, n, keepalive, "first request got %r" % (first,))
            try:
                s.sendall(data)
            except OSError:
                # A server may answer (431, 414) before the whole head is in and
                # close: the rest of the head then meets a reset. What it sent
                # first is still in our receive queue, as a browser would read it.
                pass
            status, _ = read_reply(s)
    except socket.timeout:
        status = "timeout"
    except OSError as e:
        status = "closed (%s)" % e.__class__.__name__
    if status is None:
        status = "closed"
    return (shape, n, keepalive, status)


def sizes(pool, limit):
    near = set(range(max(4, pool - 1100), pool + 201))
    every = set(range(4, 601)) | near | set(range(4, limit + 1, 61)) | {limit}
    return sorted(every), sorted(near)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("host")
    ap.add_argument("port", type=int)
    ap.add_argument("--path", default="/")
    ap.add_argument("--pool", type=int, required=True)
    ap.add_argument("--limit", type=int, default=65536)
    ap.add_argument("--keepalive", action="store_true")
    ap.add_argument("--jobs", type=int, default=4)
    ap.add_argument("--timeout", type=float, default=10)
    ap.add_argument("--quick-timeout", type=float, default=1)
    args = ap.parse_args()

    every, near = sizes(args.pool, args.limit)
    shapes = ("header", "path", "query", "line")
    work = [("header", n, False) for n in every] + [("path", n, False) for n in near]
    if args.keepalive:
        work += [(shape, n, True) for shape in shapes[:2] for n in near]
    with concurrent.futures.ThreadPoolExecutor(args.jobs) as ex:
        results = [r for r in ex.map(lambda w: one(args, *w), work) if r]
    # A stall here is the bug: a short wait, many at once.
    qargs = argparse.Namespace(**vars(args))
    qargs.timeout = min(args.timeout, args.quick_timeout)
    qwork = [("query", n, False) for n in near if n >= args.pool - 300]
    lines = [n for n in every if n <= 600 or n in near]
    qwork += [("line", n, False) for n in lines]
    if args.keepalive:
        qwork += [("query", n, True) for n in near if n >= args.pool - 300]
        qwork += [("line", n, True) for n in lines[::7]]
    with concurrent.futures.ThreadPoolExecutor(16) as ex:
        results += [r for r in ex.map(lambda w: one(qargs, *w), qwork) if r]

    # Under a loaded machine (the sweep's 16 clients at once among them) a
    # thread-per-connection server's close can overtake its reply. A head that
    # got no status line is tried again, alone, twice: a real silent close
    # fails every time; how many needed it is printed.
    retried = 0
    for i, r in enumerate(results):
        for _ in range(2):
            if r[3] in ALLOWED:
                break
            retried += 1
            r = one(qargs if r[0] in ("query", "line") else args, r[0], r[1], r[2]) or r
        results[i] = r
    bad = [r for r in results if r[3] not in ALLOWED]
    for shape in shapes:
        for ka in (False, True):
            rs = [r for r in results if r[0] == shape and r[2] == ka]
            if not rs:
                continue
            ok = [r[1] for r in rs if r[3] in (200, 404) and r[1] > 600]
            refused = [r[1] for r in rs if r[3] in (414, 431) and r[1] > 600]
            counts = {}
            for r in rs:
                counts[r[3]] = counts.get(r[3], 0) + 1
            print("  %-6s %-10s %5d heads %4d..%-5d largest 200/404: %-6s smallest 414/431: %-6s %s" % (
                shape, "keep-alive" if ka else "new conn", len(rs), rs[0][1], rs[-1][1],
                max(ok) if ok else "-", min(refused) if refused else "-",
                " ".join("%s:%d" % (k, v) for k, v in sorted(counts.items(), key=str))))
    for r in bad[:20]:
        print("  SILENT or unexpected: %s head of %d bytes%s: %s" % (
            r[0], r[1], " (2nd on a keep-alive connection)" if r[2] else "", r[3]))
    print("head_sweep: %d heads judged, %d without a status line (200, 400, 404, 414 or 431); "
          "%d tries again" % (len(results), len(bad), retried))
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
