#!/usr/bin/env bash
# Builds rebel-base:VERSION and x-wing:VERSION from the repo root and prints their sizes.
#   docker/build.sh [VERSION]      (default: the VERSION file; `make images` passes it)
# Env: BASE (build-stage image, default debian:bookworm-slim), SOURCE, LICENSES (OCI labels),
#      DOCKER_BUILD_ARGS (extra `docker build` flags, e.g. --no-cache).
# Unchanged sources rebuild in seconds: every step is in Docker's layer cache, and the
# static libraries (docker/deps.sh) are one cached layer shared by both images.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
version=${1:-$(cat VERSION)}
base=${BASE:-debian:bookworm-slim}
source_url=${SOURCE:-$(git remote get-url origin 2>/dev/null || echo https://github.com/rebel-base/rebel-base)}
licenses=${LICENSES:-NOASSERTION}

command -v docker >/dev/null || { echo "build.sh: docker not found; install docker.io (apt-get install docker.io)" >&2; exit 1; }
bash docker/base-image.sh "$base"

build() { # build IMAGE DOCKERFILE
    local image=$1 file=$2
    echo "build.sh: $image:$version from $file (base $base)"
    # shellcheck disable=SC2086 # DOCKER_BUILD_ARGS is a list of flags
    docker build -q -f "$file" -t "$image:$version" \
        --build-arg BASE="$base" --build-arg VERSION="$version" \
        --build-arg SOURCE="$source_url" --build-arg LICENSES="$licenses" \
        ${DOCKER_BUILD_ARGS:-} . >/dev/null
}
build rebel-base docker/rebel-base.Dockerfile
build x-wing docker/x-wing.Dockerfile

for image in rebel-base x-wing; do
    bytes=$(docker image inspect --format '{{.Size}}' "$image:$version")
    printf 'build.sh: %-18s %8d bytes (%d KiB)\n' "$image:$version" "$bytes" $(((bytes + 1023) / 1024))
done
