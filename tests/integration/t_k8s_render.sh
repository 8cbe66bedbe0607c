#!/usr/bin/env bash
# Every overlay alone, with each component, with each pair of components, with all of them,
# and with each combination k8s/lab.sh applies renders with `kubectl kustomize`, and every
# rendering passes the manifest cross-reference check. The overlay directories and the
# example render as users apply them.
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"
command -v kubectl >/dev/null || skip "kubectl not installed (kubectl kustomize renders the manifests)"
version=$(cat "$ROOT/VERSION")
printf '%s' "$KOORNACHT" >"$TMP/koornacht.msg"
printf '%s' "$TION" >"$TMP/tion.msg"

for d in koornacht tion examples/koornacht-global; do
    bash "$ROOT/tests/k8s/render.sh" "$ROOT/k8s/$d" >/dev/null 2>"$TMP/err" || fail "k8s/$d does not render: $(cat "$TMP/err")"
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
