#!/usr/bin/env bash
# k8s/lab.sh --dry-run prints the whole lab (clusters, Cilium, mesh, images, overlays, every
# step with its xwing check) without running anything; teardown; missing tools are named
# with how to get them; the shell scripts of the images and the lab are shellcheck-clean.
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"
lab=$ROOT/k8s/lab.sh

if command -v shellcheck >/dev/null; then
    shopt -s nullglob
    (cd "$ROOT" && shellcheck -x k8s/lab.sh k8s/kind-load.sh docker/build.sh docker/deps.sh \
        docker/base-image.sh tests/k8s/render.sh tests/integration/t_k8s_*.sh \
        tests/integration/t_container_*.sh) || fail "shellcheck"
    shopt -u nullglob
else
    [ "${CI:-}" = true ] && fail "shellcheck not installed (CI installs it)"
    note "shellcheck not installed: not linted"
fi

# A PATH with none of the lab's tools (only what the script itself needs), so nothing can
# run even by mistake, and the missing ones must be reported.
mkdir -p "$TMP/bin"
for t in bash cat sed grep mkdir realpath dirname; do
    p=$(command -v "$t") && ln -s "$p" "$TMP/bin/$t"
done
out=$(cd "$TMP" && PATH=$TMP/bin bash "$lab" --dry-run 2>&1) || fail "dry run failed: $out"
for tool in docker kind kubectl cilium; do
    [[ "$out" == *"$tool is missing; get it: "* ]] || fail "dry run does not name missing $tool: $out"
done
expect() { # expect LINE: an exact line of the dry run
    grep -qxF -- "$1" <<<"$out" || fail "dry run lacks: $1"
}
k=kind-koornacht t=kind-tion
expect "+ kind create cluster --name koornacht --config $ROOT/k8s/kind/koornacht.yaml"
expect "+ kind create cluster --name tion --config $ROOT/k8s/kind/tion.yaml"
expect "+ cilium install --context $k --set cluster.name=koornacht --set cluster.id=1 --set ipam.mode=kubernetes --set clustermesh.enableEndpointSliceSynchronization=true"
expect "+ cilium install --context $t --set cluster.name=tion --set cluster.id=2 --set ipam.mode=kubernetes --set clustermesh.enableEndpointSliceSynchronization=true"
expect "+ cilium hubble enable --ui --context $k"
[[ "$out" != *"hubble enable --ui --context $t"* ]] || fail "Hubble is for Koornacht only"
expect "+ cilium clustermesh enable --service-type NodePort --context $k"
expect "+ cilium clustermesh enable --service-type NodePort --context $t"
expect "+ cilium clustermesh connect --context $k --destination-context $t"
expect "+ bash $ROOT/docker/build.sh $(cat "$ROOT/VERSION")"
expect "+ bash $ROOT/k8s/kind-load.sh $(cat "$ROOT/VERSION")"
expect "+ kubectl --context $k apply -k $ROOT/k8s/koornacht"
expect "+ kubectl --context $t apply -k $ROOT/k8s/tion"
x="exec deploy/x-wing -- xwing"
expect "+ kubectl --context $k $x -n 20 --expect-only Koornacht rebel-base"
expect "+ kubectl --context $t $x -n 20 --expect-only Tion rebel-base"
expect "+ kubectl --context $k $x -n 20 --expect-all Koornacht,Tion rebel-base"
expect "+ kubectl --context $k scale deployment rebel-base --replicas 0"
expect "+ kubectl --context $k $x -n 20 --expect-only Tion --min-success 0.9 rebel-base"
expect "+ kubectl --context $k $x --expect-fail -n 5 --timeout 1s rebel-base"
expect "+ kubectl --context $k $x -n 20 --expect-only Koornacht --min-success 0.1 --timeout 1s rebel-base"
expect "+ kubectl --context $k $x -n 20 --expect-all Koornacht,Tion --timeout 1s rebel-base-headless:8080"
# every step's components, in order, as the kustomization it applies
steps=$(grep -E '^# (koornacht|tion): overlay' <<<"$out")
want="# koornacht: overlay k8s/koornacht + components: global
# tion: overlay k8s/tion + components: global
# koornacht: overlay k8s/koornacht + components: global shared-false
# koornacht: overlay k8s/koornacht + components: global shared-false affinity-local
# koornacht: overlay k8s/koornacht + components: global shared-false affinity-remote
# koornacht: overlay k8s/koornacht + components: global shared-false
# koornacht: overlay k8s/koornacht + components: global shared-false default-deny
# tion: overlay k8s/tion + components: global default-deny
# koornacht: overlay k8s/koornacht + components: global shared-false default-deny x-wing-to-rebel-base rebel-base-from-x-wing
# tion: overlay k8s/tion + components: global default-deny rebel-base-from-x-wing
# koornacht: overlay k8s/koornacht + components: global shared-false default-deny x-wing-to-rebel-base rebel-base-from-x-wing headless-global
# tion: overlay k8s/tion + components: global default-deny rebel-base-from-x-wing headless-global"
assert_eq "$want" "$steps" "lab steps"
checks=$(grep -c '^CHECK (dry run) ' <<<"$out")
assert_eq 17 "$checks" "number of checked lab steps"
for n in 1 2 3 4 5 5b 6 7 8 9 10; do grep -q "^=== $n\. " <<<"$out" || fail "step $n missing"; done

# The kustomizations it wrote render, and pass the manifest check.
if command -v kubectl >/dev/null; then
    printf '%s' "$KOORNACHT" >"$TMP/koornacht.msg"
    printf '%s' "$TION" >"$TMP/tion.msg"
    for c in koornacht tion; do
        bash "$ROOT/tests/k8s/render.sh" "$ROOT/build/lab/$c" >"$TMP/$c.json" || fail "build/lab/$c does not render"
        python3 "$ROOT/tests/k8s/check_manifests.py" --version "$(cat "$ROOT/VERSION")" \
            --message-file "$TMP/$c.msg" "$TMP/$c.json" || fail "build/lab/$c fails the check"
    done
fi

out=$(PATH=$TMP/bin bash "$lab" --dry-run teardown 2>&1) || fail "teardown dry run: $out"
expect "+ kind delete cluster --name koornacht"
expect "+ kind delete cluster --name tion"

# Without --dry-run a missing tool stops it before anything runs.
if out=$(PATH=$TMP/bin bash "$lab" up 2>&1); then fail "lab.sh up ran without its tools: $out"; fi
[[ "$out" == *"kind is missing; get it: "*"kind.sigs.k8s.io"* ]] || fail "no hint for kind: $out"
[[ "$out" != *"+ kind create"* ]] || fail "it started without its tools"
out=$(bash "$lab" bogus 2>&1) && fail "unknown argument accepted"
[[ "$out" == *"unknown argument 'bogus'"* ]] || fail "unknown argument: $out"
note "dry run: $checks checks, $(grep -c '^+ ' <<<"$(PATH=$TMP/bin bash "$lab" --dry-run 2>/dev/null)") commands"
