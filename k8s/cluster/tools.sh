#!/usr/bin/env bash
# `make cluster-tools`: everything a kind cluster needs, built offline from the Go module
# proxy and Debian, into a cache outside the checkout, ending in a local kind node image.
#   $RBXW_CLUSTER_CACHE (default ~/.cache/rbxw-cluster): bin/ (Go binaries by version),
#   images/ (docker-save archives), logs/, node-image (the node image's tag, for e2e).
# Idempotent and resumable: each stage is skipped when its output exists for the same
# inputs (versions.env and the files beside this script). On a machine with kind installed
# and registry.k8s.io reachable (a user's laptop) nothing is built: kind's own node image
# is the one to use. RBXW_CLUSTER_BUILD=1 builds anyway. Cilium (cilium.sh) is built too,
# and its images go into the node image beside Kubernetes' own.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=versions.env
. "$here/versions.env"
CACHE=${RBXW_CLUSTER_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/rbxw-cluster}
BASE_IMAGE=${BASE_IMAGE:-debian:bookworm-slim}
mkdir -p "$CACHE/logs" "$CACHE/images"
t0=$(date +%s)

say() { echo "cluster-tools: $*"; }
die() { echo "cluster-tools: $*" >&2; exit 1; }

# inputs_key: what every image here is built from, so an edit rebuilds them.
inputs_key() {
	(cd "$here" && cat versions.env node/* images/* cilium/*.Dockerfile certgen/* | sha256sum | cut -c1-12)
}
KEY=$(inputs_key)

# has_image TAG: the local Docker store holds TAG, built from these inputs.
has_image() {
	[ "$(docker image inspect -f '{{index .Config.Labels "rbxw.key"}}' "$1" 2>/dev/null)" = "$KEY" ]
}

# image NAME TAG DOCKERFILE FILE... [-- BUILD-ARG...]: build and save one image from a
# context of FILEs (hard links), unless cached.
image() {
	local name=$1 tag=$2 file=$3 tar ctx=$CACHE/ctx/$1 args=(); shift 3
	tar=$CACHE/images/$name.tar
	if has_image "$tag" && [ -s "$tar" ]; then say "image $tag cached"; return 0; fi
	say "image $tag"
	rm -rf "$ctx"; mkdir -p "$ctx"
	while [ $# -gt 0 ] && [ "$1" != -- ]; do cp -l "$1" "$ctx/" 2>/dev/null || cp "$1" "$ctx/"; shift; done
	[ $# -gt 0 ] && shift
	for a in "$@"; do args+=(--build-arg "$a"); done
	docker build -q -t "$tag" -f "$file" --label "rbxw.key=$KEY" \
		--build-arg "BASE_IMAGE=$BASE_IMAGE" "${args[@]}" "$ctx" >>"$CACHE/logs/images.log" 2>&1 ||
		{ tail -20 "$CACHE/logs/images.log" >&2; die "image $tag failed (log $CACHE/logs/images.log)"; }
	docker save -o "$tar.tmp" "$tag" && mv "$tar.tmp" "$tar"
}

# On a laptop with kind and the internet, kind's published node image is the one to use.
laptop() {
	[ "${RBXW_CLUSTER_BUILD:-0}" = 1 ] && return 1
	command -v kind >/dev/null || return 1
	curl -sfo /dev/null --max-time 5 https://registry.k8s.io/v2/ || return 1
	say "kind $(kind version | awk '{print $2}') is installed and registry.k8s.io answers:" \
		"nothing to build (RBXW_CLUSTER_BUILD=1 builds anyway)"
}

need() {
	local c missing=()
	for c in go docker gcc jq sha256sum; do command -v "$c" >/dev/null || missing+=("$c"); done
	[ ${#missing[@]} = 0 ] || die "missing ${missing[*]} (run make deps)"
	docker info >/dev/null 2>&1 || die "the Docker engine does not answer (tests/docker-up.sh)"
	docker image inspect "$BASE_IMAGE" >/dev/null 2>&1 ||
		die "no $BASE_IMAGE image (docker/base-image.sh $BASE_IMAGE)"
}

go_binaries() {
	bash "$here/gobuild.sh" "$CACHE" kind kubernetes containerd crictl etcd coredns local_path
}

# pause.c from the Kubernetes module, static, as build/pause/Makefile builds it.
pause_binary() {
	local d=$CACHE/bin/pause-$PAUSE_VERSION
	[ -x "$d/pause" ] && return 0
	mkdir -p "$d"
	gcc -Os -Wall -Werror -static -DVERSION="v$PAUSE_VERSION" -o "$d/pause" \
		"$CACHE/bin/kubernetes-$KUBERNETES_VERSION/pause.c"
}

# The images the node carries, each tagged as kubeadm and kind's manifests name them.
images() {
	local kb=$CACHE/bin/kubernetes-$KUBERNETES_VERSION c
	for c in kube-apiserver kube-controller-manager kube-scheduler; do
		image "$c" "registry.k8s.io/$c:$KUBERNETES_VERSION" "$here/images/static.Dockerfile" "$kb/$c"
	done
	image kube-proxy "registry.k8s.io/kube-proxy:$KUBERNETES_VERSION" \
		"$here/images/kube-proxy.Dockerfile" "$kb/kube-proxy"
	image etcd "registry.k8s.io/etcd:$ETCD_IMAGE_TAG" "$here/images/static.Dockerfile" \
		"$CACHE/bin/etcd-$ETCD_VERSION"/{etcd,etcdctl}
	image coredns "registry.k8s.io/coredns/coredns:$COREDNS_VERSION" \
		"$here/images/entrypoint.Dockerfile" "$CACHE/bin/coredns-$COREDNS_VERSION/coredns" -- BIN=coredns
	image pause "registry.k8s.io/pause:$PAUSE_VERSION" "$here/images/entrypoint.Dockerfile" \
		"$CACHE/bin/pause-$PAUSE_VERSION/pause" -- BIN=pause USER=65535:65535
	image kindnet "$KINDNET_IMAGE" "$here/images/kindnet.Dockerfile" "$kb/kubectl" "$here/images/kindnet.sh"
	image local-path-provisioner "$LOCAL_PATH_IMAGE" "$here/images/entrypoint.Dockerfile" \
		"$CACHE/bin/local-path-$LOCAL_PATH_VERSION/local-path-provisioner" -- BIN=local-path-provisioner
	image local-path-helper "$LOCAL_PATH_HELPER_IMAGE" "$here/images/helper.Dockerfile"
}
KINDNET_IMAGE=localhost/rbxw/kindnet:$KEY
LOCAL_PATH_IMAGE=localhost/rbxw/local-path-provisioner:$LOCAL_PATH_VERSION-$KEY
LOCAL_PATH_HELPER_IMAGE=localhost/rbxw/local-path-helper:$KEY

# kind_manifest CONST: one of kind's default manifests (a Go raw string in
# pkg/build/nodeimage/const_*.go of the kind module), as kind writes it into its node image.
kind_manifest() {
	local kind_dir
	kind_dir=$(cd "$CACHE/src/kind-$KIND_VERSION" && go list -m -f '{{.Dir}}' sigs.k8s.io/kind)
	sed -n "/^const $1 = \`/,/^\`/p" "$kind_dir"/pkg/build/nodeimage/const_*.go | sed '1d;$d'
}

# The node image's build context: kind's base files, the binaries, our configs, manifests.
node_context() {
	local ctx=$CACHE/ctx/node kf
	rm -rf "$ctx"; mkdir -p "$ctx/bin" "$ctx/manifests"
	kf=$(cd "$CACHE/src/kind-$KIND_VERSION" && go mod download -json \
		"sigs.k8s.io/kind@$KIND_BASE_FILES_VERSION" | sed -n 's/.*"Dir": "\(.*\)".*/\1/p')
	cp -r "$kf/images/base/files" "$ctx/kindfiles"; chmod -R u+w "$ctx/kindfiles"
	# kind's own containerd config is version 2; ours (version 3) replaces it.
	rm -f "$ctx/kindfiles/etc/containerd/config.toml"
	cp "$CACHE/bin/containerd-$CONTAINERD_VERSION"/* "$CACHE/bin/crictl-$CRICTL_VERSION/crictl" \
		"$ctx/bin/"
	cp "$CACHE/bin/kubernetes-$KUBERNETES_VERSION"/{kubeadm,kubelet,kubectl} "$ctx/bin/"
	sed "s/PAUSE_VERSION/$PAUSE_VERSION/" "$here/node/containerd-config.toml" \
		>"$ctx/containerd-config.toml"
	printf '%s' "$KUBERNETES_VERSION" >"$ctx/version"
	# kindnetd's manifest, with our image; shell and kubectl need more than its 50Mi.
	kind_manifest defaultCNIManifest | sed -e "s#\` + kindnetdImage + \`#$KINDNET_IMAGE#" \
		-e 's#memory: "50Mi"#memory: "128Mi"#' >"$ctx/manifests/default-cni.yaml"
	kind_manifest defaultStorageManifest |
		sed -e "s#\` + storageProvisionerImage + \`#$LOCAL_PATH_IMAGE#" \
			-e "s#\` + storageHelperImage + \`#$LOCAL_PATH_HELPER_IMAGE#" \
			>"$ctx/manifests/default-storage.yaml"
	if grep -q '` +' "$ctx/manifests/"*.yaml; then die "a kind manifest kept a Go expression"; fi
	cp "$here/node/Dockerfile" "$ctx/"
}

# node_image: the base node image, then every image imported into its containerd and
# pinned, as kind's node-image build does (pkg/build/nodeimage/imageimporter.go), then
# committed with the entrypoint kind expects.
node_image() {
	local tag=localhost/rbxw/kind-node:$KUBERNETES_VERSION-$KEY base=localhost/rbxw/kind-base:$KEY id t
	if has_image "$tag"; then say "node image $tag cached"; echo "$tag" >"$CACHE/node-image"; return 0; fi
	node_context
	say "image $base"
	docker build -q -t "$base" --label "rbxw.key=$KEY" --build-arg "BASE_IMAGE=$BASE_IMAGE" \
		"$CACHE/ctx/node" >>"$CACHE/logs/node.log" 2>&1 ||
		{ tail -20 "$CACHE/logs/node.log" >&2; die "image $base failed (log $CACHE/logs/node.log)"; }
	say "node image $tag: importing $(find "$CACHE/images" -name '*.tar' | wc -l) images"
	id=$(docker run -d --privileged --entrypoint sleep "$base" infinity)
	build_container=$id
	docker exec "$id" bash -c 'nohup containerd >/tmp/containerd.log 2>&1 &
		for i in $(seq 100); do [ -S /run/containerd/containerd.sock ] && ctr version >/dev/null 2>&1 && exit 0; sleep 0.1; done
		cat /tmp/containerd.log; exit 1' >>"$CACHE/logs/node.log" 2>&1 ||
		die "containerd did not start in the build container (log $CACHE/logs/node.log)"
	for t in "$CACHE"/images/*.tar; do
		docker exec -i "$id" ctr --namespace=k8s.io images import \
			--label=io.cri-containerd.pinned=pinned --all-platforms --no-unpack --digests - \
			<"$t" >>"$CACHE/logs/node.log" 2>&1 || die "import of $t failed (log $CACHE/logs/node.log)"
	done
	# sleep, the build container's PID 1, reaps no child: a stopped containerd stays a zombie.
	docker exec "$id" sh -c 'pkill -x containerd
		while ps -o stat= -C containerd | grep -v Z >/dev/null; do sleep 0.1; done; rm -f /tmp/containerd.log'
	docker commit --change 'ENTRYPOINT [ "/usr/local/bin/entrypoint", "/sbin/init" ]' \
		--change "LABEL rbxw.key=$KEY" "$id" "$tag" >/dev/null
	echo "$tag" >"$CACHE/node-image"
	docker rm -f "$id" >/dev/null; build_container=""
	prune_old_nodes
}

# prune_old_nodes: node and base images of earlier inputs (2.4 GB each) go; one a cluster
# still runs on stays (docker refuses to remove it).
prune_old_nodes() {
	local old
	old=$(docker images --format '{{.Repository}}:{{.Tag}}' |
		grep -E '^localhost/rbxw/kind-(node|base):' | grep -v -- "$KEY\$" || true)
	[ -z "$old" ] || docker rmi $old >/dev/null 2>&1 || true
}

build_container=""
trap '[ -z "$build_container" ] || docker rm -f "$build_container" >/dev/null 2>&1' EXIT

main() {
	laptop && return 0
	need
	say "cache $CACHE, inputs $KEY"
	go_binaries
	pause_binary
	images
	RBXW_CLUSTER_CACHE=$CACHE BASE_IMAGE=$BASE_IMAGE bash "$here/cilium.sh" all
	node_image
	say "node image $(cat "$CACHE/node-image") ready in $(($(date +%s) - t0)) s" \
		"(kind $KIND_VERSION, Kubernetes $KUBERNETES_VERSION)"
}
main "$@"
