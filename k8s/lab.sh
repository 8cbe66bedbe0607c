#!/usr/bin/env bash
# The whole Cilium Cluster Mesh lab on kind, with our images, checked step by step.
#
#   k8s/lab.sh [--dry-run] [all | up | steps | step ID | preflight | teardown]
#     up         preflight, then: clusters koornacht and tion, Cilium (cluster.name/id),
#                Hubble on koornacht, clustermesh over NodePort, connect, build and load
#                the images, apply both overlays. What exists already is kept.
#     steps      return both clusters to the base state, then walk every step, each
#                checked with `xwing --expect-*` (PASS/FAIL)
#     step ID    return to the base state, then run step ID alone (1 2 3 4 5 5b 6 7 7b 8 8b 9 10 11)
#     all        up, then steps (the default; `make lab`)
#     preflight  only check tools, versions, Docker, inotify limits and memory
#     teardown   delete both clusters
#   --dry-run    print every command (and each step's kustomization) without running any
#
# Every action can run again: up keeps what exists, steps and step start from the base.
# Env: CILIUM_VERSION (default 1.19.0), KIND_NODE_IMAGE (default: the kind release's own),
#   LAB_MCSAPI (1: Cilium's MCS-API and its CoreDNS set-up, for step 11; default 0),
#   CHECK_N (requests per check, 20), CHECK_TRIES (attempts per check, 10), CHECK_INTERVAL
#   (seconds between attempts, 3), LAB_DIR (each step's kustomization, build/lab),
#   LAB_MIN_MEM_MB (preflight, 6144), LAB_PROC (where to read Linux limits, /proc).
# Offline (k8s/cluster/e2e.sh sets these): CILIUM_CHART_DIR (cilium install/upgrade
#   --chart-directory: no chart download), CILIUM_HELM_FLAGS_FILE (more --set=K=V for cilium
#   install, one a line: local images), LAB_HUBBLE_UI (0: relay only, no UI image here),
#   LAB_KIND_CONFIG_DIR (the kind configs, k8s/kind).
# Runs with bash 3.2 and BSD userland (macOS) as well as bash 5 and GNU.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd -P)
# Commands are run, and shown, from the repository root, as the READMEs' by-hand blocks.
cd "$root"
clusters="koornacht tion"
version=$(cat VERSION)
# 1.19.0: the first release whose policies select the local cluster only unless a selector
# names clusters (policy-default-local-cluster, v1.19.0 chart values.yaml:3489), and what a
# current cilium CLI installs. The lab's policies name their clusters, so they mean the same
# on every Cilium it supports; the stand-in tests model both behaviours (tests/k8s/mesh_model.py).
cilium_version=${CILIUM_VERSION:-1.19.0}
kind_image=${KIND_NODE_IMAGE:-}
chart_dir=${CILIUM_CHART_DIR:-}
helm_flags_file=${CILIUM_HELM_FLAGS_FILE:-}
hubble_ui=${LAB_HUBBLE_UI:-1}
kind_config_dir=${LAB_KIND_CONFIG_DIR:-k8s/kind}
lab_dir=${LAB_DIR:-build/lab}
check_n=${CHECK_N:-20}
check_tries=${CHECK_TRIES:-10}
check_interval=${CHECK_INTERVAL:-3}
min_mem_mb=${LAB_MIN_MEM_MB:-6144}
proc=${LAB_PROC:-/proc}
step_ids="1 2 3 4 5 5b 6 7 7b 8 8b 9 10 11"
# MCS-API is opt-in: it is beta, and Cilium's CoreDNS set-up for clusterset.local needs
# CoreDNS 1.12.2 or later, which kind node images before Kubernetes 1.35 do not ship (v1.19.0
# Documentation/network/clustermesh/mcsapi.rst:21); the global-service road needs neither.
# Step 11 is skipped without it.
mcsapi=${LAB_MCSAPI:-0}
# MCS-API: clustermesh.mcsapi.* from 1.19.0 (v1.19.0 chart values.yaml:3556; 1.17/1.18 ignore it)
min_mcsapi_cilium=1.19.0 min_coredns=1.12.2
mcs_sets="--set clustermesh.mcsapi.enabled=true --set clustermesh.mcsapi.corednsAutoConfigure.enabled=true"
mcs_name=rebel-base.default.svc.clusterset.local
# Minimums (k8s/README.md's support table says more):
# kind: `kind load` reads containerd 2's config (v3) from v0.27.0 (pkg/cluster/nodeutils/util.go:110)
# kubectl: kustomize components from v1.21.0 (k8s.io/kubectl v0.21.0 go.mod:46, kustomize/api v0.8.5)
# cilium CLI: Helm mode by default from v0.15.0 (Cilium v1.16.0 Documentation/installation/cli-download.rst:2)
# Cilium: clustermesh.enableEndpointSliceSynchronization from 1.16.0 (v1.16.0 chart values.yaml:2839)
min_kind=0.27.0 min_kubectl=1.21.0 min_cilium_cli=0.15.0 min_cilium=1.16.0
# inotify limits as kind's known-issues page gives them
min_inotify_instances=512 min_inotify_watches=524288
dry_run=0
action=all
step_arg=
passed=0
failed=0
pf_pid=

usage() {
    sed -n '2,22p' "$0" | sed 's/^# \{0,1\}//'
    exit "${1:-0}"
}

while [ $# -gt 0 ]; do
    case $1 in
    --dry-run | -n) dry_run=1 ;;
    -h | --help) usage 0 ;;
    all | up | steps | preflight | teardown) action=$1 ;;
    step)
        action=step
        [ $# -ge 2 ] || { echo "lab.sh: step needs an ID: $step_ids" >&2; exit 2; }
        step_arg=$2
        shift
        ;;
    *) echo "lab.sh: unknown argument '$1'" >&2; usage 2 >&2 ;;
    esac
    shift
