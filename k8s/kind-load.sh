#!/usr/bin/env bash
# Loads rebel-base:VERSION and x-wing:VERSION into the koornacht and tion kind clusters.
#   k8s/kind-load.sh [VERSION]        (`make kind-load`; build them first with `make images`)
# Env: CLUSTERS (default "koornacht tion").
# `kind load docker-image` fails when Docker uses the containerd image store (it cannot
# export the image); `docker save | kind load image-archive` works there, so we fall back.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
version=${1:-$(cat "$root/VERSION")}
read -r -a clusters <<<"${CLUSTERS:-koornacht tion}"

for tool in docker kind; do
    command -v "$tool" >/dev/null || {
        case $tool in
        docker) how="apt-get install docker.io (or https://docs.docker.com/engine/install/)" ;;
        kind) how="go install sigs.k8s.io/kind@latest, or a release binary from https://kind.sigs.k8s.io/docs/user/quick-start/#installation" ;;
        esac
        echo "kind-load: $tool not found; install it: $how" >&2
        exit 1
    }
done

for image in "rebel-base:$version" "x-wing:$version"; do
    docker image inspect "$image" >/dev/null 2>&1 || {
        echo "kind-load: image $image not found; run 'make images' first" >&2
        exit 1
    }
    for cluster in "${clusters[@]}"; do
        echo "kind-load: $image -> $cluster"
        if ! kind load docker-image "$image" --name "$cluster"; then
            echo "kind-load: 'kind load docker-image' failed; retrying through docker save | kind load image-archive"
            archive=$(mktemp "${TMPDIR:-/tmp}/kind-load.XXXXXX.tar")
            docker save -o "$archive" "$image"
            kind load image-archive "$archive" --name "$cluster" || { rm -f "$archive"; exit 1; }
            rm -f "$archive"
        fi
    done
done
