#!/usr/bin/env bash
# The arm64 images (`make images PLATFORM=linux/arm64`, cross-compiled): static aarch64
# binaries that print --version under qemu-aarch64, a rebel-base that serves the lab's
# document and an xwing that tallies it, on loopback; images configured for arm64, user
# 65532, nothing but the binary (no shell), <= 1 MiB. The OCI archive (`make image-archive`):
# every digest and size, one platform per manifest matching its config.
# limit: 900 (a cold arm64 build; `make test` builds the images before the scenarios)
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck source=tests/k8s/container_lib.sh
. "$ROOT/tests/k8s/container_lib.sh"
# shellcheck source=docker/platforms.sh
. "$ROOT/docker/platforms.sh"
ct_require_docker

# How arm64 binaries run here: natively on arm64, else under qemu-user (no binfmt needed).
EMU=()
if [ "$(uname -m)" != aarch64 ]; then
    qemu=$(command -v qemu-aarch64-static || command -v qemu-aarch64 || true)
    if [ -z "$qemu" ]; then
        why="qemu-aarch64 is not installed (make deps installs qemu-user-static)"
        [ "${CI:-}" = true ] && fail "$why, and CI=true: the arm64 images must be checked in CI"
        echo "************************************************************" >&2
        echo "SKIP: $why: the arm64 images were NOT checked" >&2
        echo "************************************************************" >&2
        exit 77
    fi
    EMU=("$qemu")
fi

# A platform nothing here can build is refused up front, by name, before any build.
for script in build.sh archive.sh; do
    rc=0
    out=$(PLATFORM=linux/amd64,linux/s390x bash "$ROOT/docker/$script" "$CT_VERSION" "$TMP/none" 2>&1) || rc=$?
    assert_eq 1 "$rc" "docker/$script with PLATFORM linux/s390x (exit status)"
    assert_match "cannot build for 'linux/s390x': PLATFORM takes linux/amd64, linux/arm64" "$out" "docker/$script refusal"
    [ ! -e "$TMP/none" ] || fail "docker/$script wrote $TMP/none for a platform it refused"
done

PLATFORM=linux/arm64 bash "$ROOT/docker/build.sh" "$CT_VERSION" >"$TMP/build.log" 2>&1 ||
    fail "docker/build.sh for linux/arm64: $(tail -5 "$TMP/build.log")"
ENGINE_ARCH=$(engine_arch)
rb=$(image_tag rebel-base "$CT_VERSION" arm64) xw=$(image_tag x-wing "$CT_VERSION" arm64)

# The image's one layer, unpacked into DIR; prints its file list.
image_files() { # image_files IMAGE DIR
    local save=$2.save layer
    mkdir -p "$save" "$2"
    docker save "$1" | tar -x -C "$save"
    [ "$(jq '.[0].Layers | length' "$save/manifest.json")" = 1 ] || fail "$1 has more than one layer"
    layer=$save/$(jq -r '.[0].Layers[0]' "$save/manifest.json")
    tar -x -C "$2" -f "$layer"
    tar -t -f "$layer" | sort | tr '\n' ' '
}

check_image() { # check_image IMAGE BINARY
    local img=$1 bin=$2 size cfg files
    size=$(ct_size "$img")
    note "$img: $size bytes ($(((size + 1023) / 1024)) KiB)"
    [ "$size" -le 1048576 ] || fail "$img is $size bytes, over the 1 MiB budget"
    assert_eq "linux arm64" "$(docker image inspect --format '{{.Os}} {{.Architecture}}' "$img")" "$img platform"
    cfg=$(docker image inspect --format '{{json .Config}}' "$img")
    assert_eq "65532:65532" "$(jq -r .User <<<"$cfg")" "$img user"
    assert_eq "[\"/usr/local/bin/$bin\"]" "$(jq -c .Entrypoint <<<"$cfg")" "$img entrypoint"
    assert_eq "$CT_VERSION" "$(jq -r '.Labels["org.opencontainers.image.version"]' <<<"$cfg")" "$img version label"
    assert_match "^MIT AND LGPL-2.1-or-later" "$(jq -r '.Labels["org.opencontainers.image.licenses"]' <<<"$cfg")" "$img licences"
    # Nothing but the binary: no shell, no libraries, nothing to exec into.
    files=$(image_files "$img" "$TMP/$bin.root")
    assert_eq "usr/ usr/local/ usr/local/bin/ usr/local/bin/$bin " "$files" "$img files"
    cp "$TMP/$bin.root/usr/local/bin/$bin" "$TMP/$bin"
}

