#!/usr/bin/env bash
# One Cilium CA for both clusters (tests/k8s/fake models kube-system/cilium-ca: each `cilium
# install` makes one unless it finds one, which it keeps; a current cilium CLI refuses to
# connect clusters whose CAs differ). A lab.sh that installs Cilium in Tion without
# Koornacht's CA (the lab before share_ca: its up() without the share_ca call) stops at
# `cilium clustermesh connect` with the CLI's error, as a real run with the main snapshot
# did; the 2023 CLI (FAKE_PROFILE=oldest) only warned there. lab.sh copies the CA before
# Tion's install, and the stand-ins hold the copy to what the real tools refuse: a
# resourceVersion (the sed strips it), a second create, a Secret Helm cannot adopt.
# Up again keeps Tion's CA.
# limit: 120
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck source=tests/k8s/standin.sh
. "$ROOT/tests/k8s/standin.sh"
standin_setup
has() { grep -qF -- "$2" "$TMP/$1.out" || fail "$1: no '$2' in: $(tail -30 "$TMP/$1.out")"; }
ca() { state "__import__('re').sub(r'\s', '', d['clusters']['$1']['secrets']['cilium-ca']['data']['ca.crt'])"; }
mismatch="Error: Unable to connect cluster: Cilium CA certificates do not match between clusters koornacht and tion. Use --allow-mismatching-ca to allow this by adding remote CAs to the CA bundle"
connect="cilium clustermesh connect --context kind-koornacht --destination-context kind-tion"
disconnect() { state_edit 'for c in d["clusters"].values(): c["connected"] = []'; }

# --- the lab without share_ca: connect fails, as in the real run -----------------------
mkdir -p "$TMP/old"
cp -R "$ROOT/k8s" "$ROOT/VERSION" "$TMP/old/"
# shellcheck disable=SC2016 # the line as lab.sh has it
call='        if [ "$cluster" = tion ]; then share_ca koornacht tion; fi'
grep -qxF -- "$call" "$TMP/old/k8s/lab.sh" || fail "lab.sh's up() no longer has: $call"
grep -vxF -- "$call" "$ROOT/k8s/lab.sh" >"$TMP/old/k8s/lab.sh"
LAB_SH=$TMP/old/k8s/lab.sh lab old up
assert_eq 1 "$LAB_RC" "lab.sh up without share_ca: $(tail -20 "$TMP/old.out")"
has old "+ $connect"
has old "$mismatch"
! grep -q 'cilium-ca' "$TMP/old.out" || fail "the lab without share_ca touched cilium-ca: $(grep cilium-ca "$TMP/old.out")"
assert_eq "[] []" "$(state "' '.join(str(d['clusters'][c]['connected']) for c in ('koornacht', 'tion'))")" "connected after the refusal"
[ "$(ca koornacht)" != "$(ca tion)" ] || fail "two installs made one CA"

# What each install made: the secret a real kubectl prints, Helm's labels and annotations on it.
kubectl --context kind-tion -n kube-system get secret cilium-ca -o yaml >"$TMP/ca.yaml" || fail "get secret cilium-ca -o yaml"
for line in "apiVersion: v1" "  ca.crt: " "  ca.key: " "kind: Secret" "  annotations:" \
    "    meta.helm.sh/release-name: cilium" "    meta.helm.sh/release-namespace: kube-system" \
    '  creationTimestamp: "' "  labels:" "    app.kubernetes.io/managed-by: Helm" \
    '    cilium.io/helm-template-non-idempotent: "true"' "  name: cilium-ca" "  namespace: kube-system" \
    '  resourceVersion: "' "  uid: " "type: Opaque"; do
    grep -q "^$line" "$TMP/ca.yaml" || fail "no '$line' in: $(cat "$TMP/ca.yaml")"
done
assert_eq "apiVersion data kind metadata type" "$(grep -oE '^[a-zA-Z]+' "$TMP/ca.yaml" | tr '\n' ' ' | sed 's/ $//')" "top-level keys, sorted"

# The same CLI connects them with --allow-mismatching-ca; the 2023 CLI only warned, and has no such flag.
$connect --allow-mismatching-ca >"$TMP/allow.out" 2>&1 || fail "connect --allow-mismatching-ca: $(cat "$TMP/allow.out")"
grep -qxF "⚠️ Cilium CA certificates do not match between clusters koornacht and tion. Remote cluster CA will be trusted in the CA bundle" \
    "$TMP/allow.out" || fail "no CA bundle warning: $(cat "$TMP/allow.out")"
disconnect
FAKE_PROFILE=oldest $connect >"$TMP/oldcli.out" 2>&1 || fail "cilium-cli 0.15.0 refused mismatched CAs: $(cat "$TMP/oldcli.out")"
grep -qxF "⚠️ Cilium CA certificates do not match between clusters. Multicluster features will be limited!" \
    "$TMP/oldcli.out" || fail "cilium-cli 0.15.0 did not warn: $(cat "$TMP/oldcli.out")"
