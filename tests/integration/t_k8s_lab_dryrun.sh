#!/usr/bin/env bash
# k8s/lab.sh --dry-run prints the whole lab (clusters, Cilium, mesh, images, overlays, the
# base state, every step with its check) without running anything, and prints the same
# with busybox's applets as its only userland as with GNU's: what a GNU-only flag would
# break on macOS breaks here first. The lab scripts use no bash 4 feature and no GNU-only
# flag (a lint that is shown to catch both), and are shellcheck-clean (docker/'s scripts too).
# Missing tools are named with how to get them, the cilium and hubble CLIs as the release
# archive for the OS and architecture uname (and on macOS sysctl) report; unknown arguments
# are refused.
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"
lab=$ROOT/k8s/lab.sh
scripts=(k8s/lab.sh k8s/kind-load.sh)

if command -v shellcheck >/dev/null; then
    (cd "$ROOT" && shellcheck -x "${scripts[@]}" docker/build.sh docker/deps.sh docker/base-image.sh \
        docker/archive.sh docker/platforms.sh docker/target-check.sh \
        tests/k8s/render.sh tests/k8s/npm-deps.sh tests/k8s/standin.sh tests/k8s/fake/bin/* \
        tests/integration/t_k8s_*.sh tests/integration/t_container_*.sh) || fail "shellcheck"
else
    [ "${CI:-}" = true ] && fail "shellcheck not installed (CI installs it)"
    note "shellcheck not installed: not linted"
fi

# bash 3.2 (macOS's) lacks these; BSD userland lacks these flags.
portability() { # portability FILE...: prints each offending line
    # shellcheck disable=SC2016 # the $ are the pattern's
    grep -nE '(^|[^#]*[;&|({ ]|^ *)(mapfile|readarray|coproc)( |$)|(declare|local|typeset) -[a-zA-Z]*[An]|\$\{[A-Za-z_][A-Za-z_0-9]*(,,?|\^\^?|@[QEPAaKk])\}|wait -n|\|&|&>>|;;&|\$EPOCH|realpath|readlink -f|sed -i|grep -[a-zA-Z]*P|date \+[^ ]*%[0-9]*N|(^|[;&|] *|\$\( *)timeout |sort -[a-zA-Z]*V|xargs -[a-zA-Z]*r|-printf|stat -c|--relative-to|mktemp *($|\))|cp -[a-zA-Z]*T|mv -T' "$@" |
        grep -vE '^[^:]*:[0-9]+: *#' || true
}
bad=$(cd "$ROOT" && portability "${scripts[@]}")
[ -z "$bad" ] || fail "not portable to bash 3.2 / BSD userland:
$bad"
cat >"$TMP/bad.sh" <<'SH'
mapfile -t x <f
declare -A seen
echo "${name,,}"
rel=$(realpath --relative-to=a b)
sed -i 's/a/b/' f
n=$(date +%s%N)
SH
assert_eq 6 "$(portability "$TMP/bad.sh" | wc -l | tr -d ' ')" "the portability lint on 6 planted lines"

# Two userlands with none of the lab's tools on PATH: GNU's, and busybox's applets.
mkdir -p "$TMP/gnu" "$TMP/bb"
for t in bash cat sed grep mkdir dirname head tr cut wc sort uname sleep; do
    ln -s "$(command -v "$t")" "$TMP/gnu/$t"
done
ln -s "$(command -v bash)" "$TMP/bb/bash"
if command -v busybox >/dev/null; then
    for t in $(busybox --list); do [ -e "$TMP/bb/$t" ] || ln -s "$(command -v busybox)" "$TMP/bb/$t"; done
else
    [ "${CI:-}" = true ] && fail "busybox not installed (make deps installs it)"
    note "busybox not installed: the dry run is not tried with a non-GNU userland"
fi
dry() { # dry USERLAND ARGS...: lab.sh --dry-run with only that userland on PATH
    local ul=$1
    shift
    (cd "$TMP" && LAB_DIR=$TMP/lab-$ul PATH=$TMP/$ul bash "$lab" --dry-run "$@" 2>&1)
}
out=$(dry gnu) || fail "dry run failed: $out"
if [ -e "$TMP/bb/busybox" ] || command -v busybox >/dev/null; then
    bbout=$(dry bb) || fail "dry run with busybox's userland failed: $bbout"
    assert_eq "${out//lab-gnu/lab-X}" "${bbout//lab-bb/lab-X}" "dry run: GNU and busybox userlands"
    # ... and that comparison catches a GNU-only flag: a copy using realpath --relative-to.
    mkdir -p "$TMP/gnuonly/k8s"
    cp -R "$ROOT/k8s" "$ROOT/VERSION" "$TMP/gnuonly/"
    # shellcheck disable=SC2016 # the planted line itself
    sed -i 's|^    rel=$(relpath "$dir" k8s)$|    rel=$(realpath --relative-to="$dir" k8s)|' "$TMP/gnuonly/k8s/lab.sh"
    grep -q 'realpath --relative-to' "$TMP/gnuonly/k8s/lab.sh" || fail "could not plant realpath --relative-to"
    ln -s "$(command -v realpath)" "$TMP/gnu/realpath"
    lab=$TMP/gnuonly/k8s/lab.sh dry gnu >/dev/null || fail "the planted copy fails even with GNU's realpath"
    if lab=$TMP/gnuonly/k8s/lab.sh dry bb >"$TMP/planted.out"; then
        fail "busybox's userland did not catch realpath --relative-to: $(tail -3 "$TMP/planted.out")"
    fi
    rm "$TMP/gnu/realpath"
fi
for tool in docker kind kubectl cilium; do
    [[ "$out" == *"preflight: $tool is missing; get it: "* ]] || fail "dry run does not name missing $tool: $out"
done
# The cilium and hubble hints name the release archive for the machine, read from a stand-in
# uname (and sysctl) first on PATH: macOS on Apple Silicon, a Rosetta shell there (uname -m
# says x86_64, sysctl hw.optional.arm64 says 1), an Intel Mac, arm64 and amd64 Linux; the
# releases page for a platform they are not built for.
platform_hints() { # platform_hints OS MACHINE [HW.OPTIONAL.ARM64]: the two hints lab.sh prints there
    local d
    d=$(mktemp -d "$TMP/plat.XXXXXX")
    printf '#!/bin/sh\ncase "$*" in -s) echo %s ;; -m) echo %s ;; *) exit 1 ;; esac\n' "$1" "$2" >"$d/uname"
    [ -z "${3:-}" ] || printf '#!/bin/sh\n[ "$*" = "-n hw.optional.arm64" ] || exit 1\necho %s\n' "$3" >"$d/sysctl"
    chmod +x "$d"/*
    (cd "$TMP" && LAB_DIR=$d/lab PATH=$d:$TMP/gnu bash "$lab" --dry-run preflight 2>&1) | sed -n 's/^preflight: cilium is missing; get it: //p'
    (cd "$TMP" && LAB_DIR=$d/lab PATH=$d:$TMP/gnu bash "$lab" --dry-run step 7b 2>&1) | sed -n 's/^note: step 7b skipped: no hubble CLI (\(.*\)); .*/\1/p'
}
release() { # release REPO NAME PLATFORM: the hint for an archive
    printf 'the %s CLI: https://github.com/cilium/%s/releases/latest/download/%s-%s.tar.gz (check it with the .sha256sum beside it; unpack into /usr/local/bin)' \
        "$2" "$1" "$2" "$3"
}
hints() { release cilium-cli cilium "$1"; echo; release hubble hubble "$1"; } # hints PLATFORM
assert_eq "$(hints darwin-arm64)" "$(platform_hints Darwin arm64 1)" "hints on macOS, Apple Silicon"
assert_eq "$(hints darwin-arm64)" "$(platform_hints Darwin x86_64 1)" "hints in a Rosetta shell on Apple Silicon"
assert_eq "$(hints darwin-amd64)" "$(platform_hints Darwin x86_64 0)" "hints on an Intel Mac"
assert_eq "$(hints linux-arm64)" "$(platform_hints Linux aarch64)" "hints on arm64 Linux"
assert_eq "$(hints linux-amd64)" "$(platform_hints Linux x86_64 1)" "hints on amd64 Linux (sysctl is macOS's question only)"
page="the cilium CLI: https://github.com/cilium/cilium-cli/releases (the archive for your OS and architecture; unpack into /usr/local/bin)
the hubble CLI: https://github.com/cilium/hubble/releases (the archive for your OS and architecture; unpack into /usr/local/bin)"
assert_eq "$page" "$(platform_hints Linux riscv64)" "hints on riscv64 Linux"
assert_eq "$page" "$(platform_hints FreeBSD amd64)" "hints on FreeBSD"

