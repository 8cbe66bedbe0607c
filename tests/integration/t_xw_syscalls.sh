#!/usr/bin/env bash
# What xwing asks of the kernel per request, on the dev binary: the costs found with
# make bench stay fixed. With a new connection per request (the default):
#   - no setsockopt: TCP_NODELAY is left off (7% of the client's CPU per request);
#   - besides poll, 13 syscalls a request (libcurl 7.88: socket, fcntl x2, connect,
#     getsockopt, getsockname x3, getpeername x2, sendto, recvfrom, close); an engine
#     that added epoll_ctl calls per request (tried: 17.3 in all, and slower) goes over;
#   - "Connection: close" is sent, so the server closes first and the TIME_WAIT
#     sockets are (nearly all) on its side, not on ours (they hold our ports;
#     connect() searches past them).
# --keepalive keeps libcurl's TCP_NODELAY, once per connection.
source "$(dirname "$0")/lib.sh"
own_loopback # its TIME_WAIT count is of this server's address only
need strace "it counts the syscalls (tests/deps.sh installs it)"
[ "${VALGRIND:-0}" = 1 ] && skip "strace and valgrind do not stack"

serve_doc k "$KOORNACHT"
n=200

traced() { # traced NAME XWING-ARGS...: strace -c -f summary in $TMP/NAME.strace
    local name=$1
    shift
    # LeakSanitizer cannot run under ptrace: an ASan build (make asan) leaves it out here.
    ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0 strace -f -qq -c -o "$TMP/$name.strace" "$BIN/xwing" "$@" >"$TMP/$name.out" 2>&1 ||
        fail "xwing $*: $(tail -3 "$TMP/$name.out")"
}
calls() { # calls NAME SYSCALL: how many times it was made
    awk -v s="$2" '$NF == s { n = $4 } END { print n + 0 }' "$TMP/$1.strace"
}

# The baseline: start-up and shut-down with no request at all.
traced base -n 1 -c 1 "$LO:$REBEL_PORT"
tw() { ss -Htan state time-wait "( $1 = $LO:$REBEL_PORT )" | wc -l; }
ours=$(tw dst) theirs=$(tw src) # curl's readiness checks closed first
traced fresh -n $((n + 1)) -c 8 "$LO:$REBEL_PORT"
assert_eq 0 "$(calls fresh setsockopt)" "setsockopt calls with a new connection per request"
# Per request, the base run taken off: SYSCALL, "total", or "net": all but poll, which
# depends on how replies interleave (about 2 a request), and the allocator's calls (an
# ASan build makes those per request), which are not the network path's.
per() { # per SYSCALL|total|net
    awk -v want="$1" -v n=$n '
        FNR == 1 { sign = FILENAME == ARGV[1] ? 1 : -1 }
        want == "net" && $NF == "total" { sum += sign * $4 }
        want == "net" && $NF ~ /^(poll|mmap|munmap|madvise|mprotect|brk)$/ { sum -= sign * $4 }
        $NF == want { sum += sign * $4 }
        END { printf "%.2f", sum / n }' "$TMP/fresh.strace" "$TMP/base.strace"
}
rest=$(per net)
echo "syscalls per request, new connection: $(per total) ($(per poll) poll, $rest others)"
summary=$(sort -k4 -n -r "$TMP/fresh.strace" | head -12 | tr -s ' \n' ' ')
awk -v r="$rest" 'BEGIN { exit !(r >= 10 && r <= 13.1) }' ||
    fail "syscalls other than poll per request: $rest, expected 10..13 ($summary)"
awk -v p="$(per poll)" 'BEGIN { exit !(p <= 4) }' || fail "poll per request: $(per poll) ($summary)"

# "Connection: close" with each request: the server closes first, so the TIME_WAIT
# sockets stay on its side, as with ab's HTTP/1.0, not on ours (where they hold our
# ephemeral ports, and connect() has to search past them).
# Nearly all: xwing may still close first when it has read the whole reply before the
# server's FIN arrives (seen once in CI: 1 of 201).
ours=$(($(tw dst) - ours)) theirs=$(($(tw src) - theirs))
[ "$ours" -le $((n / 10)) ] || fail "new TIME_WAIT sockets on xwing's side: $ours of $((n + 1)) requests, expected at most $((n / 10))"
[ "$theirs" -ge $((n - n / 10)) ] || fail "new TIME_WAIT sockets on the server's side: $theirs of $((n + 1)) requests, expected $((n - n / 10)) or more"

traced keep --keepalive -n $n -c 8 "$LO:$REBEL_PORT"
assert_eq 8 "$(calls keep setsockopt)" "TCP_NODELAY set once per kept-alive connection"
# Each run on its own: one line in two joined would pass a run that failed.
for r in base fresh keep; do
    grep -q '^expect ok: ' "$TMP/$r.out" || fail "the $r run itself: $(tail -3 "$TMP/$r.out")"
done
