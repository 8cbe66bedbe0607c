#!/usr/bin/env bash
# k8s/lab.sh steps against a stand-in control plane (tests/k8s/fake) with MCS-API on
# (LAB_MCSAPI=1 up), twice in a row: the second walk starts from the base state although the
# first one left three policies, the headless Service and Koornacht's ServiceExport in
# place, and every check passes both times, step 11's (clusterset.local) included.
# The stand-in kubectl schema-checks every object applied, and its `exec ... xwing` runs
# the real xwing with lab.sh's own flags (tests/k8s/fake/fake.py).
# limit: 120
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck source=tests/k8s/standin.sh
. "$ROOT/tests/k8s/standin.sh"
standin_setup
standin_validate
LAB_MCSAPI=1 lab up up
assert_eq 0 "$LAB_RC" "lab.sh up: $(tail -30 "$TMP/up.out")"
checks=$(LAB_DIR=$TMP/dry bash "$ROOT/k8s/lab.sh" --dry-run steps 2>/dev/null | grep -c '^CHECK (dry run) ')

walk() { # walk NAME: lab.sh steps, every check passing
    lab "$1" steps
    assert_eq 0 "$LAB_RC" "lab.sh steps ($1): $(grep -E '^(FAIL|===)|rror' "$TMP/$1.out" | tail -30)"
    assert_eq "$checks" "$(grep -c '^PASS ' "$TMP/$1.out")" "checks passed ($1)"
    ! grep -q '^FAIL ' "$TMP/$1.out" || fail "$1: $(grep '^FAIL ' "$TMP/$1.out")"
    grep -qx "=== result: $checks checks passed, 0 failed" "$TMP/$1.out" || fail "$1: no result line"
}
walk steps1
assert_eq "['default-deny', 'rebel-base-from-x-wing', 'x-wing-to-rebel-base']" \
    "$(state "sorted(k.split('/')[1] for k in d['clusters']['koornacht']['objects'] if k.startswith('CiliumNetworkPolicy/'))")" \
    "koornacht's policies after the walk"
assert_eq "['ServiceExport/rebel-base'] []" \
    "$(state "' '.join(str(sorted(k for k in d['clusters'][c]['objects'] if k.startswith('ServiceExport/'))) for c in ('koornacht', 'tion'))")" \
    "exports after the walk (Tion's withdrawn by step 11)"
walk steps2
# the second walk really started from the base: policies and the headless Service deleted,
# annotations removed, rebel-base scaled back, before step 1's checks
base=$(sed -n '/^=== base:/,/^=== 1\./p' "$TMP/steps2.out")
for want in "ciliumnetworkpolicy.cilium.io \"default-deny\" deleted" "service \"rebel-base-headless\" deleted" \
    "serviceexport.multicluster.x-k8s.io \"rebel-base\" deleted" "service/rebel-base annotated" "deployment.apps/rebel-base scaled"; do
    grep -qF "$want" <<<"$base" || fail "the base state of the second walk lacks: $want"
done
# The stand-ins are the pinned releases (cilium-cli 0.19, Cilium 1.19): the agent counts
# Tion's shared service, Hubble shows the policy drops, the CLI inspects the policies.
grep -q "^PASS 7b. Hubble shows x-wing -> rebel-base dropped by policy" "$TMP/steps2.out" || fail "no Hubble step"
grep -q "^PASS 2. koornacht's agent: Tion shares a service" "$TMP/steps2.out" || fail "no check of the shared service"
grep -qE "^   tion: ready, .* 1 services, 0 MCS-API service exports, " "$TMP/steps2.out" || fail "the agent's status does not show Tion's service"
for c in koornacht tion; do
    grep -q "^PASS 9. $c: policy-default-local-cluster (Cilium 1.19's default) changes none of its policies" "$TMP/steps2.out" ||
        fail "no inspect-policy-default-local-cluster check in $c"
done
grep -qx "✅ CiliumNetworkPolicy 3/3" "$TMP/steps2.out" || fail "Koornacht's three policies were not inspected"
grep -q "^PASS 11. koornacht: Tion's export withdrawn, Koornacht only" "$TMP/steps2.out" || fail "no MCS-API step"
pf=$(state "(d['port_forward'] or {}).get('pid', '')")
[ -n "$pf" ] || fail "the Hubble step started no port-forward"
! kill -0 "$pf" 2>/dev/null || fail "lab.sh left the Hubble port-forward (pid $pf) running"
note "steps twice: $checks checks passed each time"
