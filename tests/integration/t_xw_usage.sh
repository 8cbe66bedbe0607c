#!/usr/bin/env bash
# Bad flags and bad targets exit 2 with one line naming them; --help explains
# the new-connection and fresh-DNS defaults; --version prints the version.
source "$(dirname "$0")/lib.sh"

bad() { # bad REGEX ARGS...: xwing ARGS exits 2 and stderr matches REGEX
    local re=$1 rc
    shift
    set +e
    run_prog xwing "$@" >"$TMP/out" 2>"$TMP/err"
    rc=$?
    set -e
    assert_eq 2 "$rc" "exit status of xwing $*"
    assert_match "$re" "$(cat "$TMP/err")" "message for xwing $*"
    assert_eq 1 "$(wc -l <"$TMP/err")" "one line on stderr for xwing $*"
    assert_eq 0 "$(wc -c <"$TMP/out")" "nothing on stdout for xwing $*"
}

bad "unknown option '--bogus'" --bogus rebel-base
bad "unknown option '-q'" -q rebel-base
bad "no target given" -n 5
bad "-n: bad value 'zero'" -n zero rebel-base
bad "-n: bad value '0'" -n 0 rebel-base
bad "-c: bad value '-1'" -c -1 rebel-base
bad "--timeout: bad value '2 sec'" --timeout "2 sec" rebel-base
bad "--by: bad value 'cluster'" --by cluster rebel-base
bad "-o: bad value 'xml'" -o xml rebel-base
bad "--max-body: bad value 'lots'" --max-body lots rebel-base
bad "bad target 'https://rebel-base': unsupported scheme 'https'" https://rebel-base
bad "bad target 'ftp://x'" ftp://x
bad "bad target 'rebel-base:99999': port must be 1..65535" rebel-base:99999
bad "bad target 'rebel base'" "rebel base"
bad "bad target '::1'" ::1
bad "--rate and --interval are exclusive" --rate 5 --interval 1s rebel-base
bad "--threads: bad value '0': out of range 1..64" --threads 0 rebel-base
bad "--threads: bad value '65': out of range 1..64" --threads 65 rebel-base
bad "--threads: bad value 'two'" --threads two rebel-base
bad "--threads: bad value '-2'" --threads -2 rebel-base
bad "--threads: bad value '1.5'" --threads 1.5 rebel-base
bad "--threads needs a value" --threads
bad "--threads is for unpaced runs: drop --rate, --interval and --watch" --threads 2 --rate 5 rebel-base
bad "--threads is for unpaced runs" --threads 2 --interval 1s rebel-base
bad "--threads is for unpaced runs" --threads 2 --watch rebel-base
bad "probe: --threads: not for the probe" probe --threads 2 rebel-base
bad "serve: unknown option '--bogus'" serve --bogus
bad "serve: --listen: bad value 'nowhere'" serve --listen nowhere

out=$(run_prog xwing --help)
assert_match 'NEW TCP CONNECTION' "$out" "--help on connections"
assert_match 'picks the backend once per connection' "$out" "--help on the load balancer"
assert_match 'only fresh lookups' "$out" "--help on DNS"
assert_match 'usage: xwing serve' "$(run_prog xwing serve --help)" "serve --help"
assert_match '^xwing [0-9]+\.[0-9]+\.[0-9]+ \(libcurl/' "$(run_prog xwing serve --version)" "serve --version"
assert_match '^xwing [0-9]+\.[0-9]+\.[0-9]+ \(libcurl/' "$(run_prog xwing probe --version)" "probe --version"
assert_match "^xwing $(cat "$ROOT/VERSION") " "$(run_prog xwing --version)" "--version"

# The listen address taken: serve says so and exits 1, not 2. The address is
# held by a first serve, listening (start_serve returns once it does) on a port
# the kernel picked. The second one is bounded by timeout: should it ever bind
# anyway (SO_REUSEPORT, say), it would serve forever, and the case must fail,
# not hang.
start_serve holder --listen 127.0.0.1:0
port=$SERVE_PORT
prog_cmd xwing
set +e
timeout -k 2 $((10 * TIME_SCALE)) "${PROG_CMD[@]}" serve --listen "127.0.0.1:$port" >/dev/null 2>"$TMP/err"
rc=$?
set -e
assert_eq 1 "$rc" "serve on a taken port (124: it did not exit)"
assert_match "cannot listen on 127\.0\.0\.1:$port: " "$(cat "$TMP/err")" "taken port message"
kill -0 "$SERVE_PID" || fail "the first serve died: $(cat "$TMP/holder.log")"
