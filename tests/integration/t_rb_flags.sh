#!/usr/bin/env bash
# rebel-base: bad flags and bad REBEL_BASE_* values exit 2 with one line naming
# the flag; --help and --version exit 0.
. "$(dirname "$0")/lib.sh"

# expect_usage 'MESSAGE PART' ARGS... (env may be set by the caller)
expect_usage() {
    local want=$1 rc=0; shift
    run_prog rebel-base "$@" >"$TMP/out" 2>"$TMP/err" || rc=$?
    assert_eq 2 "$rc" "exit status of rebel-base $*"
    grep -qF -- "$want" "$TMP/err" || fail "rebel-base $*: '$(cat "$TMP/err")' lacks '$want'"
    [ "$(grep -cv '^==' "$TMP/err")" = 1 ] || fail "rebel-base $*: not one line: $(cat "$TMP/err")"
}

expect_usage "unknown option '--bogus'" --bogus
expect_usage "unknown option '-d'" -d x # xwing's -d is --duration: not the document here
expect_usage "--listen: bad value '8080'" --listen 8080
expect_usage "--listen: bad value 'x:99999'" --listen x:99999
expect_usage "--drain: bad value 'soon'" --drain soon
expect_usage "--log-format: bad value 'xml'" --log-format xml
expect_usage "--max-connections: bad value '0'" --max-connections 0
expect_usage "--idle-timeout: bad value '0'" --idle-timeout 0
expect_usage "--threads: bad value 'lots'" --threads lots
expect_usage "--listen needs a value" --listen
expect_usage "--allow-faults takes no value" --allow-faults=1
expect_usage "unexpected argument 'index.html'" index.html
REBEL_BASE_DRAIN=forever expect_usage "REBEL_BASE_DRAIN: bad value 'forever'"
REBEL_BASE_LISTEN=nope expect_usage "REBEL_BASE_LISTEN: bad value 'nope'"
REBEL_BASE_ALLOW_FAULTS=maybe expect_usage "REBEL_BASE_ALLOW_FAULTS: bad value 'maybe'"

run_prog rebel-base --help >"$TMP/help" || fail "--help failed"
grep -q -- '--allow-faults' "$TMP/help" || fail "--help lacks --allow-faults"
grep -q 'REBEL_BASE_' "$TMP/help" || fail "--help lacks the environment"
assert_match '^rebel-base [0-9]+\.[0-9]+\.[0-9]+' "$(run_prog rebel-base --version)" "--version"

# The environment is read: REBEL_BASE_LISTEN and REBEL_BASE_SERVED_BY take effect.
printf '%s' "$KOORNACHT" >"$TMP/index.html"
REBEL_BASE_LISTEN=127.0.0.1:0 REBEL_BASE_SERVED_BY=from-env \
    REBEL_BASE_DOCUMENT="$TMP/index.html" start_rebel rb
port=$REBEL_PORT
# The default is :8080 on every address: the listen line shows the environment's.
grep -q "listening on 127.0.0.1:$port " "$TMP/rb.log" || fail "REBEL_BASE_LISTEN ignored: $(grep listen "$TMP/rb.log")"
wait_http "http://127.0.0.1:$port/readyz"
curl -sS -D "$TMP/h" -o /dev/null "http://127.0.0.1:$port/"
grep -qi '^x-served-by: from-env' "$TMP/h" || fail "REBEL_BASE_SERVED_BY ignored"

# A port in use (the one the first rebel-base holds): runtime error, exit 1, the
# address named.
rc=0
run_prog rebel-base --listen "127.0.0.1:$port" --document "$TMP/index.html" 2>"$TMP/busy" || rc=$?
assert_eq 1 "$rc" "exit status when the port is taken"
grep -q "cannot listen on 127.0.0.1:$port: Address already in use" "$TMP/busy" || fail "busy port: $(cat "$TMP/busy")"
kill -0 "$REBEL_PID" 2>/dev/null || fail "the rebel-base holding the port died"
