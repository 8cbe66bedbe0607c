#!/usr/bin/env bash
# Cilium for the two-cluster lab (issue 21), built offline: every Go binary from the Go
# module proxy, every image FROM the local Debian image, into the cluster-tools cache.
#   bin/cilium-$CILIUM_VERSION/             the cilium and hubble CLIs (for PATH)
#   bin/cilium-components-$CILIUM_VERSION/  what the images carry
#   charts/cilium-$CILIUM_VERSION/          the chart, for `cilium install --chart-directory`
#   images/cilium-*.tar                     agent, operator-generic, hubble-relay,
#                                           clustermesh-apiserver (docker save)
#   cilium-helm-flags                       the --set flags that point the chart at them
# Usage: cilium.sh [all|binaries|images|verify|chart|flags]   (default all)
# Idempotent like gobuild.sh and tools.sh: binaries are kept by version, images by a key
# over the pins and the files in cilium/, so a second run only checks.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source-path=SCRIPTDIR source=versions.env
. "$here/versions.env"
CACHE=${RBXW_CLUSTER_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/rbxw-cluster}
BASE_IMAGE=${BASE_IMAGE:-debian:bookworm-slim}
# Upstream builds every Cilium binary with CGO off and the osusergo tag (Makefile.defs:84,203).
export CGO_ENABLED=0 GOFLAGS="-buildvcs=false -trimpath" GOTOOLCHAIN=local
CLI_DIR=$CACHE/bin/cilium-$CILIUM_VERSION
COMP_DIR=$CACHE/bin/cilium-components-$CILIUM_VERSION
GOPS_DIR=$CACHE/bin/gops-$GOPS_VERSION
LOOPBACK_DIR=$CACHE/bin/cni-loopback-$CNI_PLUGINS_VERSION
CHART_DIR=$CACHE/charts/cilium-$CILIUM_VERSION
mkdir -p "$CACHE/bin" "$CACHE/src" "$CACHE/logs" "$CACHE/images"

say() { echo "cilium: $*"; }
die() { echo "cilium: $*" >&2; exit 1; }

# module_dir MODULE@VERSION: where the module sits in the Go module cache (downloaded if not).
module_dir() {
	(cd "$CACHE/src" && go mod download -json "$1") | jq -r .Dir
}

# writable_copy MODULE@VERSION DIR: the module as a main module. The module cache is
# read-only and `go install m@v` refuses a go.mod with replace directives (cilium's has
# two, go.mod:294,298), so the commands are built inside a copy.
writable_copy() {
	[ -f "$2/.complete" ] && return 0
	local src; src=$(module_dir "$1")
	rm -rf "$2"; cp -r "$src" "$2"; chmod -R u+w "$2"; touch "$2/.complete"
}

# stage NAME OUTDIR FUNCTION: run FUNCTION unless OUTDIR exists, timed, logged.
stage() {
	local name=$1 out=$2 fn=$3 start
	if [ -d "$out" ]; then say "$name cached"; return 0; fi
	start=$(date +%s)
	say "building $name (log $CACHE/logs/$name.log)"
	if ! "$fn" >"$CACHE/logs/$name.log" 2>&1; then
		tail -20 "$CACHE/logs/$name.log" >&2
		die "$name failed, see $CACHE/logs/$name.log"
	fi
	say "$name built in $(($(date +%s) - start)) s"
}

# gobuild OUTDIR [go build args...]: into OUTDIR.tmp, so a failed build leaves no OUTDIR.
gobuild() {
	local out=$1; shift
	mkdir -p "$out.tmp"
	go build -mod=mod -o "$out.tmp/" "$@"
}

# The version strings upstream's Makefiles set with git (Makefile.defs:140-145,177,
# hubble/Makefile:20-25), taken from the module's origin record instead: the proxy's .info
# names the tag's commit and time.
cilium_ldflags() {
	local info hash when envoy_sha src=$CACHE/src/cilium-$CILIUM_VERSION
	info=$(cd "$CACHE/src" && go mod download -json "github.com/cilium/cilium@$CILIUM_VERSION" | jq -r .Info)
	hash=$(jq -r .Origin.Hash "$info" | cut -c1-10)
	when=$(jq -r .Time "$info")
	# The Envoy build the agent would insist on (only checked with l7Proxy on, pkg/envoy/cell.go:210).
	envoy_sha=$(sed -nE 's/^ARG CILIUM_ENVOY_IMAGE=[^:]*:(.*-)?([^:@]*).*/\2/p' "$src/images/cilium/Dockerfile")
	printf '%s ' "-s -w" \
		"-X \"github.com/cilium/cilium/pkg/version.ciliumVersion=${CILIUM_VERSION#v} $hash $when\"" \
		"-X github.com/cilium/cilium/pkg/envoy.requiredEnvoyVersionSHA=$envoy_sha" \
		"-X github.com/cilium/cilium/hubble/pkg.Version=$CILIUM_VERSION" \
		"-X github.com/cilium/cilium/hubble/pkg.GitBranch=HEAD" \
		"-X github.com/cilium/cilium/hubble/pkg.GitHash=$hash"
}

