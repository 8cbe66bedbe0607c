#!/usr/bin/env bash
# rebel-base: an invalid ..data swap is logged and counted; the last good version
# keeps being served and /readyz stays 200; a later valid swap is picked up.
. "$(dirname "$0")/lib.sh"

vol="$TMP/vol"
kubelet_write "$vol" index.html "$KOORNACHT"
start_rebel rb --listen 127.0.0.1:0 --document "$vol/index.html"
base="http://127.0.0.1:$REBEL_PORT"
wait_http "$base/readyz"
failed() { curl -sS "$base/metrics" | sed -n 's/^rebel_base_document_reloads_total{result="failed"} //p'; }
failed_is() { [ "$(failed)" = "$1" ]; }
cluster_is() { [ "$(curl -sS "$base/" | jq -r .Cluster)" = "$1" ]; }
assert_eq 0 "$(failed)" "failures before"

# Logs "watching" once set up, then "open" each time a process opens the file that
# the next ..data swap of DIR puts behind DIR/KEY (inotify). rebel-base re-reads a
# file that is under 2 s old on every watch tick, so these lines show its ticks.
watch_opens() { # watch_opens DIR KEY LOG
    "$PY" - "$@" <<'PY' &
import ctypes, os, struct, sys
vol, key, log = sys.argv[1:4]
IN_OPEN, IN_MOVED_TO = 0x20, 0x80
libc = ctypes.CDLL(None, use_errno=True)
fd = libc.inotify_init()
out = open(log, "w", buffering=1)
if fd < 0 or libc.inotify_add_watch(fd, vol.encode(), IN_MOVED_TO) < 0:
    sys.exit("inotify: " + os.strerror(ctypes.get_errno()))
out.write("watching\n")
file_wd = None
while True:
    buf = os.read(fd, 65536)
    while buf:
        wd, mask, _, n = struct.unpack_from("iIII", buf)
        name = buf[16:16 + n].rstrip(b"\0")
        buf = buf[16 + n:]
        if mask & IN_MOVED_TO and name == b"..data" and file_wd is None:
            file_wd = libc.inotify_add_watch(fd, os.path.realpath(os.path.join(vol, key)).encode(), IN_OPEN)
        elif mask & IN_OPEN and wd == file_wd:
            out.write("open\n")
PY
    PIDS+=($!)
}
opens() { grep -c '^open' "$TMP/opens.log" || true; }
opens_over() { [ "$(opens)" -gt "$1" ]; }

watch_opens "$vol" index.html "$TMP/opens.log"
wait_until "the inotify watch on $vol" 5 grep -q watching "$TMP/opens.log"
kubelet_write "$vol" index.html '{"Cluster": "Tion",'
wait_until "the invalid swap to be counted" 5 failed_is 1
assert_eq 1 "$(failed)" "failures after an invalid swap"
# The file stays young, so rebel-base reads it on each tick: after three more
# reads, a count that still says 1 means the unchanged bad file was not recounted.
seen=$(opens)
wait_until "rebel-base to re-read the unchanged bad file 3 times" 5 opens_over $((seen + 2))
assert_eq 1 "$(failed)" "an unchanged bad file is counted once"
note "the bad file was read $(opens) times while watched, counted once"
curl -sS -o "$TMP/body" "$base/"
printf '%s' "$KOORNACHT" | cmp - "$TMP/body" || fail "old version not served after invalid swap"
assert_eq 200 "$(http_code "$base/readyz")" "readyz after invalid swap"
# The failure is counted, then logged: wait for the line rather than assume it.
wait_until "the invalid swap to be logged" 5 grep -q "reload-failed: $vol/index.html" "$TMP/rb.log"
grep -q "reload-failed: $vol/index.html: invalid JSON at line 1 column 20.*still serving version 1" \
    "$TMP/rb.log" || fail "invalid swap not logged: $(grep reload-failed "$TMP/rb.log")"

# Oversized (> 1 MiB) is refused the same way.
"$PY" -c 'print("[" + "1,"*600000 + "1]")' >"$TMP/big"
kubelet_write "$vol" index.html "$(cat "$TMP/big")"
wait_until "the oversized swap to be counted" 5 failed_is 2
assert_eq 2 "$(failed)" "failures after an oversized swap"
wait_until "the oversized document to be logged" 5 grep -q "too large" "$TMP/rb.log"
assert_eq Koornacht "$(curl -sS "$base/" | jq -r .Cluster)" "still the old version"

kubelet_write "$vol" index.html "$TION"
wait_until "the valid swap to be served" 5 cluster_is Tion
assert_eq Tion "$(curl -sS "$base/" | jq -r .Cluster)" "valid swap after failures"