done
case $check_interval$check_tries$check_n in
*[!0-9]*) echo "lab.sh: CHECK_INTERVAL, CHECK_TRIES and CHECK_N must be whole numbers" >&2; exit 2 ;;
esac
case $mcsapi in
0 | 1) ;;
*) echo "lab.sh: LAB_MCSAPI must be 0 or 1, not '$mcsapi'" >&2; exit 2 ;;
esac
case $hubble_ui in
0 | 1) ;;
*) echo "lab.sh: LAB_HUBBLE_UI must be 0 or 1, not '$hubble_ui'" >&2; exit 2 ;;
esac
if [ -n "$helm_flags_file" ] && [ ! -r "$helm_flags_file" ]; then
    echo "lab.sh: CILIUM_HELM_FLAGS_FILE '$helm_flags_file' cannot be read" >&2; exit 2
fi
if [ -n "$chart_dir" ] && [ ! -f "$chart_dir/Chart.yaml" ]; then
    echo "lab.sh: CILIUM_CHART_DIR '$chart_dir' has no Chart.yaml" >&2; exit 2
fi
if [ "$action" = step ]; then
    case " $step_ids " in
    *" $step_arg "*) ;;
    *) echo "lab.sh: no step '$step_arg'; the steps are: $step_ids" >&2; exit 2 ;;
    esac
fi

say() { printf '\n=== %s\n' "$*"; }
note() { printf 'note: %s\n' "$*"; }

# Prints a command the way a user would type it.
show() {
    local out="+" a re='^[A-Za-z0-9_./:=,@%+-]+$'
    for a in "$@"; do
        # A lone | is a pipe in a shown pipeline (share_ca), not an argument.
        if [ "$a" = "|" ] || [[ "$a" =~ $re ]]; then out="$out $a"; else out="$out '${a//\'/\'\\\'\'}'"; fi
    done
    printf '%s\n' "$out"
}

# Prints a command, then runs it unless --dry-run.
run() {
    show "$@"
    [ "$dry_run" = 1 ] && return 0
    "$@"
}

kc() { # kc CLUSTER KUBECTL-ARGS...
    local cluster=$1
    shift
    run kubectl --context "kind-$cluster" "$@"
}

# Quiet queries of the clusters' state; never run in a dry run (which assumes nothing exists).
q() { [ "$dry_run" = 0 ] && "$@" 2>/dev/null; }

# --- versions and preflight ---------------------------------------------------------
# The OS-ARCH suffix of the cilium and hubble CLI release archives for this machine
# (linux-amd64, darwin-arm64, ...), or nothing for a platform they are not released for.
# A shell under Rosetta on an Apple Silicon Mac reports x86_64, yet the native arm64 CLI is
# the one to get: sysctl hw.optional.arm64 tells the hardware.
cli_platform() {
    local os arch
    os=$(uname -s | tr '[:upper:]' '[:lower:]')
    case $(uname -m) in
    x86_64 | amd64) arch=amd64 ;;
    aarch64 | arm64) arch=arm64 ;;
    *) arch= ;;
    esac
    if [ "$os" = darwin ] && [ "$(sysctl -n hw.optional.arm64 2>/dev/null)" = 1 ]; then arch=arm64; fi
    case $os in linux | darwin) ;; *) arch= ;; esac
    [ -n "$arch" ] && echo "$os-$arch"
    return 0
}

# release_archive REPO NAME: where to download NAME's CLI for this machine.
release_archive() {
    local platform
    platform=$(cli_platform)
    if [ -n "$platform" ]; then
        echo "https://github.com/cilium/$1/releases/latest/download/$2-$platform.tar.gz (check it with the .sha256sum beside it; unpack into /usr/local/bin)"
    else
        echo "https://github.com/cilium/$1/releases (the archive for your OS and architecture; unpack into /usr/local/bin)"
    fi
}

how_to_get() {
    case $1 in
    docker) echo "https://docs.docker.com/engine/install/ (Linux: apt-get install docker.io; macOS: Docker Desktop)" ;;
    kind) echo "a release binary: https://kind.sigs.k8s.io/docs/user/quick-start/#installation (or go install sigs.k8s.io/kind@latest)" ;;
    kubectl) echo "https://kubernetes.io/docs/tasks/tools/#kubectl" ;;
    cilium) echo "the cilium CLI: $(release_archive cilium-cli cilium)" ;;
    hubble) echo "the hubble CLI: $(release_archive hubble hubble)" ;;
    make) echo "Linux: apt-get install make; macOS: xcode-select --install" ;;
    esac
}

first_version() { grep -oE 'v?[0-9]+\.[0-9]+\.[0-9]+' | head -n 1 | sed 's/^v//'; }

tool_version() { # tool_version TOOL: its version (x.y.z), "not installed" or "unknown"
    local out=
    command -v "$1" >/dev/null 2>&1 || { echo "not installed"; return 0; }
    case $1 in
    kind) out=$(kind version 2>/dev/null | first_version) || out= ;;
    kubectl) out=$(kubectl version --client 2>/dev/null | first_version) || out= ;;
    cilium) out=$(cilium version --client 2>/dev/null | grep 'cilium-cli' | first_version) || out= ;;
    hubble) out=$(hubble version 2>/dev/null | first_version) || out= ;;
    esac
    echo "${out:-unknown}"
}

version_ge() { # version_ge HAVE NEED: x.y.z >= x.y.z
    local h1 h2 h3 n1 n2 n3
    IFS=. read -r h1 h2 h3 <<EOF
$1
EOF
    IFS=. read -r n1 n2 n3 <<EOF
$2
EOF
    [ "${h1:-0}" -ne "${n1:-0}" ] && { [ "${h1:-0}" -gt "${n1:-0}" ]; return; }
    [ "${h2:-0}" -ne "${n2:-0}" ] && { [ "${h2:-0}" -gt "${n2:-0}" ]; return; }
    [ "${h3:-0}" -ge "${n3:-0}" ]
}

