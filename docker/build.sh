#!/usr/bin/env bash
# Builds rebel-base and x-wing images from the repo root and prints their sizes.
#   docker/build.sh [VERSION]      (default: the VERSION file; `make images` passes it)
# Env: PLATFORM (linux/amd64, linux/arm64 or both, comma-separated; default the engine's
#      own). The engine's architecture is tagged NAME:VERSION as always, another one
#      NAME:VERSION-ARCH (rebel-base:0.1.0-arm64; docker/platforms.sh).
#      BASE (build-stage image, default debian:bookworm-slim), SOURCE, LICENSES (OCI labels;
#      LICENSES overrides each Dockerfile's own SPDX expression),
#      DOCKER_BUILD_ARGS (extra `docker build` flags, e.g. --no-cache).
# An image whose org.rbxw.sources label matches the digest of its sources, and whose
# architecture is the one asked for, is kept as is; otherwise Docker's layer cache makes a
# rebuild quick: the static libraries (docker/deps.sh) are one cached layer per target
# architecture, shared by both images.
#
# Another architecture is cross-compiled on this one: the build stages run natively with
# TARGETARCH set. BuildKit (buildx, or DOCKER_BUILDKIT=1) is given --platform and writes the
# target's architecture itself; the classic builder (no buildx needed) cannot be given it
# (its COPY --from then refuses the build stage, which is this machine's) and writes the
# engine's, so the image is loaded again with the target's (set_arch).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
version=${1:-$(cat VERSION)}
base=${BASE:-debian:bookworm-slim}
source_url=${SOURCE:-$(git remote get-url origin 2>/dev/null || echo https://github.com/rebel-base/rebel-base)}

command -v docker >/dev/null || { echo "build.sh: docker not found; install docker.io (apt-get install docker.io)" >&2; exit 1; }
# shellcheck source=docker/platforms.sh
. docker/platforms.sh
ENGINE_ARCH=$(engine_arch)
archs=$(platform_archs "${PLATFORM:-}")
if [ "$archs" != "$ENGINE_ARCH" ]; then
    command -v jq >/dev/null || { echo "build.sh: jq not found; another architecture needs it (apt-get install jq)" >&2; exit 1; }
fi
platform_flag=false
case ${DOCKER_BUILDKIT:-} in
1) platform_flag=true ;;
0) ;;
*) docker buildx version >/dev/null 2>&1 && platform_flag=true ;;
esac
bash docker/base-image.sh "$base"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# A digest of everything that goes into an image: an image labelled with it is up to date.
sources_digest() { # sources_digest DIR...
    find Makefile VERSION common docker "$@" -type f ! -name '*.o' ! -name '*.d' -print0 | sort -z |
        xargs -0 sha256sum | sha256sum | cut -c1-16
}

# The build context: only what the Dockerfiles COPY (not build/, .git or test artefacts).
context() {
    tar -c Makefile VERSION common rebel-base x-wing docker
}

up_to_date() { # up_to_date TAG DIGEST ARCH
    [ -z "${DOCKER_BUILD_ARGS:-}" ] &&
        [ "$(docker image inspect --format '{{index .Config.Labels "org.rbxw.sources"}} {{.Architecture}}' \
            "$1" 2>/dev/null)" = "$2 $3" ]
}

# Loads image ID again as TAG, its config naming ARCH: the classic builder writes the
# engine's architecture into every image it builds, whatever the binary inside. Only the
# config changes (its digest, so the image ID, with it); the layer is the same bytes.
# Called as a condition, where `set -e` does not apply: every step says if it failed.
set_arch() { # set_arch ID TAG ARCH
    local dir=$work/save-$3 config
    mkdir -p "$dir" || return 1
    docker save "$1" | tar -x -C "$dir" || return 1
    config=$(jq -er '.[0].Config' "$dir/manifest.json") || return 1
    jq -c --arg arch "$3" '.architecture = $arch | del(.variant)' "$dir/$config" >"$dir/config.new" || return 1
    # index.json: Docker's containerd image store saves an OCI layout too; load the
    # manifest.json edited here, not that.
    rm -f "$dir/$config" "$dir/repositories" "$dir/index.json" "$dir/oci-layout"
    config=$(sha256sum "$dir/config.new" | cut -d' ' -f1).json || return 1
    mv "$dir/config.new" "$dir/$config" || return 1
    jq -c --arg config "$config" --arg tag "$2" '.[0].Config = $config | .[0].RepoTags = [$tag]' \
        "$dir/manifest.json" >"$dir/manifest.new" || return 1
    mv "$dir/manifest.new" "$dir/manifest.json" || return 1
    tar -C "$dir" -c . | docker load -q >/dev/null || return 1
    rm -rf "$dir"
}

build() { # build IMAGE DOCKERFILE SOURCE-DIR ARCH
    local image=$1 file=$2 arch=$4 tag digest id platform=()
    tag=$(image_tag "$image" "$version" "$arch")
    digest=$(sources_digest "$3")
    if up_to_date "$tag" "$digest" "$arch"; then
        echo "build.sh: $tag is up to date (sources $digest, $arch)"
        return 0
    fi
    echo "build.sh: $tag from $file (base $base, sources $digest, $arch)"
    id=$work/id
    [ "$platform_flag" = false ] || platform=(--platform "linux/$arch")
    # The legacy builder's deprecation notice is noise; errors still reach stderr.
    # shellcheck disable=SC2086 # DOCKER_BUILD_ARGS is a list of flags
    if ! docker build -q -f "$file" ${platform[@]+"${platform[@]}"} \
        --build-arg BASE="$base" --build-arg VERSION="$version" --build-arg TARGETARCH="$arch" \
        --build-arg SOURCE="$source_url" ${LICENSES:+--build-arg LICENSES="$LICENSES"} \
        --label "org.rbxw.sources=$digest" ${DOCKER_BUILD_ARGS:-} - 2>&1 >"$id" < <(context) |
        { grep -vE 'DEPRECATED: The legacy builder|Install the buildx component|docs.docker.com/go/buildx|^$' >&2 || true; }; then
        echo "build.sh: building $tag failed" >&2
        exit 1
    fi
    if [ "$(docker image inspect --format '{{.Architecture}}' "$(cat "$id")")" = "$arch" ]; then
        docker tag "$(cat "$id")" "$tag"
    elif ! set_arch "$(cat "$id")" "$tag" "$arch"; then
        echo "build.sh: setting the architecture of $tag to $arch failed" >&2
        exit 1
    fi
}

for arch in $archs; do
    build rebel-base docker/rebel-base.Dockerfile rebel-base "$arch"
    build x-wing docker/x-wing.Dockerfile x-wing "$arch"
done
for arch in $archs; do
    for image in rebel-base x-wing; do
        tag=$(image_tag "$image" "$version" "$arch")
        bytes=$(docker image inspect --format '{{.Size}}' "$tag")
        printf 'build.sh: %-28s %-6s %8d bytes (%d KiB)\n' "$tag" "$arch" "$bytes" $(((bytes + 1023) / 1024))
    done
done
