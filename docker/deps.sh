#!/bin/sh
# Build stage dependencies for the static images (runs inside the Dockerfiles' `deps` stage).
# Fetches Debian's own patched sources of libmicrohttpd, curl, cJSON and mimalloc with `apt-get source`
# and builds them as static musl archives under $PREFIX, with only what an in-cluster HTTP
# workload needs: no TLS, no compression, no IDN/PSL/LDAP, HTTP as the only protocol.
# Both Dockerfiles COPY and RUN this same file, so Docker's layer cache builds it once per
# target architecture.
#
# TARGETARCH (Docker's name, amd64 or arm64; BuildKit sets it, docker/build.sh passes it to
# the classic builder, empty means this machine) picks the target. Another architecture is
# cross-compiled: Debian's cross gcc with the target's musl from multiarch (musl-dev:ARCH and
# its musl-gcc.specs), so the build stage always runs at native speed. It also installs the
# tools the Dockerfiles' build stage uses whatever the target: target-cc and target-strip in
# $PREFIX/bin, and $PREFIX/target.env for docker/target-check.sh.
set -eu
PREFIX=${PREFIX:-/opt/static}
SUITE=${SUITE:-bookworm}
MIRROR=${MIRROR:-http://deb.debian.org/debian}
export DEBIAN_FRONTEND=noninteractive
jobs=$(nproc)

build_arch=$(dpkg --print-architecture)
target=${TARGETARCH:-$build_arch}
case $target in
amd64) gnu=x86_64-linux-gnu file_arch=x86-64 ;;
arm64) gnu=aarch64-linux-gnu file_arch='ARM aarch64' ;;
*) echo "deps: TARGETARCH '$target' is not supported (amd64 or arm64)" >&2; exit 1 ;;
esac
musl_lib=/usr/lib/${gnu%-gnu}-musl
pkgs="gcc make musl-tools pkg-config file dpkg-dev xz-utils bzip2 ca-certificates binutils"
if [ "$target" = "$build_arch" ]; then
    cross=0 host_flag='' CC=musl-gcc AR=ar STRIP=strip
else
    dashed=$(echo "$gnu" | tr _ -)
    cross=1 host_flag=--host=$gnu CC=$PREFIX/bin/target-cc AR=$gnu-ar STRIP=$gnu-strip
    pkgs="$pkgs gcc-$dashed binutils-$dashed musl-dev:$target"
    dpkg --add-architecture "$target"
fi
echo "deps: target $target on $build_arch (cross=$cross)"

# MHD_SUITE: libmicrohttpd's source from another Debian release (e.g. trixie's 1.0).
MHD_SUITE=${MHD_SUITE:-$SUITE}
{
    echo "deb-src $MIRROR $SUITE main"
    [ "$MHD_SUITE" = "$SUITE" ] || echo "deb-src $MIRROR $MHD_SUITE main"
} >/etc/apt/sources.list.d/deps-src.list
apt-get update -qq
# shellcheck disable=SC2086 # pkgs is a list of packages
apt-get install -y -qq --no-install-recommends $pkgs >/dev/null

# The build stage's tools, the same names for every target.
mkdir -p "$PREFIX/bin"
if [ "$cross" = 1 ]; then
    # What musl-tools' musl-gcc does for the build machine, with the cross gcc and the
    # target's specs (its headers, crt files and libc.a).
    printf '#!/bin/sh\nexec %s-gcc "$@" -specs %s/musl-gcc.specs\n' "$gnu" "$musl_lib" >"$PREFIX/bin/target-cc"
else
    printf '#!/bin/sh\nexec musl-gcc "$@"\n' >"$PREFIX/bin/target-cc"
fi
printf '#!/bin/sh\nexec %s "$@"\n' "$STRIP" >"$PREFIX/bin/target-strip"
printf 'target=%s\nfile_arch="%s"\ncross=%s\n' "$target" "$file_arch" "$cross" >"$PREFIX/target.env"
chmod 0755 "$PREFIX/bin/target-cc" "$PREFIX/bin/target-strip"