versions() {
    echo "lab.sh: kind $(tool_version kind), kubectl $(tool_version kubectl), cilium CLI $(tool_version cilium), hubble $(tool_version hubble)"
    echo "lab.sh: installs Cilium $cilium_version (CILIUM_VERSION), kind node image ${kind_image:-of the kind release (KIND_NODE_IMAGE unset)}"
    if [ "$mcsapi" = 1 ]; then
        echo "lab.sh: MCS-API on (LAB_MCSAPI=1): Cilium >= ${min_mcsapi_cilium%.0} with clustermesh.mcsapi and CoreDNS auto-configuration, CoreDNS >= $min_coredns"
    else
        echo "lab.sh: MCS-API off: step 11 is skipped (LAB_MCSAPI=1 k8s/lab.sh up turns it on)"
    fi
}

problems=0
problem() {
    echo "preflight: $*" >&2
    problems=$((problems + 1))
}

need() { # need TOOL [MIN-VERSION]
    local have
    if ! command -v "$1" >/dev/null 2>&1; then
        problem "$1 is missing; get it: $(how_to_get "$1")"
        return 0
    fi
    [ $# -ge 2 ] || return 0
    have=$(tool_version "$1")
    case $have in
    unknown) problem "cannot tell the version of $1 (need >= $2); get a current one: $(how_to_get "$1")" ;;
    *) version_ge "$have" "$2" || problem "$1 $have is older than $2; get a newer one: $(how_to_get "$1")" ;;
    esac
}

read_number() { # read_number FILE: its first number, or nothing
    if [ -r "$1" ]; then head -n 1 "$1" | grep -oE '^[0-9]+' || true; fi
}

check_limits() {
    local n mem_kb docker_mem
    n=$(read_number "$proc/sys/fs/inotify/max_user_instances")
    if [ -n "$n" ] && [ "$n" -lt "$min_inotify_instances" ]; then
        problem "fs.inotify.max_user_instances is $n; two 3-node kind clusters need $min_inotify_instances: sudo sysctl fs.inotify.max_user_instances=$min_inotify_instances"
    fi
    n=$(read_number "$proc/sys/fs/inotify/max_user_watches")
    if [ -n "$n" ] && [ "$n" -lt "$min_inotify_watches" ]; then
        problem "fs.inotify.max_user_watches is $n; two 3-node kind clusters need $min_inotify_watches: sudo sysctl fs.inotify.max_user_watches=$min_inotify_watches"
    fi
    mem_kb=$( { [ -r "$proc/meminfo" ] && grep '^MemAvailable:' "$proc/meminfo" | grep -oE '[0-9]+'; } || true)
    if [ -n "$mem_kb" ] && [ $((mem_kb / 1024)) -lt "$min_mem_mb" ]; then
        problem "only $((mem_kb / 1024)) MiB of memory available; six kind nodes with Cilium want about $min_mem_mb MiB (LAB_MIN_MEM_MB): free some"
    fi
    docker_mem=$(docker info --format '{{.MemTotal}}' 2>/dev/null | grep -oE '^[0-9]+' || true)
    if [ -n "$docker_mem" ] && [ $((docker_mem / 1048576)) -lt "$min_mem_mb" ]; then
        problem "Docker has $((docker_mem / 1048576)) MiB of memory; give it about $min_mem_mb MiB (Docker Desktop: Settings > Resources)"
    fi
}

preflight() {
    say "preflight: tools, versions, Docker, inotify limits, memory"
    need make
    need docker
    need kind "$min_kind"
    need kubectl "$min_kubectl"
    need cilium "$min_cilium_cli"
    if command -v docker >/dev/null 2>&1 && ! docker info >/dev/null 2>&1; then
        problem "Docker does not answer ('docker info' failed): start it (Docker Desktop, or: sudo systemctl start docker)"
    fi
    check_limits
    if ! version_ge "$cilium_version" "$min_cilium"; then
        problem "CILIUM_VERSION $cilium_version is older than $min_cilium: step 10's EndpointSlice synchronization (clustermesh.enableEndpointSliceSynchronization) is new in Cilium ${min_cilium%.0}"
    elif [ "$mcsapi" = 1 ] && ! version_ge "$cilium_version" "$min_mcsapi_cilium"; then
        problem "LAB_MCSAPI=1 needs Cilium ${min_mcsapi_cilium%.0} or later (its chart's clustermesh.mcsapi values); CILIUM_VERSION is $cilium_version"
    fi
    if [ "$problems" -gt 0 ]; then
        if [ "$dry_run" = 1 ]; then
            echo "preflight: $problems problem(s) (dry run: continuing)" >&2
            return 0
        fi
        echo "preflight: $problems problem(s); nothing was created or changed" >&2
        exit 1
    fi
    echo "preflight: ok"
}

# --- up -----------------------------------------------------------------------------
# grep without -q reads all its input: with -q it may exit first, and under pipefail the
# writer's SIGPIPE would make a found cluster look missing.
cluster_exists() { q kind get clusters | grep -x "$1" >/dev/null; }

create_cluster() { # create_cluster NAME
    if cluster_exists "$1"; then
        echo "kind cluster $1 exists: keeping it"
        return 0
    fi
    if [ -n "$kind_image" ]; then
        run kind create cluster --name "$1" --config "$kind_config_dir/$1.yaml" --image "$kind_image"
    else
        run kind create cluster --name "$1" --config "$kind_config_dir/$1.yaml"
    fi
}

# The version of the Cilium agent DaemonSet's image, "" when Cilium is not installed.
installed_cilium() { # installed_cilium CLUSTER
    local image
    image=$(q kubectl --context "kind-$1" -n kube-system get daemonset cilium \
        -o 'jsonpath={.spec.template.spec.containers[0].image}') || return 0
    echo "${image:-?}" | grep -oE ':v[0-9]+\.[0-9]+\.[0-9]+' | head -n 1 | sed 's/^:v//' || echo "?"
}

