#!/usr/bin/env bash
# rebel-base: unknown paths get 404 with a JSON body; other methods get 405 with Allow.
. "$(dirname "$0")/lib.sh"

serve_doc rb "$TION" --served-by pod-e
base=$REBEL_URL doc=$REBEL_DOC

for path in /nope /index.htm /favicon.ico /index.html/x; do
    assert_eq 404 "$(http_code "$base$path")" "GET $path"
    body=$(curl -sS "$base$path")
    assert_eq '"not found"' "$(echo "$body" | jq '.error')" "404 body of $path"
done
curl -sS -D "$TMP/h" -o /dev/null "$base/nope"
grep -qi '^content-type: application/json' "$TMP/h" || fail "404 is not JSON"
grep -qi '^x-served-by: pod-e' "$TMP/h" || fail "404 lacks X-Served-By"

for m in POST PUT DELETE PATCH OPTIONS; do
    for path in / /index.html /readyz /metrics; do
        curl -sS -X "$m" -D "$TMP/h" -o "$TMP/b" "$base$path"
        grep -q ' 405' <<<"$(head -1 "$TMP/h")" || fail "$m $path: $(head -1 "$TMP/h")"
        grep -qi '^allow: GET, HEAD' "$TMP/h" || fail "$m $path: no Allow header"
        assert_eq '"method not allowed"' "$(jq '.error' <"$TMP/b")" "$m $path body"
    done
done
# A POST with a body on / is refused too and the server keeps serving.
assert_eq 405 "$(http_code -X POST --data-binary @"$doc" "$base/")" "POST with body"
assert_eq 200 "$(http_code "$base/")" "GET after the 405s"
metrics=$(curl -sS "$base/metrics")
assert_match 'rebel_base_http_requests_total\{path="other",code="404"\} 9' "$metrics" "404s counted"
assert_match 'rebel_base_http_requests_total\{path="/",code="405"\} 6' "$metrics" "405s counted"

# A request body over 16384 bytes, announced or chunked, is refused with 413 before it
# is read; one at the limit is not (and gets the route's 405).
head -c 16385 /dev/zero | tr '\0' x >"$TMP/over"
head -c 16384 "$TMP/over" >"$TMP/limit"
curl -sS -X POST --data-binary @"$TMP/over" -D "$TMP/h" -o "$TMP/b" "$base/"
grep -q ' 413 ' <<<"$(head -1 "$TMP/h")" || fail "POST of 16385 bytes: $(head -1 "$TMP/h")"
assert_eq '"request bodies over 16384 bytes are refused"' "$(jq '.error' <"$TMP/b")" "413 body"
assert_eq 413 "$(http_code -X POST -H 'Transfer-Encoding: chunked' --data-binary @"$doc" "$base/")" \
    "chunked POST"
assert_eq 405 "$(http_code -X POST --data-binary @"$TMP/limit" "$base/")" "POST of 16384 bytes"
assert_eq 200 "$(http_code "$base/")" "GET after the 413s"
assert_match 'rebel_base_http_requests_total\{path="/",code="413"\} 2' "$(curl -sS "$base/metrics")" \
    "413s counted"
