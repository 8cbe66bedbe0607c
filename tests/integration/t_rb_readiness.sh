#!/usr/bin/env bash
# rebel-base: /readyz is 503 with no document and with an invalid one (and / is 503,
# never empty), the cause is logged with path and line/column, and it turns 200
# once a valid document appears, while /healthz is 200 throughout.
. "$(dirname "$0")/lib.sh"

doc="$TMP/cm/index.html"
mkdir -p "$TMP/cm"
start_rebel rb --listen 127.0.0.1:0 --document "$doc"
base="http://127.0.0.1:$REBEL_PORT"
wait_http "$base/healthz"

assert_eq 503 "$(http_code "$base/readyz")" "readyz without a document"
assert_eq '"no valid document loaded"' "$(curl -sS "$base/readyz" | jq '.reason')" "reason"
# The gauge says what /readyz says: a dashboard must not show a pod ready that is not.
assert_eq 0 "$(curl -sS "$base/metrics" | awk '$1 == "rebel_base_ready" { print $2 }')" \
    "rebel_base_ready without a document"
assert_eq 503 "$(http_code "$base/")" "/ without a document"
assert_eq 503 "$(http_code "$base/index.html")" "/index.html without a document"
grep -q "load-failed: $doc: No such file or directory" "$TMP/rb.log" || fail "missing file not logged"

printf '{\n  "Cluster": "Koornacht",\n  "Planet": N'"'"'Zoth\n}\n' >"$doc.tmp"
mv "$doc.tmp" "$doc"
# rebel-base counts a failed load, then logs it: the log line means both are done.
wait_until "the invalid document to be logged" 5 grep -q "load-failed: $doc: invalid JSON" "$TMP/rb.log"
assert_eq 503 "$(http_code "$base/readyz")" "readyz with an invalid document"
assert_eq 503 "$(http_code "$base/")" "/ with an invalid document"
grep -q "load-failed: $doc: invalid JSON at line 3 column 13" "$TMP/rb.log" ||
    fail "parse error not logged with line:column: $(grep load-failed "$TMP/rb.log" | tail -1)"
assert_eq 200 "$(http_code "$base/healthz")" "healthz while not ready"
assert_eq 0 "$(curl -sS "$base/metrics" | awk '$1 == "rebel_base_ready" { print $2 }')" \
    "rebel_base_ready with an invalid document"

printf '%s' "$KOORNACHT" >"$doc.tmp"
mv "$doc.tmp" "$doc"
wait_http "$base/readyz" 200 2
curl -sS -o "$TMP/body" "$base/"
cmp "$doc" "$TMP/body" || fail "body after recovery"
# /readyz turns 200 when the new version is in place, a moment before the load is
# counted; the log line comes after the count.
wait_until "the good load to be logged" 5 grep -q "document-loaded: $doc: version 1" "$TMP/rb.log"
metrics=$(curl -sS "$base/metrics")
assert_match 'rebel_base_document_reloads_total\{result="ok"\} 1' "$metrics" "one good load"
assert_match 'rebel_base_document_reloads_total\{result="failed"\} 2' "$metrics" "missing + invalid"
assert_match $'\nrebel_base_ready 1\n' "$metrics" "rebel_base_ready once /readyz is 200"