expect() { # expect LINE: an exact line of the dry run
    grep -qxF -- "$1" <<<"$out" || fail "dry run lacks: $1"
}
k=kind-koornacht t=kind-tion
expect "lab.sh: kind not installed, kubectl not installed, cilium CLI not installed, hubble not installed"
expect "lab.sh: installs Cilium 1.19.0 (CILIUM_VERSION), kind node image of the kind release (KIND_NODE_IMAGE unset)"
expect "+ kind create cluster --name koornacht --config k8s/kind/koornacht.yaml"
expect "+ kind create cluster --name tion --config k8s/kind/tion.yaml"
sets="--set ipam.mode=kubernetes --set clustermesh.enableEndpointSliceSynchronization=true"
expect "+ cilium install --context $k --version 1.19.0 --set cluster.name=koornacht --set cluster.id=1 $sets"
expect "+ cilium install --context $t --version 1.19.0 --set cluster.name=tion --set cluster.id=2 $sets"
expect "+ cilium hubble enable --ui --context $k"
[[ "$out" != *"hubble enable --ui --context $t"* ]] || fail "Hubble is for Koornacht only"
expect "+ cilium status --wait --context $t"
expect "+ cilium clustermesh enable --service-type NodePort --context $k"
expect "+ cilium clustermesh enable --service-type NodePort --context $t"
expect "+ cilium clustermesh connect --context $k --destination-context $t"
expect "+ cilium clustermesh status --wait --context $t"
expect "+ make images kind-load"
expect "+ kubectl --context $k apply -k k8s/koornacht"
expect "+ kubectl --context $t apply -k k8s/tion"
expect "+ kubectl --context $k delete ciliumnetworkpolicy default-deny x-wing-to-rebel-base rebel-base-from-x-wing --ignore-not-found"
expect "+ kubectl --context $t delete service rebel-base-headless --ignore-not-found"
expect "+ kubectl --context $k delete serviceexport rebel-base --ignore-not-found"
expect "+ kubectl --context $k annotate service rebel-base service.cilium.io/global- service.cilium.io/shared- service.cilium.io/affinity-"
expect "+ kubectl --context $t scale deployment rebel-base --replicas 2"
x="exec deploy/x-wing -- xwing"
expect "+ kubectl --context $k $x -n 20 --expect-only Koornacht rebel-base"
expect "+ kubectl --context $t $x -n 20 --expect-only Tion rebel-base"
expect "+ kubectl --context $k $x -n 20 --expect-all Koornacht,Tion rebel-base"
expect "+ kubectl --context $k -n kube-system exec ds/cilium -c cilium-agent -- cilium-dbg status --all-clusters"
[[ "$out" != *"+ cilium clustermesh status --context"* ]] || fail "a check reads 'cilium clustermesh status', which no longer counts global services"
expect "+ kubectl --context $k scale deployment rebel-base --replicas 0"
expect "+ kubectl --context $k $x -n 20 --expect-only Tion --min-success 0.9 rebel-base"
expect "+ kubectl --context $k $x --expect-fail -n 5 --timeout 1s rebel-base"
expect "+ cilium hubble port-forward --context $k &"
expect "+ hubble observe --server localhost:4245 --verdict DROPPED --from-label name=x-wing --to-label name=rebel-base --last 20 -o json"
expect "+ kubectl --context $k $x -n 20 --expect-only Koornacht --min-success 0.1 --timeout 1s rebel-base"
expect "+ cilium clustermesh inspect-policy-default-local-cluster -n default --context $k"
expect "+ cilium clustermesh inspect-policy-default-local-cluster -n default --context $t"
expect "+ kubectl --context $t get endpointslices -l kubernetes.io/service-name=rebel-base-headless"
expect "+ kubectl --context $k $x -n 20 --expect-all Koornacht,Tion --timeout 1s rebel-base-headless:8080"
expect "lab.sh: MCS-API off: step 11 is skipped (LAB_MCSAPI=1 k8s/lab.sh up turns it on)"
expect "note: step 11 needs MCS-API (LAB_MCSAPI=1 k8s/lab.sh up); shown all the same"
expect "+ kubectl --context $k get serviceimport rebel-base"
expect "+ kubectl --context $k $x -n 20 --expect-all Koornacht,Tion rebel-base.default.svc.clusterset.local"
expect "+ kubectl --context $t delete serviceexport rebel-base"
expect "+ kubectl --context $k $x -n 20 --expect-only Koornacht rebel-base.default.svc.clusterset.local"
[[ "$out" != *"get deployment coredns"* && "$out" != *"mcsapi"* ]] || fail "MCS-API set up without LAB_MCSAPI=1"
# every step's components, in order, as the kustomization it applies (koornacht | tion)
steps=$(grep -E '^(=== [0-9]+[a-z]?\. |# (koornacht|tion): overlay)' <<<"$out" |
    sed -E 's/^=== ([0-9]+[a-z]?)\. .*/\1/; s/^# (koornacht|tion): overlay k8s\/[a-z]+ \+ components: /\1: /' | tr '\n' '|')
