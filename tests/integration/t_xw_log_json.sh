#!/usr/bin/env bash
# xwing serve --log-format json, as rebel-base's: every stderr line is a JSON
# object jq can read (listen and exit events, prog "xwing"), XWING_LOG_FORMAT
# sets it as the environment sets any serve flag, text stays the default, and a
# bad value is a usage error naming the flag.
source "$(dirname "$0")/lib.sh"

start_serve serve --listen 127.0.0.1:0 --log-format json --allow-target "127.0.0.1:$DEAD_PORT"
base=http://127.0.0.1:$SERVE_PORT
assert_match '"requests":2' "$(curl -s --max-time 10 "$base/tally?target=127.0.0.1:$DEAD_PORT&n=2")" \
    "/tally with JSON logs"
kill -TERM "$SERVE_PID"
wait_exit "$SERVE_PID" 10
assert_eq 0 "$EXIT_STATUS" "exit status"

grep -v '^==' "$TMP/serve.log" >"$TMP/lines" # valgrind's own lines start with ==
jq -e -c . "$TMP/lines" >/dev/null || fail "not JSON lines: $(cat "$TMP/lines")"
assert_eq "listen exit" "$(jq -r .event "$TMP/lines" | tr '\n' ' ' | sed 's/ $//')" "events"
jq -se 'all(.[]; .level == "info" and .ts and .prog == "xwing")' "$TMP/lines" >/dev/null ||
    fail "fields: $(cat "$TMP/lines")"
assert_match "^serving /healthz and /tally on 127\.0\.0\.1:$SERVE_PORT \(" \
    "$(jq -r 'select(.event == "listen") | .msg' "$TMP/lines")" "listen message"

# The environment, as for every serve flag; the flag wins over it.
export XWING_LOG_FORMAT=json
start_serve env --listen 127.0.0.1:0
jq -e 'select(.event == "listen")' "$TMP/env.log" >/dev/null || fail "XWING_LOG_FORMAT=json: $(cat "$TMP/env.log")"
start_serve flag --listen 127.0.0.1:0 --log-format text
assert_match "^[0-9T:.-]+Z info xwing listen: serving " "$(grep -v '^==' "$TMP/flag.log")" "--log-format text over XWING_LOG_FORMAT"
unset XWING_LOG_FORMAT

# Text by default.
start_serve plain --listen 127.0.0.1:0
assert_match "^[0-9T:.-]+Z info xwing listen: serving /healthz and /tally on 127\.0\.0\.1:$SERVE_PORT \(max 64 connections, 4 tallies at once, n up to 1000, 60000 ms budget per tally;" \
    "$(grep -v '^==' "$TMP/plain.log")" "default text line, with the documented defaults"

# A bad value: exit 2, one line naming the flag.
set +e
run_prog xwing serve --listen 127.0.0.1:0 --log-format yaml >"$TMP/bad.out" 2>"$TMP/bad.err"
rc=$?
set -e
assert_eq 2 "$rc" "exit status of --log-format yaml"
assert_eq "xwing: serve: --log-format: bad value 'yaml': expected text or json (see xwing serve --help)" \
    "$(grep -v '^==' "$TMP/bad.err")" "message of --log-format yaml"

# A start that fails says so once, as a JSON line too: exit 1, event "listen".
set +e
run_prog xwing serve --listen nohost:0 --log-format json >"$TMP/fail.out" 2>"$TMP/fail.err"
rc=$?
set -e
assert_eq 1 "$rc" "exit status of a serve that cannot listen"
grep -v '^==' "$TMP/fail.err" >"$TMP/fail.lines"
assert_eq 1 "$(wc -l <"$TMP/fail.lines")" "one line for the failed start"
assert_eq "error listen serve: --listen: 'nohost' is not an IP address" \
    "$(jq -r '"\(.level) \(.event) \(.msg)"' "$TMP/fail.lines")" "the failed start as JSON"
