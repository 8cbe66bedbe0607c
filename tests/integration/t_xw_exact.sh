#!/usr/bin/env bash
# Expectations are exact: values named in --expect-* are counted exactly even
# when far more distinct values arrive than the 64 rows the display keeps. A
# helper server answers each request with a new value (c1..c1000, X-Served-By
# pod-1..pod-1000); before the fix c900 was folded into "(other values)" and
# --expect-all c801,c900 failed with "no reply from c900".
# limit: 180
source "$(dirname "$0")/lib.sh"

start_helper values "$ROOT/tests/tools/xw_values.py" --port 0
V=127.0.0.1:$HELPER_PORT

# Each run has a path of its own, so each sees c1..c1000 exactly once.
xw all -n 1000 -c 4 --expect-all c801,c900 "$V/all"
assert_eq 0 "$RC" "exit status of --expect-all c801,c900 over 1000 distinct values: $(cat "$TMP/all.err")"
assert_eq "expect ok: each of 2 expected values answered" "$(grep '^expect ' "$TMP/all")" "expectation line"
grep -qE '^  c801 +1   0\.1%  #$' "$TMP/all" || fail "c801 has no row of its own: $(cat "$TMP/all")"
grep -qE '^  c900 +1   0\.1%  #$' "$TMP/all" || fail "c900 has no row of its own: $(cat "$TMP/all")"
grep -qE '^  \(other values\) +936  93\.6%  ' "$TMP/all" || fail "display fold: $(cat "$TMP/all")"
grep -qx '  (other values): replies beyond the first 64 distinct values (values named in --expect-\* are counted exactly)' \
    "$TMP/all" || fail "the 64-row bound is not named: $(cat "$TMP/all")"
assert_eq 65 "$(grep -cE '^  [^ (]|^  \(other values\) ' "$TMP/all")" "rows shown: 64 values and (other values)"

# A value that never came is still missed, exactly.
xw miss -n 1000 -c 4 --expect-all c801,c1001 "$V/miss"
assert_eq 1 "$RC" "exit status when c1001 never answered"
assert_eq "xwing: no reply from c1001" "$(cat "$TMP/miss.err")" "reason for the missing value"

# --expect-only counts the others exactly too.
xw only -n 1000 -c 4 --expect-only c1000 "$V/only"
assert_eq 1 "$RC" "exit status of --expect-only over 1000 values"
assert_eq "xwing: expected only c1000, but 999 of 1000 replies came from elsewhere" \
    "$(cat "$TMP/only.err")" "reason of --expect-only"

# --by pod (X-Served-By), in JSON: exact rows for the expected pods.
xw pod -n 1000 -c 4 --by pod --expect-all pod-500,pod-1000 -o json "$V/pod"
assert_eq 0 "$RC" "exit status of --by pod --expect-all over 1000 pods: $(cat "$TMP/pod.err")"
jq -e '.ok == 1000 and (.rows | length) == 65 and ([.rows[].count] | add) == 1000
    and (.rows[] | select(.value == "(other values)") | .count) == 936
    and ([.rows[] | select(.value == "pod-500" or .value == "pod-1000") | .count] == [1, 1])
    and .expect.ok == true' "$TMP/pod" >/dev/null || fail "--by pod JSON: $(cat "$TMP/pod")"
