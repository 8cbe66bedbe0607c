#!/usr/bin/env bash
# rebel-base --allow-faults: force not-ready and back, per-request status and
# delay, bad parameters get 400; a delay does not block other requests.
. "$(dirname "$0")/lib.sh"

serve_doc rb "$KOORNACHT" --allow-faults --max-delay 5s
base=$REBEL_URL doc=$REBEL_DOC
grep -q 'FAULT INJECTION ENABLED' "$TMP/rb.log" || fail "faults not announced"

assert_eq '{"forced_not_ready":true}' "$(curl -sS -X POST "$base/admin/readiness?ready=false")" "force"
assert_eq 503 "$(http_code "$base/readyz")" "readyz forced"
assert_match 'forced' "$(curl -sS "$base/readyz")" "reason"
assert_eq 0 "$(curl -sS "$base/metrics" | awk '$1 == "rebel_base_ready" { print $2 }')" \
    "rebel_base_ready while forced not ready"
assert_eq 200 "$(http_code "$base/")" "/ still served when forced not ready"
assert_eq '{"forced_not_ready":true}' "$(curl -sS "$base/admin/readiness")" "GET state"
assert_eq 400 "$(http_code -X POST "$base/admin/readiness?ready=maybe")" "bad ready value"
assert_eq 400 "$(http_code -X POST "$base/admin/readiness")" "missing ready value"
assert_eq 405 "$(http_code -X PUT "$base/admin/readiness")" "PUT admin"
assert_eq 404 "$(http_code "$base/admin/other")" "unknown admin path"
curl -sS -X POST -o /dev/null "$base/admin/readiness?ready=true"
assert_eq 200 "$(http_code "$base/readyz")" "readyz back"
assert_eq 1 "$(curl -sS "$base/metrics" | awk '$1 == "rebel_base_ready" { print $2 }')" \
    "rebel_base_ready back"

assert_eq 503 "$(http_code "$base/?status=503")" "forced status"
assert_eq 418 "$(http_code "$base/index.html?status=418")" "forced status on /index.html"
assert_eq 503 "$(curl -sS "$base/?status=503" | jq .status)" "forced status body"
curl -sS -o "$TMP/b" "$base/?status=200"
cmp "$doc" "$TMP/b" || fail "?status=200 serves the document"
assert_eq 400 "$(http_code "$base/?status=99")" "bad status"
assert_eq 400 "$(http_code "$base/?delay=10s")" "delay over --max-delay"
assert_match 'delay' "$(curl -sS "$base/?delay=abc")" "bad delay named"

# A delayed request takes its time while others are answered at once.
start=$(date +%s%3N)
curl -sS -o "$TMP/slow" -w '%{http_code}' "$base/?delay=800ms&status=502" >"$TMP/slow.code" &
slow=$!
# The fast requests below prove nothing unless the delayed one is already held.
wait_until "rebel-base to read the delayed request" 10 request_read "$slow" "$REBEL_PORT"
for _ in 1 2 3 4 5; do assert_eq 200 "$(http_code --max-time 0.5 "$base/")" "fast request during a delay"; done
wait "$slow"
took=$(($(date +%s%3N) - start))
assert_eq 502 "$(cat "$TMP/slow.code")" "delayed status"
[ "$took" -ge 800 ] || fail "delay not applied ($took ms)"
note "delayed request took $took ms"
metrics=$(curl -sS "$base/metrics")
assert_match 'rebel_base_http_requests_total\{path="/",code="502"\} 1' "$metrics" "delayed counted"
