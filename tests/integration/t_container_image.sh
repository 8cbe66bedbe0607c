#!/usr/bin/env bash
# The images `make images` builds: sizes (goal <= 1 MB each), FROM scratch with a static
# binary and no shell, user 65532, ENTRYPOINT/CMD, PATH, OCI labels, EXPOSE 8080; both run
# with --read-only --cap-drop ALL --user 65532.
# limit: 900 (a cold image build; `make test` builds the images before the scenarios)
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck source=tests/k8s/container_lib.sh
. "$ROOT/tests/k8s/container_lib.sh"
ct_require_docker
ct_images
rb=rebel-base:$CT_VERSION xw=x-wing:$CT_VERSION

for img in "$rb" "$xw"; do
    size=$(ct_size "$img")
    note "$img: $size bytes ($(((size + 1023) / 1024)) KiB)"
    [ "$size" -le 1048576 ] || fail "$img is $size bytes, over the 1 MB goal"
    layers=$(docker image inspect --format '{{len .RootFS.Layers}}' "$img")
    assert_eq 1 "$layers" "$img layers (FROM scratch + one binary)"
    cfg=$(docker image inspect --format '{{json .Config}}' "$img")
    assert_eq "65532:65532" "$(jq -r .User <<<"$cfg")" "$img user"
    assert_eq '["PATH=/usr/local/bin"]' "$(jq -c .Env <<<"$cfg")" "$img env"
    assert_eq '{"8080/tcp":{}}' "$(jq -c .ExposedPorts <<<"$cfg")" "$img exposed ports"
    for l in source version licenses title description; do
        v=$(jq -r ".Labels[\"org.opencontainers.image.$l\"] // empty" <<<"$cfg")
        [ -n "$v" ] || fail "$img has no org.opencontainers.image.$l label"
    done
    assert_eq "$CT_VERSION" "$(jq -r '.Labels["org.opencontainers.image.version"]' <<<"$cfg")" "$img version label"
    # nothing but the binary: no shell to exec into
    if docker run --rm "${CT_SECURE[@]}" --entrypoint /bin/sh "$img" -c true >/dev/null 2>&1; then
        fail "$img has a shell"
    fi
done
assert_eq '["/usr/local/bin/rebel-base"]' "$(docker image inspect --format '{{json .Config.Entrypoint}}' "$rb")" "rebel-base entrypoint"
assert_eq '["/usr/local/bin/xwing"]' "$(docker image inspect --format '{{json .Config.Entrypoint}}' "$xw")" "x-wing entrypoint"
assert_eq '["serve"]' "$(docker image inspect --format '{{json .Config.Cmd}}' "$xw")" "x-wing default command"

# Static binaries, stripped, from our own Makefile (same version string as `make`).
docker create --name "$CT_ID-files-rb" "$rb" >/dev/null
docker create --name "$CT_ID-files-xw" "$xw" >/dev/null
docker cp "$CT_ID-files-rb:/usr/local/bin/rebel-base" "$TMP/rebel-base"
docker cp "$CT_ID-files-xw:/usr/local/bin/xwing" "$TMP/xwing"
for b in rebel-base xwing; do
    info=$(file -b "$TMP/$b" 2>/dev/null || readelf -h "$TMP/$b")
    if grep -q INTERP <<<"$(readelf -l "$TMP/$b")"; then fail "$b in the image is dynamically linked: $info"; fi
    ! grep -q '\.debug_info' <<<"$(readelf -S "$TMP/$b")" || fail "$b in the image is not stripped"
    note "$b: $(stat -c %s "$TMP/$b") bytes; $info"
done

# No allocator churn in what ships: musl's own malloc handed memory back to the kernel on
# every new connection (a madvise each, plus mmap/munmap), ~40% of the CPU per request.
# The images link mimalloc instead. 400 fresh connections from the shipped xwing to the
# shipped rebel-base, on loopback, counted with strace: a handful of calls, not hundreds.
if command -v strace >/dev/null; then
    n=400
    printf '%s' "$KOORNACHT" >"$TMP/doc.json"
    strace -f -qq -c -o "$TMP/rb.strace" -e trace=madvise,mmap,munmap \
        "$TMP/rebel-base" --listen 127.0.0.1:0 --document "$TMP/doc.json" --drain 0 \
        2>"$TMP/shipped-rb.log" &
    PIDS+=($!)
    port=$(wait_port $! "$TMP/shipped-rb.log")
    strace -f -qq -c -o "$TMP/xw.strace" -e trace=madvise,mmap,munmap \
        "$TMP/xwing" -n "$n" -c 4 "127.0.0.1:$port" >/dev/null || fail "shipped xwing -n $n"
    kill -TERM "$(pgrep -f "^$TMP/rebel-base")"
    wait_until "strace's summary of the shipped rebel-base" 10 test -s "$TMP/rb.strace"
    calls() { awk '$NF ~ /^(madvise|mmap|munmap)$/ { n += $4 } END { print n + 0 }' "$1"; }
    note "shipped binaries, $n new connections: rebel-base $(calls "$TMP/rb.strace")," \
        "xwing $(calls "$TMP/xw.strace") madvise+mmap+munmap calls"
    (($(calls "$TMP/rb.strace") < n / 8)) || fail "rebel-base allocator churn: $(cat "$TMP/rb.strace")"
    (($(calls "$TMP/xw.strace") < n / 8)) || fail "xwing allocator churn: $(cat "$TMP/xw.strace")"
else
    [ "${CI:-}" = true ] && fail "strace not installed (CI installs it)"
    note "strace not installed: allocator churn not checked"
fi

# Both run as the restricted pods run them.
v=$(docker run --rm "${CT_SECURE[@]}" "$rb" --version) || fail "rebel-base --version in the image"
assert_match "^rebel-base $CT_VERSION" "$v" "rebel-base --version"
v=$(docker run --rm "${CT_SECURE[@]}" "$xw" --version) || fail "xwing --version in the image"
assert_match "^xwing $CT_VERSION" "$v" "xwing --version"
note "$v"
# bad flags: exit 2 naming the flag, through the entrypoint
rc=0; out=$(docker run --rm "${CT_SECURE[@]}" "$rb" --bogus 2>&1) || rc=$?
assert_eq 2 "$rc" "rebel-base --bogus exit status"
assert_match "bogus" "$out" "rebel-base --bogus message"

# The x-wing image's default command is `xwing serve`: it answers /healthz, read-only.
docker network create "$CT_ID-net" >/dev/null
docker run -d --name "$CT_ID-xw" --network "$CT_ID-net" "${CT_SECURE[@]}" "$xw" >/dev/null
ip=$(ct_ip "$CT_ID-xw" "$CT_ID-net")
ct_wait_http "http://$ip:8080/healthz"
note "x-wing serve (default CMD) answers /healthz on $ip:8080"
