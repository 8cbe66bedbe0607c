#!/usr/bin/env bash
# Installs the Debian packages that building, testing and benchmarking need.
# Idempotent: packages already installed are left alone and apt is not touched. Also
# universalmutator for make mutate (tests/mutate/install.sh), pinned, in a venv.
set -euo pipefail
pkgs=(
    build-essential pkg-config clang libclang-rt-dev   # gcc, and clang for libFuzzer
    libmicrohttpd-dev libcjson-dev libcurl4-openssl-dev libcmocka-dev
    curl jq python3 python3-yaml python3-venv bc procps iproute2 valgrind strace stress-ng
    nginx-light wrk hey apache2-utils gnuplot-nox time linux-perf # benchmark anchors, make bench-plot, peak RSS, syscall counts
    docker.io debootstrap musl-tools shellcheck        # images and their tests
    qemu-user-static                                   # runs the arm64 images' binaries (t_container_arm64)
    ca-certificates xz-utils                           # docker.io recommends them
    nodejs busybox                                     # k8s schema test (tests/k8s/npm-deps.sh), lab.sh dry run on busybox
    prometheus                                         # promtool and a real Prometheus (t_xw_probe*)
)
# NodeSource's nodejs brings its own npm (and conflicts with Debian's); Debian's nodejs needs the npm package.
command -v npm >/dev/null || pkgs+=(npm)
missing=()
for p in "${pkgs[@]}"; do
    [[ "$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null)" == *'ok installed' ]] || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
    echo "deps: all ${#pkgs[@]} packages present"
else
    SUDO=; [ "$(id -u)" = 0 ] || SUDO=sudo
    echo "deps: installing ${missing[*]}"
    $SUDO apt-get update -q
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q --no-install-recommends "${missing[@]}"
fi
# make mutate's universalmutator, pinned, in a venv of its own. Only make mutate needs it (not
# make test nor CI), so a registry that does not answer is a warning here; make mutate then
# says what is missing.
bash "$(dirname "$0")/mutate/install.sh" ||
    echo "deps: WARNING: universalmutator was not installed; make mutate needs it (tests/mutate/install.sh)" >&2
