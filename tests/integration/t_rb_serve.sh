#!/usr/bin/env bash
# rebel-base serves the document byte-exact on GET and HEAD of / and /index.html,
# as application/json with Content-Length and X-Served-By; probes and metrics answer.
. "$(dirname "$0")/lib.sh"

serve_doc rb "$KOORNACHT" --served-by pod-a
port=$REBEL_PORT doc=$REBEL_DOC

for path in / /index.html; do
    curl -sS -D "$TMP/h" -o "$TMP/body" "http://127.0.0.1:$port$path"
    cmp "$doc" "$TMP/body" || fail "GET $path body differs from the file"
    grep -qi '^content-type: application/json' "$TMP/h" || fail "GET $path: no JSON content type"
    grep -qi "^content-length: $(wc -c <"$doc")" "$TMP/h" || fail "GET $path: content-length"
    grep -qi '^x-served-by: pod-a' "$TMP/h" || fail "GET $path: no X-Served-By"
    grep -q ' 200' <<<"$(head -1 "$TMP/h")" || fail "GET $path: not 200"

    curl -sS -I -o "$TMP/hh" "http://127.0.0.1:$port$path"
    grep -qi "^content-length: $(wc -c <"$doc")" "$TMP/hh" || fail "HEAD $path: content-length"
    grep -qi '^x-served-by: pod-a' "$TMP/hh" || fail "HEAD $path: no X-Served-By"
    # HEAD has no body: the raw exchange ends with the blank line.
    printf 'HEAD %s HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n' "$path" |
        timeout 5 "$PY" -c 'import socket,sys; s=socket.create_connection(("127.0.0.1",int(sys.argv[1]))); s.sendall(sys.stdin.buffer.read()); d=b""
while True:
    c=s.recv(4096)
    if not c: break
    d+=c
sys.stdout.buffer.write(d)' "$port" >"$TMP/raw"
    grep -q '\\r  \\n  \\r  \\n' <<<"$(tail -c 4 "$TMP/raw" | od -c)" || fail "HEAD $path sent a body"
done

# Several requests on one keep-alive connection, all byte-exact.
curl -sS -o "$TMP/k1" -o "$TMP/k2" -o "$TMP/k3" -w '%{num_connects}\n' \
    "http://127.0.0.1:$port/" "http://127.0.0.1:$port/index.html" "http://127.0.0.1:$port/" >"$TMP/nc"
for f in k1 k2 k3; do cmp "$doc" "$TMP/$f" || fail "keep-alive reply $f differs"; done
assert_eq "1 0 0" "$(tr '\n' ' ' <"$TMP/nc" | sed 's/ $//')" "connections opened for 3 keep-alive requests"

assert_eq '{"status":"ok"}' "$(curl -sS "http://127.0.0.1:$port/healthz")" "healthz body"
assert_eq '{"ready":true}' "$(curl -sS "http://127.0.0.1:$port/readyz")" "readyz body"
metrics=$(curl -sS "http://127.0.0.1:$port/metrics")
assert_match 'rebel_base_http_requests_total\{path="/",code="200"\} [1-9]' "$metrics" "metrics count /"
assert_match "rebel_base_document_bytes $(wc -c <"$doc")" "$metrics" "metrics bytes"
assert_match 'rebel_base_build_info\{version="[0-9.]+"' "$metrics" "build info"
assert_match 'rebel_base_open_connections [0-9]+' "$metrics" "open connections"
grep -q 'listen: listening on 127.0.0.1:' "$TMP/rb.log" || fail "no listen line in the log"
