#!/usr/bin/env bash
# Every overlay alone, with each component, with each pair of components, with all of them,
# and with each lab step's combination renders with `kubectl kustomize`, and every
# rendering passes the manifest cross-reference check.
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"
command -v kubectl >/dev/null || skip "kubectl not installed (kubectl kustomize renders the manifests)"
k8s=$ROOT/k8s
version=$(cat "$ROOT/VERSION")
mapfile -t comps < <(find "$k8s/components" -mindepth 1 -maxdepth 1 -type d -printf "%f\n" | sort)
[ "${#comps[@]}" -ge 8 ] || fail "expected at least 8 components, found: ${comps[*]}"
note "components: ${comps[*]}"
printf '%s' "$KOORNACHT" >"$TMP/koornacht.msg"
printf '%s' "$TION" >"$TMP/tion.msg"

n=0
render() { # render OVERLAY [COMPONENT...]: renders and checks one combination
    local overlay=$1 dir c
    shift
    n=$((n + 1))
    dir=$TMP/kz/$n
    mkdir -p "$dir"
    {
        echo "apiVersion: kustomize.config.k8s.io/v1beta1"
        echo "kind: Kustomization"
        echo "resources: [$(realpath --relative-to="$dir" "$k8s/$overlay")]"
        echo "components:"
        for c in "$@"; do echo "  - $(realpath --relative-to="$dir" "$k8s/components/$c")"; done
    } >"$dir/kustomization.yaml"
    [ $# -gt 0 ] || sed -i '/^components:$/d' "$dir/kustomization.yaml"
    bash "$ROOT/tests/k8s/render.sh" "$dir" >"$dir/out.json" 2>"$dir/err" ||
        fail "$overlay + [$*] does not render: $(cat "$dir/err")"
    python3 "$ROOT/tests/k8s/check_manifests.py" --version "$version" \
        --message-file "$TMP/$overlay.msg" "$dir/out.json" >"$dir/check" 2>&1 ||
        fail "$overlay + [$*] fails the manifest check: $(cat "$dir/check")"
}

for overlay in koornacht tion; do
    # the overlay directory itself, as users apply it
    bash "$ROOT/tests/k8s/render.sh" "$k8s/$overlay" >/dev/null || fail "k8s/$overlay does not render"
    render "$overlay"
    for ((i = 0; i < ${#comps[@]}; i++)); do
        render "$overlay" "${comps[i]}"
        for ((j = i + 1; j < ${#comps[@]}; j++)); do
            render "$overlay" "${comps[i]}" "${comps[j]}"
        done
    done
    render "$overlay" "${comps[@]}"
done
# the combinations k8s/lab.sh applies, step by step
render koornacht global shared-false affinity-local
render koornacht global shared-false default-deny x-wing-to-rebel-base rebel-base-from-x-wing headless-global
render tion global default-deny rebel-base-from-x-wing headless-global
bash "$ROOT/tests/k8s/render.sh" "$k8s/examples/koornacht-global" >/dev/null || fail "k8s/examples/koornacht-global does not render"
note "$n combinations rendered and checked"