# The agent image's Go binaries (Makefile:15 SUBDIRS_CILIUM_CONTAINER, each subdirectory's
# TARGET name), the operator's generic variant (operator/Makefile:21), relay and
# clustermesh-apiserver, in one build so they share the compile work.
build_components() {
	local src=$CACHE/src/cilium-$CILIUM_VERSION ldflags
	writable_copy "github.com/cilium/cilium@$CILIUM_VERSION" "$src"
	ldflags=$(cilium_ldflags)
	cd "$src"
	gobuild "$COMP_DIR" -tags osusergo -ldflags "$ldflags" \
		./daemon ./cilium-dbg ./cilium-health ./cilium-health/responder ./bugtool ./hubble \
		./tools/mount ./tools/sysctlfix ./plugins/cilium-cni ./hubble-relay ./clustermesh-apiserver
	go build -mod=mod -tags osusergo,ipam_provider_operator -ldflags "$ldflags" \
		-o "$COMP_DIR.tmp/cilium-operator-generic" ./operator
	local d=$COMP_DIR.tmp
	mv "$d/daemon" "$d/cilium-agent"
	mv "$d/responder" "$d/cilium-health-responder"
	mv "$d/bugtool" "$d/cilium-bugtool"
	mv "$d/mount" "$d/cilium-mount"
	mv "$d/sysctlfix" "$d/cilium-sysctlfix"
	rm -rf "$COMP_DIR"; mv "$d" "$COMP_DIR"
}

# The cilium CLI (cilium-cli/Makefile: ./cmd/cilium, CLIVersion by ldflags) from the main
# snapshot, and the hubble CLI of the release itself.
build_clis() {
	local src=$CACHE/src/cilium-cli-$CILIUM_CLI_MODULE_VERSION
	writable_copy "github.com/cilium/cilium@$CILIUM_CLI_MODULE_VERSION" "$src"
	(cd "$src" && gobuild "$CLI_DIR" -tags osusergo \
		-ldflags "-s -w -X github.com/cilium/cilium/cilium-cli/defaults.CLIVersion=$CILIUM_CLI_MODULE_VERSION" \
		./cilium-cli/cmd/cilium)
	cp "$COMP_DIR/hubble" "$CLI_DIR.tmp/"
	rm -rf "$CLI_DIR"; mv "$CLI_DIR.tmp" "$CLI_DIR"
}

# scratch_build OUTDIR MODULE@VERSION PKG: a command of a module without its own checkout.
scratch_build() {
	local out=$1 req=$2 pkg=$3 d
	d=$CACHE/src/$(basename "$out")
	rm -rf "$d"; mkdir -p "$d"
	printf 'module rbxw.local/build\ngo 1.24.0\nrequire %s %s\n' "${req%@*}" "${req#*@}" >"$d/go.mod"
	(cd "$d" && gobuild "$out" -ldflags "-s -w" "$pkg")
	rm -rf "$out"; mv "$out.tmp" "$out"
}
build_gops() { scratch_build "$GOPS_DIR" "github.com/google/gops@$GOPS_VERSION" github.com/google/gops; }
build_loopback() {
	scratch_build "$LOOPBACK_DIR" "github.com/containernetworking/plugins@$CNI_PLUGINS_VERSION" \
		github.com/containernetworking/plugins/plugins/main/loopback
}

