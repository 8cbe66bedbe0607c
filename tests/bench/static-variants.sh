#!/usr/bin/env bash
# Builds the static binaries the images ship, and variants of their recipe, for
# `make bench` to compare side by side (RB_EXTRA / XW_EXTRA):
#   os-bookworm  the images' recipe: Debian 12's sources, -Os
#   o2-bookworm  the same sources at -O2
#   os-mhd1      libmicrohttpd 1.0.1 from Debian 13 (trixie), -Os
#   o2-mhd1      the same at -O2
# Each runs docker/deps.sh and the Makefile's STATIC=1 build in a throwaway
# debian:bookworm-slim container (docker/base-image.sh makes it), as the
# Dockerfiles do. Binaries are left unstripped, so callgrind can name functions.
#   tests/bench/static-variants.sh [OUT]   (default build/static-variants)
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
out=$(mkdir -p "${1:-$root/build/static-variants}" && cd "${1:-$root/build/static-variants}" && pwd)
command -v docker >/dev/null || { echo "static-variants: docker not found" >&2; exit 1; }
bash "$root/docker/base-image.sh" debian:bookworm-slim >/dev/null

build() { # build NAME MHD_SUITE OPT
    local dir=$out/$1
    mkdir -p "$dir"
    echo "static-variants: $1 (libmicrohttpd from $2, $3)"
    tar -C "$root" -c Makefile VERSION common rebel-base x-wing docker |
        docker run --rm -i -v "$dir":/out -e MHD_SUITE="$2" -e DEPS_OPT="$3" debian:bookworm-slim sh -c '
        set -e
        mkdir /src && tar -C /src -x && cd /src
        sh docker/deps.sh >/out/deps.log 2>&1 || { tail -20 /out/deps.log; exit 1; }
        export PKG_CONFIG_LIBDIR=/opt/static/lib/pkgconfig
        make STATIC=1 CC=/opt/static/bin/target-cc STATIC_MALLOC=/opt/static/lib/mimalloc.o \
            BUILD=/tmp/build /tmp/build/bin/rebel-base /tmp/build/bin/xwing >/out/make.log 2>&1
        cp /tmp/build/bin/rebel-base /tmp/build/bin/xwing /out/
        grep -h "^Name\|^Version" /opt/static/lib/pkgconfig/*.pc | paste - - >/out/libs.txt'
}
names=()
for v in "os-bookworm bookworm -Os" "o2-bookworm bookworm -O2" "os-mhd1 trixie -Os" "o2-mhd1 trixie -O2"; do
    read -r name suite opt <<<"$v"
    build "$name" "$suite" "$opt"
    names+=("$name")
done
rb="" xw=""
for n in "${names[@]}"; do rb+="${rb:+;}$n=$out/$n/rebel-base" xw+="${xw:+;}$n=$out/$n/xwing"; done
echo "static-variants: built in $out"
echo "compare: make bench ONLY=rebel_base RB_EXTRA='$rb'"
echo "         make bench ONLY=bench_xwing XW_EXTRA='$xw'"
