#!/usr/bin/env bash
# Malformed and abusive HTTP against rebel-base: oversized request line
# and headers, bad methods, HTTP/0.9, garbage, smuggling attempts, bodies on GET,
# pipelining, ... Each must get a clean 4xx (or the case's allowed answer) or a
# close, never a hang, and /healthz must answer 200 after every case; the server
# must still serve the document byte-exact at the end and exit 0 on SIGTERM.
source "$(dirname "$0")/lib.sh"

kubelet_write "$TMP/doc" index.html "$KOORNACHT"
start_rebel rb --listen 127.0.0.1:0 --document "$TMP/doc/index.html" --served-by hard-1 --drain 0
port=$REBEL_PORT
wait_http "http://127.0.0.1:$port/readyz" 200 20

# Under valgrind everything is ~20x slower: give each case more time.
tmo=5
[ "${VALGRIND:-0}" = 1 ] && tmo=20
out=$("$PY" "$ROOT/tests/tools/malformed.py" 127.0.0.1 "$port" --timeout "$tmo") || {
    echo "$out"
    fail "some malformed requests were not answered cleanly (table above)"
}
echo "$out"
assert_match "malformed: [0-9]+ cases, 0 bad" "$(tail -1 <<<"$out")" "summary"

kill -0 "$REBEL_PID" || fail "rebel-base died during the malformed requests"
body=$(curl -s --max-time 5 "http://127.0.0.1:$port/")
assert_eq "$KOORNACHT" "$body"$'\n' "document after the malformed requests"
kill -TERM "$REBEL_PID"
# wait_exit in this shell, not in $(...): a subshell cannot wait for our child.
wait_exit "$REBEL_PID" 30
assert_eq 0 "$EXIT_STATUS" "exit status after SIGTERM"