src=/usr/local/src/deps
mkdir -p "$src" "$PREFIX/lib/pkgconfig" "$PREFIX/include"
cd "$src"
srcs="libmicrohttpd/$MHD_SUITE curl/$SUITE cjson/$SUITE mimalloc/$SUITE"
# shellcheck disable=SC2086 # srcs is a list of packages
apt-get source -qq $srcs >/dev/null 2>&1 || apt-get source $srcs
echo "deps: Debian sources:" ./*/
export CC CFLAGS="${DEPS_OPT:--Os} -fPIE -ffunction-sections -fdata-sections -fstack-protector-strong"

# libmicrohttpd: HTTP/1.1 server core only.
cd "$src"/libmicrohttpd-*/
# shellcheck disable=SC2086 # host_flag is empty or one flag
./configure -q $host_flag --prefix="$PREFIX" --disable-shared --enable-static --with-pic \
    --disable-https --without-gnutls --disable-doc --disable-examples --disable-curl \
    --disable-dauth --disable-bauth --disable-postprocessor --disable-httpupgrade \
    --enable-itc=pipe --with-threads=posix
make -s -j"$jobs" -C src/microhttpd >/dev/null
make -s -C src/microhttpd install >/dev/null
install -m 0644 src/include/microhttpd.h "$PREFIX/include/"
install -m 0644 libmicrohttpd.pc "$PREFIX/lib/pkgconfig/"

# curl: HTTP only, no TLS; musl's getaddrinfo works statically (reads /etc/hosts, /etc/resolv.conf)
# and the threaded resolver keeps --timeout honest during lookups.
cd "$src"/curl-*/
# shellcheck disable=SC2086 # host_flag is empty or one flag
./configure -q $host_flag --prefix="$PREFIX" --disable-shared --enable-static --with-pic \
    --without-ssl --without-zlib --without-brotli --without-zstd --without-libidn2 \
    --without-libpsl --without-librtmp --without-libssh2 --without-libssh --without-nghttp2 \
    --without-ngtcp2 --without-nghttp3 --without-hyper --without-gssapi --without-libgsasl \
    --without-ca-bundle --without-ca-path --without-ca-fallback \
    --disable-ldap --disable-ldaps --disable-rtsp --disable-dict --disable-telnet --disable-tftp \
    --disable-pop3 --disable-imap --disable-smb --disable-smtp --disable-gopher --disable-mqtt \
    --disable-ftp --disable-file --disable-manual --disable-ntlm --disable-ntlm-wb \
    --disable-alt-svc --disable-hsts --disable-cookies --disable-mime --disable-netrc \
    --disable-dateparse --disable-progress-meter --disable-doh --disable-websockets \
    --enable-threaded-resolver
make -s -j"$jobs" -C lib >/dev/null
make -s -C lib install >/dev/null
make -s -C include install >/dev/null
install -m 0644 libcurl.pc "$PREFIX/lib/pkgconfig/"

# cJSON: one file; installed the way Debian's libcjson-dev lays it out.
cd "$src"/cjson-*/
# shellcheck disable=SC2086 # CFLAGS is a list of flags
"$CC" $CFLAGS -c cJSON.c -o cJSON.o
"$AR" rcs "$PREFIX/lib/libcjson.a" cJSON.o
mkdir -p "$PREFIX/include/cjson"
install -m 0644 cJSON.h "$PREFIX/include/cjson/"
cat >"$PREFIX/lib/pkgconfig/libcjson.pc" <<PC
libdir=$PREFIX/lib
includedir=$PREFIX/include

Name: libcjson
Version: $(dpkg-parsechangelog -S Version -l debian/changelog | cut -d- -f1)
Description: Ultralightweight JSON parser in ANSI C
Libs: -L\${libdir} -lcjson
Libs.private: -lm
Cflags: -I\${includedir} -I\${includedir}/cjson
PC

# mimalloc, as one object that replaces musl's malloc in the static link (the Makefile's
# STATIC_MALLOC). musl's mallocng returns an emptied group to the kernel at once, so each
# new connection cost a madvise plus about half an mmap/munmap pair (strace -c): 37 vs 24
# CPU µs per new-connection request for rebel-base, 66 vs 49 µs for xwing (README).
cd "$src"/mimalloc-*/
"$CC" -O2 -DNDEBUG -DMI_MALLOC_OVERRIDE -DMI_STATIC_LIB -Iinclude -c src/static.c \
    -o "$PREFIX/lib/mimalloc.o"

rm -rf "$src"
apt-get purge -y -qq dpkg-dev >/dev/null 2>&1 || true
echo "deps: built into $PREFIX:"
ls -l "$PREFIX/lib"
