#!/usr/bin/env bash
# k8s/lab.sh against a stand-in control plane (tests/k8s/fake), with a broken copy of the
# manifests: a failing check prints FAIL naming the step and exits 1 (the lab's own text of
# x-wing-to-rebel-base on Cilium 1.19, where a peer selector naming no cluster means the
# local one), while the same text reaches both clusters on 1.18, and on both versions
# `cilium clustermesh inspect-policy-default-local-cluster` names it; an object the API
# server would refuse (protocol: UDPX) stops the step with the server's error, before any
# check; step 2 FAILs when Koornacht's agent knows no service of Tion's (the mesh
# disconnected), which `cilium clustermesh status` of a current CLI no longer counts; step 3
# FAILs when Koornacht's pods never go away after the scale to 0.
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck source=tests/k8s/standin.sh
. "$ROOT/tests/k8s/standin.sh"
standin_setup
standin_validate
has() { grep -qF -- "$2" "$TMP/$1.out" || fail "$1: no '$2' in: $(tail -30 "$TMP/$1.out")"; }
lab up up
assert_eq 0 "$LAB_RC" "lab.sh up: $(tail -30 "$TMP/up.out")"

# The lab's own text of x-wing-to-rebel-base: its egress peer names no cluster, which on
# Cilium 1.19 means the local cluster only. Step 9 fails there, naming the step.
mkdir -p "$TMP/repo"
cp -R "$ROOT/k8s" "$ROOT/VERSION" "$TMP/repo/"
"$PY" - "$TMP/repo/k8s/components/x-wing-to-rebel-base/policy.yaml" <<'PY'
import re, sys
p = sys.argv[1]
s = open(p).read()
open(p, "w").write(re.sub(r"\n      matchExpressions:\n(.*\n)*", "\n", s))
PY
grep -q matchExpressions "$TMP/repo/k8s/components/x-wing-to-rebel-base/policy.yaml" && fail "the copy still names clusters"
LAB_SH=$TMP/repo/k8s/lab.sh lab labtext step 9
assert_eq 1 "$LAB_RC" "step 9 with the lab's egress text on Cilium 1.19"
has labtext "FAIL 9. koornacht: secured mix (after 2 attempts)"
# ... and the CLI names the policy whose meaning the 1.19 default changed
has labtext "FAIL 9. koornacht: policy-default-local-cluster (Cilium 1.19's default) changes none of its policies (after 1 attempts)"
has labtext "$(printf '\t⚠️ default/x-wing-to-rebel-base')"
has labtext "PASS 9. tion: policy-default-local-cluster (Cilium 1.19's default) changes none of its policies"
has labtext "=== result: 1 checks passed, 2 failed"
# ... and on a Cilium 1.18 mesh the same text reaches both clusters (the difference is the
# version), while the CLI still names the policy an upgrade to 1.19 would change.
state_edit 'for c in d["clusters"].values(): c["cilium"]["version"] = "1.18.2"'
LAB_SH=$TMP/repo/k8s/lab.sh lab labtext118 step 9
assert_eq 1 "$LAB_RC" "step 9 with the lab's egress text on Cilium 1.18: $(grep -E '^(PASS|FAIL)' "$TMP/labtext118.out")"
has labtext118 "PASS 9. koornacht: secured mix"
has labtext118 "FAIL 9. koornacht: policy-default-local-cluster (Cilium 1.19's default) changes none of its policies"
state_edit 'for c in d["clusters"].values(): c["cilium"]["version"] = "1.19.0"'

# Koornacht's agent counts the services Tion shares; disconnected, it knows none, and step 2
# FAILs (a current cilium CLI's `clustermesh status` has no count that could say so).
state_edit 'd["clusters"]["koornacht"]["connected"] = []; d["clusters"]["tion"]["connected"] = []'
lab apart step 2
assert_eq 1 "$LAB_RC" "step 2 with the clusters disconnected"
has apart "FAIL 2. koornacht's agent: Tion shares a service (after 2 attempts)"
has apart "ClusterMesh:             0/0 remote clusters ready"
state_edit 'd["clusters"]["koornacht"]["connected"] = ["tion"]; d["clusters"]["tion"]["connected"] = ["koornacht"]'
lab together step 2
assert_eq 0 "$LAB_RC" "step 2 connected again: $(grep -E '^(PASS|FAIL)' "$TMP/together.out")"
has together "PASS 2. koornacht's agent: Tion shares a service"

# Koornacht's pods never go away after the scale to 0: step 3 FAILs on that, whatever its
# failover checks then see (they could pass on pods that still serve).
FAKE_PODS_STUCK=koornacht lab stuck step 3
assert_eq 1 "$LAB_RC" "step 3 with pods that never go: $(grep -E '^(PASS|FAIL)' "$TMP/stuck.out")"
has stuck "FAIL 3. koornacht: rebel-base pods gone after the scale to 0"
has stuck "error: timed out waiting for the condition on pods/"
lab gone step 3
assert_eq 0 "$LAB_RC" "step 3 with pods that go: $(grep -E '^(PASS|FAIL)' "$TMP/gone.out")"

# An object the API server refuses (schema): the apply fails with its message.
sed -i 's/protocol: UDP$/protocol: UDPX/' "$TMP/repo/k8s/components/default-deny/policy.yaml"
LAB_SH=$TMP/repo/k8s/lab.sh lab udpx step 7
[ "$LAB_RC" != 0 ] || fail "step 7 with protocol UDPX passed"
has udpx 'The CiliumNetworkPolicy "default-deny" is invalid: data/spec/egress/0/toPorts/0/ports/0/protocol must be equal to one of the allowed values'
! grep -q '^PASS 7\.' "$TMP/udpx.out" || fail "a check ran on the refused policy"
note "FAIL naming the step on 1.19, PASS on 1.18, the policy named on both, refused objects stop the step, no shared service FAILs step 2, stuck pods FAIL step 3"
