#!/usr/bin/env bash
# rebel-base given a path that is not a regular file: a FIFO (open() of one blocks
# until a writer comes: rebel-base used to hang there before listening, deaf to
# SIGTERM), a socket, a character device. Each is refused by name in the log, the
# server listens anyway (/readyz 503 until a valid document appears) and SIGTERM
# stops it. A FIFO swapped in behind a served document is refused on reload and
# the last good version stays.
. "$(dirname "$0")/lib.sh"

mkfifo "$TMP/fifo"
"$PY" -c 'import socket, sys; socket.socket(socket.AF_UNIX).bind(sys.argv[1])' "$TMP/sock"
for case in "$TMP/fifo:is a FIFO (named pipe), not a regular file" \
    "$TMP/sock:is a socket, not a regular file" \
    "/dev/zero:is a character device, not a regular file"; do
    path=${case%%:*} want=${case#*:}
    name=rb-$(basename "$path")
    start_rebel "$name" --listen 127.0.0.1:0 --document "$path" --drain 0
    grep -qF "load-failed: $path: $want" "$TMP/$name.log" ||
        fail "$path: no 'load-failed: $path: $want' in the log: $(cat "$TMP/$name.log")"
    assert_eq 503 "$(http_code "http://127.0.0.1:$REBEL_PORT/readyz")" "$path: /readyz"
    kill -TERM "$REBEL_PID"
    wait_exit "$REBEL_PID" 10
    assert_eq 0 "$EXIT_STATUS" "$path: exit status after SIGTERM"
    note "$path: refused ($want), listening, stopped by SIGTERM"
done

# A FIFO swapped in on reload: refused, named, and the last good version served.
vol="$TMP/vol"
kubelet_write "$vol" index.html "$KOORNACHT"
start_rebel rb --listen 127.0.0.1:0 --document "$vol/index.html" --drain 0
base="http://127.0.0.1:$REBEL_PORT"
wait_http "$base/readyz"
ts="..fifo.$RANDOM"
mkdir "$vol/$ts"
mkfifo "$vol/$ts/index.html"
ln -sfn "$ts" "$vol/..data_tmp"
mv -T "$vol/..data_tmp" "$vol/..data"
refused() { grep -q "reload-failed: $vol/index.html: is a FIFO (named pipe), not a regular file; still serving version 1" "$TMP/rb.log"; }
wait_until "the FIFO to be refused on reload" 5 refused
assert_eq "$KOORNACHT" "$(curl -sS --max-time 5 "$base/")"$'\n' "document after the FIFO swap"
assert_eq 200 "$(http_code "$base/readyz")" "/readyz after the FIFO swap"
kill -TERM "$REBEL_PID"
wait_exit "$REBEL_PID" 10
assert_eq 0 "$EXIT_STATUS" "exit status after SIGTERM"
