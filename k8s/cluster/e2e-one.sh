#!/usr/bin/env bash
# `make e2e-one`: one real kind cluster with kindnet, made from the offline node image of
# `make cluster-tools`, running our images with the mission's commands verbatim:
#   kind load docker-image ... ; kubectl apply -k k8s/koornacht ;
#   kubectl exec x-wing -- xwing -n 10 rebel-base
# then checks what only a real cluster can show (live reload through the kubelet's ..data
# swap, a rollout restart under load, probes gating traffic, Pod Security "restricted").
# The cluster stays up; `e2e-one.sh teardown` (make e2e-teardown) deletes it.
# Settings: E2E_CLUSTER (rbxw-one), E2E_WORKERS (0), KIND_NODE_IMAGE (the cached one),
# E2E_TIMEOUT (180 s per wait).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
# shellcheck source=versions.env
. "$here/versions.env"
# shellcheck source=kind-config.sh
. "$here/kind-config.sh"
CACHE=${RBXW_CLUSTER_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/rbxw-cluster}
NAME=${E2E_CLUSTER:-rbxw-one}
WORKERS=${E2E_WORKERS:-0}
TIMEOUT=${E2E_TIMEOUT:-180}
VERSION=$(cat "$root/VERSION")
# The cached kind and kubectl first, so `kind` below is the pinned one.
[ -d "$CACHE/bin/kind-$KIND_VERSION" ] && PATH=$CACHE/bin/kind-$KIND_VERSION:$PATH
export PATH
NODE_IMAGE=${KIND_NODE_IMAGE:-$(cat "$CACHE/node-image" 2>/dev/null || true)}
K=(kubectl --context "kind-$NAME")
passed=0 failed=0

say() { echo "e2e-one: $*"; }
die() { echo "e2e-one: $*" >&2; exit 1; }
ok() { passed=$((passed + 1)); echo "ok $((passed + failed)) - $*"; }
not_ok() { failed=$((failed + 1)); echo "FAIL $((passed + failed)) - $*"; }
# check DESCRIPTION CMD...: one numbered check.
check() { local d=$1; shift; if "$@"; then ok "$d"; else not_ok "$d"; fi; }

# poll SECONDS CMD...: CMD until it succeeds or SECONDS pass.
poll() {
	local end=$((SECONDS + $1)); shift
	until "$@" >/dev/null 2>&1; do ((SECONDS < end)) || return 1; sleep 1; done
}

cluster_config() {
	echo "apiVersion: kind.x-k8s.io/v1alpha4"
	echo "kind: Cluster"
	echo "nodes:"
	echo "- role: control-plane"
	kind_config_tail "$WORKERS"
}

up() {
	if grep -qx "$NAME" <<<"$(kind get clusters 2>/dev/null)"; then
		say "cluster $NAME exists: reusing it"; return 0
	fi
	[ -n "$NODE_IMAGE" ] || die "no node image: run make cluster-tools (or set KIND_NODE_IMAGE)"
	say "creating cluster $NAME from $NODE_IMAGE"
	local t=$SECONDS
	cluster_config | kind create cluster --name "$NAME" --image "$NODE_IMAGE" --config - \
		--wait "${TIMEOUT}s"
	say "cluster created in $((SECONDS - t)) s"
}

# The mission's first command, verbatim, then proof the node has the images.
load_images() {
	kind load docker-image "rebel-base:$VERSION" "x-wing:$VERSION" --name "$NAME" &&
		grep -q "rebel-base .*$VERSION" <<<"$(docker exec "$NAME-control-plane" crictl images)"
}

# Pod Security "restricted", enforced: a privileged pod is refused by the API server.
restricted() {
	"${K[@]}" label --overwrite ns default pod-security.kubernetes.io/enforce=restricted \
		pod-security.kubernetes.io/enforce-version=latest >/dev/null
	local out
	out=$("${K[@]}" run psa-probe --image="x-wing:$VERSION" --restart=Never \
		--overrides='{"spec":{"containers":[{"name":"p","image":"x-wing:'"$VERSION"'","securityContext":{"privileged":true}}]}}' \
		--dry-run=server -o name 2>&1) && return 1
	grep -q 'violates PodSecurity "restricted' <<<"$out"
}

apply_app() {
	(cd "$root" && "${K[@]}" apply -k k8s/koornacht) &&
		"${K[@]}" rollout status deploy/rebel-base --timeout="${TIMEOUT}s" &&
		"${K[@]}" rollout status deploy/x-wing --timeout="${TIMEOUT}s" &&
		"${K[@]}" wait --for=condition=Ready pod/x-wing --timeout="${TIMEOUT}s"
}

# The mission's third command, verbatim: all ten replies from Koornacht. `rollout status`
# returns when the pods are Ready, which can be seconds before kube-proxy has programmed the
# new Service (its first requests were refused here), so first wait for one reply.
xwing_ten() {
	local out t=$SECONDS
	poll "$TIMEOUT" "${K[@]}" exec x-wing -- xwing -n 1 rebel-base || return 1
	say "the Service answered $((SECONDS - t)) s after the rollout"
	out=$(cd "$root" && "${K[@]}" exec x-wing -- xwing -n 10 rebel-base) || return 1
	echo "$out"
	grep -Eq '^ +Koornacht +10 ' <<<"$out"
}

planet() { "${K[@]}" exec x-wing -- xwing -n 4 --key Planet --expect-only "$1" rebel-base; }

