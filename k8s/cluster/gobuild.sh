#!/usr/bin/env bash
# The Go half of `make cluster-tools`: every Go binary the offline kind rig needs, built
# from the Go module proxy at the pins in versions.env, into $CACHE/bin/<name>-<version>.
# Usage: gobuild.sh CACHE WHAT...   (WHAT: kind kubernetes containerd crictl etcd coredns
# local_path). Each WHAT is skipped when its binaries exist; a failed one leaves none behind.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=versions.env
. "$here/versions.env"
CACHE=$1; shift
export CGO_ENABLED=${CGO_ENABLED:-0} GOFLAGS="-buildvcs=false -trimpath" GOTOOLCHAIN=local
mkdir -p "$CACHE/bin" "$CACHE/src"

# scratch_module DIR MODULE@VERSION [REPLACES...]: a throwaway main module that requires
# MODULE, so `go build -mod=mod` can build its commands without a checkout.
scratch_module() {
	local dir=$1 req=$2; shift 2
	rm -rf "$dir"; mkdir -p "$dir"
	{
		echo "module rbxw.local/build"
		echo "go 1.24.0"
		echo "require ${req%@*} ${req#*@}"
		local r; for r in "$@"; do echo "replace $r"; done
	} >"$dir/go.mod"
}

# build OUTDIR PKG... with ldflags from $LDFLAGS, inside the current directory's module.
build() {
	local out=$1; shift
	mkdir -p "$out.tmp"
	go build -mod=mod -ldflags "-s -w ${LDFLAGS:-}" -o "$out.tmp/" "$@"
	rm -rf "$out"; mv "$out.tmp" "$out"
}

build_kind() {
	local d=$CACHE/src/kind-$KIND_VERSION
	scratch_module "$d" "sigs.k8s.io/kind@$KIND_VERSION"
	(cd "$d" && build "$CACHE/bin/kind-$KIND_VERSION" sigs.k8s.io/kind)
}

