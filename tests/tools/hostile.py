#!/usr/bin/env python3
"""A misbehaving HTTP server for xwing's tests (stdlib only).

    hostile.py --port P --mode MODE [--doc JSON] [--size BYTES] [--status CODE]
               [--served-by NAME] [--location URL] [--host 127.0.0.1]

With --port 0 the kernel picks the port; once the socket listens the script
prints `listening: HOST:PORT` (flushed) with the port really bound, which is
what tests read (lib.sh start_helper): a port picked beforehand would race.

Every mode answers GET /healthz with 200 so tests can wait for it; any other
request gets the mode's behaviour. A mode is one function decorated with
@mode("name"), called as fn(conn, args) once the request head has been read
(conn is the socket, args the parsed command line): adding a mode is adding
one function. --help lists the modes with their docstrings.
"""
import argparse
import socket
import socketserver
import sys
import threading
import time

KOORNACHT = b'{"Cluster": "Koornacht", "Planet": "N\'Zoth"}\n'
MODES = {}


def mode(name):
    def register(fn):
        MODES[name] = fn
        return fn
    return register


def respond(conn, status, body, ctype="application/json", extra=()):
    head = ["HTTP/1.1 %d X" % status, "Content-Type: " + ctype,
            "Content-Length: %d" % len(body), "Connection: close"]
    head += list(extra)
    conn.sendall(("\r\n".join(head) + "\r\n\r\n").encode() + body)


def served_by(args):
    return ["X-Served-By: " + args.served_by] if args.served_by else []


@mode("json")
def mode_json(conn, args):
    """200 with --doc (default: the Koornacht document)."""
    respond(conn, 200, args.doc.encode() if args.doc else KOORNACHT, extra=served_by(args))


@mode("not-json")
def mode_not_json(conn, args):
    """200 with an HTML page, as nginx's default would answer."""
    respond(conn, 200, b"<html><body>Welcome to nginx!</body></html>\n", "text/html")


@mode("huge")
def mode_huge(conn, args):
    """200 with --size bytes of JSON-ish filler and an honest Content-Length."""
    body = b'{"Cluster": "' + b"x" * max(0, args.size - 16) + b'"}\n'
    respond(conn, 200, body)


@mode("huge-chunked")
def mode_huge_chunked(conn, args):
    """200 with --size bytes, chunked: no Content-Length to reject early."""
    conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                 b"Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n")
    left = args.size
    while left > 0:
        n = min(left, 16384)
        conn.sendall(b"%x\r\n" % n + b"y" * n + b"\r\n")
        left -= n
    conn.sendall(b"0\r\n\r\n")


@mode("status")
def mode_status(conn, args):
    """--status (default 500) with a JSON error body."""
    respond(conn, args.status, b'{"error": "hostile"}\n')


@mode("hang")
def mode_hang(conn, args):
    """Accepts, reads the request, never answers (until the client leaves)."""
    conn.settimeout(None)
    try:
        while conn.recv(4096):
            pass
    except OSError:
        pass


@mode("close")
def mode_close(conn, args):
    """Closes the connection without a byte of answer."""
    return


@mode("no-key")
def mode_no_key(conn, args):
    """Valid JSON without the Cluster field."""
    respond(conn, 200, b'{"Planet": "Nowhere"}\n', extra=served_by(args))


@mode("redirect")
def mode_redirect(conn, args):
    """302 to --location, with a JSON body of its own."""
    respond(conn, 302, b'{"Cluster": "redirector"}\n', extra=["Location: " + args.location])




def read_head(conn):
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = conn.recv(4096)
        if not chunk or len(data) > 65536:
            return None
        data += chunk
    return data.split(b"\r\n", 1)[0].decode("latin-1")


class Handler(socketserver.BaseRequestHandler):
    def handle(self):
        conn, args = self.request, self.server.args
        conn.settimeout(30)
        try:
            line = read_head(conn)
            if line is None:
                return
            parts = line.split(" ")
            if len(parts) >= 2 and parts[1] == "/healthz":
                respond(conn, 200, b'{"status": "ok"}\n')
                return
            MODES[args.mode](conn, args)
        except OSError:
            pass


class Server(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 128


def main():
    p = argparse.ArgumentParser(
        description=__doc__.splitlines()[0], formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog="modes:\n" + "\n".join("  %-13s %s" % (n, f.__doc__) for n, f in sorted(MODES.items())))
    p.add_argument("--port", type=int, required=True, help="0: the kernel picks")
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--mode", required=True, choices=sorted(MODES))
    p.add_argument("--doc", default="")
    p.add_argument("--size", type=int, default=1 << 20)
    p.add_argument("--status", type=int, default=500)
    p.add_argument("--served-by", default="")
    p.add_argument("--location", default="http://127.0.0.1:1/", help="where --mode redirect sends")
    args = p.parse_args()
    srv = Server((args.host, args.port), Handler)  # binds and listens
    srv.args = args
    host, port = srv.socket.getsockname()[:2]
    print("hostile: mode %s" % args.mode, flush=True)
    print("listening: %s:%d" % (host, port), flush=True)
    try:
        srv.serve_forever()
    except KeyboardInterrupt:
        pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
