#!/usr/bin/env bash
# k8s/lab.sh up with LAB_MCSAPI (MCS-API, step 11's road) against a stand-in control plane
# (tests/k8s/fake): a bad value, a Cilium older than 1.19 (whose chart ignores
# clustermesh.mcsapi.*) and a CoreDNS older than 1.12.2 (or one whose version cannot be
# read) are refused before Cilium is installed, saying what to do; without MCS-API step 11
# is a note and the base state leaves the (unknown) ServiceExport type alone; LAB_MCSAPI=1
# on an existing mesh upgrades Cilium keeping its values and version, and only once,
# leaving a Cilium older than 1.19 alone with a note.
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck source=tests/k8s/standin.sh
. "$ROOT/tests/k8s/standin.sh"
standin_setup
standin_validate
has() { grep -qF -- "$2" "$TMP/$1.out" || fail "$1: no '$2' in: $(tail -30 "$TMP/$1.out")"; }
lacks() { ! grep -qF -- "$2" "$TMP/$1.out" || fail "$1: unexpected '$2' in: $(grep -F -- "$2" "$TMP/$1.out")"; }
since() { tail -n +"$(($1 + 1))" "$FAKE_STATE/calls.log"; } # since MARK: the calls after MARK
mark() { wc -l <"$FAKE_STATE/calls.log" | tr -d ' '; }

# --- refusals, before anything is installed --------------------------------------------
LAB_MCSAPI=yes lab bad up
assert_eq 2 "$LAB_RC" "LAB_MCSAPI=yes"
has bad "lab.sh: LAB_MCSAPI must be 0 or 1, not 'yes'"
CILIUM_VERSION=1.18.2 LAB_MCSAPI=1 lab old up
assert_eq 1 "$LAB_RC" "LAB_MCSAPI=1 with Cilium 1.18.2"
has old "preflight: LAB_MCSAPI=1 needs Cilium 1.19 or later (its chart's clustermesh.mcsapi values); CILIUM_VERSION is 1.18.2"
has old "nothing was created or changed"
FAKE_COREDNS_VERSION=1.11.3 LAB_MCSAPI=1 lab dns up
assert_eq 1 "$LAB_RC" "LAB_MCSAPI=1 with CoreDNS 1.11.3"
has dns "lab.sh: kind-koornacht runs CoreDNS 1.11.3; MCS-API (LAB_MCSAPI=1) needs CoreDNS 1.12.2 or later (clusterset.local). Use a Kubernetes 1.35 or later node image: k8s/lab.sh teardown, then KIND_NODE_IMAGE=kindest/node:v1.35.0 LAB_MCSAPI=1 k8s/lab.sh up"
! grep -q '^cilium install' "$FAKE_STATE/calls.log" || fail "Cilium was installed on CoreDNS 1.11.3: $(calls)"
state_edit 'd["clusters"]["koornacht"]["coredns"] = "unknown"'
LAB_MCSAPI=1 lab dns2 up
assert_eq 1 "$LAB_RC" "LAB_MCSAPI=1 with a CoreDNS image of no version"
has dns2 "lab.sh: kind-koornacht: cannot read the CoreDNS version (kube-system/deployment coredns); MCS-API (LAB_MCSAPI=1) needs CoreDNS >= 1.12.2"
! grep -q '^cilium install' "$FAKE_STATE/calls.log" || fail "Cilium was installed without a CoreDNS version: $(calls)"
lab down teardown
assert_eq 0 "$LAB_RC" "teardown: $(tail -5 "$TMP/down.out")"

# --- MCS-API off: step 11 is a note, the base leaves ServiceExport alone ------------------
lab up up
assert_eq 0 "$LAB_RC" "lab.sh up: $(tail -30 "$TMP/up.out")"
has up "lab.sh: MCS-API off: step 11 is skipped (LAB_MCSAPI=1 k8s/lab.sh up turns it on)"
lab off step 11
assert_eq 0 "$LAB_RC" "step 11 without MCS-API: $(tail -20 "$TMP/off.out")"
has off "note: step 11 skipped: MCS-API is not on in both clusters; LAB_MCSAPI=1 k8s/lab.sh up turns it on"
lacks off "serviceexport"
! grep -q '^PASS\|^FAIL' "$TMP/off.out" || fail "step 11 checked something without MCS-API"

# --- LAB_MCSAPI=1 on the existing mesh: an upgrade keeping values and version, once ------
# Tion on Cilium 1.18.2 first: its chart has no clustermesh.mcsapi, a note and no upgrade
# (one would change nothing); Koornacht upgrades.
sets="--reuse-values --set clustermesh.mcsapi.enabled=true --set clustermesh.mcsapi.corednsAutoConfigure.enabled=true"
state_edit 'd["clusters"]["tion"]["cilium"]["version"] = "1.18.2"'
m=$(mark)
LAB_MCSAPI=1 lab old118 up
assert_eq 0 "$LAB_RC" "LAB_MCSAPI=1 up with Tion on Cilium 1.18.2: $(tail -30 "$TMP/old118.out")"
has old118 "note: kind-tion runs Cilium 1.18.2; MCS-API needs 1.19 or later: not enabled, step 11 will be skipped"
has old118 "+ cilium upgrade --context kind-koornacht --version 1.19.0 $sets"
! grep -q '^cilium upgrade --context kind-tion' <<<"$(since "$m")" || fail "Cilium 1.18.2 was upgraded: $(since "$m")"
state_edit 'd["clusters"]["tion"]["cilium"]["version"] = "1.19.0"'
m=$(mark)
LAB_MCSAPI=1 lab on up
assert_eq 0 "$LAB_RC" "LAB_MCSAPI=1 up on the existing mesh: $(tail -30 "$TMP/on.out")"
has on "kind-koornacht: MCS-API is enabled: keeping it"
has on "+ cilium upgrade --context kind-tion --version 1.19.0 $sets"
for c in koornacht tion; do
    has on "kind-$c: CoreDNS 1.12.2 (MCS-API needs >= 1.12.2)"
    assert_eq "1.19.0 $c true true" \
        "$(state "' '.join(str(x) for x in (d['clusters']['$c']['cilium']['version'], d['clusters']['$c']['cilium']['values']['cluster.name'], d['clusters']['$c']['cilium']['values']['clustermesh.enableEndpointSliceSynchronization'], d['clusters']['$c']['cilium']['values']['clustermesh.mcsapi.enabled']))")" \
        "$c: version and values after the upgrade"
done
! grep -q '^cilium install' <<<"$(since "$m")" || fail "up reinstalled Cilium: $(since "$m")"
m=$(mark)
LAB_MCSAPI=1 lab on2 up
assert_eq 0 "$LAB_RC" "LAB_MCSAPI=1 up again: $(tail -30 "$TMP/on2.out")"
for c in koornacht tion; do has on2 "kind-$c: MCS-API is enabled: keeping it"; done
! grep -q '^cilium upgrade' <<<"$(since "$m")" || fail "up upgraded twice: $(since "$m")"

note "MCS-API up: refused on a bad value, Cilium 1.18 and CoreDNS 1.11; off: a note; on: one upgrade keeping values"