disconnect
if FAKE_PROFILE=oldest $connect --allow-mismatching-ca >"$TMP/oldflag.out" 2>&1; then fail "cilium-cli 0.15.0 took --allow-mismatching-ca"; fi
grep -qF "unknown flag: --allow-mismatching-ca" "$TMP/oldflag.out" || fail "old CLI and the flag: $(cat "$TMP/oldflag.out")"

# --- what the copy must get past --------------------------------------------------------
get="kubectl --context kind-koornacht -n kube-system get secret cilium-ca -o yaml"
strip() { sed -e '/^  resourceVersion:/d' -e '/^  uid:/d' -e '/^  creationTimestamp:/d'; }
if $get | kubectl --context kind-tion create -f - >"$TMP/rv.out" 2>&1; then fail "created a Secret with a resourceVersion"; fi
grep -qxF 'Error from server: error when creating "STDIN": resourceVersion should not be set on objects to be created' \
    "$TMP/rv.out" || fail "resourceVersion: $(cat "$TMP/rv.out")"
if $get | strip | kubectl --context kind-tion create -f - >"$TMP/twice.out" 2>&1; then fail "created cilium-ca twice"; fi
grep -qxF 'Error from server (AlreadyExists): error when creating "STDIN": secrets "cilium-ca" already exists' \
    "$TMP/twice.out" || fail "AlreadyExists: $(cat "$TMP/twice.out")"
# A cilium-ca without Helm's labels (a copy that lost them) is one Helm will not adopt.
$get | strip | sed -e '/^  labels:/,/^  name:/{/^  name:/!d;}' >"$TMP/nolabels.yaml"
! grep -q 'managed-by' "$TMP/nolabels.yaml" || fail "labels still there: $(cat "$TMP/nolabels.yaml")"
kind delete cluster --name tion >/dev/null 2>&1
kind create cluster --name tion --config "$ROOT/k8s/kind/tion.yaml" >/dev/null 2>&1 || fail "kind create tion"
kubectl --context kind-tion create -f - <"$TMP/nolabels.yaml" >/dev/null 2>&1 || fail "create a cilium-ca without labels"
if cilium install --context kind-tion --set cluster.name=tion >"$TMP/adopt.out" 2>&1; then fail "Helm adopted a cilium-ca without its labels"; fi
grep -qF 'Secret "cilium-ca" in namespace "kube-system" exists and cannot be imported into the current release: invalid ownership metadata; label validation error: missing key "app.kubernetes.io/managed-by": must be set to "Helm"' \
    "$TMP/adopt.out" || fail "adoption: $(cat "$TMP/adopt.out")"
LAB_SH=$TMP/old/k8s/lab.sh lab down teardown

# --- lab.sh: Tion gets Koornacht's CA, connect passes -----------------------------------
mark=$(wc -l <"$FAKE_STATE/calls.log")
lab up1 up
assert_eq 0 "$LAB_RC" "lab.sh up: $(tail -30 "$TMP/up1.out")"
has up1 "+ kubectl --context kind-koornacht -n kube-system get secret cilium-ca -o yaml | sed -e '/^  resourceVersion:/d' -e '/^  uid:/d' -e '/^  creationTimestamp:/d' | kubectl --context kind-tion create -f -"
has up1 "secret/cilium-ca created"
has up1 "+ $connect"
! grep -q 'do not match' "$TMP/up1.out" || fail "CAs differ after share_ca: $(grep 'do not match' "$TMP/up1.out")"
# the copy comes before Tion's install, which keeps it
assert_eq "kubectl cilium" "$(tail -n +"$((mark + 1))" "$FAKE_STATE/calls.log" |
    grep -E '^(kubectl --context kind-tion create|cilium install --context kind-tion)' | cut -d' ' -f1 | tr '\n' ' ' | sed 's/ $//')" \
    "Tion: the copy, then the install"
shared=$(ca koornacht)
assert_eq "$shared" "$(ca tion)" "Tion's CA after up"
assert_eq "['tion'] ['koornacht']" "$(state "' '.join(str(d['clusters'][c]['connected']) for c in ('koornacht', 'tion'))")" "connected"

# --- up again: Tion's CA is kept --------------------------------------------------------
mark=$(wc -l <"$FAKE_STATE/calls.log")
lab up2 up
assert_eq 0 "$LAB_RC" "lab.sh up again: $(tail -30 "$TMP/up2.out")"
has up2 "kind-tion has a cilium-ca: keeping it"
! grep -q ' create -f -' <<<"$(tail -n +"$((mark + 1))" "$FAKE_STATE/calls.log")" || fail "up again copied the CA again"
assert_eq "$shared $shared" "$(ca koornacht) $(ca tion)" "both CAs after up again"
note "without share_ca: connect refused ($mismatch); with it: one CA, connected, kept on up again"