check_elf() { # check_elf FILE: a static, stripped aarch64 executable
    local header
    header=$(readelf -h "$1") || fail "$1 is not ELF"
    assert_match "Class: +ELF64" "$header" "$1 class"
    assert_match "Machine: +AArch64" "$header" "$1 machine"
    assert_match "Type: +EXEC" "$header" "$1 type (static, not PIE)"
    if grep -q INTERP <<<"$(readelf -l "$1")"; then fail "$1 asks for a dynamic loader"; fi
    if grep -q NEEDED <<<"$(readelf -d "$1")"; then fail "$1 needs shared libraries"; fi
    if grep -q '\.debug_info' <<<"$(readelf -S "$1")"; then fail "$1 is not stripped"; fi
    note "$(basename "$1"): $(stat -c %s "$1") bytes, $(file -b "$1" 2>/dev/null || echo "ELF64 AArch64, static")"
}

check_image "$rb" rebel-base
check_image "$xw" xwing
check_elf "$TMP/rebel-base"
check_elf "$TMP/xwing"

arm() { "${EMU[@]}" "$@"; } # runs an arm64 binary of ours
v=$(arm "$TMP/rebel-base" --version) || fail "arm64 rebel-base --version"
assert_match "^rebel-base $CT_VERSION" "$v" "arm64 rebel-base --version"
v=$(arm "$TMP/xwing" --version) || fail "arm64 xwing --version"
assert_match "^xwing $CT_VERSION" "$v" "arm64 xwing --version"
note "${EMU[*]:-natively}: $v"

# The arm64 rebel-base serves the lab's document, byte for byte; the arm64 xwing tallies it.
printf '%s' "$KOORNACHT" >"$TMP/index.html"
# A simple command, not `arm`: the forked shell execs it, so $! is the server (or its qemu,
# which hands signals on to it) and SIGTERM reaches it.
"${EMU[@]}" "$TMP/rebel-base" --listen 127.0.0.1:0 --document "$TMP/index.html" --served-by arm64-rb \
    --drain 0 >"$TMP/rb.out" 2>"$TMP/rb.log" &
rb_pid=$!
PIDS+=("$rb_pid")
port=$(wait_port "$rb_pid" "$TMP/rb.log")
body=$(curl -s -D "$TMP/headers" --max-time 5 "http://127.0.0.1:$port/"; echo .)
assert_eq "$KOORNACHT." "$body" "document served by the arm64 rebel-base"
assert_match "X-Served-By: arm64-rb" "$(tr -d '\r' <"$TMP/headers")" "X-Served-By"

out=$(arm "$TMP/xwing" -n 10 --by key --expect-only Koornacht "127.0.0.1:$port" 2>&1) ||
    fail "arm64 xwing -n 10 --expect-only Koornacht: $out"
assert_match "Koornacht +10 +100\.0%" "$out" "arm64 xwing tally"
rc=0
out=$(arm "$TMP/xwing" -n 4 --expect-only Tion "127.0.0.1:$port" 2>&1) || rc=$?
assert_eq 1 "$rc" "arm64 xwing --expect-only Tion against Koornacht (exit status)"
note "arm64 xwing tallied 10 of 10 from Koornacht and refused to call them Tion"

# SIGTERM reaches the emulated server: it drains and exits 0.
kill -TERM "$rb_pid"
wait_exit "$rb_pid" 15
assert_eq 0 "$EXIT_STATUS" "arm64 rebel-base exit status after SIGTERM"

# Where binfmt_misc runs arm64 binaries for any process (the F flag: containers too), the
# images themselves run, as the restricted pods run them.
binfmt=/proc/sys/fs/binfmt_misc/qemu-aarch64
if [ "$ENGINE_ARCH" = arm64 ] || { grep -qx enabled "$binfmt" 2>/dev/null && grep -q '^flags: .*F' "$binfmt"; }; then
    v=$(docker run --rm --platform linux/arm64 "${CT_SECURE[@]}" "$xw" --version) || fail "docker run $xw --version"
    assert_match "^xwing $CT_VERSION" "$v" "docker run $xw --version"
    note "docker run $xw: $v"
else
    note "no binfmt_misc entry for arm64 with the F flag: the images were not run by Docker"
fi