install_cilium() { # install_cilium CLUSTER ID
    local have
    have=$(installed_cilium "$1")
    if [ -n "$have" ]; then
        if [ "$have" = "$cilium_version" ]; then
            echo "kind-$1: Cilium $have is installed: keeping it"
        else
            note "kind-$1 runs Cilium ${have/\?/(version unknown)}, not CILIUM_VERSION=$cilium_version: keeping it; the checks run against it (to switch: k8s/lab.sh teardown, then up)"
        fi
        if [ "$mcsapi" = 1 ]; then enable_mcsapi "$1" "$have"; fi
        return 0
    fi
    # EndpointSlice synchronization serves the headless-global step (Cilium >= 1.16).
    local extra=
    if [ "$mcsapi" = 1 ]; then extra=$mcs_sets; fi
    # shellcheck disable=SC2086,SC2046 # extra, offline_flags are words (or none)
    run cilium install --context "kind-$1" --version "$cilium_version" \
        --set "cluster.name=$1" --set "cluster.id=$2" --set ipam.mode=kubernetes \
        --set clustermesh.enableEndpointSliceSynchronization=true $extra $(offline_flags install)
}

# Cilium's agent configuration says whether MCS-API is on (Helm clustermesh.mcsapi.enabled).
mcs_on() { # mcs_on CLUSTER
    [ "$(q kubectl --context "kind-$1" -n kube-system get configmap cilium-config \
        -o 'jsonpath={.data.clustermesh-enable-mcs-api}')" = true ]
}

# MCS-API on a Cilium installed without it: a Helm upgrade that keeps every other value
# and the installed version (without --version the cilium CLI would move to its own).
enable_mcsapi() { # enable_mcsapi CLUSTER INSTALLED-VERSION
    if mcs_on "$1"; then
        echo "kind-$1: MCS-API is enabled: keeping it"
    elif ! version_ge "${2/\?/0}" "$min_mcsapi_cilium"; then
        note "kind-$1 runs Cilium ${2/\?/(version unknown)}; MCS-API needs ${min_mcsapi_cilium%.0} or later: not enabled, step 11 will be skipped (to switch: k8s/lab.sh teardown, then LAB_MCSAPI=1 k8s/lab.sh up)"
    else
        # shellcheck disable=SC2086,SC2046 # mcs_sets, offline_flags are words
        run cilium upgrade --context "kind-$1" --version "$2" --reuse-values $mcs_sets \
            $(offline_flags upgrade)
    fi
}

coredns_image() { # coredns_image CLUSTER: the image of the CoreDNS Deployment kubeadm made
    kubectl --context "kind-$1" -n kube-system get deployment coredns \
        -o 'jsonpath={.spec.template.spec.containers[0].image}'
}

# Cilium's CoreDNS auto-configuration writes a `multicluster` setting that CoreDNS knows
# from 1.12.2 on (Cilium's docs require it); with an older one clusterset.local names do not
# resolve, or, worse, CoreDNS refuses its whole configuration. Checked before Cilium is
# installed or upgraded, so nothing is half done.
need_coredns() { # need_coredns CLUSTER
    local have
    show kubectl --context "kind-$1" -n kube-system get deployment coredns \
        -o 'jsonpath={.spec.template.spec.containers[0].image}'
    [ "$dry_run" = 1 ] && return 0
    have=$(coredns_image "$1" 2>/dev/null | first_version) || have=
    if [ -z "$have" ]; then
        echo "lab.sh: kind-$1: cannot read the CoreDNS version (kube-system/deployment coredns); MCS-API (LAB_MCSAPI=1) needs CoreDNS >= $min_coredns" >&2
        exit 1
    fi
    if ! version_ge "$have" "$min_coredns"; then
        echo "lab.sh: kind-$1 runs CoreDNS $have; MCS-API (LAB_MCSAPI=1) needs CoreDNS $min_coredns or later (clusterset.local). Use a Kubernetes 1.35 or later node image: k8s/lab.sh teardown, then KIND_NODE_IMAGE=kindest/node:v1.35.0 LAB_MCSAPI=1 k8s/lab.sh up; or leave LAB_MCSAPI unset (steps 1 to 10 need no MCS-API)" >&2
        exit 1
    fi
    echo "kind-$1: CoreDNS $have (MCS-API needs >= $min_coredns)"
}

exists() { # exists CLUSTER KIND NAME: in kube-system
    q kubectl --context "kind-$1" -n kube-system get "$2" "$3" >/dev/null
}

enable_hubble() { # enable_hubble CLUSTER
    if [ "$hubble_ui" = 0 ]; then
        if exists "$1" deployment hubble-relay; then
            echo "kind-$1: Hubble relay is enabled: keeping it"
        else
            run cilium hubble enable --context "kind-$1"
        fi
    elif exists "$1" deployment hubble-relay && exists "$1" deployment hubble-ui; then
        echo "kind-$1: Hubble (relay and UI) is enabled: keeping it"
    else
        run cilium hubble enable --ui --context "kind-$1"
    fi
}

# offline_flags install|upgrade: the chart from a directory instead of a download (the CLI
# then takes the version from its Chart.yaml; cilium-cli/internal/helm/helm.go:241), and
# for install the extra --set flags of CILIUM_HELM_FLAGS_FILE. Both unset: nothing.
offline_flags() {
    if [ -n "$chart_dir" ]; then echo "--chart-directory $chart_dir"; fi
    if [ "$1" = install ] && [ -n "$helm_flags_file" ]; then
        grep -v -e '^#' -e '^$' "$helm_flags_file"
    fi
}

enable_clustermesh() { # enable_clustermesh CLUSTER
    if exists "$1" deployment clustermesh-apiserver; then
        echo "kind-$1: clustermesh is enabled: keeping it"
    else
        run cilium clustermesh enable --service-type NodePort --context "kind-$1"
    fi
}

