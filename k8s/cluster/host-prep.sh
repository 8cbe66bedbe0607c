#!/usr/bin/env bash
# Prepares this host for kind, doing only what it lacks, and says what it changed:
#   - a capability bounding set without CAP_SYS_RESOURCE (some VMs): kind's --privileged
#     node containers fail to start ("unable to apply caps"), so the runc wrapper
#     runc-nosysres becomes dockerd's default runtime (/etc/docker/daemon.json), and a
#     dockerd already running is restarted to take it;
#   - inotify limits below kind's known-issues values (512 instances, 524288 watches).
# A host that needs nothing is left untouched. Needs root for any change.
# Usage: host-prep.sh [--check]   (--check: print what would change, change nothing)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
check=0; [ "${1:-}" = --check ] && check=1
WRAPPER=${RBXW_WRAPPER_PATH:-/usr/local/libexec/rbxw/runc-nosysres}
DAEMON_JSON=${RBXW_DAEMON_JSON:-/etc/docker/daemon.json}
STATUS=${RBXW_PROC_STATUS:-/proc/self/status}
SYSCTL_DIR=${RBXW_SYSCTL_DIR:-/proc/sys}
changed=0

say() { echo "host-prep: $*"; }
do_or_say() { # do_or_say WHAT CMD...: run CMD, or only name WHAT with --check
	changed=1
	if [ "$check" = 1 ]; then say "would $1"; else say "$1"; shift; "$@"; fi
}

# has_sys_resource: bit 24 of CapBnd (CAP_SYS_RESOURCE, linux/capability.h).
has_sys_resource() {
	local bnd
	bnd=$(sed -n 's/^CapBnd:[[:space:]]*//p' "$STATUS")
	(( (16#$bnd >> 24) & 1 ))
}

install_wrapper() {
	install -D -m 0755 "$here/runc-nosysres" "$WRAPPER"
	local cur='{}'
	[ -s "$DAEMON_JSON" ] && cur=$(cat "$DAEMON_JSON")
	mkdir -p "$(dirname "$DAEMON_JSON")"
	jq --arg p "$WRAPPER" '.runtimes["runc-nosysres"] = {path: $p}
		| ."default-runtime" = "runc-nosysres"' <<<"$cur" >"$DAEMON_JSON.tmp"
	mv "$DAEMON_JSON.tmp" "$DAEMON_JSON"
	restart_dockerd
}

wrapper_configured() {
	[ -x "$WRAPPER" ] && cmp -s "$here/runc-nosysres" "$WRAPPER" &&
		[ "$(jq -r '."default-runtime" // ""' "$DAEMON_JSON" 2>/dev/null)" = runc-nosysres ]
}

# A running dockerd reads daemon.json only at start.
restart_dockerd() {
	if command -v systemctl >/dev/null && systemctl is-active -q docker 2>/dev/null; then
		systemctl restart docker
	elif pgrep -x dockerd >/dev/null; then
		pkill -x dockerd
		local end=$((SECONDS + 30))
		while pgrep -x dockerd >/dev/null; do
			((SECONDS < end)) || { say "dockerd did not stop in 30 s" >&2; return 1; }
			sleep 0.2
		done
		bash "$here/../../tests/docker-up.sh"
	fi
}

# raise_sysctl NAME MIN: set /proc/sys/NAME to MIN when lower.
raise_sysctl() {
	local f=$SYSCTL_DIR/${1//.//} cur
	cur=$(cat "$f")
	((cur >= $2)) && return 0
	do_or_say "raise $1 from $cur to $2" sh -c "echo $2 >'$f'"
}

if has_sys_resource; then
	:
elif ! wrapper_configured; then
	do_or_say "the bounding set lacks CAP_SYS_RESOURCE: runc-nosysres becomes dockerd's default runtime ($DAEMON_JSON)" install_wrapper
fi
raise_sysctl fs.inotify.max_user_instances 512
raise_sysctl fs.inotify.max_user_watches 524288
[ "$changed" = 1 ] || say "nothing to change"