# The OCI archive: one per image, an index naming every platform, each manifest's config
# saying the same platform, every blob's digest and size right, each layer's diff_id that
# of its uncompressed tar, and the arm64 binary in it the one the image holds.
blob_ok() { # blob_ok DIR DESCRIPTOR-JSON: the blob exists with that digest and size; prints its path
    local digest size path
    digest=$(jq -r .digest <<<"$2") size=$(jq -r .size <<<"$2")
    path=$1/blobs/sha256/${digest#sha256:}
    [ -f "$path" ] || fail "archive: no blob $digest"
    assert_eq "$digest" "sha256:$(sha256sum "$path" | cut -d' ' -f1)" "archive: digest of $digest"
    assert_eq "$size" "$(stat -c %s "$path")" "archive: size of $digest"
    echo "$path"
}

check_manifest() { # check_manifest DIR DESCRIPTOR-JSON IMAGE: one platform's manifest
    local dir=$1 desc=$2 image=$3 manifest config arch layer diff
    arch=$(jq -r .platform.architecture <<<"$desc")
    manifest=$(blob_ok "$dir" "$desc")
    assert_eq application/vnd.oci.image.manifest.v1+json "$(jq -r .mediaType "$manifest")" "archive: $image/$arch manifest type"
    config=$(blob_ok "$dir" "$(jq -c .config "$manifest")")
    assert_eq "linux $arch" "$(jq -r '"\(.os) \(.architecture)"' "$config")" "archive: $image/$arch config platform"
    assert_eq "65532:65532" "$(jq -r .config.User "$config")" "archive: $image/$arch user"
    assert_eq 1 "$(jq '.layers | length' "$manifest")" "archive: $image/$arch layers"
    assert_eq application/vnd.oci.image.layer.v1.tar+gzip "$(jq -r '.layers[0].mediaType' "$manifest")" "archive: $image/$arch layer type"
    layer=$(blob_ok "$dir" "$(jq -c '.layers[0]' "$manifest")")
    diff=sha256:$(gzip -dc "$layer" | sha256sum | cut -d' ' -f1)
    assert_eq "$(jq -r '.rootfs.diff_ids[0]' "$config")" "$diff" "archive: $image/$arch diff_id"
    if [ "$arch" = arm64 ]; then
        mkdir -p "$dir.$arch"
        gzip -dc "$layer" | tar -x -C "$dir.$arch"
        cmp -s "$dir.$arch/usr/local/bin/$4" "$TMP/$4" || fail "archive: $image/arm64 holds another $4 than $rb/$xw"
    fi
}

check_archive() { # check_archive FILE IMAGE BINARY
    local dir=$TMP/oci-$2 top index platforms desc
    mkdir -p "$dir"
    tar -x -C "$dir" -f "$1" || fail "archive: $1 does not unpack"
    assert_eq 1.0.0 "$(jq -r .imageLayoutVersion "$dir/oci-layout")" "archive: $2 layout version"
    top=$dir/index.json
    assert_eq 1 "$(jq '.manifests | length' "$top")" "archive: $2 index.json entries"
    assert_eq "$CT_VERSION" "$(jq -r '.manifests[0].annotations["org.opencontainers.image.ref.name"]' "$top")" "archive: $2 ref.name"
    assert_eq "docker.io/library/$2:$CT_VERSION" "$(jq -r '.manifests[0].annotations["io.containerd.image.name"]' "$top")" "archive: $2 containerd name"
    index=$(blob_ok "$dir" "$(jq -c '.manifests[0]' "$top")")
    assert_eq application/vnd.oci.image.index.v1+json "$(jq -r .mediaType "$index")" "archive: $2 index type"
    platforms=$(jq -r '[.manifests[].platform | "\(.os)/\(.architecture)"] | sort | join(",")' "$index")
    assert_eq "$want_platforms" "$platforms" "archive: $2 platforms"
    while read -r desc; do check_manifest "$dir" "$desc" "$2" "$3"; done < <(jq -c '.manifests[]' "$index")
    note "$(basename "$1"): $(stat -c %s "$1") bytes, $platforms, digests and sizes verified"
}

# The engine's own platform and arm64: both images `make test` has built (linux/amd64 and
# linux/arm64 in CI); `make image-archive` archives amd64 and arm64 wherever it runs.
want_platforms=$(printf 'linux/%s\n' "$ENGINE_ARCH" arm64 | sort -u | paste -sd,)
PLATFORM=$want_platforms bash "$ROOT/docker/archive.sh" "$CT_VERSION" "$TMP/archives" >"$TMP/archive.log" 2>&1 ||
    fail "docker/archive.sh: $(tail -5 "$TMP/archive.log")"
check_archive "$TMP/archives/rebel-base-$CT_VERSION.oci.tar" rebel-base rebel-base
check_archive "$TMP/archives/x-wing-$CT_VERSION.oci.tar" x-wing xwing
