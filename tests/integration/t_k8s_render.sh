#!/usr/bin/env bash
# Every overlay alone, with each component, with each pair of components, with all of them,
# and with each combination k8s/lab.sh applies renders with `kubectl kustomize`, and every
# rendering passes the manifest cross-reference check. The overlay directories, the example
# and the probe's alert rules (a kustomization of their own, applied beside an overlay) render
# as users apply them. The mcs-export component renders with both overlays,
# its ServiceExport in the overlay's namespace beside the Service it exports.
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"
need kubectl "kubectl kustomize renders the manifests"
version=$(cat "$ROOT/VERSION")
printf '%s' "$KOORNACHT" >"$TMP/koornacht.msg"
printf '%s' "$TION" >"$TMP/tion.msg"

for d in koornacht tion examples/koornacht-global components/probe/rules; do
    bash "$ROOT/tests/k8s/render.sh" "$ROOT/k8s/$d" >/dev/null 2>"$TMP/err" || fail "k8s/$d does not render: $(cat "$TMP/err")"
done

# mcs-export with each overlay, in a namespace the kustomization sets: the export follows it.
rel=$("$PY" -c 'import os, sys; print(os.path.relpath(sys.argv[1], sys.argv[2]))' "$ROOT/k8s" "$TMP")
for overlay in koornacht tion; do
    mkdir -p "$TMP/mcs-$overlay"
    printf 'apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nnamespace: rebels\nresources: [../%s/%s]\ncomponents: [../%s/components/mcs-export]\n' \
        "$rel" "$overlay" "$rel" >"$TMP/mcs-$overlay/kustomization.yaml"
    bash "$ROOT/tests/k8s/render.sh" "$TMP/mcs-$overlay" >"$TMP/mcs-$overlay.json" 2>"$TMP/err" ||
        fail "$overlay + mcs-export does not render: $(cat "$TMP/err")"
    got=$("$PY" -c '
import json, sys
text, dec, i, objs = open(sys.argv[1]).read(), json.JSONDecoder(), 0, []
while True:
    while i < len(text) and text[i].isspace():
        i += 1
    if i >= len(text):
        break
    o, i = dec.raw_decode(text, i)
    objs += o.get("items", [o])
m = lambda o: o["metadata"]
print(" ".join(sorted("/".join((o["kind"], str(m(o).get("namespace")), m(o)["name"])) for o in objs
                      if o["kind"] in ("ServiceExport", "Service"))))' "$TMP/mcs-$overlay.json")
    assert_eq "Service/rebels/rebel-base ServiceExport/rebels/rebel-base" "$got" "$overlay + mcs-export: the export and its Service"
    "$PY" "$ROOT/tests/k8s/check_manifests.py" --version "$version" --message-file "$TMP/$overlay.msg" \
        "$TMP/mcs-$overlay.json" >"$TMP/check" 2>&1 || fail "$overlay + mcs-export fails the manifest check: $(cat "$TMP/check")"
done

LAB_DIR=$TMP/lab bash "$ROOT/k8s/lab.sh" --dry-run steps >"$TMP/dry.txt" 2>/dev/null || fail "lab.sh --dry-run steps"
"$PY" "$ROOT/tests/k8s/render_all.py" --k8s "$ROOT/k8s" --out "$TMP/r" --lab-dry-run "$TMP/dry.txt" 2>"$TMP/err" ||
    fail "a combination does not render: $(cat "$TMP/err")"
comps=$(find "$ROOT/k8s/components" -mindepth 1 -maxdepth 1 -type d | wc -l)
[ "$comps" -ge 8 ] || fail "expected at least 8 components, found $comps"
n=0
while IFS=$'\t' read -r i overlay components; do
    n=$((n + 1))
    "$PY" "$ROOT/tests/k8s/check_manifests.py" --version "$version" --message-file "$TMP/$overlay.msg" \
        "$TMP/r/$i.json" >"$TMP/check" 2>&1 || fail "$overlay + [$components] fails the manifest check: $(cat "$TMP/check")"
done <"$TMP/r/index.tsv"
# each overlay: alone, with each of C components, each pair, all of them; and lab.sh's own
want=$((2 * (1 + comps + comps * (comps - 1) / 2 + 1)))
[ "$n" -gt "$want" ] || fail "only $n combinations rendered (want more than $want: lab.sh's own come on top)"
grep -qxF "$(printf 'x\tkoornacht\tglobal shared-false default-deny x-wing-to-rebel-base rebel-base-from-x-wing headless-global')" \
    <(cut -f2- "$TMP/r/index.tsv" | sed 's/^/x\t/') || fail "lab.sh's step 10 combination was not rendered"
note "$n combinations rendered and checked ($comps components)"
