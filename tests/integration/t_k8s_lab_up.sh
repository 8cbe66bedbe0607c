#!/usr/bin/env bash
# k8s/lab.sh up against a stand-in control plane (tests/k8s/fake: kind, cilium, kubectl,
# docker, hubble, make first on PATH, failing as the real ones do): preflight problems stop it
# before anything exists, one line each; up on nothing builds the whole mesh; up again on
# everything exits 0 and creates, installs, enables and connects nothing; the versions are
# printed; the kind-load fallback differs from what failed, and says what to do when both
# fail; teardown leaves no cluster, and can run again.
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck source=tests/k8s/standin.sh
. "$ROOT/tests/k8s/standin.sh"
standin_setup
out() { cat "$TMP/$1.out"; }
has() { # has RUN TEXT: the output of RUN contains TEXT
    grep -qF -- "$2" "$TMP/$1.out" || fail "$1: no '$2' in: $(out "$1")"
}

# --- preflight: every problem on its own line, exit 1, nothing created ----------------
mv "$FAKE_BIN/cilium" "$TMP/cilium.away"
echo 128 >"$TMP/proc/sys/fs/inotify/max_user_instances"
echo 8192 >"$TMP/proc/sys/fs/inotify/max_user_watches"
echo "MemAvailable:    2097152 kB" >"$TMP/proc/meminfo"
FAKE_DOCKER_DOWN=1 FAKE_KIND_VERSION=0.26.0 lab pre1 up
assert_eq 1 "$LAB_RC" "lab.sh up with every problem"
has pre1 "preflight: cilium is missing; get it: the cilium CLI: https://github.com/cilium/cilium-cli/releases"
# kind 0.26 cannot read a containerd 2 node's snapshotter: `kind load` fails on current images
has pre1 "preflight: kind 0.26.0 is older than 0.27.0; get a newer one: "
has pre1 "preflight: Docker does not answer ('docker info' failed): start it"
has pre1 "preflight: fs.inotify.max_user_instances is 128; two 3-node kind clusters need 512: sudo sysctl fs.inotify.max_user_instances=512"
has pre1 "preflight: fs.inotify.max_user_watches is 8192; two 3-node kind clusters need 524288: sudo sysctl fs.inotify.max_user_watches=524288"
has pre1 "preflight: only 2048 MiB of memory available; six kind nodes with Cilium want about 6144 MiB"
has pre1 "preflight: 6 problem(s); nothing was created or changed"
assert_eq 7 "$(grep -c '^preflight: ' "$TMP/pre1.out" | tr -d ' ')" "preflight lines (6 problems and the summary)"
[ ! -e "$FAKE_STATE/state.json" ] || [ "$(state 'len(d["clusters"])')" = 0 ] || fail "preflight created a cluster"
mv "$TMP/cilium.away" "$FAKE_BIN/cilium"
echo 512 >"$TMP/proc/sys/fs/inotify/max_user_instances"
echo 524288 >"$TMP/proc/sys/fs/inotify/max_user_watches"
echo "MemAvailable:   16000000 kB" >"$TMP/proc/meminfo"
FAKE_CILIUM_CLI_VERSION=0.14.8 FAKE_DOCKER_MEM=4294967296 CILIUM_VERSION=1.15.7 lab pre2 up
assert_eq 1 "$LAB_RC" "lab.sh up with an old cilium CLI, an old Cilium and a small Docker"
has pre2 "preflight: cilium 0.14.8 is older than 0.15.0"
has pre2 "preflight: Docker has 4096 MiB of memory; give it about 6144 MiB"
# Cilium 1.15's chart has no clustermesh.enableEndpointSliceSynchronization: step 10 could not pass
has pre2 "preflight: CILIUM_VERSION 1.15.7 is older than 1.16.0: step 10's EndpointSlice synchronization"
assert_eq 4 "$(grep -c '^preflight: ' "$TMP/pre2.out" | tr -d ' ')" "preflight lines (3 problems and the summary)"
lab pre3 preflight
assert_eq 0 "$LAB_RC" "preflight on a machine that can run the lab: $(out pre3)"
has pre3 "preflight: ok"
! grep -q 'kind create\|cilium install' "$FAKE_STATE/calls.log" || fail "preflight created something: $(calls)"

# --- up on nothing --------------------------------------------------------------------
KIND_NODE_IMAGE=kindest/node:v1.31.4 lab up1 up
assert_eq 0 "$LAB_RC" "lab.sh up on nothing: $(tail -30 "$TMP/up1.out")"
kv=$(kubectl version --client | grep -oE '[0-9]+\.[0-9]+\.[0-9]+' | head -1)
has up1 "lab.sh: kind 0.30.0, kubectl $kv, cilium CLI 0.19.0, hubble 1.19.0"
has up1 "lab.sh: installs Cilium 1.19.0 (CILIUM_VERSION), kind node image kindest/node:v1.31.4"
assert_eq "['koornacht', 'tion']" "$(state 'sorted(d["clusters"])')" "clusters"
for c in koornacht tion; do
    assert_eq "kindest/node:v1.31.4 1.19.0 true True" \
        "$(state "' '.join(str(x) for x in (d['clusters']['$c']['node_image'], d['clusters']['$c']['cilium']['version'], d['clusters']['$c']['cilium']['values']['clustermesh.enableEndpointSliceSynchronization'], d['clusters']['$c']['clustermesh']))")" \
        "$c: node image, Cilium, EndpointSlice sync, clustermesh"
    assert_eq "['rebel-base:0.1.0', 'x-wing:0.1.0']" "$(state "sorted(d['clusters']['$c']['images'])")" "$c: images loaded"
    assert_eq "['ConfigMap/rebel-base-response', 'Deployment/rebel-base', 'Deployment/x-wing', 'NetworkPolicy/x-wing-ingress', 'Pod/x-wing', 'Service/rebel-base']" \
        "$(state "sorted(d['clusters']['$c']['objects'])")" "$c: objects"
