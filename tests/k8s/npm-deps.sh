#!/usr/bin/env bash
# Installs the npm packages the schema test needs (kubernetes-models and
# @kubernetes-models/cilium) into tests/k8s/node_modules, exactly as package-lock.json
# pins them (`npm ci`: versions and integrity hashes). Idempotent and quick when done:
# a stamp records the lock file's digest. Scenarios running side by side take a lock, so
# only one of them installs. Called by tests/deps.sh (`make deps`) and by the scenarios.
set -euo pipefail
dir=$(cd "$(dirname "$0")" && pwd)
stamp=$dir/node_modules/.rbxw-lock-digest
want=$(cksum <"$dir/package-lock.json")
current() { [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ]; }
current && exit 0
for tool in node npm; do
    command -v "$tool" >/dev/null || {
        echo "npm-deps: $tool not found: run 'make deps' (it installs nodejs and npm)" >&2
        exit 1
    }
done
exec 9>"$dir/.npm-lock"
flock 9
current && exit 0
echo "npm-deps: installing the pinned schema packages into $dir/node_modules"
# The packages declare node >= 22 but run on Debian's and NodeSource's 20 (the schema test
# proves it on every run); --engine-strict=false keeps npm from refusing.
(cd "$dir" && npm ci --no-audit --no-fund --engine-strict=false --loglevel=error)
printf '%s\n' "$want" >"$stamp"
