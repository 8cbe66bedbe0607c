#!/usr/bin/env bash
# rebel-base --log-format json: every stderr line is a JSON object jq can read,
# with start, listen, document-loaded, drain and exit events; --access-log adds
# one line per request, and without it there are none.
. "$(dirname "$0")/lib.sh"

serve_doc rb "$KOORNACHT" --log-format json --access-log --drain 0 --served-by 'pod "q"'
port=$REBEL_PORT
curl -sS -o /dev/null "http://127.0.0.1:$port/nope"
printf '%s' 'not json' >"$REBEL_DOC"
wait_until "the bad document to be logged" 5 grep -q '"event":"reload-failed"' "$TMP/rb.log"
kill -TERM "$REBEL_PID"
wait_exit "$REBEL_PID" 5
assert_eq 0 "$EXIT_STATUS" "exit status"

grep -v '^==' "$TMP/rb.log" >"$TMP/lines"
jq -e -c . "$TMP/lines" >/dev/null || fail "not JSON lines: $(cat "$TMP/lines")"
events=$(jq -r .event "$TMP/lines" | sort -u | tr '\n' ' ')
for e in start listen document-loaded reload-failed access drain exit; do
    [[ " $events" == *" $e "* ]] || fail "no '$e' event in: $events"
done
jq -se 'any(.[]; .event=="access" and .msg=="GET /nope 404")' "$TMP/lines" >/dev/null ||
    fail "no access line for /nope"
jq -se 'any(.[]; .event=="start" and (.msg | contains("served-by pod \"q\"")))' "$TMP/lines" >/dev/null ||
    fail "quotes not escaped in the start line"
jq -se 'all(.[]; .level and .ts and .prog=="rebel-base")' "$TMP/lines" >/dev/null || fail "fields"

# Without --access-log: no per-request lines.
serve_doc quiet "$KOORNACHT" --log-format json
port=$REBEL_PORT
curl -sS -o /dev/null "http://127.0.0.1:$port/"
assert_eq 0 "$(grep -c '"event":"access"' "$TMP/quiet.log" || true)" "access lines without --access-log"
