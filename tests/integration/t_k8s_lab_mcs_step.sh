#!/usr/bin/env bash
# k8s/lab.sh step 11 (MCS-API) against a stand-in control plane (tests/k8s/fake) with
# LAB_MCSAPI=1: it waits for the ServiceImport (the stand-in makes it a few calls after the
# exports), reaches both clusters by rebel-base.default.svc.clusterset.local, prints the
# export's status conditions, then reaches Koornacht only once Tion's export is withdrawn;
# an import that never comes FAILs the step after a bounded wait, and so does an export
# that names no Service (a typo in a copy of the component).
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck source=tests/k8s/standin.sh
. "$ROOT/tests/k8s/standin.sh"
standin_setup
standin_validate
has() { grep -qF -- "$2" "$TMP/$1.out" || fail "$1: no '$2' in: $(tail -30 "$TMP/$1.out")"; }
since() { tail -n +"$(($1 + 1))" "$FAKE_STATE/calls.log"; } # since MARK: the calls after MARK
mark() { wc -l <"$FAKE_STATE/calls.log" | tr -d ' '; }
LAB_MCSAPI=1 lab up up
assert_eq 0 "$LAB_RC" "LAB_MCSAPI=1 lab.sh up: $(tail -30 "$TMP/up.out")"
has up "lab.sh: MCS-API on (LAB_MCSAPI=1)"

# --- step 11 alone: wait for the import, both clusters, then Koornacht only -------------
m=$(mark)
lab s11 step 11
assert_eq 0 "$LAB_RC" "step 11: $(grep -E '^(PASS|FAIL|note)|rror' "$TMP/s11.out")"
has s11 "PASS 11. koornacht: ServiceImport rebel-base exists"
has s11 "PASS 11. koornacht: clusterset mix"
has s11 "PASS 11. koornacht: Tion's export withdrawn, Koornacht only"
has s11 "Valid=True Valid: ServiceExport is valid"
has s11 "expect ok: all 20 replies from Koornacht"
gets=$(since "$m" | grep -c '^kubectl --context kind-koornacht get serviceimport rebel-base$')
[ "$gets" -ge 2 ] || fail "step 11 did not wait for the ServiceImport (asked $gets time(s))"
assert_eq "['ServiceExport/rebel-base']" \
    "$(state "sorted(k for k in d['clusters']['koornacht']['objects'] if k.startswith('ServiceExport/'))")" "Koornacht's export after step 11"
assert_eq "[]" "$(state "sorted(k for k in d['clusters']['tion']['objects'] if k.startswith('ServiceExport/'))")" "Tion's export after step 11"

# --- failing: an import that never comes, an export naming no Service -------------------
FAKE_MCS_DELAY=1000000 lab never step 11
assert_eq 1 "$LAB_RC" "step 11 without a ServiceImport"
has never "FAIL 11. koornacht: ServiceImport rebel-base exists (after 8 attempts)"
has never 'Error from server (NotFound): serviceimports.multicluster.x-k8s.io "rebel-base" not found'
has never "FAIL 11. koornacht: clusterset mix"
mkdir -p "$TMP/repo"
cp -R "$ROOT/k8s" "$ROOT/VERSION" "$TMP/repo/"
sed -i 's/^  name: rebel-base$/  name: rebel-bse/' "$TMP/repo/k8s/components/mcs-export/serviceexport.yaml"
grep -q 'name: rebel-bse' "$TMP/repo/k8s/components/mcs-export/serviceexport.yaml" || fail "could not plant the typo"
LAB_SH=$TMP/repo/k8s/lab.sh lab typo step 11
assert_eq 1 "$LAB_RC" "step 11 exporting rebel-bse"
has typo "FAIL 11. koornacht: ServiceImport rebel-base exists"
has typo "serviceexport.multicluster.x-k8s.io/rebel-bse created"
note "step 11: waited $gets calls for the ServiceImport; both clusters, then Koornacht only; FAIL without an import"
