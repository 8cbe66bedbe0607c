#!/usr/bin/env bash
# Loads rebel-base:VERSION and x-wing:VERSION into the koornacht and tion kind clusters.
#   k8s/kind-load.sh [VERSION]        (`make kind-load`; build them first with `make images`)
# Env: CLUSTERS (default "koornacht tion").
# `kind load docker-image` imports with `ctr images import --all-platforms`, which fails
# when Docker's containerd image store exports an image index naming platforms whose
# content it does not have (kind issues 3795, 4066, 4224); `kind load image-archive` runs
# the same import. The fallback therefore differs: it pipes `docker save` into each node's
# containerd, `ctr -n k8s.io images import` without --all-platforms, which imports the
# node's own platform only. Runs with bash 3.2 and BSD userland.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
version=${1:-$(cat "$root/VERSION")}
read -r -a clusters <<<"${CLUSTERS:-koornacht tion}"

for tool in docker kind; do
    command -v "$tool" >/dev/null || {
        case $tool in
        docker) how="https://docs.docker.com/engine/install/ (Linux: apt-get install docker.io; macOS: Docker Desktop)" ;;
        kind) how="a release binary from https://kind.sigs.k8s.io/docs/user/quick-start/#installation" ;;
        esac
        echo "kind-load: $tool not found; install it: $how" >&2
        exit 1
    }
done

# Imports IMAGE into every node of CLUSTER through its containerd, one platform only.
import_per_node() { # import_per_node IMAGE CLUSTER
    local node nodes
    nodes=$(kind get nodes --name "$2") || return 1
    [ -n "$nodes" ] || { echo "kind-load: cluster $2 has no nodes" >&2; return 1; }
    for node in $nodes; do
        echo "kind-load: docker save $1 | docker exec -i $node ctr -n k8s.io images import -"
        docker save "$1" | docker exec -i "$node" ctr -n k8s.io images import - || return 1
    done
}

for image in "rebel-base:$version" "x-wing:$version"; do
    docker image inspect "$image" >/dev/null 2>&1 || {
        echo "kind-load: image $image not found; run 'make images' first" >&2
        exit 1
    }
    for cluster in "${clusters[@]}"; do
        echo "kind-load: $image -> $cluster"
        kind load docker-image "$image" --name "$cluster" && continue
        echo "kind-load: 'kind load docker-image' failed; importing into each node without --all-platforms"
        import_per_node "$image" "$cluster" && continue
        cat >&2 <<MSG
kind-load: could not load $image into $cluster, neither with 'kind load docker-image' nor
kind-load: with a single-platform import into each node. What usually fixes it:
kind-load:  - turn off Docker's containerd image store, then 'make images kind-load' again
kind-load:    (Docker Desktop: Settings > General > "Use containerd for pulling and storing
kind-load:    images"; Docker Engine: drop "containerd-snapshotter" from "features" in
kind-load:    /etc/docker/daemon.json and restart dockerd), or
kind-load:  - a newer kind: https://kind.sigs.k8s.io/docs/user/quick-start/#installation
kind-load: The errors above say which step failed.
MSG
        exit 1
    done
done
