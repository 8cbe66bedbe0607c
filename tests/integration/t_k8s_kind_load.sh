#!/usr/bin/env bash
# k8s/kind-load.sh loads into each kind cluster the images built for its nodes' architecture,
# against stand-ins (tests/k8s/fake: the nodes' `uname -m`, each image's architecture, each
# node's containerd). arm64 nodes beside an amd64 engine get NAME:VERSION-arm64, tagged
# NAME:VERSION on every node, so the manifests' pods start on them; without that image
# nothing is loaded and the message says how to build it. The fallback import tags too; an
# engine of the nodes' own architecture loads the plain tag, untagged; amd64 nodes beside
# an arm64 engine get -amd64; a node of another architecture is refused. The fallback
# imports into the snapshotter the node's CRI uses, read from `containerd config dump` as
# kind reads it (containerd 2's version 3 and 1.x's version 2), so the pods of a rootless
# (fuse-overlayfs) node start; kind before 0.27 cannot read containerd 2's, the fallback can.
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck source=tests/k8s/standin.sh
. "$ROOT/tests/k8s/standin.sh"
standin_setup
cd "$ROOT" # the stand-in make reads VERSION from here, as make does
v=$(cat VERSION)

load() { # load NAME: runs k8s/kind-load.sh (env as given), output in $TMP/NAME.out; sets LOAD_RC
    LOAD_RC=0
    bash "$ROOT/k8s/kind-load.sh" >"$TMP/$1.out" 2>&1 || LOAD_RC=$?
}
since() { tail -n +"$(($1 + 1))" "$FAKE_STATE/calls.log"; } # since MARK: the calls after MARK
mark() { wc -l <"$FAKE_STATE/calls.log" | tr -d ' '; }
# What each cluster's nodes hold under NAME:VERSION, and for which architecture.
loaded() { state "' '.join(f'{c}:' + ','.join(sorted(f'{i}={d[\"clusters\"][c].get(\"image_arch\", {}).get(i)}' for i in d['clusters'][c]['images'] if i.endswith(':$v'))) for c in sorted(d['clusters']))"; }
clear_images() { state_edit 'for c in d["clusters"].values(): c["images"] = []; c["image_arch"] = {}'; }
nodes() { kind get nodes --name "$1"; }

# --- arm64 nodes, an amd64 engine --------------------------------------------------------
for c in koornacht tion; do
    FAKE_NODE_ARCH=aarch64 kind create cluster --name "$c" --config "k8s/kind/$c.yaml" >/dev/null 2>&1 || fail "kind create $c"
done
assert_eq aarch64 "$(docker exec tion-worker2 uname -m)" "the stand-in node's uname -m"
make images >/dev/null || fail "make images (stand-in)"
assert_eq amd64 "$(docker image inspect --format '{{.Architecture}}' "rebel-base:$v")" "the engine's own image"
m=$(mark)
load none
assert_eq 1 "$LOAD_RC" "kind-load with amd64 images only, for arm64 nodes: $(cat "$TMP/none.out")"
assert_eq "kind-load: no arm64 image of rebel-base:$v; build it: make images PLATFORM=linux/arm64" \
    "$(cat "$TMP/none.out")" "kind-load's message"
! grep -q '^kind load\|ctr' <<<"$(since "$m")" || fail "something was loaded: $(since "$m")"
assert_eq "koornacht: tion:" "$(loaded)" "images in the clusters"

make images PLATFORM=linux/arm64 >/dev/null || fail "make images PLATFORM=linux/arm64 (stand-in)"
assert_eq arm64 "$(docker image inspect --format '{{.Architecture}}' "x-wing:$v-arm64")" "the -arm64 image"
m=$(mark)
load arm64
assert_eq 0 "$LOAD_RC" "kind-load with the -arm64 images: $(cat "$TMP/arm64.out")"
calls=$(since "$m")
for c in koornacht tion; do
    for i in rebel-base x-wing; do
        grep -qxF "kind load docker-image $i:$v-arm64 --name $c" <<<"$calls" || fail "$i:$v-arm64 not loaded into $c: $calls"
        for node in $(nodes "$c"); do
            tag="docker exec $node ctr -n k8s.io images tag --force docker.io/library/$i:$v-arm64 docker.io/library/$i:$v"
            grep -qxF "$tag" <<<"$calls" || fail "not tagged on $node: $tag"
            # tagged after the load, which it names
            [ "$(grep -nxF "$tag" <<<"$calls" | cut -d: -f1)" -gt \
                "$(grep -nxF "kind load docker-image $i:$v-arm64 --name $c" <<<"$calls" | cut -d: -f1)" ] ||
                fail "$node tagged $i before it was loaded: $calls"
        done
    done
