#!/usr/bin/env python3
"""xw_values: an HTTP server whose every reply carries a value of its own, for
xwing's exact-counting scenario (t_xw_exact): rebel-base serves one document,
so it can never show xwing more than one value per server.

Each request path keeps its own counter, so one server serves several runs
that each start at 1: the i-th GET of a path answers
    {"Cluster": "c<i>"}   with the header   X-Served-By: pod-<i>
Usage: xw_values.py --port 0   (prints "listening: 127.0.0.1:PORT" once bound)
"""
import argparse
import http.server
import sys
import threading


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.0"  # one request per connection, as xwing asks

    def do_GET(self):  # noqa: N802 (the stdlib's name)
        with self.server.lock:
            i = self.server.counts.get(self.path, 0) + 1
            self.server.counts[self.path] = i
        body = ('{"Cluster": "c%d"}\n' % i).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("X-Served-By", "pod-%d" % i)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass  # a line per request would only slow the run down


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--port", type=int, default=0)
    args = ap.parse_args()
    srv = http.server.ThreadingHTTPServer(("127.0.0.1", args.port), Handler)
    srv.daemon_threads = True
    srv.request_queue_size = 128
    srv.lock = threading.Lock()
    srv.counts = {}
    host, port = srv.server_address[:2]
    print("listening: %s:%d" % (host, port), flush=True)
    try:
        srv.serve_forever()
    except KeyboardInterrupt:
        pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