# rbxw-certgen (certgen/main.go): what cilium/certgen does in the chart's certificate Jobs;
# the upstream module is not served here, and `cilium clustermesh enable` always runs the Job.
CERTGEN_DIR=$CACHE/bin/rbxw-certgen-$KUBERNETES_STAGING_VERSION
build_certgen() {
	local d=$CACHE/src/rbxw-certgen
	rm -rf "$d"; mkdir -p "$d"
	cp "$here/certgen/main.go" "$d/"
	printf 'module rbxw.local/certgen\ngo 1.24.0\nrequire (\n' >"$d/go.mod"
	printf '\t%s %s\n' k8s.io/api "$KUBERNETES_STAGING_VERSION" k8s.io/apimachinery \
		"$KUBERNETES_STAGING_VERSION" k8s.io/client-go "$KUBERNETES_STAGING_VERSION" \
		sigs.k8s.io/yaml v1.6.0 >>"$d/go.mod"
	echo ")" >>"$d/go.mod"
	# Chained: stage runs this under `if`, where set -e does not stop at a failure.
	(cd "$d" && gobuild "$CERTGEN_DIR" -ldflags "-s -w" .) &&
		mv "$CERTGEN_DIR.tmp/certgen" "$CERTGEN_DIR.tmp/cilium-certgen" &&
		rm -rf "$CERTGEN_DIR" && mv "$CERTGEN_DIR.tmp" "$CERTGEN_DIR"
}

binaries() {
	stage "cilium-components-$CILIUM_VERSION" "$COMP_DIR" build_components
	stage "cilium-$CILIUM_VERSION" "$CLI_DIR" build_clis
	stage "gops-$GOPS_VERSION" "$GOPS_DIR" build_gops
	stage "cni-loopback-$CNI_PLUGINS_VERSION" "$LOOPBACK_DIR" build_loopback
	stage "rbxw-certgen" "$CERTGEN_DIR" build_certgen
	[ -x "$CACHE/bin/etcd-$ETCD_VERSION/etcd" ] || bash "$here/gobuild.sh" "$CACHE" etcd
}

# chart: the release's chart directory as it is in the module (Chart.yaml version 1.19.0).
chart() {
	[ -f "$CHART_DIR/Chart.yaml" ] && { say "chart cached"; return 0; }
	rm -rf "$CHART_DIR"; mkdir -p "$(dirname "$CHART_DIR")"
	cp -r "$CACHE/src/cilium-$CILIUM_VERSION/install/kubernetes/cilium" "$CHART_DIR"
	say "chart in $CHART_DIR"
}

