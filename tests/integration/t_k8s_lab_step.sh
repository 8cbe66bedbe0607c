#!/usr/bin/env bash
# `k8s/lab.sh step ID` against a stand-in control plane (tests/k8s/fake): one step alone
# starts from the base state whatever ran before (step 1 right after step 10's policies);
# without the hubble CLI the Hubble step is skipped with a note; an unknown step is refused.
# The Hubble step passes on the policy's verdicts alone (drop events off: Hubble prints
# them DENIED, not DROPPED) and fails on drops that are not the policy's, or on none.
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck source=tests/k8s/standin.sh
. "$ROOT/tests/k8s/standin.sh"
standin_setup
has() { grep -qF -- "$2" "$TMP/$1.out" || fail "$1: no '$2' in: $(tail -30 "$TMP/$1.out")"; }
lab up up
assert_eq 0 "$LAB_RC" "lab.sh up: $(tail -30 "$TMP/up.out")"

# One step alone, whatever state the clusters are in.
lab s10 step 10
assert_eq 0 "$LAB_RC" "step 10 alone: $(grep -E '^(PASS|FAIL)|rror' "$TMP/s10.out")"
has s10 "PASS 10. koornacht: headless global mix"
lab s1 step 1
assert_eq 0 "$LAB_RC" "step 1 after step 10 (policies and the headless Service in place): $(grep -E '^(PASS|FAIL)|rror' "$TMP/s1.out")"
assert_eq 2 "$(grep -c '^PASS 1\. ' "$TMP/s1.out")" "step 1's checks"
! grep -q '^=== 2\.' "$TMP/s1.out" || fail "step 1 ran more than step 1"
lab s5 step 5
assert_eq 0 "$LAB_RC" "step 5 alone: $(grep -E '^(PASS|FAIL)|rror' "$TMP/s5.out")"
assert_eq 3 "$(grep -c '^PASS 5\. ' "$TMP/s5.out")" "step 5's checks"
lab bad step 12
assert_eq 2 "$LAB_RC" "an unknown step"
has bad "lab.sh: no step '12'; the steps are: 1 2 3 4 5 5b 6 7 7b 8 8b 9 10 11"

# Step 7b proves the policy drops, whichever of its events the cluster emits: with drop
# events off (Helm bpf.events.drop.enabled=false) only policy verdicts remain, which Hubble
# prints DENIED; drops for another reason prove nothing.
state_edit 'd["flows"] = {}'
FAKE_HUBBLE_EVENTS=policy-verdict lab pv step 7b
assert_eq 0 "$LAB_RC" "step 7b with policy-verdict events only: $(grep -E '^(PASS|FAIL)|rror' "$TMP/pv.out")"
has pv "PASS 7b. Hubble shows x-wing -> rebel-base dropped by policy"
grep -q '"event_type":{"type":5}' "$TMP/pv.out" || fail "no policy-verdict event shown: $(tail -5 "$TMP/pv.out")"
! grep -q '"event_type":{"type":1,' "$TMP/pv.out" || fail "a drop event with drop events off"
state_edit 'd["flows"] = {}'
FAKE_DROP_REASON=CT_MAP_INSERTION_FAILED lab ct step 7b
assert_eq 1 "$LAB_RC" "step 7b with drops that are not the policy's"
has ct "FAIL 7b. Hubble shows x-wing -> rebel-base dropped by policy"
has ct '"drop_reason_desc":"CT_MAP_INSERTION_FAILED"'

# Hubble that saw no drop at all: the step FAILs (requests refused are not enough).
state_edit 'd["flows"] = {}'
FAKE_HUBBLE_EVENTS=none lab nodrop step 7b
assert_eq 1 "$LAB_RC" "step 7b with no drop recorded"
has nodrop "PASS 7b. koornacht: requests dropped"
has nodrop "FAIL 7b. Hubble shows x-wing -> rebel-base dropped by policy"

# Without the hubble CLI, the Hubble step is a note, not a failure.
mv "$FAKE_BIN/hubble" "$TMP/hubble.away"
lab s7b step 7b
assert_eq 0 "$LAB_RC" "step 7b without hubble: $(tail -5 "$TMP/s7b.out")"
has s7b "note: step 7b skipped: no hubble CLI"
! grep -q '^PASS\|^FAIL' "$TMP/s7b.out" || fail "step 7b checked something without hubble"
mv "$TMP/hubble.away" "$FAKE_BIN/hubble"

note "one step alone, from the base state whatever ran before"
