#!/usr/bin/env bash
# rebel-base without --allow-faults: /admin answers 403 and changes nothing;
# ?delay= and ?status= are ignored.
. "$(dirname "$0")/lib.sh"

serve_doc rb "$KOORNACHT"
base=$REBEL_URL

assert_eq 403 "$(http_code -X POST "$base/admin/readiness?ready=false")" "POST /admin/readiness"
assert_eq 403 "$(http_code "$base/admin/readiness")" "GET /admin/readiness"
assert_eq 403 "$(http_code -X POST "$base/admin/anything")" "POST /admin/anything"
assert_match 'allow-faults' "$(curl -sS "$base/admin/readiness")" "403 body says how"
assert_eq 200 "$(http_code "$base/readyz")" "readyz unchanged"
assert_eq 200 "$(http_code "$base/?status=503")" "?status ignored"
start=$(date +%s%3N)
assert_eq 200 "$(http_code "$base/?delay=3s")" "?delay ignored"
[ $(($(date +%s%3N) - start)) -lt 2000 ] || fail "?delay was applied without --allow-faults"
if grep -q 'FAULT' "$TMP/rb.log"; then fail "faults announced without the flag"; fi
