#!/usr/bin/env bash
# -o json is one JSON object on stdout (jq parses it) and agrees with the text
# summary of the same kind of run: same rows, counts and percents.
source "$(dirname "$0")/lib.sh"

serve_doc k "$KOORNACHT"
k=$REBEL_PORT
serve_doc t "$TION"
t=$REBEL_PORT
args=(-n 40 -c 3 "127.0.0.1:$k" "127.0.0.1:$k" "127.0.0.1:$t" "127.0.0.1:$DEAD_PORT")

set +e
run_prog xwing -o json "${args[@]}" >"$TMP/json" 2>/dev/null
jrc=$?
run_prog xwing "${args[@]}" >"$TMP/text" 2>/dev/null
trc=$?
set -e
assert_eq 1 "$jrc" "json run exit (10 refused)"
assert_eq "$jrc" "$trc" "text run exit"
assert_eq 1 "$(wc -l <"$TMP/json")" "json is one line"
jq -e . "$TMP/json" >/dev/null || fail "not JSON: $(cat "$TMP/json")"
jq -e '(.requests|type) == "number" and (.ok|type) == "number" and (.failed|type) == "number"
       and (.rows|type) == "array" and all(.rows[]; (.value|type) == "string" and (.count|type) == "number"
       and (.percent|type) == "number" and (.kind == "reply" or .kind == "error"))
       and all(.latency_ms | .min, .p50, .p90, .p99, .max; type == "number")
       and .latency_ms.min <= .latency_ms.p50 and .latency_ms.p50 <= .latency_ms.p90
       and .latency_ms.p90 <= .latency_ms.p99 and .latency_ms.p99 <= .latency_ms.max
       and (.elapsed_s|type) == "number" and (.rps|type) == "number"
       and (.expect.ok|type) == "boolean" and (.expect.reason|type) == "string"' "$TMP/json" >/dev/null ||
    fail "shape: $(cat "$TMP/json")"

# Round-robin over the four targets makes both runs' rows deterministic.
want="Koornacht 20 50 reply|Tion 10 25 reply|refused 10 25 error"
assert_eq "$want" "$(jq -r '[.rows[] | "\(.value) \(.count) \(.percent) \(.kind)"] | join("|")' "$TMP/json")" "json rows"
got=$(awk '/^  / { kind = ($NF ~ /^x+$/) ? "error" : "reply"; pct = $(NF-1); sub(/%/, "", pct);
                   v = $1; for (i = 2; i <= NF - 3; i++) v = v " " $i;
                   printf "%s%s %s %g %s", sep, v, $(NF-2), pct + 0, kind; sep = "|" }' "$TMP/text")
assert_eq "$want" "$got" "text rows"
assert_match "^ok 30  failed 10 " "$(grep '^ok ' "$TMP/text")" "text totals"
assert_eq "40 30 10" "$(jq -r '"\(.requests) \(.ok) \(.failed)"' "$TMP/json")" "json totals"