# Cluster Mesh wants one CA in both clusters: a current cilium CLI refuses to connect
# clusters whose cilium-ca differ ("Cilium CA certificates do not match", cilium-cli
# clustermesh/clustermesh.go:1243 of the main snapshot k8s/cluster/versions.env pins; the
# lab's CLI of 2023 only warned). As Cilium's docs do, the second cluster gets the first's
# cilium-ca before Cilium is installed there: the chart reuses a cilium-ca it finds (v1.19.0
# templates/_helpers.tpl:81, lookup) and Helm adopts it (the copy keeps its release labels).
share_ca() { # share_ca FROM TO
    if q kubectl --context "kind-$2" -n kube-system get secret cilium-ca >/dev/null; then
        echo "kind-$2 has a cilium-ca: keeping it"
        return 0
    fi
    show kubectl --context "kind-$1" -n kube-system get secret cilium-ca -o yaml "|" sed \
        -e '/^  resourceVersion:/d' -e '/^  uid:/d' -e '/^  creationTimestamp:/d' "|" \
        kubectl --context "kind-$2" create -f -
    [ "$dry_run" = 1 ] && return 0
    kubectl --context "kind-$1" -n kube-system get secret cilium-ca -o yaml |
        sed -e '/^  resourceVersion:/d' -e '/^  uid:/d' -e '/^  creationTimestamp:/d' |
        kubectl --context "kind-$2" create -f -
}

# `cilium clustermesh connect` (Helm mode) writes each remote cluster's access into the
# Secret cilium-clustermesh, one key per cluster name.
connect() { # connect FROM TO
    if [ -n "$(q kubectl --context "kind-$1" -n kube-system get secret cilium-clustermesh \
        -o "jsonpath={.data.$2}")" ]; then
        echo "kind-$1 and kind-$2 are connected: keeping it"
    else
        run cilium clustermesh connect --context "kind-$1" --destination-context "kind-$2"
    fi
}

up() {
    local id=0 cluster
    for cluster in $clusters; do
        id=$((id + 1))
        say "$cluster: kind cluster (no default CNI), Cilium $cilium_version cluster.name=$cluster cluster.id=$id"
        create_cluster "$cluster"
        if [ "$mcsapi" = 1 ]; then need_coredns "$cluster"; fi
        if [ "$cluster" = tion ]; then share_ca koornacht tion; fi
        install_cilium "$cluster" "$id"
        if [ "$cluster" = koornacht ]; then enable_hubble "$cluster"; fi
        run cilium status --wait --context "kind-$cluster"
        enable_clustermesh "$cluster"
    done
    for cluster in $clusters; do
        run cilium clustermesh status --wait --context "kind-$cluster"
    done
    say "connect the clusters"
    connect koornacht tion
    for cluster in $clusters; do
        run cilium clustermesh status --wait --context "kind-$cluster"
    done

    say "build rebel-base:$version and x-wing:$version and load them into both clusters"
    run make images kind-load

    for cluster in $clusters; do
        say "$cluster: kubectl apply -k k8s/$cluster"
        kc "$cluster" apply -k "k8s/$cluster"
        wait_ready "$cluster"
    done
}

# Waits for both Deployments and the bare x-wing Pod.
wait_ready() { # wait_ready CLUSTER
    kc "$1" rollout status deployment/rebel-base --timeout=180s
    kc "$1" rollout status deployment/x-wing --timeout=180s
    kc "$1" wait --for=condition=Ready pod/x-wing --timeout=180s
}

# --- steps --------------------------------------------------------------------------
# relpath FROM TO: directory TO relative to directory FROM (both exist). Plain bash:
# `realpath --relative-to` is GNU-only.
relpath() {
    local from to common up=
    from=$(cd "$1" && pwd -P)
    to=$(cd "$2" && pwd -P)
    common=$from
    while [ "$common" != / ] && [ "$to" != "$common" ] && [ "${to#"$common"/}" = "$to" ]; do
        common=$(dirname "$common")
        up="../$up"
    done
    if [ "$to" = "$common" ]; then
        to=
    elif [ "$common" = / ]; then
        to=${to#/}
    else
        to=${to#"$common"/}
    fi
    to="$up$to"
    to=${to%/}
    echo "${to:-.}"
}

# Applies CLUSTER's overlay plus COMPONENTS: writes the kustomization a user would write.
apply_step() { # apply_step CLUSTER [COMPONENT...]
    local cluster=$1 dir rel c
    shift
    dir="$lab_dir/$cluster"
    mkdir -p "$dir"
    rel=$(relpath "$dir" k8s)
    {
        echo "apiVersion: kustomize.config.k8s.io/v1beta1"
        echo "kind: Kustomization"
        echo "resources:"
        echo "  - $rel/$cluster"
        [ $# -gt 0 ] && echo "components:"
        for c in "$@"; do echo "  - $rel/components/$c"; done
    } >"$dir/kustomization.yaml"
    echo "# $cluster: overlay k8s/$cluster + components: ${*:-(none)}"
    [ "$dry_run" = 1 ] && sed 's/^/#   /' "$dir/kustomization.yaml"
    kc "$cluster" apply -k "$dir"
}

scale_rebel_base() { # scale_rebel_base STEP CLUSTER REPLICAS
    kc "$2" scale deployment rebel-base --replicas "$3"
    if [ "$3" = 0 ]; then
        pods_gone "$1" "$2"
    else
        kc "$2" rollout status deployment/rebel-base --timeout=180s
    fi
}

# pods_gone STEP CLUSTER: waits until CLUSTER's rebel-base pods are gone. "no matching
# resources" means gone already. Any other failure (a timeout) is a FAIL of the step: its
# failover checks would run while those pods still serve, and could pass on them.
pods_gone() {
    local out
    show kubectl --context "kind-$2" wait --for=delete pod -l name=rebel-base --timeout=120s
    [ "$dry_run" = 1 ] && return 0
    if out=$(kubectl --context "kind-$2" wait --for=delete pod -l name=rebel-base --timeout=120s 2>&1); then
        printf '%s\n' "$out"
        return 0
    fi
    printf '%s\n' "$out"
    case $out in *"no matching resources found"*) return 0 ;; esac
    echo "FAIL $1. $2: rebel-base pods gone after the scale to 0"
    failed=$((failed + 1))
}

has_crd() { q kubectl --context "kind-$1" get crd "$2" >/dev/null; } # has_crd CLUSTER CRD

# The state every step starts from: what `up` left (overlays alone, 2 rebel-base each).
# Policies, the headless Service and the ServiceExport are deleted (apply -k never
# prunes), the annotations removed (also those a by-hand `kubectl annotate` added, which
# apply does not track), and rebel-base scaled back (apply leaves a scaled replica count
# alone). Without the MCS-API CRDs there is no export to delete, and kubectl would fail
# on the unknown type even with --ignore-not-found.
base() {
    local cluster
    say "base: no policies, no headless Service, no ServiceExport, no Cilium annotations, 2 rebel-base in each cluster"
    for cluster in $clusters; do
        kc "$cluster" delete ciliumnetworkpolicy default-deny x-wing-to-rebel-base rebel-base-from-x-wing --ignore-not-found
        kc "$cluster" delete service rebel-base-headless --ignore-not-found
        if [ "$dry_run" = 1 ] || has_crd "$cluster" serviceexports.multicluster.x-k8s.io; then
            kc "$cluster" delete serviceexport rebel-base --ignore-not-found
        fi
        kc "$cluster" annotate service rebel-base service.cilium.io/global- service.cilium.io/shared- \
            service.cilium.io/affinity-
        apply_step "$cluster"
        kc "$cluster" scale deployment rebel-base --replicas 2
        wait_ready "$cluster"
    done
}

# attempt STEP WHAT TRIES FUNCTION ARGS...: PASS once FUNCTION succeeds (retried while the
# mesh converges), FAIL after TRIES attempts. The PASS/FAIL line names the step.
attempt() {
    local step=$1 what=$2 tries=$3 try=1
    shift 3
    if [ "$dry_run" = 1 ]; then
        echo "CHECK (dry run) $step. $what"
        return 0
    fi
    while :; do
        if "$@"; then
            echo "PASS $step. $what"
            passed=$((passed + 1))
            return 0
        fi
        [ "$try" -ge "$tries" ] && break
        try=$((try + 1))
        sleep "$check_interval"
    done
    echo "FAIL $step. $what (after $tries attempts)"
    failed=$((failed + 1))
    return 0
}

xwing_cmd=()
# check STEP WHAT CLUSTER XWING-ARGS... (the last one is the target)
check() {
    local step=$1 what=$2 cluster=$3
    shift 3
    xwing_cmd=(kubectl --context "kind-$cluster" exec deploy/x-wing -- xwing)
    case " $* " in *" -n "*) ;; *) xwing_cmd+=(-n "$check_n") ;; esac
    xwing_cmd+=("$@")
    show "${xwing_cmd[@]}"
    attempt "$step" "$what" "$check_tries" "${xwing_cmd[@]}"
}

