#!/usr/bin/env bash
# k8s/lab.sh with the oldest tools it supports (tests/k8s/fake, FAKE_PROFILE=oldest: kind
# 0.27.0, kubectl 1.21.0, cilium CLI 0.15.0, hubble 1.16.0, each printing that release's
# output) on the oldest Cilium it supports, 1.16.0: up, then every step passes but 11
# (MCS-API needs 1.19: a note) and the policy inspection (a CLI this old has no
# inspect-policy-default-local-cluster and prints clustermesh's help: a note, not a pass).
# Then the same CLI against Cilium 1.19 agents, which no longer count global services:
# its `clustermesh status` says 0, and step 2 still passes, on what the agent counts.
# limit: 120
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck source=tests/k8s/standin.sh
. "$ROOT/tests/k8s/standin.sh"
standin_setup
export FAKE_PROFILE=oldest CILIUM_VERSION=1.16.0
has() { grep -qF -- "$2" "$TMP/$1.out" || fail "$1: no '$2' in: $(tail -30 "$TMP/$1.out")"; }

lab up up
assert_eq 0 "$LAB_RC" "lab.sh up with the oldest tools: $(tail -30 "$TMP/up.out")"
has up "lab.sh: kind 0.27.0, kubectl 1.21.0, cilium CLI 0.15.0, hubble 1.16.0"
has up "lab.sh: installs Cilium 1.16.0 (CILIUM_VERSION)"
has up "preflight: ok"

checks=$(LAB_DIR=$TMP/dry bash "$ROOT/k8s/lab.sh" --dry-run steps 2>/dev/null | grep '^CHECK (dry run) ' |
    grep -vc '^CHECK (dry run) 11\.\|policy-default-local-cluster')
lab steps steps
assert_eq 0 "$LAB_RC" "lab.sh steps on Cilium 1.16 with the oldest tools: $(grep -E '^(FAIL|===)|rror' "$TMP/steps.out" | tail -30)"
assert_eq "$checks" "$(grep -c '^PASS ' "$TMP/steps.out")" "checks passed"
# Cilium 1.16's agent: the services line without the MCS-API count
grep -qE '^   tion: ready, 3 nodes, [0-9]+ endpoints, [0-9]+ identities, 1 services, 0 reconnections' "$TMP/steps.out" ||
    fail "no Cilium 1.16 agent status line for Tion: $(grep -F 'tion: ready' "$TMP/steps.out")"
has steps "PASS 2. koornacht's agent: Tion shares a service"
has steps "PASS 7b. Hubble shows x-wing -> rebel-base dropped by policy"
has steps "PASS 10. koornacht: headless global mix"
has steps "note: this cilium CLI has no 'clustermesh inspect-policy-default-local-cluster' (a current one does): not checked"
has steps "note: step 11 skipped: MCS-API is not on in both clusters"
! grep -q '^PASS 9\. .*policy-default-local-cluster' "$TMP/steps.out" || fail "a policy check passed on a CLI without the command"

# The same CLI against Cilium 1.19 agents: no global-services count any more (it reads 0),
# yet the agent still counts what Tion shares.
state_edit 'for c in d["clusters"].values(): c["cilium"]["version"] = "1.19.0"'
assert_eq "🔀 Global services: [ min:0 / avg:0.0 / max:0 ]" \
    "$(cilium clustermesh status --context kind-koornacht | grep 'Global services')" "cilium-cli 0.15 on Cilium 1.19"
CILIUM_VERSION=1.19.0 lab s2 step 2
assert_eq 0 "$LAB_RC" "step 2 with cilium-cli 0.15 on Cilium 1.19: $(grep -E '^(PASS|FAIL)|rror' "$TMP/s2.out")"
has s2 "PASS 2. koornacht's agent: Tion shares a service"
grep -qE '^   tion: ready, .* 1 services, 0 MCS-API service exports, ' "$TMP/s2.out" || fail "no Cilium 1.19 agent status line"
note "oldest tools on Cilium 1.16: $checks checks passed; step 2 on 1.19 agents with cilium-cli 0.15 too"
