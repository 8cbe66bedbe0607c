#!/usr/bin/env bash
# `make image-archive`: rebel-base and x-wing as OCI image layouts, one archive per image,
# each an image index with every platform, for people who push to their own registry:
#   docker/archive.sh [VERSION] [OUTDIR]     (default OUTDIR build/images)
# writes OUTDIR/rebel-base-VERSION.oci.tar and OUTDIR/x-wing-VERSION.oci.tar.
# Env: PLATFORM (default linux/amd64,linux/arm64); docker/build.sh builds what is missing.
#
# Built from `docker save` with jq, because the classic builder cannot write a
# multi-platform image (buildx can, but is not everywhere). The index names the image
# twice: org.opencontainers.image.ref.name is the tag (what skopeo's
# oci-archive:FILE:VERSION picks) and io.containerd.image.name the full name (what
# `ctr images import` and so `kind load image-archive` name it). Layers are gzipped.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
version=${1:-$(cat VERSION)}
out=${2:-build/images}
platforms=${PLATFORM:-linux/amd64,linux/arm64}

command -v docker >/dev/null || { echo "archive.sh: docker not found; install docker.io" >&2; exit 1; }
command -v jq >/dev/null || { echo "archive.sh: jq not found; install it (apt-get install jq)" >&2; exit 1; }
# shellcheck source=docker/platforms.sh
. docker/platforms.sh
ENGINE_ARCH=$(engine_arch)
archs=$(platform_archs "$platforms")
PLATFORM=$platforms bash docker/build.sh "$version"

MT_INDEX=application/vnd.oci.image.index.v1+json
MT_MANIFEST=application/vnd.oci.image.manifest.v1+json
MT_CONFIG=application/vnd.oci.image.config.v1+json
MT_LAYER=application/vnd.oci.image.layer.v1.tar+gzip

# Moves FILE into the layout's blobs under its digest; prints its descriptor.
blob() { # blob LAYOUT FILE MEDIATYPE
    local digest size
    digest=$(sha256sum "$2" | cut -d' ' -f1)
    size=$(wc -c <"$2" | tr -d ' ')
    mv "$2" "$1/blobs/sha256/$digest"
    jq -nc --arg mt "$3" --arg digest "sha256:$digest" --argjson size "$size" \
        '{mediaType: $mt, digest: $digest, size: $size}'
}

# Adds TAG's config, layers and manifest to the layout; prints the manifest's descriptor
# with its platform.
add_platform() { # add_platform LAYOUT TAG ARCH
    local layout=$1 dir config layer layers=() manifest
    dir=$(mktemp -d "$layout.save.XXXXXX")
    docker save "$2" | tar -x -C "$dir"
    config=$(blob "$layout" "$dir/$(jq -r '.[0].Config' "$dir/manifest.json")" "$MT_CONFIG")
    for layer in $(jq -r '.[0].Layers[]' "$dir/manifest.json"); do
        gzip -n -9 <"$dir/$layer" >"$dir/layer.gz"
        layers+=("$(blob "$layout" "$dir/layer.gz" "$MT_LAYER")")
    done
    printf '%s\n' "${layers[@]}" | jq -sc --arg mt "$MT_MANIFEST" --argjson config "$config" \
        '{schemaVersion: 2, mediaType: $mt, config: $config, layers: .}' >"$dir/manifest"
    manifest=$(blob "$layout" "$dir/manifest" "$MT_MANIFEST")
    rm -rf "$dir"
    jq -c --arg arch "$3" '. + {platform: {architecture: $arch, os: "linux"}}' <<<"$manifest"
}

archive() { # archive IMAGE: writes OUT/IMAGE-VERSION.oci.tar
    local image=$1 layout arch descs=() index file=$out/$1-$version.oci.tar
    layout=$(mktemp -d "${TMPDIR:-/tmp}/oci.XXXXXX")
    mkdir -p "$layout/blobs/sha256"
    echo '{"imageLayoutVersion":"1.0.0"}' >"$layout/oci-layout"
    for arch in $archs; do
        descs+=("$(add_platform "$layout" "$(image_tag "$image" "$version" "$arch")" "$arch")")
    done
    printf '%s\n' "${descs[@]}" | jq -sc --arg mt "$MT_INDEX" \
        '{schemaVersion: 2, mediaType: $mt, manifests: .}' >"$layout/index.new"
    index=$(blob "$layout" "$layout/index.new" "$MT_INDEX")
    jq -c --arg mt "$MT_INDEX" --arg tag "$version" --arg name "docker.io/library/$image:$version" \
        '{schemaVersion: 2, mediaType: $mt, manifests: [. + {annotations: {
            "org.opencontainers.image.ref.name": $tag, "io.containerd.image.name": $name}}]}' \
        <<<"$index" >"$layout/index.json"
    tar -C "$layout" -cf "$file.tmp" oci-layout index.json blobs
    mv "$file.tmp" "$file"
    rm -rf "$layout"
    echo "archive.sh: $file ($(wc -c <"$file" | tr -d ' ') bytes): $image:$version for $(paste -sd, <<<"$archs")"
}

mkdir -p "$out"
archive rebel-base
archive x-wing