# A ConfigMap edit reaches the server through the kubelet's ..data symlink swap; no restart.
live_reload() {
	local p="E2E-$RANDOM" restarts
	"${K[@]}" patch configmap rebel-base-response --type merge -p \
		"{\"data\":{\"message\":\"{\\\"Cluster\\\": \\\"Koornacht\\\", \\\"Planet\\\": \\\"$p\\\"}\\n\"}}" >/dev/null
	poll "$TIMEOUT" planet "$p" || return 1
	restarts=$("${K[@]}" get pods -l name=rebel-base -o jsonpath='{.items[*].status.containerStatuses[0].restartCount}')
	(cd "$root" && "${K[@]}" apply -k k8s/koornacht >/dev/null)
	poll "$TIMEOUT" planet "N'Zoth" && [ "$(tr -d ' 0' <<<"$restarts")" = "" ]
}

# rollout restart while xwing runs beside it: every request answered.
rollout_under_load() {
	local log=$CACHE/logs/e2e-rollout.log
	"${K[@]}" exec x-wing -- xwing --duration 90s -n 1000000 --rate 20 rebel-base >"$log" 2>&1 &
	local xw=$! t=$SECONDS
	poll 30 grep -q . "$log" || true
	"${K[@]}" rollout restart deploy/rebel-base >/dev/null &&
		"${K[@]}" rollout status deploy/rebel-base --timeout="${TIMEOUT}s" >/dev/null || return 1
	local took=$((SECONDS - t))
	wait "$xw" || { cat "$log"; return 1; }
	cat "$log"
	say "the rollout took ${took} s of xwing's 90 s"
	((took < 90)) && grep -Eq '^ok [0-9]+ +failed 0 ' "$log"
}

# A pod whose document is not valid JSON stays out of the Service's endpoints until it is
# fixed; then it answers. It carries the Service's label, so only readiness keeps it out.
gate_pod() {
	"${K[@]}" get deploy rebel-base -o json | jq --arg v "$VERSION" '
		{apiVersion: "v1", kind: "Pod",
		 metadata: {name: "rebel-base-gate", labels: {name: "rebel-base", gate: "1"}},
		 spec: (.spec.template.spec | .volumes[0].configMap.name = "rebel-base-gate")}'
}
gate_ready() { [ "$("${K[@]}" get pod rebel-base-gate -o jsonpath='{.status.conditions[?(@.type=="Ready")].status}')" = "$1" ]; }
gate_refused_by_probe() {
	grep -q 'Readiness probe failed: HTTP probe failed with statuscode: 503' <<<"$("${K[@]}" get \
		events --field-selector involvedObject.name=rebel-base-gate -o jsonpath='{.items[*].message}')"
}
gate_answers() { grep -q rebel-base-gate <<<"$("${K[@]}" exec x-wing -- xwing -n 40 --by pod rebel-base)"; }
probes_gate() {
	"${K[@]}" delete pod rebel-base-gate --ignore-not-found --wait >/dev/null
	"${K[@]}" create configmap rebel-base-gate --from-literal=message='{"Cluster": "Gate",' \
		--dry-run=client -o yaml | "${K[@]}" apply -f - >/dev/null
	gate_pod | "${K[@]}" apply -f - >/dev/null
	poll "$TIMEOUT" gate_refused_by_probe || { say "no failed readiness probe seen"; return 1; }
	gate_ready False || { say "the pod is ready with an invalid document"; return 1; }
	if gate_answers; then say "the unready pod answered"; return 1; fi
	"${K[@]}" create configmap rebel-base-gate \
		--from-literal=message='{"Cluster": "Koornacht", "Planet": "Gate"}' \
		--dry-run=client -o yaml | "${K[@]}" apply -f - >/dev/null
	poll "$TIMEOUT" gate_ready True || { say "never ready with a valid document"; return 1; }
	poll 30 gate_answers || { say "ready but never answered"; return 1; }
	"${K[@]}" delete pod rebel-base-gate --wait >/dev/null
	"${K[@]}" delete configmap rebel-base-gate >/dev/null
}

usage() {
	echo "usage: e2e-one.sh [run|teardown|config]   (config: print the kind cluster config)"
}

teardown() {
	kind delete cluster --name "$NAME"
	if grep -q "^$NAME-" <<<"$(docker ps -a --format '{{.Names}}')"; then die "node containers of $NAME are left"; fi
	say "cluster $NAME and its node containers are gone"
}

run() {
	command -v kind >/dev/null || die "no kind: run make cluster-tools"
	local t=$SECONDS
	check "cluster $NAME is up, its nodes Ready" up
	check "kube-system pods Ready (CoreDNS, kindnet, kube-proxy)" \
		"${K[@]}" -n kube-system wait --for=condition=Ready pod --all --timeout="${TIMEOUT}s"
	check "kind load docker-image rebel-base:$VERSION x-wing:$VERSION" load_images
	check "Pod Security restricted enforced on namespace default" restricted
	check "kubectl apply -k k8s/koornacht: our pods admitted and Ready" apply_app
	check "kubectl exec x-wing -- xwing -n 10 rebel-base: 10 of 10 from Koornacht" xwing_ten
	check "a ConfigMap edit is live-reloaded (kubelet's ..data swap), no restart" live_reload
	check "rollout restart under xwing --duration: zero failed requests" rollout_under_load
	check "probes gate traffic: unready with an invalid document, then ready" probes_gate
	local kv
	kv=$("${K[@]}" version -o json | jq -r .serverVersion.gitVersion)
	say "took $((SECONDS - t)) s; node container: $(docker stats --no-stream --format '{{.MemUsage}} memory, {{.CPUPerc}} CPU' "$NAME-control-plane")"
	echo "e2e-one: $passed of $((passed + failed)) checks passed on kind $(kind version | awk '{print $2}'), Kubernetes $kv"
	[ "$failed" = 0 ]
}

case ${1:-run} in
run) run ;;
teardown) teardown ;;
config) cluster_config ;;
*) usage; exit 2 ;;
esac
