#!/usr/bin/env bash
# Make sure the build stage's base image exists locally.
# Where a registry answers, `docker pull` is all it takes. On air-gapped machines
# (CI here has no registry) we build an equivalent minbase Debian with debootstrap
# and import it under the same name, so the Dockerfiles never need to change.
set -euo pipefail
image=${1:-debian:bookworm-slim}
suite=${SUITE:-bookworm}

if docker image inspect "$image" >/dev/null 2>&1; then
    echo "base-image: $image present"
    exit 0
fi
if timeout 60 docker pull "$image" >/dev/null 2>&1; then
    echo "base-image: pulled $image"
    exit 0
fi
command -v debootstrap >/dev/null || {
    echo "base-image: no registry and no debootstrap; apt-get install debootstrap" >&2
    exit 1
}
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
echo "base-image: no registry answers; debootstrapping $suite into $dir"
debootstrap --variant=minbase "$suite" "$dir" "${MIRROR:-http://deb.debian.org/debian}" >/dev/null
tar -C "$dir" -c . | docker import - "$image" >/dev/null
echo "base-image: imported $image"