# check_for SECONDS ...: a check retried for at least SECONDS (see step 10).
check_for() {
    local secs=$1 saved=$check_tries
    shift
    if [ "$check_interval" -gt 0 ] && [ $((secs / check_interval + 1)) -gt "$check_tries" ]; then
        check_tries=$((secs / check_interval + 1))
    fi
    check "$@"
    check_tries=$saved
}

# Applies the overlays with these components: state KOORNACHT-COMPONENTS TION-COMPONENTS
state() {
    # shellcheck disable=SC2086 # component lists are words
    apply_step koornacht $1
    # shellcheck disable=SC2086
    apply_step tion $2
}

# `cilium clustermesh status` counts no global services any more: current CLIs dropped the
# line (cilium/cilium PR 41727, Sept. 2025) and Cilium 1.19 agents report none, so older
# CLIs print 0 (v1.19.0 Documentation/operations/upgrade.rst:386). The agent still counts
# what each remote cluster shares, under --all-clusters: "   NAME: ready, ... N services,"
# from 1.16 to 1.19 (v1.16.0 pkg/client/client.go:832, v1.19.0 :842).
agent_cmd=(-n kube-system exec ds/cilium -c cilium-agent -- cilium-dbg status --all-clusters)
shared_services() { # shared_services CLUSTER REMOTE: CLUSTER's agent knows REMOTE's global service
    local out n
    out=$(kubectl --context "kind-$1" "${agent_cmd[@]}" 2>&1) || { printf '%s\n' "$out"; return 1; }
    printf '%s\n' "$out"
    n=$(printf '%s\n' "$out" | sed -n "s/^ *$2: ready, .* \([0-9][0-9]*\) services, .*/\1/p")
    [ -n "$n" ] && [ "$n" -ge 1 ]
}

step_1() {
    say "1. each cluster's service is local: x-wing sees its own cluster only"
    check 1 "koornacht: local only" koornacht --expect-only Koornacht rebel-base
    check 1 "tion: local only" tion --expect-only Tion rebel-base
}

step_2() {
    say "2. service.cilium.io/global=true in both clusters: a mix of both"
    state global global
    check 2 "koornacht: global mix" koornacht --expect-all Koornacht,Tion rebel-base
    check 2 "tion: global mix" tion --expect-all Koornacht,Tion rebel-base
    show kubectl --context kind-koornacht "${agent_cmd[@]}"
    attempt 2 "koornacht's agent: Tion shares a service" "$check_tries" shared_services koornacht tion
}

step_3() {
    say "3. fault resilience: Koornacht's rebel-base scaled to 0, Tion answers both clusters"
    state global global
    scale_rebel_base 3 koornacht 0
    check 3 "koornacht: failover to Tion" koornacht --expect-only Tion --min-success 0.9 rebel-base
    check 3 "tion: Tion only" tion --expect-only Tion --min-success 0.9 rebel-base
    scale_rebel_base 3 koornacht 2
}

step_4() {
    say "4. service.cilium.io/shared=false on Koornacht: Tion no longer reaches Koornacht"
    state "global shared-false" global
    check 4 "tion: Koornacht not shared" tion --expect-only Tion rebel-base
    check 4 "koornacht: still a mix" koornacht --expect-all Koornacht,Tion rebel-base
}

