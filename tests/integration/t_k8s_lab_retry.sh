#!/usr/bin/env bash
# k8s/lab.sh's retries with a real interval (CHECK_INTERVAL=1; the other lab scenarios run
# with 0, where sleeping and the "at least N seconds" rule are both no-ops), against a
# stand-in control plane whose first xwing runs fail as an unconverged mesh would:
#   - a check is retried CHECK_TRIES times, CHECK_INTERVAL apart, then FAILs;
#   - step 10's headless check is retried for at least 35 s whatever CHECK_TRIES says
#     (CoreDNS's cache), so it outlasts failures that CHECK_TRIES alone would not.
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck source=tests/k8s/standin.sh
. "$ROOT/tests/k8s/standin.sh"
standin_setup
has() { grep -qF -- "$2" "$TMP/$1.out" || fail "$1: no '$2' in: $(tail -30 "$TMP/$1.out")"; }
lab up up
assert_eq 0 "$LAB_RC" "lab.sh up: $(tail -30 "$TMP/up.out")"

runs() { grep -c 'exec deploy/x-wing -- xwing' "$FAKE_STATE/calls.log" || true; } # xwing runs so far (0: grep's status 1)
gap() { # gap I J: seconds from the I-th last xwing run to the J-th last (1: the last)
    state "'%.2f' % (d['xwing_at'][-$2] - d['xwing_at'][-$1])"
}
apart() { # apart I J NAME: the runs are CHECK_INTERVAL (1 s) apart, or more
    local g
    g=$(gap "$1" "$2")
    awk -v g="$g" 'BEGIN { exit !(g >= 0.95) }' || fail "$3: ${g}s apart, not 1 s"
}

# Two checks, three failing runs: Koornacht's check fails twice and FAILs (CHECK_TRIES=2),
# Tion's fails once and passes on its second attempt, each retry a second later.
state_edit 'd["xwing_fail"] = 3'
before=$(runs)
CHECK_INTERVAL=1 lab step1 step 1
assert_eq 1 "$LAB_RC" "step 1 with three failing runs: $(grep -E '^(PASS|FAIL)' "$TMP/step1.out")"
has step1 "FAIL 1. koornacht: local only (after 2 attempts)"
has step1 "PASS 1. tion: local only"
assert_eq 4 "$(($(runs) - before))" "xwing runs in step 1"
apart 4 3 "Koornacht's two attempts"
apart 2 1 "Tion's two attempts"

# Step 10's check outlasts four failing runs with CHECK_TRIES=2: 35 s at 1 s apart is 36 tries.
state_edit 'd["xwing_fail"] = 4'
before=$(runs)
CHECK_INTERVAL=1 lab step10 step 10
assert_eq 0 "$LAB_RC" "step 10 with four failing runs: $(grep -E '^(PASS|FAIL)' "$TMP/step10.out")"
has step10 "PASS 10. koornacht: headless global mix"
assert_eq 5 "$(($(runs) - before))" "xwing runs in step 10"
for i in 5 4 3 2; do apart "$i" $((i - 1)) "step 10's attempts $i and $((i - 1)) from the last"; done
note "retries CHECK_INTERVAL apart, CHECK_TRIES of them, and step 10's for at least 35 s"
