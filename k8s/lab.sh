#!/usr/bin/env bash
# The whole Cilium Cluster Mesh lab on kind, with our images, checked step by step.
#
#   k8s/lab.sh [--dry-run] [all|up|steps|teardown]     (`make lab` runs `all`)
#     up        create koornacht and tion, install Cilium (cluster.name/id), Hubble on
#               koornacht, clustermesh over NodePort, connect, build and load the images,
#               apply both overlays
#     steps     walk the lab's steps, each checked with `xwing --expect-*` (PASS/FAIL)
#     all       up, then steps (the default)
#     teardown  delete both clusters
#   --dry-run   print every command (and each step's kustomization) without running any
#
# Env: CHECK_N (requests per check, default 20), CHECK_TRIES (attempts per check while the
# mesh converges, default 10). Each step's kustomization is written to build/lab/CLUSTER/.
# Needs docker, kind, kubectl and the cilium CLI; it says which is missing and how to get it.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
clusters=(koornacht tion)
version=$(cat "$root/VERSION")
stepdir=$root/build/lab
check_n=${CHECK_N:-20}
check_tries=${CHECK_TRIES:-10}
dry_run=0
action=all
passed=0
failed=0

usage() {
    sed -n '2,16p' "$0" | sed 's/^# \{0,1\}//'
    exit "${1:-0}"
}

while [ $# -gt 0 ]; do
    case $1 in
    --dry-run | -n) dry_run=1 ;;
    -h | --help) usage 0 ;;
    all | up | steps | teardown) action=$1 ;;
    *) echo "lab.sh: unknown argument '$1'" >&2; usage 2 >&2 ;;
    esac
    shift
done

say() { printf '\n=== %s\n' "$*"; }

# Prints a command the way a user would type it.
show() {
    local out="+" a
    for a in "$@"; do
        if [[ "$a" =~ ^[A-Za-z0-9_./:=,@%+-]+$ ]]; then out+=" $a"; else out+=" '${a//\'/\'\\\'\'}'"; fi
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

how_to_get() {
    case $1 in
    docker) echo "apt-get install docker.io, or https://docs.docker.com/engine/install/" ;;
    kind) echo "go install sigs.k8s.io/kind@latest, or a release binary: https://kind.sigs.k8s.io/docs/user/quick-start/#installation" ;;
    kubectl) echo "https://kubernetes.io/docs/tasks/tools/#kubectl (or apt-get install kubectl from the Kubernetes apt repository)" ;;
    cilium) echo "the cilium CLI: https://github.com/cilium/cilium-cli/releases (cilium-linux-amd64.tar.gz, unpack into /usr/local/bin)" ;;
    make) echo "apt-get install make" ;;
    esac
}

need_tools() { # need_tools TOOL...
    local tool missing=0
    for tool in "$@"; do
        command -v "$tool" >/dev/null 2>&1 && continue
        echo "lab.sh: $tool is missing; get it: $(how_to_get "$tool")" >&2
        missing=1
    done
    if [ "$missing" = 1 ]; then
        [ "$dry_run" = 1 ] && { echo "lab.sh: (dry run: continuing without them)" >&2; return 0; }
        exit 1
    fi
}

cluster_exists() { # cluster_exists NAME
    [ "$dry_run" = 1 ] && return 1
    kind get clusters 2>/dev/null | grep -qx "$1"
}

up() {
    local id=0 cluster
    for cluster in "${clusters[@]}"; do
        id=$((id + 1))
        say "$cluster: kind cluster (no default CNI), Cilium cluster.name=$cluster cluster.id=$id"
        if cluster_exists "$cluster"; then
            echo "cluster $cluster exists; keeping it"
        else
            run kind create cluster --name "$cluster" --config "$root/k8s/kind/$cluster.yaml"
        fi
        # EndpointSlice synchronization serves the headless-global step (Cilium >= 1.15).
        run cilium install --context "kind-$cluster" \
            --set "cluster.name=$cluster" --set "cluster.id=$id" --set ipam.mode=kubernetes \
            --set clustermesh.enableEndpointSliceSynchronization=true
        if [ "$cluster" = koornacht ]; then
            run cilium hubble enable --ui --context "kind-$cluster"
        fi
        run cilium status --wait --context "kind-$cluster"
        run cilium clustermesh enable --service-type NodePort --context "kind-$cluster"
    done
    for cluster in "${clusters[@]}"; do
        run cilium clustermesh status --wait --context "kind-$cluster"
    done
    say "connect the clusters"
    run cilium clustermesh connect --context kind-koornacht --destination-context kind-tion
    for cluster in "${clusters[@]}"; do
        run cilium clustermesh status --wait --context "kind-$cluster"
    done

    say "build rebel-base:$version and x-wing:$version and load them into both clusters"
    run bash "$root/docker/build.sh" "$version"
    run bash "$root/k8s/kind-load.sh" "$version"

    for cluster in "${clusters[@]}"; do
        say "$cluster: kubectl apply -k k8s/$cluster"
        kc "$cluster" apply -k "$root/k8s/$cluster"
        wait_ready "$cluster"
    done
}

# Waits for both Deployments and the bare x-wing Pod.
wait_ready() { # wait_ready CLUSTER
    kc "$1" rollout status deployment/rebel-base --timeout=180s
    kc "$1" rollout status deployment/x-wing --timeout=180s
    kc "$1" wait --for=condition=Ready pod/x-wing --timeout=180s
}

