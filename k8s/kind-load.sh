#!/usr/bin/env bash
# Loads rebel-base:VERSION and x-wing:VERSION into the koornacht and tion kind clusters, each
# built for the architecture of the cluster's nodes.
#   k8s/kind-load.sh [VERSION]        (`make kind-load`; build them first with `make images`)
# Env: CLUSTERS (default "koornacht tion").
# Images (docker/platforms.sh): the engine's own architecture is NAME:VERSION, another one
# NAME:VERSION-ARCH (`make images PLATFORM=linux/arm64`). A cluster gets NAME:VERSION when
# that is its nodes' architecture, else NAME:VERSION-ARCH, then tagged NAME:VERSION in each
# node's containerd: the name the manifests use.
# `kind load docker-image` imports with `ctr images import --all-platforms`, which fails
# when Docker's containerd image store exports an image index naming platforms whose
# content it does not have (kind issues 3795, 4066, 4224); `kind load image-archive` runs
# the same import. The fallback therefore differs: it pipes `docker save` into each node's
# containerd, `ctr -n k8s.io images import` without --all-platforms, which imports the
# node's own platform only, into the snapshotter the node's CRI uses, as kind does (else
# ctr unpacks into overlayfs, and on a zfs, fuse-overlayfs or rootless node no pod starts).
# Runs with bash 3.2 and BSD userland.
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

nodes_of() { # nodes_of CLUSTER: its node containers, one a line
    local nodes
    nodes=$(kind get nodes --name "$1") || return 1
    [ -n "$nodes" ] || { echo "kind-load: cluster $1 has no nodes" >&2; return 1; }
    echo "$nodes"
}

# The architecture of CLUSTER's nodes in Docker's naming. All the nodes of a kind cluster
# are containers of one engine, so the first one speaks for all.
node_arch() { # node_arch CLUSTER
    local nodes node machine
    nodes=$(nodes_of "$1") || return 1
    # Not `| head -n 1`: under pipefail, head leaving before the writer's last write would
    # make that write's SIGPIPE fail the pipeline.
    read -r node <<<"$nodes"
    machine=$(docker exec "$node" uname -m) || return 1
    case $machine in
    x86_64 | amd64) echo amd64 ;;
    aarch64 | arm64) echo arm64 ;;
    *)
        echo "kind-load: cluster $1's node $node runs on '$machine'; the images are built for amd64 and arm64 only" >&2
        return 1
        ;;
    esac
}

arch_of() { docker image inspect --format '{{.Architecture}}' "$1" 2>/dev/null; } # arch_of IMAGE

# The tag of NAME built for ARCH: NAME:VERSION when it is that architecture, else
# NAME:VERSION-ARCH.
image_for() { # image_for NAME ARCH
    local plain="$1:$version" have
    have=$(arch_of "$plain") || have=
    if [ "$have" = "$2" ]; then
        echo "$plain"
        return 0
    fi
    have=$(arch_of "$plain-$2") || have=
    if [ "$have" = "$2" ]; then
        echo "$plain-$2"
        return 0
    fi
    echo "kind-load: no $2 image of $plain; build it: make images PLATFORM=linux/$2" >&2
    return 1
}

# The snapshotter NODE's CRI plugin unpacks images into, read from `containerd config
# dump` as kind reads it (kind v0.27.0 pkg/cluster/nodeutils/util.go:93-125): config
# version 2 (containerd 1.x) has it in [plugins."io.containerd.grpc.v1.cri".containerd],
# version 3 (containerd 2, whose dump writes version 3: containerd v2.0.2
# cmd/containerd/command/config.go:73) in [plugins.'io.containerd.cri.v1.images'].
snapshotter_of() { # snapshotter_of NODE
    local snap
    snap=$(docker exec "$1" containerd config dump | awk -v q="'" '
        { line = $0; gsub(/^[ \t]+|[ \t]+$/, "", line); gsub(/"/, "", line); gsub(q, "", line) }
        line ~ /^version *=/ && table == "" { version = line; sub(/^version *= */, "", version) }
        line ~ /^\[/ { table = line; next }
        line ~ /^snapshotter *=/ { value = line; sub(/^snapshotter *= */, "", value); found[table] = value }
        END {
            if (version == 2) print found["[plugins.io.containerd.grpc.v1.cri.containerd]"]
            if (version == 3) print found["[plugins.io.containerd.cri.v1.images]"]
        }') || snap=
    [ -n "$snap" ] || { echo "kind-load: cannot tell which snapshotter $1's containerd uses ('containerd config dump')" >&2; return 1; }
    echo "$snap"
}

# Imports IMAGE into every node of CLUSTER through its containerd, one platform only.
import_per_node() { # import_per_node IMAGE CLUSTER
    local node nodes snap
    nodes=$(nodes_of "$2") || return 1
    for node in $nodes; do
        snap=$(snapshotter_of "$node") || return 1
        echo "kind-load: docker save $1 | docker exec -i $node ctr -n k8s.io images import --snapshotter=$snap -"
        docker save "$1" | docker exec -i "$node" ctr -n k8s.io images import "--snapshotter=$snap" - || return 1
    done
}

# Names IMAGE (NAME:VERSION-ARCH) PLAIN (NAME:VERSION) in every node of CLUSTER, as the pods
# ask for it (in Docker Hub's normalized form: how a node's containerd stores an imported tag).
tag_per_node() { # tag_per_node IMAGE PLAIN CLUSTER
    local node nodes src="docker.io/library/$1" dst="docker.io/library/$2"
    nodes=$(nodes_of "$3") || return 1
    for node in $nodes; do
        echo "kind-load: docker exec $node ctr -n k8s.io images tag --force $src $dst"
        docker exec "$node" ctr -n k8s.io images tag --force "$src" "$dst" || return 1
    done
}

load() { # load IMAGE CLUSTER
    echo "kind-load: $1 -> $2"
    kind load docker-image "$1" --name "$2" && return 0
    echo "kind-load: 'kind load docker-image' failed; importing into each node without --all-platforms"
    import_per_node "$1" "$2" && return 0
    cat >&2 <<MSG
kind-load: could not load $1 into $2, neither with 'kind load docker-image' nor
kind-load: with a single-platform import into each node. What usually fixes it:
kind-load:  - turn off Docker's containerd image store, then 'make images kind-load' again
kind-load:    (Docker Desktop: Settings > General > "Use containerd for pulling and storing
kind-load:    images"; Docker Engine: drop "containerd-snapshotter" from "features" in
kind-load:    /etc/docker/daemon.json and restart dockerd), or
kind-load:  - a newer kind: https://kind.sigs.k8s.io/docs/user/quick-start/#installation
kind-load: The errors above say which step failed.
MSG
    return 1
}

for cluster in "${clusters[@]}"; do
    arch=$(node_arch "$cluster") || exit 1
    # Every image is found before any is loaded: a missing one stops with nothing half done.
    images=
    for name in rebel-base x-wing; do
        image=$(image_for "$name" "$arch") || exit 1
        images="$images $image"
    done
    for image in $images; do
        load "$image" "$cluster" || exit 1
        case $image in
        *:"$version") ;;
        *) tag_per_node "$image" "${image%-"$arch"}" "$cluster" || exit 1 ;;
        esac
    done
done