# KEY: what the images are built from, so an edit of a pin or a Dockerfile rebuilds them.
KEY=$( (grep -E '^(CILIUM|GOPS|CNI_PLUGINS|ETCD|KUBERNETES)_' "$here/versions.env"
	cat "$here"/cilium/*.Dockerfile "$here/certgen/main.go") |
	sha256sum | cut -c1-12)
AGENT_IMAGE=localhost/rbxw/cilium:$CILIUM_VERSION-$KEY
OPERATOR_IMAGE=localhost/rbxw/operator-generic:$CILIUM_VERSION-$KEY
RELAY_IMAGE=localhost/rbxw/hubble-relay:$CILIUM_VERSION-$KEY
CLUSTERMESH_IMAGE=localhost/rbxw/clustermesh-apiserver:$CILIUM_VERSION-$KEY
CERTGEN_IMAGE=localhost/rbxw/certgen:$KEY

has_image() {
	[ "$(docker image inspect -f '{{index .Config.Labels "rbxw.key"}}' "$1" 2>/dev/null)" = "$KEY" ]
}

# cached NAME TAG: the image and its archive are there, from these inputs.
cached() {
	has_image "$2" && [ -s "$CACHE/images/cilium-$1.tar" ] && say "image $2 cached"
}

# image NAME TAG DOCKERFILE CONTEXT: build and save one image.
image() {
	local name=$1 tag=$2 file=$3 ctx=$4 tar=$CACHE/images/cilium-$1.tar start
	start=$(date +%s)
	say "image $tag (log $CACHE/logs/cilium-images.log)"
	docker build -t "$tag" -f "$file" --label "rbxw.key=$KEY" --build-arg "BASE_IMAGE=$BASE_IMAGE" \
		"$ctx" >>"$CACHE/logs/cilium-images.log" 2>&1 ||
		{ tail -20 "$CACHE/logs/cilium-images.log" >&2; die "image $tag failed"; }
	docker save -o "$tar.tmp" "$tag" && mv "$tar.tmp" "$tar"
	say "image $name built and saved in $(($(date +%s) - start)) s" \
		"($(docker image inspect -f '{{.Size}}' "$tag" | awk '{printf "%d MB", $1/1e6}'))"
}

# agent_context: the files upstream's install-container-binary and images/cilium/Dockerfile:80-83
# put into the agent image, in the layout they take there.
agent_context() {
	local ctx=$CACHE/ctx/cilium-agent src=$CACHE/src/cilium-$CILIUM_VERSION r f b
	r=$ctx/rootfs
	rm -rf "$ctx"; mkdir -p "$r/usr/bin" "$r/opt/cni/bin" "$r/etc/cni/net.d" "$ctx/tools"
	for b in cilium-agent cilium-dbg cilium-health cilium-health-responder cilium-bugtool \
		hubble cilium-mount cilium-sysctlfix; do
		install -m 0755 "$COMP_DIR/$b" "$r/usr/bin/"
	done
	ln -s cilium-dbg "$r/usr/bin/cilium" # cilium-dbg/Makefile:35
	install -m 0755 "$COMP_DIR/cilium-cni" "$r/opt/cni/bin/"
	install -m 0755 "$src/images/cilium/init-container.sh" "$src/plugins/cilium-cni/install-plugin.sh" \
		"$src/plugins/cilium-cni/cni-uninstall.sh" "$r/"
	# install-bpf (Makefile:197-200) with BPF_SRCFILES as Makefile.defs:186-197 picks them
	# without git: every file under bpf/ but tests, complexity tests, custom, the Makefiles
	# and build leftovers.
	install -m 0750 -d "$r/var/lib/cilium"
	(cd "$src" && find bpf -type f | LC_ALL=C sort) | while read -r f; do
		case $f in
		bpf/.gitignore | bpf/tests/* | bpf/complexity-tests/* | bpf/custom/* | bpf/Makefile | \
			bpf/Makefile.bpf | *.i | *.s | bpf/.rebuild_all) continue ;;
		esac
		install -D -m 0644 "$src/$f" "$r/var/lib/cilium/$f"
	done
	install -m 0755 "$GOPS_DIR/gops" "$LOOPBACK_DIR/loopback" "$ctx/tools/"
	cp "$src/images/runtime/iptables-wrapper-installer.sh" "$ctx/"
	echo "$ctx"
}

# static_context NAME FILES...: a context of loose files for the scratch-based images.
static_context() {
	local ctx=$CACHE/ctx/cilium-$1; shift
	rm -rf "$ctx"; mkdir -p "$ctx"
	cp "$@" "$ctx/"
	echo "$ctx"
}

images() {
	local src=$CACHE/src/cilium-$CILIUM_VERSION
	docker image inspect "$BASE_IMAGE" >/dev/null 2>&1 ||
		die "no $BASE_IMAGE image (docker/base-image.sh $BASE_IMAGE)"
	# A context is only assembled when its image is missing, hence the guards here.
	cached agent "$AGENT_IMAGE" ||
		image agent "$AGENT_IMAGE" "$here/cilium/agent.Dockerfile" "$(agent_context)"
	cached operator-generic "$OPERATOR_IMAGE" ||
		image operator-generic "$OPERATOR_IMAGE" "$here/cilium/operator.Dockerfile" \
			"$(static_context operator "$GOPS_DIR/gops" "$COMP_DIR/cilium-operator-generic")"
	cached hubble-relay "$RELAY_IMAGE" ||
		image hubble-relay "$RELAY_IMAGE" "$here/cilium/hubble-relay.Dockerfile" \
			"$(static_context hubble-relay "$GOPS_DIR/gops" "$COMP_DIR/hubble-relay")"
	cached clustermesh-apiserver "$CLUSTERMESH_IMAGE" ||
		image clustermesh-apiserver "$CLUSTERMESH_IMAGE" "$here/cilium/clustermesh-apiserver.Dockerfile" \
			"$(static_context clustermesh-apiserver "$GOPS_DIR/gops" "$CACHE/bin/etcd-$ETCD_VERSION/etcd" \
				"$COMP_DIR/clustermesh-apiserver" "$src/clustermesh-apiserver/etcd-config.yaml")"
	cached certgen "$CERTGEN_IMAGE" ||
		image certgen "$CERTGEN_IMAGE" "$here/cilium/certgen.Dockerfile" \
			"$(static_context certgen "$CERTGEN_DIR/cilium-certgen")"
	say "images: $AGENT_IMAGE $OPERATOR_IMAGE $RELAY_IMAGE $CLUSTERMESH_IMAGE $CERTGEN_IMAGE"
}

# check IMAGE COMMAND...: COMMAND runs in IMAGE; its first output line is shown.
check() {
	local img=$1 out; shift
	out=$(docker run --rm --entrypoint "$1" "$img" "${@:2}" 2>&1) ||
		{ printf '%s\n' "$out" >&2; die "in $img: '$*' failed"; }
	printf 'cilium: ok %-32s %s\n' "${label:-$*}" "$(printf '%s\n' "$out" | grep -m1 . | cut -c1-80)"
}

# verify: each binary answers inside its image, and clang compiles the agent's datapath
# there (the flags of bpf/Makefile.bpf for a VXLAN, IPv4 node), so a missing tool or
# library shows now, not in a pod.
verify() {
	local a=$AGENT_IMAGE c label=""
	for c in "cilium-agent --version" "cilium-dbg --help" "cilium --help" "cilium-health --help" \
		"cilium-health-responder --help" "cilium-bugtool --help" "hubble version" \
		"cilium-sysctlfix --help" "gops --help" "clang --version" "llc --version" \
		"bpftool version" "ip -V" "iptables --version" "ip6tables --version" "ipset -h" \
		"nsenter --version" "mount --version" "modprobe --version"; do
		# shellcheck disable=SC2086 # the words of each command
		check "$a" $c
	done
	# Unprivileged, it can only say that it could not mount.
	label="cilium-mount" check "$a" cilium-mount /run/cilium/cgroupv2
	label="cilium-cni (CNI VERSION)" check "$a" sh -c 'CNI_COMMAND=VERSION /opt/cni/bin/cilium-cni </dev/null'
	label="scripts, loopback, bpf sources" check "$a" sh -c 'test -x /cni/loopback &&
		test -x /init-container.sh && test -x /install-plugin.sh && test -x /cni-uninstall.sh &&
		test -f /var/lib/cilium/bpf/bpf_lxc.c && echo present'
	# shellcheck disable=SC2016 # expanded by the image's sh
	label="clang: the datapath compiles" check "$a" sh -c 'cd /var/lib/cilium/bpf &&
		for p in bpf_lxc bpf_host bpf_overlay bpf_sock; do
		clang -O2 -g --target=bpf -std=gnu99 -nostdinc -mcpu=v3 -Wall -Wextra -Werror -Wshadow \
			-Wno-address-of-packed-member -Wno-unknown-warning-option \
			-Wno-gnu-variable-sized-type-not-at-end -Wimplicit-int-conversion -Wenum-conversion \
			-Wimplicit-fallthrough -ftrap-function=__undefined_trap -I. -Iinclude \
			-DENABLE_IPV4=1 -DENCAP_IFINDEX=1 -DTUNNEL_MODE=1 \
			-c $p.c -o /tmp/$p.o || exit 1; done; echo $(cd /tmp && ls *.o)'
	check "$OPERATOR_IMAGE" cilium-operator-generic --version
	check "$RELAY_IMAGE" hubble-relay version
	check "$CLUSTERMESH_IMAGE" clustermesh-apiserver --help
	check "$CLUSTERMESH_IMAGE" etcd --version
	"$CLI_DIR/cilium" version --client | sed -n 1p | sed 's/^/cilium: host /'
	"$CLI_DIR/hubble" version | sed 's/^/cilium: host /'
}

# flags: the chart settings, one --set=KEY=VALUE a line (one shell word each, so
# `cilium install $(cat FILE)` and `mapfile` both work): the fixed ones in
# cilium/helm-values.txt and the image overrides of this build. Written to
# $CACHE/cilium-helm-flags too.
flags() {
	{
		grep -v -e '^#' -e '^$' "$here/cilium/helm-values.txt"
		echo "image.override=$AGENT_IMAGE"
		echo "operator.image.override=$OPERATOR_IMAGE"
		echo "hubble.relay.image.override=$RELAY_IMAGE"
		echo "clustermesh.apiserver.image.override=$CLUSTERMESH_IMAGE"
		echo "certgen.image.override=$CERTGEN_IMAGE"
	} | sed 's/^/--set=/'
}

main() {
	local what=${1:-all} t0
	t0=$(date +%s)
	case $what in
	binaries) binaries ;;
	chart) chart ;;
	images) images ;;
	verify) verify ;;
	flags) flags; return 0 ;;
	all)
		say "cache $CACHE, images key $KEY"
		binaries
		chart
		images
		verify
		flags >"$CACHE/cilium-helm-flags"
		say "ready in $(($(date +%s) - t0)) s: CLIs in $CLI_DIR, chart $CHART_DIR," \
			"helm flags in $CACHE/cilium-helm-flags"
		;;
	*) die "unknown '$what' (all binaries chart images verify flags)" ;;
	esac
}
main "$@"
