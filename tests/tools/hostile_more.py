#!/usr/bin/env python3
"""hostile_more: misbehaving HTTP servers on loopback, one port per mode, to check
that xwing lands each in a failure row within its timeout and never crashes.

    hostile_more.py [--modes a,b,...] [--ports-file F] [--max-seconds S]

Listens for every mode on its own 127.0.0.1 port 0 (the kernel picks, so no port
is chosen first and bound later, which would race with other sockets), and once
all of them listen writes "MODE PORT" lines to --ports-file (atomically: a
rename) or stdout; then serves until --max-seconds (default 300) or SIGTERM.
Every connection is bounded too (CONN_MAX_SECONDS), so a stuck client cannot
keep this process busy. Modes (and the row xwing should show):

  endless          200, no Content-Length, body streams forever   -> too-large
  endless-headers  header lines forever, never a blank line        -> other/too-large
  drip             valid reply, one byte every 0.5 s               -> timeout
  cl-long          Content-Length 1000, 45 bytes, close            -> other
  cl-short         Content-Length 10 for a 45-byte body            -> not-json
  reset            headers + half the body, then a TCP reset        -> other
  nonutf8          {"Cluster": "<invalid UTF-8 bytes>"}             -> a reply (label sanitised) or not-json
  deep             [[[[...]]]] nested 100,000 deep (200 kB)        -> too-large (not-json with --max-body 1M)
  huge-cl          Content-Length 1 GiB, then zeros                -> too-large
  redirect         302 to itself, forever                          -> http 302 or other
  blackhole        accepts and never reads nor writes              -> timeout
  garbage          non-HTTP bytes                                  -> not-http
"""
import argparse
import os
import signal
import socket
import socketserver
import struct
import sys
import threading
import time

CONN_MAX_SECONDS = 30
GOOD = b'{"Cluster": "Koornacht", "Planet": "N\'Zoth"}\n'


def read_request(sock):
    """Reads up to the end of the request headers (bounded); returns the bytes."""
    sock.settimeout(5)
    buf = b""
    try:
        while b"\r\n\r\n" not in buf and len(buf) < 65536:
            chunk = sock.recv(4096)
            if not chunk:
                break
            buf += chunk
    except OSError:
        pass
    return buf


def head(status, extra=b"", length=None):
    h = b"HTTP/1.1 " + status + b"\r\nContent-Type: application/json\r\n"
    if length is not None:
        h += b"Content-Length: %d\r\n" % length
    return h + extra + b"Connection: close\r\n\r\n"


def send_for(sock, gen, deadline):
    """Sends chunks from gen until the peer goes away or the deadline passes."""
    sock.settimeout(2)
    try:
        for chunk in gen:
            if time.monotonic() > deadline:
                return
            sock.sendall(chunk)
    except OSError:
        return


def forever(chunk):
    while True:
        yield chunk


def mode_endless(s, dl):
    s.sendall(head(b"200 OK") + b'{"Cluster": "')
    send_for(s, forever(b"a" * 16384), dl)


def mode_endless_headers(s, dl):
    s.sendall(b"HTTP/1.1 200 OK\r\n")
    send_for(s, forever(b"X-Filler: " + b"b" * 80 + b"\r\n"), dl)


def mode_drip(s, dl):
    data = head(b"200 OK", length=len(GOOD)) + GOOD

    def drip():
        for i in range(len(data)):
            yield data[i:i + 1]
            time.sleep(0.5)
    send_for(s, drip(), dl)


def mode_cl_long(s, dl):
    s.sendall(head(b"200 OK", length=1000) + GOOD)


def mode_cl_short(s, dl):
    s.sendall(head(b"200 OK", length=10) + GOOD)


def mode_reset(s, dl):
    s.sendall(head(b"200 OK", length=len(GOOD)) + GOOD[:20])
    time.sleep(0.05)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))


def mode_nonutf8(s, dl):
    body = b'{"Cluster": "Koorn\xff\xfe\xc3(acht\xed\xa0\x80\xf8\x88\x80\x80\x80", "Planet": "\xc0\xaf"}\n'
    s.sendall(head(b"200 OK", length=len(body)) + body)


def mode_deep(s, dl):
    body = b"[" * 100000 + b"]" * 100000
    s.sendall(head(b"200 OK", length=len(body)))
    send_for(s, [body[i:i + 65536] for i in range(0, len(body), 65536)], dl)


def mode_huge_cl(s, dl):
    s.sendall(head(b"200 OK", length=1 << 30))
    send_for(s, forever(b"\0" * 65536), dl)


def mode_redirect(s, dl, port=0):
    s.sendall(head(b"302 Found", extra=b"Location: http://127.0.0.1:%d/\r\n" % port, length=0))


def mode_blackhole(s, dl):
    while time.monotonic() < dl:
        time.sleep(0.2)


def mode_garbage(s, dl):
    s.sendall(b"\x00\x01\x02garbage \xff\xfe not http at all\r\n\r\n" * 4)


MODES = {
    "endless": mode_endless, "endless-headers": mode_endless_headers, "drip": mode_drip,
    "cl-long": mode_cl_long, "cl-short": mode_cl_short, "reset": mode_reset,
    "nonutf8": mode_nonutf8, "deep": mode_deep, "huge-cl": mode_huge_cl,
    "redirect": mode_redirect, "blackhole": mode_blackhole, "garbage": mode_garbage,
}


def make_handler(mode, port_box):
    class H(socketserver.BaseRequestHandler):
        def handle(self):
            s = self.request
            dl = time.monotonic() + CONN_MAX_SECONDS
            if mode != "blackhole":
                read_request(s)
            try:
                if mode == "redirect":
                    mode_redirect(s, dl, port_box[0])
                else:
                    MODES[mode](s, dl)
            except OSError:
                pass
    return H


class Server(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 128


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--modes", default=",".join(MODES))
    ap.add_argument("--ports-file")
    ap.add_argument("--max-seconds", type=float, default=300)
    a = ap.parse_args()
    servers, lines = [], []
    for m in a.modes.split(","):
        if m not in MODES:
            sys.exit("hostile_more: unknown mode %r (have %s)" % (m, ", ".join(MODES)))
        box = [0]
        srv = Server(("127.0.0.1", 0), make_handler(m, box))
        box[0] = srv.server_address[1]
        servers.append(srv)
        lines.append("%s %d" % (m, box[0]))
        threading.Thread(target=srv.serve_forever, daemon=True).start()
    out = "\n".join(lines) + "\n"
    if a.ports_file:
        tmp = a.ports_file + ".tmp"
        with open(tmp, "w") as f:
            f.write(out)
        os.rename(tmp, a.ports_file)
    else:
        sys.stdout.write(out)
        sys.stdout.flush()
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    stop.wait(a.max_seconds)
    # Daemon threads may be mid-send; exit without waiting for them.
    os._exit(0)


if __name__ == "__main__":
    main()