want="koornacht: (none)|tion: (none)|1|2|koornacht: global|tion: global|3|koornacht: global|tion: global|\
4|koornacht: global shared-false|tion: global|5|koornacht: global shared-false affinity-local|tion: global|\
5b|koornacht: global shared-false affinity-remote|tion: global|6|koornacht: global shared-false|tion: global|\
7|koornacht: global shared-false default-deny|tion: global default-deny|\
7b|koornacht: global shared-false default-deny|tion: global default-deny|\
8|koornacht: global shared-false default-deny x-wing-to-rebel-base|tion: global default-deny|\
8b|koornacht: global shared-false default-deny x-wing-to-rebel-base rebel-base-from-x-wing|tion: global default-deny|\
9|koornacht: global shared-false default-deny x-wing-to-rebel-base rebel-base-from-x-wing|tion: global default-deny rebel-base-from-x-wing|\
10|koornacht: global shared-false default-deny x-wing-to-rebel-base rebel-base-from-x-wing headless-global|\
tion: global default-deny rebel-base-from-x-wing headless-global|11|koornacht: mcs-export|tion: mcs-export|"
assert_eq "$want" "$steps" "lab steps and their components"
checks=$(grep -c '^CHECK (dry run) ' <<<"$out")
assert_eq 28 "$checks" "number of checks"
grep -q "^note: step 7b skipped: no hubble CLI" <<<"$out" || fail "no note that hubble is missing"

