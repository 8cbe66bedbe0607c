#!/usr/bin/env bash
# Makes sure a Docker engine answers, for the real-container scenarios of `make test`.
#   - it answers already (systemd, Docker Desktop, a CI service): nothing to do;
#   - docker.io is installed but nothing runs it (a fresh machine or container without a
#     service manager): start `dockerd` in the background as root, log to
#     ${DOCKERD_LOG:-/tmp/rbxw-dockerd.log}, and wait up to 60 s for it to answer;
#   - not root, or no dockerd: say why and exit 1 (the container scenarios then SKIP
#     loudly, or FAIL when CI=true).
# The engine started here keeps running after the tests; stop it with `pkill dockerd`.
set -uo pipefail
log=${DOCKERD_LOG:-/tmp/rbxw-dockerd.log}

answers() { docker info >/dev/null 2>&1; }

if ! command -v docker >/dev/null; then
    echo "docker-up: no docker CLI (run make deps)" >&2
    exit 1
fi
answers && exit 0
if ! command -v dockerd >/dev/null; then
    echo "docker-up: the Docker engine does not answer and dockerd is not installed (run make deps)" >&2
    exit 1
fi
if [ "$(id -u)" != 0 ]; then
    echo "docker-up: the Docker engine does not answer; start it (e.g. sudo systemctl start docker)," \
        "or run as root and this script starts dockerd itself" >&2
    exit 1
fi
start_engine() {
    echo "docker-up: no service manager runs Docker here: starting dockerd (log: $log)"
    # setsid: the engine must not die with the make or terminal that started it.
    setsid nohup dockerd >"$log" 2>&1 </dev/null &
    started=1
}
started=0
if pgrep -x dockerd >/dev/null; then
    echo "docker-up: dockerd runs but does not answer yet; waiting"
else
    start_engine
fi
start=$(date +%s)
until answers; do
    # The dockerd waited for was on its way out (just stopped): start one of our own.
    if [ "$started" = 0 ] && ! pgrep -x dockerd >/dev/null; then
        start_engine
        start=$(date +%s)
    fi
    if (($(date +%s) - start > 60)); then
        echo "docker-up: dockerd did not answer within 60 s; the tail of $log:" >&2
        tail -20 "$log" >&2
        exit 1
    fi
    sleep 0.2
done
echo "docker-up: dockerd answers after $(($(date +%s) - start)) s"
