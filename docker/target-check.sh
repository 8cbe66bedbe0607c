#!/bin/sh
# shellcheck disable=SC1091,SC2154 # target.env (written by docker/deps.sh) sets target, file_arch, cross
# target-check.sh BINARY: the build stage's last word on a binary. It must be a static ELF for
# the target docker/deps.sh built for ($PREFIX/target.env) and print its --version. A cross
# build runs it only where an emulator is registered (binfmt_misc); where none is, the exec
# fails with 126 or 127 and the file check stands alone (tests/integration/t_container_arm64.sh
# runs the binaries under qemu).
set -eu
. "${PREFIX:-/opt/static}/target.env"
info=$(file -b "$1")
case $info in
*"$file_arch"*"statically linked"*) ;;
*) echo "target-check: $1 is not a static $target binary: $info" >&2; exit 1 ;;
esac
rc=0
out=$("$1" --version 2>&1) || rc=$?
[ "$rc" = 0 ] && { echo "$out"; exit 0; }
if [ "$cross" = 1 ] && { [ "$rc" = 126 ] || [ "$rc" = 127 ]; }; then
    echo "target-check: $1 is a static $target binary (not run: no emulator for $target here)"
    exit 0
fi
echo "target-check: $1 --version failed (exit $rc): $out" >&2
exit 1