done
! grep -q "^kind load docker-image [a-z-]*:$v --name" <<<"$calls" || fail "an amd64 image was loaded into arm64 nodes: $calls"
want="koornacht:rebel-base:$v=arm64,x-wing:$v=arm64 tion:rebel-base:$v=arm64,x-wing:$v=arm64"
assert_eq "$want" "$(loaded)" "what the manifests' names hold on the nodes"
# ... so the pods start: the overlay rolls out on Koornacht's arm64 nodes.
cilium install --context kind-koornacht --version 1.19.0 --set cluster.name=koornacht >/dev/null || fail "cilium install"
kubectl --context kind-koornacht apply -k k8s/koornacht >/dev/null || fail "apply k8s/koornacht"
kubectl --context kind-koornacht rollout status deployment/x-wing >"$TMP/roll.out" 2>&1 ||
    fail "x-wing does not roll out on arm64 nodes: $(cat "$TMP/roll.out")"
# The stand-in holds the architecture to the node: the amd64 image there never gets ready.
state_edit "d['clusters']['koornacht']['image_arch']['x-wing:$v'] = 'amd64'"
if kubectl --context kind-koornacht rollout status deployment/x-wing >/dev/null 2>&1; then
    fail "an amd64 x-wing rolled out on arm64 nodes"
fi

# The fallback (per-node import, no --all-platforms) tags as well.
clear_images
m=$(mark)
FAKE_KIND_LOAD_BROKEN=1 load fallback
assert_eq 0 "$LOAD_RC" "kind-load's fallback with the -arm64 images: $(cat "$TMP/fallback.out")"
calls=$(since "$m")
grep -qxF "docker save x-wing:$v-arm64" <<<"$calls" || fail "the fallback did not save x-wing:$v-arm64: $calls"
grep -qxF "docker exec tion-worker2 ctr -n k8s.io images tag --force docker.io/library/x-wing:$v-arm64 docker.io/library/x-wing:$v" \
    <<<"$calls" || fail "the fallback did not tag: $calls"
assert_eq "$want" "$(loaded)" "what the fallback left on the nodes"

# An arm64 engine: the plain tags are arm64 and are loaded as they are, with no tagging.
clear_images
FAKE_ENGINE_ARCH=arm64 make images >/dev/null || fail "make images on an arm64 engine (stand-in)"
m=$(mark)
FAKE_ENGINE_ARCH=arm64 load native
assert_eq 0 "$LOAD_RC" "kind-load on an arm64 engine: $(cat "$TMP/native.out")"
calls=$(since "$m")
grep -qxF "kind load docker-image rebel-base:$v --name tion" <<<"$calls" || fail "the plain tag was not loaded: $calls"
! grep -q -- "-arm64\|images tag" <<<"$calls" || fail "the -arm64 tags were used on an arm64 engine: $calls"
assert_eq "$want" "$(loaded)" "the arm64 engine's images on the nodes"

# amd64 nodes beside an arm64 engine: -amd64, once it is built.
kind delete cluster --name tion >/dev/null
FAKE_NODE_ARCH=x86_64 kind create cluster --name tion --config k8s/kind/tion.yaml >/dev/null 2>&1 || fail "kind create tion (amd64)"
export FAKE_ENGINE_ARCH=arm64
CLUSTERS=tion load amd1
assert_eq 1 "$LOAD_RC" "kind-load for amd64 nodes, arm64 images only: $(cat "$TMP/amd1.out")"
assert_eq "kind-load: no amd64 image of rebel-base:$v; build it: make images PLATFORM=linux/amd64" "$(cat "$TMP/amd1.out")" "kind-load's message"
make images PLATFORM=linux/amd64 >/dev/null || fail "make images PLATFORM=linux/amd64 (stand-in)"
CLUSTERS=tion load amd2
assert_eq 0 "$LOAD_RC" "kind-load with the -amd64 images: $(cat "$TMP/amd2.out")"
grep -qF "images tag --force docker.io/library/rebel-base:$v-amd64 docker.io/library/rebel-base:$v" "$TMP/amd2.out" ||
    fail "rebel-base:$v-amd64 not tagged: $(cat "$TMP/amd2.out")"