# Kubernetes as a module: its go.mod points the 31 staging modules at ./staging, which the
# module zip leaves out, so each is mapped to the staging release of the same tag. The
# version variables are what hack/lib/version.sh sets; without them kubeadm sees v0.0.0.
build_kubernetes() {
	local d=$CACHE/src/kubernetes-$KUBERNETES_VERSION km reps=() m
	km=$(go mod download -json "k8s.io/kubernetes@$KUBERNETES_VERSION" | sed -n 's/.*"Dir": "\(.*\)".*/\1/p')
	for m in $(sed -n 's#^\t\(k8s.io/[a-z0-9-]*\) => ./staging/.*#\1#p' "$km/go.mod"); do
		reps+=("$m => $m $KUBERNETES_STAGING_VERSION")
	done
	scratch_module "$d" "k8s.io/kubernetes@$KUBERNETES_VERSION" "${reps[@]}"
	local v=${KUBERNETES_VERSION#v} p LDFLAGS=""
	for p in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
		LDFLAGS+=" -X $p.gitVersion=$KUBERNETES_VERSION -X $p.gitMajor=${v%%.*}"
		LDFLAGS+=" -X $p.gitMinor=$(echo "$v" | cut -d. -f2) -X $p.gitTreeState=clean"
		LDFLAGS+=" -X $p.buildDate=1970-01-01T00:00:00Z"
	done
	(cd "$d" && LDFLAGS=$LDFLAGS build "$CACHE/bin/kubernetes-$KUBERNETES_VERSION" \
		k8s.io/kubernetes/cmd/kubeadm k8s.io/kubernetes/cmd/kubelet \
		k8s.io/kubernetes/cmd/kubectl k8s.io/kubernetes/cmd/kube-apiserver \
		k8s.io/kubernetes/cmd/kube-controller-manager k8s.io/kubernetes/cmd/kube-scheduler \
		k8s.io/kubernetes/cmd/kube-proxy)
	cp "$km/build/pause/linux/pause.c" "$CACHE/bin/kubernetes-$KUBERNETES_VERSION/pause.c"
}

# containerd v2 with the build tags kind's base image uses (no btrfs, zfs, devmapper).
build_containerd() {
	local d=$CACHE/src/containerd-$CONTAINERD_VERSION mp=github.com/containerd/containerd/v2
	scratch_module "$d" "$mp@$CONTAINERD_VERSION"
	local LDFLAGS="-X $mp/version.Version=$CONTAINERD_VERSION -X $mp/version.Package=$mp"
	(cd "$d" && LDFLAGS=$LDFLAGS build "$CACHE/bin/containerd-$CONTAINERD_VERSION" \
		-tags "no_btrfs no_zfs no_devmapper no_aufs" \
		$mp/cmd/containerd $mp/cmd/ctr $mp/cmd/containerd-shim-runc-v2)
}

build_crictl() {
	local d=$CACHE/src/crictl-$CRICTL_VERSION
	scratch_module "$d" "sigs.k8s.io/cri-tools@$CRICTL_VERSION"
	(cd "$d" && LDFLAGS="-X sigs.k8s.io/cri-tools/pkg/version.Version=$CRICTL_VERSION" \
		build "$CACHE/bin/crictl-$CRICTL_VERSION" sigs.k8s.io/cri-tools/cmd/crictl)
}

# etcd's server module holds the etcd command (server/main.go); etcdctl is its own module.
build_etcd() {
	local d=$CACHE/src/etcd-$ETCD_VERSION
	scratch_module "$d" "go.etcd.io/etcd/server/v3@$ETCD_VERSION"
	echo "require go.etcd.io/etcd/etcdctl/v3 $ETCD_VERSION" >>"$d/go.mod"
	(cd "$d" && build "$CACHE/bin/etcd-$ETCD_VERSION" go.etcd.io/etcd/server/v3 \
		go.etcd.io/etcd/etcdctl/v3)
	mv "$CACHE/bin/etcd-$ETCD_VERSION/server" "$CACHE/bin/etcd-$ETCD_VERSION/etcd"
}

build_coredns() {
	local d=$CACHE/src/coredns-$COREDNS_VERSION
	scratch_module "$d" "github.com/coredns/coredns@$COREDNS_VERSION"
	(cd "$d" && build "$CACHE/bin/coredns-$COREDNS_VERSION" github.com/coredns/coredns)
}

# kind's default StorageClass driver (kind builds it from this module too, as
# kindest/local-path-provisioner).
build_local_path() {
	local d=$CACHE/src/local-path-$LOCAL_PATH_VERSION
	scratch_module "$d" "github.com/rancher/local-path-provisioner@$LOCAL_PATH_VERSION"
	(cd "$d" && build "$CACHE/bin/local-path-$LOCAL_PATH_VERSION" \
		github.com/rancher/local-path-provisioner)
}

for what in "$@"; do
	case $what in
	kind) out=kind-$KIND_VERSION ;;
	kubernetes) out=kubernetes-$KUBERNETES_VERSION ;;
	containerd) out=containerd-$CONTAINERD_VERSION ;;
	crictl) out=crictl-$CRICTL_VERSION ;;
	etcd) out=etcd-$ETCD_VERSION ;;
	coredns) out=coredns-$COREDNS_VERSION ;;
	local_path) out=local-path-$LOCAL_PATH_VERSION ;;
	*) echo "gobuild.sh: unknown '$what'" >&2; exit 2 ;;
	esac
	if [ -d "$CACHE/bin/$out" ]; then echo "cluster-tools: $out cached"; continue; fi
	start=$(date +%s)
	echo "cluster-tools: building $out (log $CACHE/logs/$out.log)"
	mkdir -p "$CACHE/logs"
	if ! "build_$what" >"$CACHE/logs/$out.log" 2>&1; then
		tail -20 "$CACHE/logs/$out.log" >&2
		echo "cluster-tools: $out failed, see $CACHE/logs/$out.log" >&2; exit 1
	fi
	echo "cluster-tools: $out built in $(( $(date +%s) - start )) s"
done