# The kustomizations it wrote render and pass the manifest check. Without kubectl the
# rest still runs, and the scenario ends as a skip that says what it left out.
unchecked=
if ! command -v kubectl >/dev/null; then
    [ "${CI:-}" = true ] && fail "kubectl not installed, and CI=true: it renders the lab's kustomizations"
    unchecked="kubectl not installed: the lab's kustomizations were not rendered nor checked"
else
    printf '%s' "$KOORNACHT" >"$TMP/koornacht.msg"
    printf '%s' "$TION" >"$TMP/tion.msg"
    for c in koornacht tion; do
        bash "$ROOT/tests/k8s/render.sh" "$TMP/lab-gnu/$c" >"$TMP/$c.json" || fail "LAB_DIR/$c does not render"
        "$PY" "$ROOT/tests/k8s/check_manifests.py" --version "$(cat "$ROOT/VERSION")" \
            --message-file "$TMP/$c.msg" "$TMP/$c.json" || fail "LAB_DIR/$c fails the check"
    done
fi

# LAB_MCSAPI=1: CoreDNS's version checked, then Cilium installed with MCS-API and CoreDNS
# auto-configuration; the same with busybox's userland.
mcs=$(LAB_MCSAPI=1 dry gnu up) || fail "LAB_MCSAPI=1 dry run: $mcs"
if [ -e "$TMP/bb/busybox" ] || command -v busybox >/dev/null; then
    bbmcs=$(LAB_MCSAPI=1 dry bb up) || fail "LAB_MCSAPI=1 dry run with busybox's userland: $bbmcs"
    assert_eq "${mcs//lab-gnu/lab-X}" "${bbmcs//lab-bb/lab-X}" "LAB_MCSAPI=1 dry run: GNU and busybox userlands"
