# Helpers for the real-container scenarios (tests/integration/t_container_*.sh); source after lib.sh.
# Every container and network is named $CT_ID-... and removed on exit.

# Skips loudly when Docker cannot run here; in CI (CI=true) that is a failure instead.
ct_require_docker() {
    local why=
    if ! command -v docker >/dev/null; then
        why="docker is not installed"
    elif ! docker info >/dev/null 2>&1; then
        why="the Docker engine does not answer (is dockerd running?)"
    fi
    if [ -z "$why" ]; then
        ct_sweep
        return 0
    fi
    if [ "${CI:-}" = true ]; then
        fail "$why, and CI=true: the container tests must run in CI"
    fi
    echo "************************************************************" >&2
    echo "SKIP: $why: the real-container tests did NOT run" >&2
    echo "************************************************************" >&2
    exit 77
}

# Containers and networks that a killed scenario could not remove (a time limit's KILL
# or a second Ctrl-C): their names carry the scenario's pid, so those of dead scenarios go.
ct_sweep() {
    local name pid
    {
        docker ps -a --format 'container {{.Names}}' --filter name='^rbxw-'
        docker network ls --format 'network {{.Name}}' --filter name='^rbxw-'
    } 2>/dev/null | while read -r kind name; do
        pid=${name#rbxw-}
        pid=${pid%%-*}
        [ -n "$pid" ] && [ ! -d "/proc/$pid" ] || continue
        if [ "$kind" = container ]; then docker rm -f "$name"; else docker network rm "$name"; fi >/dev/null 2>&1 || true
    done
}

CT_VERSION=$(cat "$ROOT/VERSION")
CT_ID="rbxw-$$-$RANDOM"
# The options every container of ours runs with, as the manifests' restricted pods do.
# shellcheck disable=SC2034 # used by the scenarios that source this
CT_SECURE=(--read-only --cap-drop ALL --user 65532 --security-opt no-new-privileges)

ct_cleanup() {
    local ids
    mapfile -t ids < <(docker ps -aq --filter "name=^$CT_ID-" 2>/dev/null)
    [ "${#ids[@]}" -eq 0 ] || docker rm -f "${ids[@]}" >/dev/null 2>&1 || true
    mapfile -t ids < <(docker network ls -q --filter "name=^$CT_ID-" 2>/dev/null)
    [ "${#ids[@]}" -eq 0 ] || docker network rm "${ids[@]}" >/dev/null 2>&1 || true
    cleanup
}
trap ct_cleanup EXIT

# Builds both images (docker/build.sh keeps them when their sources are unchanged).
ct_images() {
    bash "$ROOT/docker/build.sh" "$CT_VERSION" || fail "docker/build.sh failed"
}

ct_size() { docker image inspect --format '{{.Size}}' "$1"; }

# The IPv4 address of a container on a network.
ct_ip() { # ct_ip CONTAINER NETWORK
    docker inspect --format "{{(index .NetworkSettings.Networks \"$2\").IPAddress}}" "$1"
}

# Waits until URL answers CODE (default 200), at most SECS (default 15), from the host.
ct_wait_http() { wait_http "$1" "${2:-200}" "${3:-15}"; }
