#!/usr/bin/env bash
# k8s/cluster/host-prep.sh does only what the host lacks and says what it changed:
# without CAP_SYS_RESOURCE in the bounding set it installs runc-nosysres as dockerd's default
# runtime (merging into an existing daemon.json) and raises low inotify limits; a second
# run, and a host that lacks nothing, change nothing. --check changes nothing.
# All on files under $TMP (RBXW_* settings), never this host's.
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"
command -v jq >/dev/null || skip "jq not installed (make deps)"
H=$ROOT/k8s/cluster/host-prep.sh
mkdir -p "$TMP/sys/fs/inotify"
export RBXW_WRAPPER_PATH=$TMP/libexec/runc-nosysres RBXW_DAEMON_JSON=$TMP/docker/daemon.json \
    RBXW_PROC_STATUS=$TMP/status RBXW_SYSCTL_DIR=$TMP/sys
# No dockerd to restart here: PATH without pgrep/systemctl answering for this host.
mkdir -p "$TMP/bin"; printf '#!/bin/sh\nexit 1\n' >"$TMP/bin/pgrep"; cp "$TMP/bin/pgrep" "$TMP/bin/systemctl"
chmod +x "$TMP/bin/"*; export PATH=$TMP/bin:$PATH
limits() { echo "$1" >"$TMP/sys/fs/inotify/max_user_instances"; echo "$2" >"$TMP/sys/fs/inotify/max_user_watches"; }

# A host with every capability and high limits: nothing.
printf 'Name:\tx\nCapBnd:\t000001ffffffffff\n' >"$TMP/status"; limits 8192 1048576
out=$(bash "$H") || fail "host-prep failed: $out"
assert_eq "host-prep: nothing to change" "$out" "a host that lacks nothing"
[ ! -e "$RBXW_DAEMON_JSON" ] || fail "daemon.json written on a host that has the capability"

# This VM's bounding set (0x1fffeffffff: all but bit 24), low limits, an existing daemon.json.
printf 'Name:\tx\nCapBnd:\t000001fffeffffff\n' >"$TMP/status"; limits 128 8192
mkdir -p "$TMP/docker"; echo '{"log-level":"warn"}' >"$RBXW_DAEMON_JSON"
out=$(bash "$H" --check) || fail "--check failed: $out"
assert_match "would .*CAP_SYS_RESOURCE" "$out" "--check names the wrapper"
assert_match "would raise fs.inotify.max_user_instances from 128 to 512" "$out" "--check names the limit"
assert_eq '{"log-level":"warn"}' "$(cat "$RBXW_DAEMON_JSON")" "--check left daemon.json alone"
assert_eq 128 "$(cat "$TMP/sys/fs/inotify/max_user_instances")" "--check left the limit alone"

out=$(bash "$H") || fail "host-prep failed: $out"
assert_match "runc-nosysres becomes dockerd's default runtime" "$out" "the change is said"
assert_eq '{"log-level":"warn","runtimes":{"runc-nosysres":{"path":"'"$RBXW_WRAPPER_PATH"'"}},"default-runtime":"runc-nosysres"}' \
    "$(jq -c . "$RBXW_DAEMON_JSON")" "daemon.json keeps its keys and names the wrapper"
cmp -s "$ROOT/k8s/cluster/runc-nosysres" "$RBXW_WRAPPER_PATH" || fail "the wrapper was not installed"
assert_eq 512 "$(cat "$TMP/sys/fs/inotify/max_user_instances")" "instances raised"
assert_eq 524288 "$(cat "$TMP/sys/fs/inotify/max_user_watches")" "watches raised"

out=$(bash "$H") || fail "second run failed: $out"
assert_eq "host-prep: nothing to change" "$out" "a second run"
echo "ok: host-prep changes only what is missing, once"