step_5() {
    say "5. service.cilium.io/affinity=local on Koornacht: local while any is ready, then failover"
    state "global shared-false affinity-local" global
    check 5 "koornacht: affinity local" koornacht --expect-only Koornacht rebel-base
    scale_rebel_base 5 koornacht 0
    check 5 "koornacht: affinity failover to Tion" koornacht --expect-only Tion --min-success 0.9 rebel-base
    scale_rebel_base 5 koornacht 2
    check 5 "koornacht: back to local" koornacht --expect-only Koornacht rebel-base
}

step_5b() {
    say "5b. service.cilium.io/affinity=remote on Koornacht: the opposite, Tion while any is ready"
    state "global shared-false affinity-remote" global
    check 5b "koornacht: affinity remote" koornacht --expect-only Tion rebel-base
}

step_6() {
    say "6. affinity removed: Koornacht balances over both again"
    state "global shared-false" global
    check 6 "koornacht: mix again" koornacht --expect-all Koornacht,Tion rebel-base
}

step_7() {
    say "7. default-deny in both clusters (DNS to kube-dns UDP/53 still allowed): every request fails"
    state "global shared-false default-deny" "global default-deny"
    check 7 "koornacht: default deny" koornacht --expect-fail -n 5 --timeout 1s rebel-base
}

hubble_up() { hubble status --server localhost:4245 >/dev/null 2>&1; }

# A request policy refuses makes two events, and --verdict DROPPED selects both: a drop
# (printed DROPPED) and, unless policy-verdict events are off, a policy verdict (printed
# DENIED); each carries the drop reason (cilium v1.19.0 pkg/hubble/parser/threefour/parser.go:466-491,
# hubble/pkg/printer/printer.go:238-241). Either proves the step, if policy is the reason:
# JSON (one compact object a line, hubble/cmd/observe/flows.go:665 in v1.16.0) says so
# where the printed line does not.
hubble_cmd=(hubble observe --server localhost:4245 --verdict DROPPED --from-label name=x-wing
    --to-label name=rebel-base --last 20 -o json)
hubble_drops() { # Hubble has seen x-wing -> rebel-base dropped by policy
    local out
    out=$("${hubble_cmd[@]}" 2>&1) || { printf '%s\n' "$out"; return 1; }
    printf '%s\n' "$out"
    printf '%s\n' "$out" | grep '"verdict":"DROPPED"' | grep -E '"drop_reason_desc":"POLICY_DEN(IED|Y)"' >/dev/null
}

stop_port_forward() {
    if [ -n "$pf_pid" ]; then
        kill "$pf_pid" 2>/dev/null || true
        wait "$pf_pid" 2>/dev/null || true
        pf_pid=
    fi
}
trap stop_port_forward EXIT

step_7b() {
    say "7b. Hubble shows the drops (x-wing -> rebel-base under default deny)"
    if ! command -v hubble >/dev/null 2>&1; then
        note "step 7b skipped: no hubble CLI ($(how_to_get hubble)); 'cilium hubble ui --context kind-koornacht' shows the same drops in a browser"
        [ "$dry_run" = 1 ] || return 0
    fi
    state "global shared-false default-deny" "global default-deny"
    mkdir -p "$lab_dir"
    echo "+ cilium hubble port-forward --context kind-koornacht &"
    if [ "$dry_run" = 0 ] && ! hubble_up; then
        cilium hubble port-forward --context kind-koornacht >"$lab_dir/hubble-port-forward.log" 2>&1 &
        pf_pid=$!
        # The port-forward just started needs a moment to listen, whatever CHECK_INTERVAL
        # says (0 in the stand-in tests, where two instant attempts lost that race under
        # load): up to 30 s for it, then the check below judges the relay.
        local i=0
        while ! hubble_up && [ "$i" -lt 150 ] && kill -0 "$pf_pid" 2>/dev/null; do
            sleep 0.2
            i=$((i + 1))
        done
    fi
    show hubble status --server localhost:4245
    attempt 7b "Hubble relay answers on localhost:4245" "$check_tries" hubble_up
    check 7b "koornacht: requests dropped" koornacht --expect-fail -n 5 --timeout 1s rebel-base
    show "${hubble_cmd[@]}"
    attempt 7b "Hubble shows x-wing -> rebel-base dropped by policy" "$check_tries" hubble_drops
    stop_port_forward
}

step_8() {
    say "8. x-wing-to-rebel-base alone in Koornacht: egress allowed, requests still dropped (rebel-base's ingress is denied)"
    state "global shared-false default-deny x-wing-to-rebel-base" "global default-deny"
    check 8 "koornacht: egress alone is not enough" koornacht --expect-fail -n 5 --timeout 1s rebel-base
}

step_8b() {
    say "8b. rebel-base-from-x-wing in Koornacht too: only Koornacht's replies get through"
    state "global shared-false default-deny x-wing-to-rebel-base rebel-base-from-x-wing" "global default-deny"
    check 8b "koornacht: only Koornacht gets through" koornacht \
        --expect-only Koornacht --min-success 0.1 --timeout 1s rebel-base
}

# The cilium CLI lists the policies whose meaning policy-default-local-cluster changes:
# "MARK KIND UNCHANGED/ALL" for CiliumNetworkPolicy, CiliumClusterWideNetworkPolicy and
# NetworkPolicy, then a line per policy (cilium/cilium cilium-cli/clustermesh/clustermesh.go,
# outputDiffMap; added by PR 39828, June 2025, documented from Cilium 1.18.0:
# Documentation/operations/upgrade.rst:679). A CLI without the command prints the
# clustermesh help and exits 0 (cobra), so the counts, not the exit code, tell.
inspect_cmd=(clustermesh inspect-policy-default-local-cluster -n default)
inspect_counts() { # inspect_counts: the three "KIND UNCHANGED/ALL" lines on stdin, as "KIND U A"
    awk '$2 ~ /^(CiliumNetworkPolicy|CiliumClusterWideNetworkPolicy|NetworkPolicy)$/ && $3 ~ /^[0-9]+\/[0-9]+$/ {
        split($3, n, "/"); print $2, n[1], n[2] }'
}
default_unchanged() { # default_unchanged CLUSTER: the 1.19 default changes none of its policies
    local out counts
    out=$(cilium "${inspect_cmd[@]}" --context "kind-$1" 2>&1) || { printf '%s\n' "$out"; return 1; }
    printf '%s\n' "$out"
    counts=$(printf '%s\n' "$out" | inspect_counts)
    # every kind listed, each policy unchanged, and the lab's policies among them
    [ "$(printf '%s\n' "$counts" | awk '$2 == $3' | grep -c .)" = 3 ] &&
        printf '%s\n' "$counts" | grep -E '^CiliumNetworkPolicy [1-9]' >/dev/null
}