done
assert_eq "True False" "$(state "' '.join(str(d['clusters'][c]['hubble']) for c in ('koornacht', 'tion'))")" "Hubble on koornacht only"
assert_eq "['tion'] ['koornacht']" "$(state "' '.join(str(d['clusters'][c]['connected']) for c in ('koornacht', 'tion'))")" "connected"
for c in koornacht tion; do
    kubectl --context "kind-$c" exec deploy/x-wing -- xwing -n 4 --expect-only "${c^}" rebel-base >"$TMP/x.out" 2>&1 ||
        fail "x-wing in $c does not reach its own rebel-base after up: $(cat "$TMP/x.out")"
done

# --- up again on everything: nothing created twice --------------------------------------
mark=$(wc -l <"$FAKE_STATE/calls.log")
lab up2 up
assert_eq 0 "$LAB_RC" "lab.sh up again: $(tail -30 "$TMP/up2.out")"
again=$(tail -n +"$((mark + 1))" "$FAKE_STATE/calls.log")
for c in "kind create" "kubectl --context kind-tion create" "cilium install" "cilium hubble enable" "cilium clustermesh enable" "cilium clustermesh connect"; do
    ! grep -q "^$c" <<<"$again" || fail "up again ran '$c': $again"
done
for c in koornacht tion; do has up2 "kind cluster $c exists: keeping it"; has up2 "kind-$c: Cilium 1.19.0 is installed: keeping it"; done
has up2 "kind-koornacht: Hubble (relay and UI) is enabled: keeping it"
has up2 "kind-tion has a cilium-ca: keeping it"
has up2 "kind-tion: clustermesh is enabled: keeping it"
has up2 "kind-koornacht and kind-tion are connected: keeping it"
CILIUM_VERSION=1.18.2 lab up3 up
assert_eq 0 "$LAB_RC" "lab.sh up with another CILIUM_VERSION: $(tail -20 "$TMP/up3.out")"
has up3 "note: kind-koornacht runs Cilium 1.19.0, not CILIUM_VERSION=1.18.2: keeping it"
# ... and the stand-ins refuse what up must not repeat, as the real tools do.
for cmd in "kind create cluster --name tion --config $ROOT/k8s/kind/tion.yaml" \
    "cilium install --context kind-tion --set cluster.name=tion" \
    "cilium clustermesh enable --service-type NodePort --context kind-tion" \
    "kubectl --context kind-tion exec deploy/y-wing -- xwing rebel-base"; do
    # shellcheck disable=SC2086 # the command's words
    if $cmd >"$TMP/refuse.out" 2>&1; then fail "the stand-in accepted: $cmd"; fi
done
grep -q 'not found' "$TMP/refuse.out" || fail "exec into a missing Deployment: $(cat "$TMP/refuse.out")"

# --- kind-load: the fallback differs from what failed ------------------------------------
"$PY" - "$FAKE_STATE/state.json" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
for c in d["clusters"].values():
    c["images"] = []
json.dump(d, open(sys.argv[1], "w"))
PY
mark=$(wc -l <"$FAKE_STATE/calls.log")
FAKE_KIND_LOAD_BROKEN=1 bash "$ROOT/k8s/kind-load.sh" >"$TMP/load1.out" 2>&1 || fail "kind-load fallback: $(cat "$TMP/load1.out")"
grep -q "importing into each node without --all-platforms" "$TMP/load1.out" || fail "no fallback note: $(cat "$TMP/load1.out")"
tried=$(tail -n +"$((mark + 1))" "$FAKE_STATE/calls.log")
grep -qx "docker exec -i tion-worker2 ctr -n k8s.io images import --snapshotter=overlayfs -" <<<"$tried" || fail "no per-node import: $tried"
! grep -q "image-archive\|--all-platforms" <<<"$tried" || fail "the fallback repeats the all-platforms import: $tried"
assert_eq "['rebel-base:0.1.0', 'x-wing:0.1.0']" "$(state "sorted(d['clusters']['tion']['images'])")" "images loaded by the fallback"
if FAKE_CTR_BROKEN=1 bash "$ROOT/k8s/kind-load.sh" >"$TMP/load2.out" 2>&1; then fail "kind-load succeeded with every import broken"; fi
grep -q "turn off Docker's containerd image store" "$TMP/load2.out" || fail "no advice when both fail: $(cat "$TMP/load2.out")"

# --- teardown ---------------------------------------------------------------------------
lab down1 teardown
assert_eq 0 "$LAB_RC" "teardown: $(out down1)"
assert_eq "[]" "$(state 'sorted(d["clusters"])')" "clusters after teardown"
grep -q "No kind clusters found." <<<"$(kind get clusters 2>&1)" || fail "kind still lists clusters"
lab down2 teardown
assert_eq 0 "$LAB_RC" "teardown again: $(out down2)"
note "up: $(grep -c . "$FAKE_STATE/calls.log") stand-in calls in all"
