#!/usr/bin/env bash
# `make e2e`: the whole lab for real, offline: k8s/lab.sh up, then k8s/lab.sh steps with
# LAB_MCSAPI=1 (step 11 included), on two kind clusters made from the node image of
# `make cluster-tools`, with the Cilium built there (chart directory, local images,
# rbxw-certgen, no Envoy, no Hubble UI: see k8s/cluster/README.md).
# The clusters stay up; `k8s/lab.sh teardown` deletes them.
# Settings: E2E_WORKERS (workers per cluster, 0 here: see README), KIND_NODE_IMAGE,
# and every setting of lab.sh (CHECK_TRIES, ...).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
# shellcheck source=versions.env
. "$here/versions.env"
# shellcheck source=kind-config.sh
. "$here/kind-config.sh"
CACHE=${RBXW_CLUSTER_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/rbxw-cluster}
WORKERS=${E2E_WORKERS:-0}
OUT=$root/build/e2e
case $WORKERS in '' | *[!0-9]*) echo "e2e: E2E_WORKERS must be a whole number" >&2; exit 2 ;; esac

die() { echo "e2e: $*" >&2; exit 1; }

# kind_config NAME: k8s/kind/NAME.yaml with WORKERS workers and the pinned CoreDNS.
kind_config() {
	grep -v -e '^- role: worker$' "$root/k8s/kind/$1.yaml"
	kind_config_tail "$WORKERS"
}

setup() {
	local c
	[ -s "$CACHE/node-image" ] || die "no node image: run make cluster-tools"
	[ -s "$CACHE/cilium-helm-flags" ] || die "no Cilium build: run make cluster-tools"
	mkdir -p "$OUT/kind"
	for c in koornacht tion; do kind_config "$c" >"$OUT/kind/$c.yaml"; done
	PATH=$CACHE/bin/kind-$KIND_VERSION:$CACHE/bin/cilium-$CILIUM_VERSION:$PATH
	export PATH KIND_NODE_IMAGE=${KIND_NODE_IMAGE:-$(cat "$CACHE/node-image")}
	export CILIUM_CHART_DIR=$CACHE/charts/cilium-$CILIUM_VERSION
	# lab.sh's CILIUM_VERSION has no v (1.19.0); the pins have one.
	export CILIUM_VERSION=${CILIUM_VERSION#v} LAB_MCSAPI=1 LAB_HUBBLE_UI=0
	export CILIUM_HELM_FLAGS_FILE=$CACHE/cilium-helm-flags LAB_KIND_CONFIG_DIR=$OUT/kind
}

case ${1:-run} in
config) kind_config "${2:-koornacht}"; exit 0 ;;
run) ;;
*) echo "usage: e2e.sh [run | config CLUSTER]" >&2; exit 2 ;;
esac
setup
t=$SECONDS
bash "$root/k8s/lab.sh" up 2>&1 | tee "$OUT/up.log"
up_s=$((SECONDS - t))
t=$SECONDS
rc=0
bash "$root/k8s/lab.sh" steps 2>&1 | tee "$OUT/steps.log" || rc=$?
steps_s=$((SECONDS - t))
# A step passes when it has a PASS line and no FAIL line ("PASS 7b. what", "FAIL 7b. what");
# one that printed neither (skipped) does not. The steps are lab.sh's own list.
ids=$(sed -n 's/^step_ids="\(.*\)"$/\1/p' "$root/k8s/lab.sh")
read -r pass total < <(awk -v ids="$ids" '/^(PASS|FAIL) [0-9]+[a-z]*\./ { id = $2; sub(/\.$/, "", id)
		seen[id] = 1; if ($1 == "FAIL") bad[id] = 1 }
	END { t = split(ids, want, " "); n = 0
		for (i = 1; i <= t; i++) if ((want[i] in seen) && !(want[i] in bad)) n++
		print n, t }' "$OUT/steps.log")
fail=$((total - pass))
kv=$(kubectl --context kind-koornacht version -o json | jq -r .serverVersion.gitVersion)
cv=$(kubectl --context kind-koornacht -n kube-system get ds cilium \
	-o jsonpath='{.spec.template.spec.containers[0].image}')
echo "e2e: up took ${up_s} s, steps ${steps_s} s; nodes: $(docker stats --no-stream \
	--format '{{.Name}} {{.MemUsage}} {{.CPUPerc}}' | grep -E '^(koornacht|tion)-' | tr '\n' ';')"
echo "e2e: $pass of $total steps passed on kind $KIND_VERSION, Kubernetes $kv, Cilium $CILIUM_VERSION ($cv)"
[ "$rc" = 0 ] && [ "$fail" = 0 ] && [ "$pass" -gt 0 ]