step_9() {
    local cluster counts
    say "9. rebel-base-from-x-wing in Tion too: the mix is back"
    state "global shared-false default-deny x-wing-to-rebel-base rebel-base-from-x-wing" \
        "global default-deny rebel-base-from-x-wing"
    check 9 "koornacht: secured mix" koornacht --expect-all Koornacht,Tion --timeout 1s rebel-base
    for cluster in $clusters; do
        show cilium "${inspect_cmd[@]}" --context "kind-$cluster"
        if [ "$dry_run" = 0 ]; then
            counts=$(cilium "${inspect_cmd[@]}" --context "kind-$cluster" 2>/dev/null | inspect_counts) || counts=
            if [ -z "$counts" ]; then
                note "this cilium CLI has no 'clustermesh inspect-policy-default-local-cluster' (a current one does): not checked"
                return 0
            fi
        fi
        # The policies' meaning does not change with the cluster's state: asked once.
        attempt 9 "$cluster: policy-default-local-cluster (Cilium 1.19's default) changes none of its policies" \
            1 default_unchanged "$cluster"
    done
}

# Both clusters list an EndpointSlice with endpoints from another controller than their
# own: Cilium's copy of the other cluster's slice.
slices_synced() {
    local cluster n
    for cluster in $clusters; do
        n=$(kubectl --context "kind-$cluster" get endpointslices -l kubernetes.io/service-name=rebel-base-headless \
            -o 'go-template={{range .items}}{{if .endpoints}}{{index .metadata.labels "endpointslice.kubernetes.io/managed-by"}}{{"\n"}}{{end}}{{end}}' |
            sort -u | grep -c . || true)
        [ "$n" -ge 2 ] || return 1
    done
}

step_10() {
    say "10. headless global service (Cilium >= 1.16): DNS returns every cluster's pods"
    state "global shared-false default-deny x-wing-to-rebel-base rebel-base-from-x-wing headless-global" \
        "global default-deny rebel-base-from-x-wing headless-global"
    show kubectl --context kind-koornacht get endpointslices -l kubernetes.io/service-name=rebel-base-headless
    show kubectl --context kind-tion get endpointslices -l kubernetes.io/service-name=rebel-base-headless
    attempt 10 "both clusters have both clusters' EndpointSlices" $((check_tries * 4)) slices_synced
    # Checked only once the slices exist, so no lookup can have cached an answer without the
    # remote pods; retried for longer than CoreDNS's 30 s cache all the same.
    check_for 35 10 "koornacht: headless global mix" koornacht \
        --expect-all Koornacht,Tion --timeout 1s rebel-base-headless:8080
}

mcs_ready() { # both clusters run Cilium with MCS-API
    local cluster
    for cluster in $clusters; do mcs_on "$cluster" || return 1; done
}

imported() { # imported CLUSTER: Cilium has made the ServiceImport rebel-base there
    local out
    out=$(kubectl --context "kind-$1" get serviceimport rebel-base 2>&1) || { printf '%s\n' "$out"; return 1; }
    printf '%s\n' "$out"
}

conditions='go-template={{range .status.conditions}}{{.type}}={{.status}} {{.reason}}: {{.message}}{{"\n"}}{{end}}'

step_11() {
    say "11. MCS-API (Cilium >= ${min_mcsapi_cilium%.0}, beta): a ServiceExport in both clusters, $mcs_name reaches both; Tion's withdrawn"
    if [ "$dry_run" = 1 ]; then
        [ "$mcsapi" = 1 ] || note "step 11 needs MCS-API (LAB_MCSAPI=1 k8s/lab.sh up); shown all the same"
    elif ! mcs_ready; then
        note "step 11 skipped: MCS-API is not on in both clusters; LAB_MCSAPI=1 k8s/lab.sh up turns it on (Cilium >= ${min_mcsapi_cilium%.0}, CoreDNS >= $min_coredns)"
        return 0
    fi
    state mcs-export mcs-export
    show kubectl --context kind-koornacht get serviceimport rebel-base
    attempt 11 "koornacht: ServiceImport rebel-base exists" $((check_tries * 4)) imported koornacht
    # The export's status conditions (Valid, Conflict, ...) say why an export is not taken.
    kc koornacht get serviceexport rebel-base -o "$conditions" || true
    # As in step 10: CoreDNS may have cached a negative answer before the import had its IP.
    check_for 35 11 "koornacht: clusterset mix" koornacht --expect-all Koornacht,Tion "$mcs_name"
    kc tion delete serviceexport rebel-base
    check 11 "koornacht: Tion's export withdrawn, Koornacht only" koornacht --expect-only Koornacht "$mcs_name"
}

run_step() { # run_step ID
    case $1 in
    5b) step_5b ;;
    7b) step_7b ;;
    8b) step_8b ;;
    *) "step_$1" ;;
    esac
}

result() {
    if [ "$dry_run" = 1 ]; then
        say "dry run: nothing was run"
        return 0
    fi
    say "result: $passed checks passed, $failed failed"
    [ "$failed" = 0 ]
}

steps() {
    local id
    base
    for id in $step_ids; do run_step "$id"; done
    result
}

teardown() {
    local cluster
    for cluster in $clusters; do
        run kind delete cluster --name "$cluster"
    done
}

versions
case $action in
preflight) preflight ;;
teardown) teardown ;;
up)
    preflight
    up
    ;;
steps) steps ;;
step)
    base
    run_step "$step_arg"
    result
    ;;
all)
    preflight
    up
    steps
    ;;
esac
