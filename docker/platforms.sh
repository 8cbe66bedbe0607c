# shellcheck shell=bash
# The platforms docker/build.sh and docker/archive.sh build for, and the tags they use.
# Source it (bash); needs `docker`.
#
# The engine's own architecture keeps the plain tag, NAME:VERSION, as it always had: that is
# what the manifests and `make kind-load` use, and what `docker run` runs without emulation.
# Any other architecture is NAME:VERSION-ARCH (rebel-base:0.1.0-arm64), so building one
# never replaces the other.

# The engine's architecture in Docker's naming (amd64, arm64): what it runs natively.
engine_arch() {
    [ -n "${ENGINE_ARCH:-}" ] || ENGINE_ARCH=$(docker version --format '{{.Server.Arch}}')
    echo "$ENGINE_ARCH"
}

# The architectures in a PLATFORM list ("linux/amd64,linux/arm64"), one a line, each once;
# an empty list is the engine's own. Fails naming an entry it cannot build.
platform_archs() { # platform_archs LIST
    local list=${1:-linux/$(engine_arch)} p seen=" "
    for p in ${list//,/ }; do
        case $p in
        linux/amd64 | linux/arm64) p=${p#linux/} ;;
        linux/arm64/v8) p=arm64 ;;
        *)
            echo "platforms: cannot build for '$p': PLATFORM takes linux/amd64, linux/arm64 or both, comma-separated" >&2
            return 1
            ;;
        esac
        [[ $seen == *" $p "* ]] || { echo "$p"; seen+="$p "; }
    done
}

image_tag() { # image_tag NAME VERSION ARCH: NAME:VERSION on the engine's architecture, else NAME:VERSION-ARCH
    if [ "$3" = "$(engine_arch)" ]; then echo "$1:$2"; else echo "$1:$2-$3"; fi
}
