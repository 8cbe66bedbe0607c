#!/usr/bin/env bash
# The offline kind rig's pins and rendered configs (k8s/cluster), without building anything:
#   - versions.env: every version the scripts use is pinned there; the staging modules match
#     the Kubernetes release; Kubernetes <= 1.34 (its kubelet is the last to run on a
#     cgroup v1 host without failCgroupV1: false), CoreDNS >= 1.12.2 (the MCS-API step's
#     multicluster plugin), kind >= 0.27.0 (containerd config version 3), etcd's image tag
#     is its version;
#   - the node's containerd config is version 3 with the snapshotter where `kind load`
#     reads it, the pinned pause as sandbox, restrict_oom_score_adj on;
#   - e2e-one's kind config: the worker count asked for, CoreDNS at the pinned tag.
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"
C=$ROOT/k8s/cluster
# shellcheck source=k8s/cluster/versions.env
. "$C/versions.env"

# Every *_VERSION / *_TAG the scripts read is set in versions.env.
for v in $(grep -ohE '\$\{?[A-Z_]+_(VERSION|TAG)\b' "$C"/*.sh | tr -d '${' | sort -u); do
    [ -n "${!v:-}" ] || fail "$v is used by k8s/cluster but not pinned in versions.env"
done
ver() { echo "${1#v}" | awk -F. '{printf "%d%03d%03d\n", $1, $2, $3}'; }
k=${KUBERNETES_VERSION#v}
assert_eq "v0.${k#*.}" "$KUBERNETES_STAGING_VERSION" "staging modules of Kubernetes $KUBERNETES_VERSION"
[ "$(ver "$KUBERNETES_VERSION")" -lt "$(ver v1.35.0)" ] || fail "Kubernetes $KUBERNETES_VERSION: its kubelet refuses cgroup v1"
[ "$(ver "$COREDNS_VERSION")" -ge "$(ver v1.12.2)" ] || fail "CoreDNS $COREDNS_VERSION < 1.12.2"
[ "$(ver "$KIND_VERSION")" -ge "$(ver v0.27.0)" ] || fail "kind $KIND_VERSION < 0.27.0"
assert_match "^${ETCD_VERSION#v}-[0-9]+$" "$ETCD_IMAGE_TAG" "etcd's image tag"

sed "s/PAUSE_VERSION/$PAUSE_VERSION/" "$C/node/containerd-config.toml" >"$TMP/config.toml"
got=$("$PY" -c '
import sys, tomllib
c = tomllib.load(open(sys.argv[1], "rb"))
p = c["plugins"]
rt = p["io.containerd.cri.v1.runtime"]
print(c["version"], p["io.containerd.cri.v1.images"]["snapshotter"],
      p["io.containerd.cri.v1.images"]["pinned_images"]["sandbox"],
      rt["restrict_oom_score_adj"], rt["containerd"]["runtimes"]["runc"]["options"]["SystemdCgroup"])
' "$TMP/config.toml") || fail "the containerd config does not parse"
assert_eq "3 overlayfs registry.k8s.io/pause:$PAUSE_VERSION True True" "$got" "containerd config"
# kind's entrypoint switches snapshotters with this exact sed pattern.
grep -q '^  snapshotter = "overlayfs"$' "$TMP/config.toml" || fail "no line kind's entrypoint can rewrite"

for w in 0 2; do
    E2E_WORKERS=$w bash "$C/e2e-one.sh" config >"$TMP/kind.yaml" || fail "e2e-one.sh config failed"
    got=$("$PY" -c '
import sys, yaml
c = yaml.safe_load(open(sys.argv[1]))
patch = yaml.safe_load(c["kubeadmConfigPatches"][0])
print(c["kind"], c["apiVersion"], [n["role"] for n in c["nodes"]].count("worker"), patch["dns"]["imageTag"])
' "$TMP/kind.yaml") || fail "the kind config does not parse"
    assert_eq "Cluster kind.x-k8s.io/v1alpha4 $w $COREDNS_VERSION" "$got" "kind config with $w workers"
done
# Cilium's chart values for the rig (cilium/helm-values.txt, through cilium.sh flags):
# the lab's default-deny has a DNS rule, which the agent refuses without the L7 proxy
# setting (found on the first real run: default-deny VALID False, every request answered);
# no Envoy is built, so Envoy stays off and so does its version check; every image the
# chart runs, certgen's included, points at a local build and is never pulled.
flags=$(bash "$C/cilium.sh" flags) || fail "cilium.sh flags failed"
if grep -q 'dns:' "$ROOT/k8s/components/default-deny/policy.yaml"; then
    grep -qx -- '--set=l7Proxy=true' <<<"$flags" || fail "default-deny's DNS rule needs l7Proxy=true"
fi
for want in envoy.enabled=false disableEnvoyVersionCheck=true kubeProxyReplacement=false; do
    grep -qx -- "--set=$want" <<<"$flags" || fail "cilium flags lack $want"
done
for img in image operator.image hubble.relay.image clustermesh.apiserver.image certgen.image; do
    grep -q -- "^--set=$img.override=localhost/rbxw/" <<<"$flags" || fail "$img is not overridden with a local build"
    grep -qx -- "--set=$img.pullPolicy=IfNotPresent" <<<"$flags" || fail "$img may be pulled"
done
grep -q 'SYS_RESOURCE' <<<"$flags" && fail "the agent still asks for CAP_SYS_RESOURCE"

bash "$C/e2e-one.sh" nonsense >/dev/null 2>&1 && fail "an unknown e2e-one command was accepted"
echo "ok: pins hold their reasons, configs render"
