#!/usr/bin/env bash
# The lab's intent holds at every check k8s/lab.sh makes (who may talk to whom), read by
# tests/k8s/mesh_model.py from the objects each step applies, and it holds the same on
# every Cilium the lab supports: 1.16 to 1.18 up to step 10 (MCS-API, step 11, needs the
# 1.19 chart's clustermesh.mcsapi values, and before it no clusterset.local name resolves),
# 1.19 at every step; 1.15 holds up to step 9 (the headless step needs 1.16). Every
# peer selector of every rendered policy names its clusters. The lab's own policy text,
# whose egress selector names no cluster, passes on 1.18 and fails step 9 on 1.19: this
# test would have caught it.
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"
need kubectl "kubectl kustomize renders the manifests"
model=$ROOT/tests/k8s/mesh_model.py
LAB_DIR=$TMP/lab bash "$ROOT/k8s/lab.sh" --dry-run steps >"$TMP/dry.txt" 2>/dev/null || fail "lab.sh --dry-run steps"
walk() { # walk K8S-DIR VERSIONS [MORE WALK ARGS]
    "$PY" "$model" walk --k8s "$1" --dry-run "$TMP/dry.txt" --work "$(mktemp -d "$TMP/w.XXXXXX")" --cilium "$2" "${@:3}"
}
for_version() { sed -n "s/^$1 | //p" <<<"$2"; }

