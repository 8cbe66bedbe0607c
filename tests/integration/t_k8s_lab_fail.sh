#!/usr/bin/env bash
# k8s/lab.sh against a stand-in control plane (tests/k8s/fake), with a broken copy of the
# manifests: a failing check prints FAIL naming the step and exits 1 (the lab's own text of
# x-wing-to-rebel-base on Cilium 1.19, where a peer selector naming no cluster means the
# local one), while the same text passes on 1.18; an object the API server would refuse
# (protocol: UDPX) stops the step with the server's error, before any check.
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
has labtext "=== result: 0 checks passed, 1 failed"
# ... and on a Cilium 1.18 mesh the same text passes: the difference is the version.
state_edit 'for c in d["clusters"].values(): c["cilium"]["version"] = "1.18.2"'
LAB_SH=$TMP/repo/k8s/lab.sh lab labtext118 step 9
assert_eq 0 "$LAB_RC" "step 9 with the lab's egress text on Cilium 1.18: $(grep -E '^(PASS|FAIL)' "$TMP/labtext118.out")"
has labtext118 "PASS 9. koornacht: secured mix"

# An object the API server refuses (schema): the apply fails with its message.
sed -i 's/protocol: UDP$/protocol: UDPX/' "$TMP/repo/k8s/components/default-deny/policy.yaml"
LAB_SH=$TMP/repo/k8s/lab.sh lab udpx step 7
[ "$LAB_RC" != 0 ] || fail "step 7 with protocol UDPX passed"
has udpx 'The CiliumNetworkPolicy "default-deny" is invalid: data/spec/egress/0/toPorts/0/ports/0/protocol must be equal to one of the allowed values'
! grep -q '^PASS 7\.' "$TMP/udpx.out" || fail "a check ran on the refused policy"
note "FAIL naming the step on 1.19, PASS on 1.18, refused objects stop the step"