# Applies CLUSTER's overlay plus COMPONENTS: writes the kustomization a user would write.
apply_step() { # apply_step CLUSTER [COMPONENT...]
    local cluster=$1 dir rel c
    shift
    dir="$stepdir/$cluster"
    mkdir -p "$dir"
    rel=$(realpath --relative-to="$dir" "$root/k8s")
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

scale_rebel_base() { # scale_rebel_base CLUSTER REPLICAS
    kc "$1" scale deployment rebel-base --replicas "$2"
    if [ "$2" = 0 ]; then
        # "no matching resources" once they are all gone already is fine.
        kc "$1" wait --for=delete pod -l name=rebel-base --timeout=120s || true
    else
        kc "$1" rollout status deployment/rebel-base --timeout=180s
    fi
}

# Runs xwing in CLUSTER's x-wing Deployment; PASS once the expectation holds (retried
# while the mesh converges), FAIL after CHECK_TRIES attempts.
check() { # check WHAT CLUSTER XWING-ARGS... (the last one is the target)
    local what=$1 cluster=$2 try
    shift 2
    local cmd=(kubectl --context "kind-$cluster" exec deploy/x-wing -- xwing)
    [[ " $* " == *" -n "* ]] || cmd+=(-n "$check_n")
    cmd+=("$@")
    show "${cmd[@]}"
    if [ "$dry_run" = 1 ]; then
        echo "CHECK (dry run) $what"
        return 0
    fi
    for ((try = 1; try <= check_tries; try++)); do
        if "${cmd[@]}"; then
            echo "PASS $what"
            passed=$((passed + 1))
            return 0
        fi
        [ "$try" -lt "$check_tries" ] && sleep 3
    done
    echo "FAIL $what (after $check_tries attempts)"
    failed=$((failed + 1))
}

steps() {
    say "1. each cluster's service is local: x-wing sees its own cluster only"
    check "koornacht: local only" koornacht --expect-only Koornacht rebel-base
    check "tion: local only" tion --expect-only Tion rebel-base

    say "2. service.cilium.io/global=true in both clusters: a mix of both"
    apply_step koornacht global
    apply_step tion global
    check "koornacht: global mix" koornacht --expect-all Koornacht,Tion rebel-base
    check "tion: global mix" tion --expect-all Koornacht,Tion rebel-base

    say "3. fault resilience: Koornacht's rebel-base scaled to 0, Tion answers both clusters"
    scale_rebel_base koornacht 0
    check "koornacht: failover to Tion" koornacht --expect-only Tion --min-success 0.9 rebel-base
    check "tion: Tion only" tion --expect-only Tion --min-success 0.9 rebel-base
    scale_rebel_base koornacht 2

    say "4. service.cilium.io/shared=false on Koornacht: Tion no longer reaches Koornacht"
    apply_step koornacht global shared-false
    check "tion: Koornacht not shared" tion --expect-only Tion rebel-base
    check "koornacht: still a mix" koornacht --expect-all Koornacht,Tion rebel-base

    say "5. service.cilium.io/affinity=local on Koornacht: local while any is ready, then failover"
    apply_step koornacht global shared-false affinity-local
    check "koornacht: affinity local" koornacht --expect-only Koornacht rebel-base
    scale_rebel_base koornacht 0
    check "koornacht: affinity failover to Tion" koornacht --expect-only Tion --min-success 0.9 rebel-base
    scale_rebel_base koornacht 2
    check "koornacht: back to local" koornacht --expect-only Koornacht rebel-base
    say "5b. service.cilium.io/affinity=remote on Koornacht: the opposite, Tion while any is ready"
    apply_step koornacht global shared-false affinity-remote
    check "koornacht: affinity remote" koornacht --expect-only Tion rebel-base

    say "6. affinity removed: Koornacht balances over both again"
    apply_step koornacht global shared-false
    check "koornacht: mix again" koornacht --expect-all Koornacht,Tion rebel-base

    say "7. default-deny in both clusters (DNS to kube-dns UDP/53 still allowed): every request fails"
    apply_step koornacht global shared-false default-deny
    apply_step tion global default-deny
    check "koornacht: default deny" koornacht --expect-fail -n 5 --timeout 1s rebel-base

    say "8. allow x-wing-to-rebel-base and rebel-base-from-x-wing in Koornacht: only local replies"
    apply_step koornacht global shared-false default-deny x-wing-to-rebel-base rebel-base-from-x-wing
    check "koornacht: only Koornacht gets through" koornacht \
        --expect-only Koornacht --min-success 0.1 --timeout 1s rebel-base

    say "9. rebel-base-from-x-wing in Tion too: the mix is back"
    apply_step tion global default-deny rebel-base-from-x-wing
    check "koornacht: secured mix" koornacht --expect-all Koornacht,Tion --timeout 1s rebel-base

    say "10. headless global service (Cilium >= 1.15): DNS returns every cluster's pods"
    apply_step koornacht global shared-false default-deny x-wing-to-rebel-base rebel-base-from-x-wing headless-global
    apply_step tion global default-deny rebel-base-from-x-wing headless-global
    check "koornacht: headless global mix" koornacht --expect-all Koornacht,Tion --timeout 1s rebel-base-headless:8080

    if [ "$dry_run" = 1 ]; then
        say "dry run: nothing was run"
        return 0
    fi
    say "result: $passed passed, $failed failed"
    [ "$failed" = 0 ]
}

teardown() {
    local cluster
    for cluster in "${clusters[@]}"; do
        run kind delete cluster --name "$cluster"
    done
}

case $action in
teardown)
    need_tools kind
    teardown
    ;;
up)
    need_tools docker kind kubectl cilium
    up
    ;;
steps)
    need_tools kubectl
    steps
    ;;
all)
    need_tools docker kind kubectl cilium
    up
    steps
    ;;
esac