# At each check (named as lab.sh prints it): from each cluster's x-wing, which clusters'
# rebel-base pods answer (ok) and which drop the requests (drop).
intent="1. koornacht: local only | koornacht->rebel-base ok koornacht drop -; tion->rebel-base ok tion drop -
1. tion: local only | koornacht->rebel-base ok koornacht drop -; tion->rebel-base ok tion drop -
2. koornacht: global mix | koornacht->rebel-base ok koornacht,tion drop -; tion->rebel-base ok koornacht,tion drop -
2. tion: global mix | koornacht->rebel-base ok koornacht,tion drop -; tion->rebel-base ok koornacht,tion drop -
2. koornacht's agent: Tion shares a service | koornacht->rebel-base ok koornacht,tion drop -; tion->rebel-base ok koornacht,tion drop -
3. koornacht: failover to Tion | koornacht->rebel-base ok tion drop -; tion->rebel-base ok tion drop -
3. tion: Tion only | koornacht->rebel-base ok tion drop -; tion->rebel-base ok tion drop -
4. tion: Koornacht not shared | koornacht->rebel-base ok koornacht,tion drop -; tion->rebel-base ok tion drop -
4. koornacht: still a mix | koornacht->rebel-base ok koornacht,tion drop -; tion->rebel-base ok tion drop -
5. koornacht: affinity local | koornacht->rebel-base ok koornacht drop -; tion->rebel-base ok tion drop -
5. koornacht: affinity failover to Tion | koornacht->rebel-base ok tion drop -; tion->rebel-base ok tion drop -
5. koornacht: back to local | koornacht->rebel-base ok koornacht drop -; tion->rebel-base ok tion drop -
5b. koornacht: affinity remote | koornacht->rebel-base ok tion drop -; tion->rebel-base ok tion drop -
6. koornacht: mix again | koornacht->rebel-base ok koornacht,tion drop -; tion->rebel-base ok tion drop -
7. koornacht: default deny | koornacht->rebel-base ok - drop koornacht,tion; tion->rebel-base ok - drop tion
7b. Hubble relay answers on localhost:4245 | koornacht->rebel-base ok - drop koornacht,tion; tion->rebel-base ok - drop tion
7b. koornacht: requests dropped | koornacht->rebel-base ok - drop koornacht,tion; tion->rebel-base ok - drop tion
7b. Hubble shows x-wing -> rebel-base dropped by policy | koornacht->rebel-base ok - drop koornacht,tion; tion->rebel-base ok - drop tion
8. koornacht: egress alone is not enough | koornacht->rebel-base ok - drop koornacht,tion; tion->rebel-base ok - drop tion
8b. koornacht: only Koornacht gets through | koornacht->rebel-base ok koornacht drop tion; tion->rebel-base ok - drop tion
9. koornacht: secured mix | koornacht->rebel-base ok koornacht,tion drop -; tion->rebel-base ok - drop tion
9. koornacht: policy-default-local-cluster (Cilium 1.19's default) changes none of its policies | koornacht->rebel-base ok koornacht,tion drop -; tion->rebel-base ok - drop tion
9. tion: policy-default-local-cluster (Cilium 1.19's default) changes none of its policies | koornacht->rebel-base ok koornacht,tion drop -; tion->rebel-base ok - drop tion
10. both clusters have both clusters' EndpointSlices | koornacht->rebel-base ok koornacht,tion drop -; koornacht->rebel-base-headless ok koornacht,tion drop -; tion->rebel-base ok - drop tion; tion->rebel-base-headless ok - drop koornacht,tion
10. koornacht: headless global mix | koornacht->rebel-base ok koornacht,tion drop -; koornacht->rebel-base-headless ok koornacht,tion drop -; tion->rebel-base ok - drop tion; tion->rebel-base-headless ok - drop koornacht,tion
11. koornacht: ServiceImport rebel-base exists | koornacht->rebel-base ok koornacht drop -; koornacht->rebel-base@clusterset ok koornacht,tion drop -; tion->rebel-base ok tion drop -; tion->rebel-base@clusterset ok koornacht,tion drop -
11. koornacht: clusterset mix | koornacht->rebel-base ok koornacht drop -; koornacht->rebel-base@clusterset ok koornacht,tion drop -; tion->rebel-base ok tion drop -; tion->rebel-base@clusterset ok koornacht,tion drop -
11. koornacht: Tion's export withdrawn, Koornacht only | koornacht->rebel-base ok koornacht drop -; koornacht->rebel-base@clusterset ok koornacht drop -; tion->rebel-base ok tion drop -; tion->rebel-base@clusterset ok koornacht drop -"

out=$(walk "$ROOT/k8s" 1.15.0,1.16.0,1.17.0,1.18.0,1.19.0) || fail "mesh_model walk: $out"
assert_eq "$intent" "$(for_version 1.19.0 "$out")" "who reaches whom on Cilium 1.19.0"
for v in 1.16.0 1.17.0 1.18.0; do
    assert_eq "$(grep -v '^11\. ' <<<"$intent")" "$(for_version "$v" "$out" | grep -v '^11\. ')" "who reaches whom on Cilium $v"
    # without MCS-API (the 1.17 and 1.18 charts ignore clustermesh.mcsapi.enabled), the
    # clusterset.local name does not resolve; the plain name stays local
    assert_eq "$(grep '^11\. ' <<<"$intent" | sed -E 's/@clusterset ok [a-z,]+ drop -/@clusterset dns/g')" \
        "$(for_version "$v" "$out" | grep '^11\. ')" "step 11 on Cilium $v (no MCS-API)"
done
assert_eq "$(grep -v '^1[01]\. ' <<<"$intent")" "$(for_version 1.15.0 "$out" | grep -v '^1[01]\. ')" "who reaches whom on Cilium 1.15.0"
# ... but not step 10: before 1.16 no EndpointSlice reaches the other cluster
[ "$(grep '^10\. koornacht: headless' <<<"$intent")" != "$(for_version 1.15.0 "$out" | grep '^10\. koornacht: headless')" ] ||
    fail "the headless step holds on Cilium 1.15.0, which has no EndpointSlice synchronization"
note "the lab's intent holds at all $(wc -l <<<"$intent") checks on Cilium 1.19.0 (1.16.0, 1.17.0 and 1.18.0 up to step 10, 1.15.0 up to step 9)"

# The probe component (xwing probe, a canary) in both clusters at every step: its pods carry
# x-wing's label, so every policy treats them as x-wing's clients, and from its pods the lab
# reads the same at each check; x-wing's own view is unchanged by it.
probe=(--with probe --client deploy/x-wing-probe)
out=$(walk "$ROOT/k8s" 1.18.0,1.19.0 "${probe[@]}") || fail "mesh_model walk from the probe: $out"
assert_eq "$intent" "$(for_version 1.19.0 "$out")" "who the probe reaches on Cilium 1.19.0"
assert_eq "$(grep -v '^11\. ' <<<"$intent")" "$(for_version 1.18.0 "$out" | grep -v '^11\. ')" "who the probe reaches on Cilium 1.18.0"
out=$(walk "$ROOT/k8s" 1.19.0 --with probe) || fail "mesh_model walk with the probe: $out"
assert_eq "$intent" "$(for_version 1.19.0 "$out")" "who x-wing reaches beside the probe"
# ... and that would catch a probe the policies do not take for x-wing: its own name label.
cp -R "$ROOT/k8s" "$TMP/probelabel"
sed -i 's/^\( *\)name: x-wing$/\1name: x-wing-probe/' "$TMP/probelabel/components/probe/deployment.yaml"
grep -q 'name: x-wing-probe$' "$TMP/probelabel/components/probe/deployment.yaml" || fail "could not relabel the probe"
out=$(walk "$TMP/probelabel" 1.19.0 "${probe[@]}") || fail "walk with a relabelled probe: $out"
step9=$(for_version 1.19.0 "$out" | grep '^9\. koornacht: secured mix ')
assert_eq "9. koornacht: secured mix | koornacht->rebel-base ok - drop koornacht,tion; tion->rebel-base ok - drop tion" \
    "$step9" "a probe without x-wing's label under the step 9 policies"
note "the probe's pods are x-wing clients at every check; relabelled, step 9 drops them ($step9)"

# Every peer selector of every rendered policy names its clusters; ours all say so with
# a matchExpression on io.cilium.k8s.policy.cluster.
"$PY" "$ROOT/tests/k8s/render_all.py" --k8s "$ROOT/k8s" --out "$TMP/r" --lab-dry-run "$TMP/dry.txt" 2>/dev/null ||
    fail "rendering failed"
lint=$("$PY" "$model" lint "$TMP"/r/*.json) || fail "$lint"
note "$lint"
peers=$(jq -c '.items[] | select(.kind == "CiliumNetworkPolicy") | .spec | (.ingress // [], .egress // [])[]
    | (.fromEndpoints // [], .toEndpoints // [])[] | [.matchExpressions[]? | select(.key == "io.cilium.k8s.policy.cluster")] | length' \
    "$TMP"/r/*.json | sort | uniq -c)
[[ "$peers" =~ ^\ *[0-9]+\ 1$ ]] || fail "a peer selector without exactly one cluster matchExpression: $peers"

# The lab's text of x-wing-to-rebel-base (its egress peer names no cluster).
cp -R "$ROOT/k8s" "$TMP/labtext"
cat >"$TMP/labtext/components/x-wing-to-rebel-base/policy.yaml" <<'YAML'
apiVersion: "cilium.io/v2"
kind: CiliumNetworkPolicy
metadata:
  name: "x-wing-to-rebel-base"
spec:
  description: "Allow x-wing in Koornacht to contact rebel-base"
  endpointSelector:
    matchLabels:
      name: x-wing
      io.cilium.k8s.policy.cluster: koornacht
  egress:
  - toEndpoints:
    - matchLabels:
        name: rebel-base
YAML
"$PY" "$ROOT/tests/k8s/render_all.py" --k8s "$TMP/labtext" --out "$TMP/rl" --only-lab --lab-dry-run "$TMP/dry.txt" 2>/dev/null ||
    fail "rendering the lab's text failed"
if got=$("$PY" "$model" lint "$TMP"/rl/*.json); then fail "lint accepted the lab's egress selector"; fi
[[ "$got" == *"CiliumNetworkPolicy/x-wing-to-rebel-base egress[0].toEndpoints[0]: names no cluster"* ]] ||
    fail "lint does not name the lab's egress selector: $got"
out=$(walk "$TMP/labtext" 1.18.0,1.19.0) || fail "walk: $out"
assert_eq "$(grep -v '^11\. ' <<<"$intent")" "$(for_version 1.18.0 "$out" | grep -v '^11\. ')" \
    "the lab's text on Cilium 1.18 (peers match every cluster)"
step9=$(for_version 1.19.0 "$out" | grep '^9\. koornacht: secured mix ')
assert_eq "9. koornacht: secured mix | koornacht->rebel-base ok koornacht drop tion; tion->rebel-base ok - drop tion" \
    "$step9" "the lab's text on Cilium 1.19 (peers match the local cluster)"
note "the lab's own egress text: lint names it; on 1.19 step 9 loses Tion ($step9)"

# A cluster that does not exist, and the lab's kube-dns peer (no cluster named).
cp -R "$ROOT/k8s" "$TMP/typo"
sed -i 's/values: \[koornacht, tion\]/values: [koornacht, tionn]/' "$TMP/typo/components/x-wing-to-rebel-base/policy.yaml"
sed -i '/matchExpressions:/,/operator: Exists/d' "$TMP/typo/components/default-deny/policy.yaml"
"$PY" "$ROOT/tests/k8s/render_all.py" --k8s "$TMP/typo" --out "$TMP/rt" --only-lab --lab-dry-run "$TMP/dry.txt" 2>/dev/null ||
    fail "rendering the typo copy failed"
if got=$("$PY" "$model" lint "$TMP"/rt/*.json); then fail "lint accepted an unknown cluster and an unnamed kube-dns peer"; fi
[[ "$got" == *"x-wing-to-rebel-base egress[0].toEndpoints[0]: io.cilium.k8s.policy.cluster In ['koornacht', 'tionn'] does not name known clusters"* ]] ||
    fail "lint misses the unknown cluster: $got"
[[ "$got" == *"default-deny egress[0].toEndpoints[0]: names no cluster"* ]] || fail "lint misses the kube-dns peer: $got"