fi
mcs_sets="--set clustermesh.mcsapi.enabled=true --set clustermesh.mcsapi.corednsAutoConfigure.enabled=true"
for c in koornacht tion; do
    coredns="+ kubectl --context kind-$c -n kube-system get deployment coredns -o 'jsonpath={.spec.template.spec.containers[0].image}'"
    grep -qxF -- "$coredns" <<<"$mcs" || fail "LAB_MCSAPI=1 dry run lacks: $coredns"
    install=$(grep -F -- "+ cilium install --context kind-$c " <<<"$mcs")
    [[ "$install" == *" $sets $mcs_sets" ]] || fail "LAB_MCSAPI=1: $c installs without MCS-API: $install"
    # the CoreDNS check comes before Cilium is installed
    [ "$(grep -nF -- "$coredns" <<<"$mcs" | cut -d: -f1)" -lt "$(grep -nF -- "$install" <<<"$mcs" | cut -d: -f1)" ] ||
        fail "LAB_MCSAPI=1: $c's CoreDNS is checked after Cilium is installed"
done
grep -qxF "lab.sh: MCS-API on (LAB_MCSAPI=1): Cilium >= 1.19 with clustermesh.mcsapi and CoreDNS auto-configuration, CoreDNS >= 1.12.2" <<<"$mcs" ||
    fail "LAB_MCSAPI=1 does not say so"
! grep -q "^note: step 11" <<<"$(LAB_MCSAPI=1 dry gnu step 11)" || fail "a note that MCS-API is off with LAB_MCSAPI=1"

out=$(dry gnu teardown) || fail "teardown dry run: $out"
expect "+ kind delete cluster --name koornacht"
expect "+ kind delete cluster --name tion"
out=$(dry gnu step 8b) || fail "step 8b dry run: $out"
assert_eq "2" "$(grep -cE '^=== (base|8b\.)' <<<"$out")" "step 8b alone: the base, then 8b"

# Without --dry-run a missing tool stops it before anything runs.
if out=$(cd "$TMP" && LAB_DIR=$TMP/lab PATH=$TMP/gnu bash "$lab" up 2>&1); then fail "lab.sh up ran without its tools: $out"; fi
[[ "$out" == *"kind is missing; get it: "*"kind.sigs.k8s.io"* ]] || fail "no hint for kind: $out"
[[ "$out" == *"nothing was created or changed"* ]] || fail "no preflight summary: $out"
[[ "$out" != *"+ kind create"* ]] || fail "it started without its tools"
out=$(bash "$lab" bogus 2>&1) && fail "unknown argument accepted"
[[ "$out" == *"unknown argument 'bogus'"* ]] || fail "unknown argument: $out"
out=$(bash "$lab" step 2>&1) && fail "step without an ID accepted"
[[ "$out" == *"step needs an ID"* ]] || fail "step without ID: $out"
note "dry run: $checks checks, $(grep -c '^+ ' <<<"$(dry gnu)") commands, the same with busybox"
[ -z "$unchecked" ] || skip "$unchecked (all else passed)"
