#!/usr/bin/env bash
# Builds rebel-base:VERSION and x-wing:VERSION from the repo root and prints their sizes.
#   docker/build.sh [VERSION]      (default: the VERSION file; `make images` passes it)
# Env: BASE (build-stage image, default debian:bookworm-slim), SOURCE, LICENSES (OCI labels;
#      LICENSES overrides each Dockerfile's own SPDX expression),
#      DOCKER_BUILD_ARGS (extra `docker build` flags, e.g. --no-cache).
# An image whose org.rbxw.sources label matches the digest of its sources is kept as is;
# otherwise Docker's layer cache makes a rebuild quick: the static libraries
# (docker/deps.sh) are one cached layer shared by both images.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
version=${1:-$(cat VERSION)}
base=${BASE:-debian:bookworm-slim}
source_url=${SOURCE:-$(git remote get-url origin 2>/dev/null || echo https://github.com/rebel-base/rebel-base)}

command -v docker >/dev/null || { echo "build.sh: docker not found; install docker.io (apt-get install docker.io)" >&2; exit 1; }
bash docker/base-image.sh "$base"

# A digest of everything that goes into an image: an image labelled with it is up to date.
sources_digest() { # sources_digest DIR...
    find Makefile VERSION common docker "$@" -type f ! -name '*.o' ! -name '*.d' -print0 | sort -z |
        xargs -0 sha256sum | sha256sum | cut -c1-16
}

# The build context: only what the Dockerfiles COPY (not build/, .git or test artefacts).
context() {
    tar -c Makefile VERSION common rebel-base x-wing docker
}

build() { # build IMAGE DOCKERFILE SOURCE-DIR
    local image=$1 file=$2 digest
    digest=$(sources_digest "$3")
    if [ -z "${DOCKER_BUILD_ARGS:-}" ] && [ "$(docker image inspect --format \
        '{{index .Config.Labels "org.rbxw.sources"}}' "$image:$version" 2>/dev/null)" = "$digest" ]; then
        echo "build.sh: $image:$version is up to date (sources $digest)"
        return 0
    fi
    echo "build.sh: $image:$version from $file (base $base, sources $digest)"
    # The legacy builder's deprecation notice is noise; errors still reach stderr.
    # shellcheck disable=SC2086 # DOCKER_BUILD_ARGS is a list of flags
    if ! docker build -q -f "$file" -t "$image:$version" \
        --build-arg BASE="$base" --build-arg VERSION="$version" \
        --build-arg SOURCE="$source_url" ${LICENSES:+--build-arg LICENSES="$LICENSES"} \
        --label "org.rbxw.sources=$digest" ${DOCKER_BUILD_ARGS:-} - 2>&1 >/dev/null < <(context) |
        { grep -vE 'DEPRECATED: The legacy builder|Install the buildx component|docs.docker.com/go/buildx|^$' >&2 || true; }; then
        echo "build.sh: building $image:$version failed" >&2
        exit 1
    fi
}
build rebel-base docker/rebel-base.Dockerfile rebel-base
build x-wing docker/x-wing.Dockerfile x-wing

for image in rebel-base x-wing; do
    bytes=$(docker image inspect --format '{{.Size}}' "$image:$version")
    printf 'build.sh: %-18s %8d bytes (%d KiB)\n' "$image:$version" "$bytes" $(((bytes + 1023) / 1024))
done
