#!/usr/bin/env bash
# rebel-base without --allow-faults, and with REBEL_BASE_ALLOW_FAULTS set to a false
# spelling: /admin answers 403 and changes nothing; ?delay= and ?status= are ignored.
# The same variable set true does turn them on, so the false case is read, not ignored.
. "$(dirname "$0")/lib.sh"

faults_off() { # faults_off NAME: the checks against the server just started as NAME
    local name=$1 base=$REBEL_URL start
    assert_eq 403 "$(http_code -X POST "$base/admin/readiness?ready=false")" "$name: POST /admin/readiness"
    assert_eq 403 "$(http_code "$base/admin/readiness")" "$name: GET /admin/readiness"
    assert_eq 403 "$(http_code -X POST "$base/admin/anything")" "$name: POST /admin/anything"
    assert_match 'allow-faults' "$(curl -sS "$base/admin/readiness")" "$name: 403 body says how"
    # Only /admin and what is under /admin/ is forbidden: other paths are simply unknown.
    assert_eq 404 "$(http_code "$base/administrator")" "$name: GET /administrator"
    assert_eq 404 "$(http_code "$base/admin-readiness")" "$name: GET /admin-readiness"
    assert_eq 200 "$(http_code "$base/readyz")" "$name: readyz unchanged"
    assert_eq 200 "$(http_code "$base/?status=503")" "$name: ?status ignored"
    start=$(date +%s%3N)
    assert_eq 200 "$(http_code "$base/?delay=3s")" "$name: ?delay ignored"
    [ $(($(date +%s%3N) - start)) -lt 2000 ] || fail "$name: ?delay was applied without --allow-faults"
    if grep -q 'FAULT' "$TMP/$name.log"; then fail "$name: faults announced without the flag"; fi
}

serve_doc rb "$KOORNACHT"
faults_off rb
REBEL_BASE_ALLOW_FAULTS=false serve_doc rbfalse "$KOORNACHT"
faults_off rbfalse
REBEL_BASE_ALLOW_FAULTS=Off serve_doc rboff "$KOORNACHT"
faults_off rboff

REBEL_BASE_ALLOW_FAULTS=true serve_doc rbtrue "$KOORNACHT"
grep -q 'FAULT INJECTION ENABLED' "$TMP/rbtrue.log" || fail "REBEL_BASE_ALLOW_FAULTS=true: faults not announced"
assert_eq 503 "$(http_code "$REBEL_URL/?status=503")" "REBEL_BASE_ALLOW_FAULTS=true: ?status obeyed"

# Neither true nor false: refused at start, naming the variable, before anything listens.
set +e
REBEL_BASE_ALLOW_FAULTS=maybe run_prog rebel-base --listen 127.0.0.1:0 --document "$REBEL_DOC" \
    >/dev/null 2>"$TMP/bad.err"
rc=$?
set -e
assert_eq 2 "$rc" "REBEL_BASE_ALLOW_FAULTS=maybe: exit status"
grep -q "REBEL_BASE_ALLOW_FAULTS: bad value 'maybe': expected true or false" "$TMP/bad.err" ||
    fail "REBEL_BASE_ALLOW_FAULTS=maybe: $(cat "$TMP/bad.err")"