assert_eq "tion:rebel-base:$v=amd64,x-wing:$v=amd64" "$(loaded | sed 's/^koornacht:[^ ]* //')" "amd64 nodes"
unset FAKE_ENGINE_ARCH

# --- the fallback's snapshotter: the one the node's CRI uses ------------------------------
make images >/dev/null || fail "make images (stand-in)"
for cd in 2.1.4 1.7.24; do
    FAKE_SNAPSHOTTER=fuse-overlayfs FAKE_NODE_CONTAINERD=$cd kind create cluster --name "snap$cd" \
        --config k8s/kind/koornacht.yaml >/dev/null 2>&1 || fail "kind create snap$cd"
    m=$(mark)
    CLUSTERS=snap$cd FAKE_KIND_LOAD_BROKEN=1 load "snap$cd"
    assert_eq 0 "$LOAD_RC" "the fallback into containerd $cd nodes: $(cat "$TMP/snap$cd.out")"
    for node in $(nodes "snap$cd"); do
        grep -qxF "docker exec -i $node ctr -n k8s.io images import --snapshotter=fuse-overlayfs -" <<<"$(since "$m")" ||
            fail "containerd $cd: $node's import does not name its snapshotter: $(since "$m" | grep import)"
    done
    cilium install --context "kind-snap$cd" --version 1.19.0 --set "cluster.name=snap$cd" >/dev/null || fail "cilium install"
    kubectl --context "kind-snap$cd" apply -k k8s/koornacht >/dev/null || fail "apply k8s/koornacht"
    kubectl --context "kind-snap$cd" rollout status deployment/x-wing >"$TMP/roll.out" 2>&1 ||
        fail "x-wing does not start on fuse-overlayfs nodes (containerd $cd): $(cat "$TMP/roll.out")"
done
# ... and that is what the pods need: unpacked into overlayfs (ctr's default), they never start.
state_edit "d['clusters']['snap2.1.4']['unpacked']['x-wing:$v'] = 'overlayfs'"
if kubectl --context kind-snap2.1.4 rollout status deployment/x-wing >/dev/null 2>&1; then
    fail "x-wing started from an image unpacked in another snapshotter than its node's"
fi
# kind 0.26 reads config version 2 only: on containerd 2 nodes its load fails, the fallback works.
state_edit 'for c in d["clusters"].values(): c["images"] = []; c["image_arch"] = {}; c["unpacked"] = {}'
CLUSTERS=snap2.1.4 FAKE_KIND_VERSION=0.26.0 load kind026
assert_eq 0 "$LOAD_RC" "kind-load with kind 0.26 on containerd 2 nodes: $(cat "$TMP/kind026.out")"
grep -qF "ERROR: failed to detect containerd snapshotter" "$TMP/kind026.out" || fail "kind 0.26 loaded into containerd 2 nodes"
grep -qF "import --snapshotter=fuse-overlayfs -" "$TMP/kind026.out" || fail "no fallback after kind 0.26 failed: $(cat "$TMP/kind026.out")"
kubectl --context kind-snap2.1.4 rollout status deployment/x-wing >/dev/null 2>&1 || fail "x-wing does not start after the fallback"

# Nodes of an architecture the images are not built for.
FAKE_NODE_ARCH=riscv64 kind create cluster --name odd --config k8s/kind/tion.yaml >/dev/null 2>&1 || fail "kind create odd"
CLUSTERS=odd load odd
assert_eq 1 "$LOAD_RC" "kind-load into riscv64 nodes"
assert_eq "kind-load: cluster odd's node odd-control-plane runs on 'riscv64'; the images are built for amd64 and arm64 only" \
    "$(cat "$TMP/odd.out")" "kind-load's message for riscv64 nodes"
note "kind-load: arm64 nodes get -arm64 tagged as the plain name; $(grep -c . "$FAKE_STATE/calls.log") stand-in calls"
