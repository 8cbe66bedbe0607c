#!/usr/bin/env python3
"""Stand-ins for kind, cilium, kubectl, docker, hubble and make, for testing k8s/lab.sh here.

    fake.py TOOL ARGS...      (tests/k8s/fake/bin/TOOL runs it; put that first on PATH)

They keep the state of two kind clusters in $FAKE_STATE/state.json (clusters, Cilium and
its Helm values, Hubble, clustermesh, connections, loaded images, applied objects with
their last-applied copy, replicas) and fail the way the real tools do where lab.sh could
trip: creating a cluster that exists, installing Cilium twice, enabling clustermesh twice,
exec into a pod that does not exist, apply of an object the API server would refuse
(schema-checked with tests/k8s/validate.mjs when $FAKE_VALIDATE names it), a CRD kind
before Cilium is installed, a rollout whose image was never loaded, `kubectl create -f -` of
an object with a resourceVersion or of one that exists, a `cilium install` over a cilium-ca
Helm cannot adopt, `cilium clustermesh connect` of clusters whose Cilium CAs differ (from
cilium CLI 0.19.0 on; kube-system/cilium-ca, the CA section below). Where the real tool's
behaviour on a repeat is not certain (hubble enable, clustermesh connect) they fail too:
stricter than real, so lab.sh must not repeat them.

MCS-API: `cilium install`/`upgrade` with clustermesh.mcsapi.enabled (Cilium >= 1.17) brings
the ServiceExport/ServiceImport CRDs and the cilium-config key clustermesh-enable-mcs-api. A
ServiceImport appears in a cluster $FAKE_MCS_DELAY (default 3) stand-in calls after an export
reaches it (a delay counted in calls, not time, so a test is not timing-dependent) and goes
when no cluster exports the name any more; each cluster's CoreDNS has the version
$FAKE_COREDNS_VERSION (default 1.12.2) had when the cluster was created.

`kubectl exec ... xwing ARGS TARGET` asks tests/k8s/mesh_model.py which rebel-base pods the
requests reach and which are dropped, then runs the real xwing ($FAKE_XWING) against
local rebel-base servers standing in for each cluster's pods ($FAKE_BACKEND_koornacht,
$FAKE_BACKEND_tion, host:port) and a refused port for each dropped one ($FAKE_DEAD), so
lab.sh's own xwing flags decide PASS or FAIL. A drop is a refused connection here, not a
timeout: faster, and an expectation of failure holds either way.

Architectures: the Docker engine's is $FAKE_ENGINE_ARCH (amd64 or arm64, default amd64), what
`make images` builds under the plain tag NAME:VERSION; `make images PLATFORM=linux/ARCH` builds
another one as NAME:VERSION-ARCH, as docker/platforms.sh names them. `docker image inspect
--format {{.Architecture}}` says which. A kind cluster's nodes run on $FAKE_NODE_ARCH (as
`uname -m` says it: x86_64 or aarch64, default x86_64) as it was when the cluster was created;
`docker exec NODE uname -m` answers it. Each image a node imports keeps its architecture, and
`ctr images tag` copies it: a pod whose image is another architecture than its node's never
becomes ready (exec format error).

Versions: FAKE_PROFILE=oldest stands in for the oldest release of each tool lab.sh supports,
pinned (the default) for the release it is read against (PROFILES below); each prints that
release's output as upstream's source writes it (the format strings are cited where they
are printed). FAKE_KIND_VERSION, FAKE_CILIUM_CLI_VERSION, FAKE_HUBBLE_VERSION and
FAKE_KUBECTL_VERSION override one tool. What differs between releases and matters to lab.sh:
`cilium clustermesh status` prints a "Global services" count only before cilium-cli
v0.18.8, from the agents' count, which Cilium 1.19 agents no longer report (so 0);
`cilium clustermesh inspect-policy-default-local-cluster` exists from v0.18.5 on (before,
cobra prints the clustermesh help and exits 0); `cilium-dbg status --all-clusters` in the
agent has no MCS-API count before Cilium 1.17 and no global-services count from 1.19; kind
before v0.27 cannot read a containerd 2 node's config (version 3), so `kind load` fails on it.

Hubble (`hubble observe`): each request dropped by policy is a drop event (verdict DROPPED,
printed DROPPED) and a policy-verdict event (verdict DROPPED, printed DENIED), both with
drop_reason_desc POLICY_DENIED; FAKE_HUBBLE_EVENTS (default "drop,policy-verdict") keeps
the kinds a cluster emits (Helm bpf.events.drop.enabled=false leaves policy-verdict only),
FAKE_DROP_REASON makes the drops another reason's (then no policy-verdict event);
FAKE_HUBBLE_EVENTS=none records nothing (Hubble that saw no drop).

Snapshotters: a node's containerd has the snapshotter $FAKE_SNAPSHOTTER (default overlayfs)
and the version $FAKE_NODE_CONTAINERD (default that of the profile's kind node image);
`containerd config dump` prints its config as containerd 1.x (version 2) or 2.x (version
3) does. An import unpacks into the snapshotter `--snapshotter` names, else overlayfs
(containerd's default); a pod whose image is not unpacked in its node's snapshotter never
starts (containerd prepares the container's snapshot from the unpacked layers).

Every call is appended to $FAKE_STATE/calls.log. Knobs: FAKE_DOCKER_DOWN=1, FAKE_DOCKER_MEM
(bytes), FAKE_KIND_LOAD_BROKEN=1 (imports with --all-platforms fail, as with Docker's
containerd image store), FAKE_CTR_BROKEN=1 (every import fails), FAKE_ENGINE_ARCH,
FAKE_NODE_ARCH, FAKE_PODS_STUCK=CLUSTER (its rebel-base pods never go away after a scale
to 0: `kubectl wait --for=delete` times out). In the state, "xwing_fail": N makes the next
N `kubectl exec ... xwing` calls answer as if every request were refused (a mesh not yet
converged), so a scenario sees lab.sh retry; "xwing_at" lists when the last 50 ran.
Commands lab.sh does not use exit 3 with "unsupported", so a new command in lab.sh shows
up here first.
"""
import fcntl
import json
import os
import re
import sys

# Imported where used (subprocess, tempfile, hashlib, base64, signal): every stand-in call
# starts a Python, and lab.sh makes a few hundred of them.
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
import k8s_objects  # noqa: E402
import mesh_model  # noqa: E402

STATE_DIR = os.environ.get("FAKE_STATE", "")
STDIN = ""
ENV = os.environ


# oldest: the minimums lab.sh checks (k8s/README.md says why each); pinned: kind's newest
# release read, the cilium-cli and hubble of Cilium 1.19.0 (its CI pins cilium-cli v0.19.0:
# .github/actions/set-env-variables/action.yml:16), kubectl: the one installed here.
# cilium-default is the stand-in's own (lab.sh always passes --version).
# node_containerd: what the kind release's node images run (kind v0.27.0 and v0.30.0
# images/base/Dockerfile:125).
PROFILES = {
    "oldest": {"kind": "0.27.0", "cilium-cli": "0.15.0", "cilium-default": "1.13.4", "hubble": "1.16.0",
               "kubectl": "1.21.0", "node_containerd": "2.0.2"},
    "pinned": {"kind": "0.30.0", "cilium-cli": "0.19.0", "cilium-default": "1.19.0", "hubble": "1.19.0",
               "kubectl": None, "node_containerd": "2.1.4"},
}
KNOBS = {"kind": "FAKE_KIND_VERSION", "cilium-cli": "FAKE_CILIUM_CLI_VERSION", "hubble": "FAKE_HUBBLE_VERSION",
         "kubectl": "FAKE_KUBECTL_VERSION", "node_containerd": "FAKE_NODE_CONTAINERD"}


def ver(tool):
    """The version the stand-in for TOOL is (x.y.z), None for the real kubectl's."""
    profile = ENV.get("FAKE_PROFILE", "pinned")
    if profile not in PROFILES:
        raise Fail(f"fake: FAKE_PROFILE is oldest or pinned, not {profile!r}", 3)
    return ENV.get(KNOBS.get(tool, ""), "") or PROFILES[profile][tool]


def vt(v):
    return mesh_model.version_tuple(v)


class Fail(Exception):
    def __init__(self, msg, code=1):
        super().__init__(msg)
        self.code = code


def unsupported(tool, args):
    raise Fail(f"fake {tool}: unsupported: {' '.join(args)}", 3)


# --- state --------------------------------------------------------------------------
class State:
    def __init__(self):
        if not STATE_DIR:
            raise Fail("fake: FAKE_STATE is not set", 3)
        os.makedirs(STATE_DIR, exist_ok=True)
        self.path = os.path.join(STATE_DIR, "state.json")
        self.lock = open(os.path.join(STATE_DIR, "lock"), "w")
        fcntl.flock(self.lock, fcntl.LOCK_EX)
        self.text = ""
        try:
            with open(self.path) as f:
                self.text = f.read()
            self.d = json.loads(self.text)
        except FileNotFoundError:
            self.d = {"images": {"debian:bookworm-slim": {"labels": {}, "size": 74_000_000}},
                      "clusters": {}, "flows": {}, "port_forward": None}

    def save(self):
        text = json.dumps(self.d, indent=1)
        if text == self.text:
            return
        tmp = f"{self.path}.{os.getpid()}"
        with open(tmp, "w") as f:
            f.write(text)
        os.replace(tmp, self.path)
        self.text = text

    def cluster(self, name, what="cluster"):
        c = self.d["clusters"].get(name)
        if c is None:
            raise Fail(f'error: context "kind-{name}" does not exist' if what == "context"
                       else f'ERROR: no nodes found for cluster "{name}"')
        return c


def context_cluster(ctx):
    if not ctx or not ctx.startswith("kind-"):
        raise Fail(f'error: context "{ctx}" does not exist' if ctx else
                   "error: no context given (lab.sh always passes --context)", 1 if ctx else 3)
    return ctx[5:]


def opt(args, name, default=None):
    """Removes `--name value` / `--name=value` from ARGS; returns the value."""
    for i, a in enumerate(args):
        if a == name and i + 1 < len(args):
            v = args[i + 1]
            del args[i:i + 2]
            return v
        if a.startswith(name + "="):
            del args[i]
            return a.split("=", 1)[1]
    return default


def flag(args, name):
    if name in args:
        args.remove(name)
        return True
    return False


def multi(args, name):
    out = []
    while True:
        v = opt(args, name)
        if v is None:
            return out
        out.append(v)


# --- docker -------------------------------------------------------------------------
MACHINES = {"x86_64": "amd64", "aarch64": "arm64"}  # uname -m -> Docker's architecture names


def engine_arch():
    return ENV.get("FAKE_ENGINE_ARCH", "amd64")


def node_arch(c):
    """Docker's name of the cluster's nodes' architecture (None for one it has no images of)."""
    return MACHINES.get(c.get("machine", "x86_64"))


def docker(st, args):
    if ENV.get("FAKE_DOCKER_DOWN") == "1":
        raise Fail("Cannot connect to the Docker daemon at unix:///var/run/docker.sock. Is the docker daemon running?")
    cmd = args[:2] if args[:1] == ["image"] else args[:1]
    rest = args[len(cmd):]
    if cmd == ["info"]:
        fmt = opt(rest, "--format") or opt(rest, "-f")
        print(ENV.get("FAKE_DOCKER_MEM", "25000000000") if fmt and "MemTotal" in fmt else "Server Version: 28.2.2")
    elif cmd == ["version"]:
        print("28.2.2")
    elif cmd == ["image", "inspect"]:
        docker_inspect(st, rest)
    elif cmd == ["pull"]:
        raise Fail("Error response from daemon: pull access denied (stand-in: no registry)")
    elif cmd == ["build"]:
        tag, labels = opt(rest, "-t"), multi(rest, "--label")
        st.d["images"][tag] = {"labels": dict(lbl.split("=", 1) for lbl in labels), "size": 230_000,
                               "arch": engine_arch()}
        print("sha256:" + "0" * 64)
    elif cmd == ["save"]:
        out = opt(rest, "-o")
        img = rest[-1]
        if img not in st.d["images"]:
            raise Fail(f"Error response from daemon: reference does not exist: {img}")
        data = f"fake image archive {img}\n".encode()
        if out:
            open(out, "wb").write(data)
        else:
            sys.stdout.buffer.write(data)
    elif cmd == ["exec"]:
        docker_exec(st, rest)
    else:
        unsupported("docker", args)


def docker_inspect(st, rest):
    fmt = opt(rest, "--format") or opt(rest, "-f")
    img = rest[0]
    meta = st.d["images"].get(img)
    if meta is None:
        print("[]")
        raise Fail(f"Error: No such image: {img}")
    if fmt and fmt.strip() == "{{.Architecture}}":
        print(meta.get("arch", engine_arch()))
    elif fmt and "org.rbxw.sources" in fmt:
        print(meta["labels"].get("org.rbxw.sources", "<no value>"))
    elif fmt and ".Size" in fmt:
        print(meta["size"])
    else:
        print(json.dumps([{"RepoTags": [img]}]))


def docker_exec(st, rest):
    flag(rest, "-i")
    node = rest[0]
    cluster = next((n for n, c in st.d["clusters"].items() if node in c["nodes"]), None)
    if cluster is None:
        raise Fail(f"Error response from daemon: No such container: {node}")
    if rest[1:] == ["uname", "-m"]:
        print(st.d["clusters"][cluster].get("machine", "x86_64"))
        return
    if rest[1:5] == ["ctr", "-n", "k8s.io", "images"] and rest[5:6] == ["tag"]:
        ctr_tag(st, cluster, rest[6:])
        return
    if rest[1:] == ["containerd", "config", "dump"]:
        print(containerd_config(st.d["clusters"][cluster]), end="")
        return
    if rest[1:5] != ["ctr", "-n", "k8s.io", "images"] or rest[5:6] != ["import"] or rest[-1:] != ["-"]:
        unsupported("docker", ["exec"] + rest)
    flags = rest[6:-1]
    all_platforms = flag(flags, "--all-platforms")
    snap = opt(flags, "--snapshotter")
    if flags:
        unsupported("docker", ["exec"] + rest)
    m = re.match(r"fake image archive (\S+)", STDIN)
    if not m:
        raise Fail("ctr: unrecognized image format")
    import_image(st, cluster, m.group(1), all_platforms, snap or "overlayfs")


def containerd_config(c):
    """The part of `containerd config dump` that names the CRI snapshotter. containerd 2
    prints config version 3 (v2.0.2 cmd/containerd/command/config.go:73, version/version.go:40)
    with go-toml v2, which quotes dotted keys and strings with '...' and indents tables
    (marshaler.go:588-620, :471); containerd 1.7 prints version 2 with go-toml v1 ("...")."""
    snap = c.get("snapshotter", "overlayfs")
    if vt(c.get("containerd", "2.1.4")) >= (2, 0, 0):
        return (f"version = 3\nroot = '/var/lib/containerd'\nstate = '/run/containerd'\n\n[plugins]\n"
                f"  [plugins.'io.containerd.cri.v1.images']\n    snapshotter = '{snap}'\n"
                f"    disable_snapshot_annotations = true\n\n"
                f"  [plugins.'io.containerd.transfer.v1.local']\n    max_concurrent_downloads = 3\n")
    return (f'version = 2\nroot = "/var/lib/containerd"\nstate = "/run/containerd"\n\n[plugins]\n\n'
            f'  [plugins."io.containerd.grpc.v1.cri"]\n    sandbox_image = "registry.k8s.io/pause:3.10"\n\n'
            f'    [plugins."io.containerd.grpc.v1.cri".containerd]\n      snapshotter = "{snap}"\n'
            f'      default_runtime_name = "runc"\n')


def import_image(st, cluster, image, all_platforms, snapshotter):
    if ENV.get("FAKE_CTR_BROKEN") == "1" or (all_platforms and ENV.get("FAKE_KIND_LOAD_BROKEN") == "1"):
        raise Fail("ctr: content digest sha256:" + "1" * 64 + ": not found")
    add_image(st.d["clusters"][cluster], image, st.d["images"].get(image, {}).get("arch", engine_arch()), snapshotter)


def add_image(c, image, arch, snapshotter):
    if image not in c["images"]:
        c["images"].append(image)
    c.setdefault("image_arch", {})[image] = arch
    c.setdefault("unpacked", {})[image] = snapshotter


# containerd names an imported docker.io image in full; the stand-in keeps the short name.
HUB = "docker.io/library/"


def ctr_tag(st, cluster, args):
    """ctr -n k8s.io images tag [--force] SOURCE TARGET: a second name for an image."""
    force = flag(args, "--force")
    if len(args) != 2:
        unsupported("docker", ["exec", "NODE", "ctr", "-n", "k8s.io", "images", "tag"] + args)
    c = st.d["clusters"][cluster]
    src, dst = args
    short = src[len(HUB):] if src.startswith(HUB) else None
    if short not in c["images"]:
        raise Fail(f'ctr: image "{src}": not found')
    if not dst.startswith(HUB):
        unsupported("docker", ["exec", "NODE", "ctr", "images", "tag", src, dst])
    if dst[len(HUB):] in c["images"] and not force:
        raise Fail(f'ctr: image "{dst}": already exists')
    add_image(c, dst[len(HUB):], c.get("image_arch", {}).get(short, engine_arch()),
              c.get("unpacked", {}).get(short, "overlayfs"))
    print(dst)


# --- kind ---------------------------------------------------------------------------
def host_ports(path):
    return set(re.findall(r"hostPort:\s*(\d+)", open(path).read()))


def kind(st, args):
    if args == ["version"]:
        # kind v0.27.0 pkg/cmd/kind/version/version.go:53 (DisplayVersion), the same in v0.30.0
        print(f"kind v{ver('kind')} go1.24.6 linux/amd64")
    elif args == ["get", "clusters"]:
        names = sorted(st.d["clusters"])
        if names:
            print("\n".join(names))
        else:
            print("No kind clusters found.", file=sys.stderr)
    elif args[:2] == ["get", "nodes"]:
        name = opt(args, "--name", "kind")
        print("\n".join(st.cluster(name)["nodes"]))
    elif args[:2] == ["create", "cluster"]:
        kind_create(st, args[2:])
    elif args[:2] == ["delete", "cluster"]:
        name = opt(args, "--name", "kind")
        print(f'Deleting cluster "{name}" ...')
        st.d["clusters"].pop(name, None)
    elif args[:2] == ["load", "docker-image"] or args[:2] == ["load", "image-archive"]:
        kind_load(st, args)
    else:
        unsupported("kind", args)


def kind_create(st, args):
    name, config, image = opt(args, "--name", "kind"), opt(args, "--config"), opt(args, "--image")
    if args:
        unsupported("kind", ["create", "cluster"] + args)
    if ENV.get("FAKE_DOCKER_DOWN") == "1":
        raise Fail("ERROR: failed to create cluster: failed to list nodes: command \"docker ps\" failed: "
                   "Cannot connect to the Docker daemon")
    if name in st.d["clusters"]:
        raise Fail(f'ERROR: failed to create cluster: node(s) already exist for a cluster with the name "{name}"')
    if not config or not os.path.exists(config) or "kind: Cluster" not in open(config).read():
        raise Fail(f"ERROR: failed to create cluster: error reading config {config!r}")
    for other in st.d["clusters"].values():
        taken = host_ports(config) & host_ports(other["config"])
        if taken:
            raise Fail(f"ERROR: failed to create cluster: docker run: Bind for 0.0.0.0:{min(taken)} failed: "
                       "port is already allocated")
    workers = open(config).read().count("role: worker")
    nodes = [f"{name}-control-plane"] + [f"{name}-worker" + (str(i + 1) if i else "") for i in range(workers)]
    st.d["clusters"][name] = {"config": os.path.abspath(config), "node_image": image, "nodes": nodes,
                              "images": [], "cilium": None, "hubble": False, "clustermesh": False,
                              "connected": [], "objects": {}, "last_applied": {},
                              "replicas": {}, "coredns": ENV.get("FAKE_COREDNS_VERSION", "1.12.2"),
                              "machine": ENV.get("FAKE_NODE_ARCH", "x86_64"),
                              "containerd": ver("node_containerd"),
                              "snapshotter": ENV.get("FAKE_SNAPSHOTTER", "overlayfs")}
    print(f'Creating cluster "{name}" ...\nSet kubectl context to "kind-{name}"')


def kind_load(st, args):
    how = args[1]
    name = opt(args, "--name", "kind")
    c = st.cluster(name)
    if how == "docker-image":
        image = args[2]
        if image not in st.d["images"]:
            raise Fail(f'ERROR: image: "{image}" not present locally')
    else:
        m = re.match(r"fake image archive (\S+)", open(args[2]).read())
        image = m.group(1)
    # kind reads the node's snapshotter from `containerd config dump`; before v0.27.0 it knew
    # config version 2 only, which containerd 2 no longer prints (kind v0.26.0 vs v0.27.0
    # pkg/cluster/nodeutils/util.go:105 vs :110-122).
    if vt(c.get("containerd", "2.1.4")) >= (2, 0, 0) and vt(ver("kind")) < (0, 27, 0):
        raise Fail("ERROR: failed to detect containerd snapshotter")
    snap = c.get("snapshotter", "overlayfs")
    try:
        import_image(st, name, image, True, snap)
    except Fail as e:
        # kind v0.30.0 pkg/cluster/nodeutils/util.go:86
        raise Fail(f'ERROR: failed to load image: command "docker exec --privileged -i {c["nodes"][0]} ctr '
                   f'--namespace=k8s.io images import --all-platforms --digests --snapshotter={snap} -" '
                   f"failed with error: exit status 1\nCommand Output: {e}")
    print(f'Image: "{image}" with ID "sha256:..." not yet present on node "{c["nodes"][0]}", loading...')


# --- cilium -------------------------------------------------------------------------
def cilium(st, args):
    ctx = opt(args, "--context")
    if args[:1] == ["version"]:
        # cilium/cilium cilium-cli/cli/version.go (newCmdVersion), the same lines since v0.15;
        # the stable version is fetched from GitHub, which the stand-in does not reach.
        print(f"cilium-cli: v{ver('cilium-cli')} compiled with go1.24.6 on linux/amd64\n"
              f"cilium image (default): v{ver('cilium-default')}\ncilium image (stable): unknown")
        return
    name = context_cluster(ctx)
    c = st.cluster(name, "context")
    if args[:1] == ["install"]:
        cilium_install(st, c, name, args[1:])
    elif args[:1] == ["upgrade"]:
        cilium_upgrade(st, c, name, args[1:])
    elif args[:1] == ["status"]:
        need_cilium(c)
        print(f"Cilium: OK\nOperator: OK\nEnvoy DaemonSet: OK\nCluster Pods: {len(pods_of(c))}/{len(pods_of(c))} managed by Cilium")
    elif args[:2] == ["hubble", "enable"]:
        need_cilium(c)
        if c["hubble"]:
            raise Fail("Error: Unable to enable Hubble: it is already enabled (stand-in: stricter than real)")
        c["hubble"] = True
        print("✅ Hubble was successfully enabled!")
    elif args[:2] == ["hubble", "port-forward"]:
        port_forward(st, c, name)
    elif args[:2] == ["clustermesh", "enable"]:
        need_cilium(c)
        if c["clustermesh"]:
            raise Fail("Error: Unable to enable ClusterMesh: cannot re-use a name that is still in use")
        c["clustermesh"] = True
    elif args[:2] == ["clustermesh", "status"]:
        clustermesh_status(st, c, name)
    elif args[:2] == ["clustermesh", "connect"]:
        allow = flag(args, "--allow-mismatching-ca")
        clustermesh_connect(st, c, name, context_cluster(opt(args, "--destination-context")), allow)
    elif args[:2] == ["clustermesh", "inspect-policy-default-local-cluster"]:
        inspect_policy_default(c, args[2:])
    else:
        unsupported("cilium", args)


def need_cilium(c):
    if not c["cilium"]:
        raise Fail("Error: Unable to determine status: cilium daemonset not found (Cilium is not installed)")


def cilium_install(st, c, name, args):
    version = opt(args, "--version", ver("cilium-default"))
    values = dict(v.split("=", 1) for v in multi(args, "--set"))
    if args:
        unsupported("cilium", ["install"] + args)
    if c["cilium"]:
        raise Fail("Error: Unable to install Cilium: cannot re-use a name that is still in use")
    if values.get("cluster.name") != name:
        raise Fail(f"cluster.name {values.get('cluster.name')!r} is not the cluster's name {name!r} (the lab's rule)", 3)
    helm_ca(st, c, version.lstrip("v"), install=True)
    c["cilium"] = {"version": version.lstrip("v"), "values": values}
    print(f"ℹ️  Using Cilium version {version}\n🔮 Auto-detected cluster name: kind-{name}")


def cilium_upgrade(st, c, name, args):
    """A Helm upgrade: without --reuse-values the chart's defaults replace every value
    given before; without --version the CLI's own default version is installed."""
    version = opt(args, "--version", ver("cilium-default"))
    reuse = flag(args, "--reuse-values")
    values = dict(v.split("=", 1) for v in multi(args, "--set"))
    if args:
        unsupported("cilium", ["upgrade"] + args)
    if not c["cilium"]:
        raise Fail("Error: Unable to upgrade Cilium: cilium is not installed (no Helm release \"cilium\")")
    merged = {**c["cilium"]["values"], **values} if reuse else values
    if merged.get("cluster.name") != name:
        raise Fail(f"cluster.name {merged.get('cluster.name')!r} is not the cluster's name {name!r} "
                   "(an upgrade without --reuse-values drops it)", 3)
    helm_ca(st, c, version.lstrip("v"), install=False)
    c["cilium"] = {"version": version.lstrip("v"), "values": merged}
    print(f"ℹ️  Upgrading Cilium to version {version}")


# --- the Cilium CA -------------------------------------------------------------------
# Each `cilium install` renders the chart's templates/cilium-ca-secret.yaml (v1.19.0; on by
# default, for Hubble's TLS): kube-system/cilium-ca with ca.crt and ca.key, the CA of
# "cilium.ca.setup" (_helpers.tpl:73-90): the one of a cilium-ca it finds (lookup), else a
# fresh genCA "Cilium CA". Helm's release labels and annotations go on it; an existing one
# without them Helm refuses to adopt. The stand-in's CA is no real certificate: ca.crt is a
# PEM block around "stand-in Cilium CA, subject key id ID", ID random per CA, and two CAs
# match when their IDs do (the CLI compares the certificates' SubjectKeyId,
# cilium-cli/clustermesh/clustermesh.go:1176 of the main snapshot).
CA_SECRET = "cilium-ca"
HELM_OWNER = {"labels": {"app.kubernetes.io/managed-by": "Helm"},
              "annotations": {"meta.helm.sh/release-name": "cilium", "meta.helm.sh/release-namespace": "kube-system"}}


def b64(text):
    import base64
    return base64.b64encode(text.encode()).decode()


def unb64(text):
    import base64
    return base64.b64decode(text).decode(errors="replace")


def pem(kind, text):
    body = b64(text)
    lines = "\n".join(body[i:i + 64] for i in range(0, len(body), 64))
    return f"-----BEGIN {kind}-----\n{lines}\n-----END {kind}-----\n"


def new_meta(st, name, ns):
    """What the API server sets on a created object: uid, creationTimestamp, resourceVersion."""
    import time
    import uuid
    return {"name": name, "namespace": ns, "uid": str(uuid.uuid4()),
            "creationTimestamp": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
            "resourceVersion": next_rv(st)}


def next_rv(st):
    st.d["rv"] = st.d.get("rv", 1000) + 1
    return str(st.d["rv"])


def ca_id(secret):
    """The CA's subject key id, None for a ca.crt that holds no stand-in CA."""
    import binascii
    try:
        lines = unb64((secret.get("data") or {}).get("ca.crt", "")).splitlines()
        m = re.search(r"subject key id ([0-9a-f]+)", unb64("".join(x for x in lines if not x.startswith("-----"))))
    except (binascii.Error, ValueError):
        return None
    return m.group(1) if m else None


def ownership_error(meta, release="cilium", ns="kube-system"):
    """Helm's checkOwnership (helm v4.1.4 pkg/action/validate.go:106-143), None when adoptable."""
    errs = []
    for where, key, want in (("label", "app.kubernetes.io/managed-by", "Helm"),
                             ("annotation", "meta.helm.sh/release-name", release),
                             ("annotation", "meta.helm.sh/release-namespace", ns)):
        have = (meta.get(where + "s") or {}).get(key)
        if have is None:
            errs.append(f'{where} validation error: missing key "{key}": must be set to "{want}"')
        elif have != want:
            errs.append(f'{where} validation error: key "{key}" must equal "{want}": current value is "{have}"')
    return "invalid ownership metadata; " + "; ".join(errs) if errs else None


def helm_ca(st, c, version, install):
    """The chart's cilium-ca as Helm installs or upgrades it: the CA of the cilium-ca there is
    kept (lookup), else a new one; an install refuses a cilium-ca Helm cannot adopt (helm
    v4.1.4 pkg/action/install.go:413 and validate.go:95; Helm 3 words the prefix "rendered
    manifests contain a resource that already exists. Unable to continue with install")."""
    secrets = c.setdefault("secrets", {})
    s = secrets.get(CA_SECRET)
    if s is not None and install:
        err = ownership_error(s["metadata"])
        if err:
            raise Fail(f'Error: Unable to install Cilium: unable to continue with install: Secret "{CA_SECRET}" in '
                       f'namespace "kube-system" exists and cannot be imported into the current release: {err}')
    if s is None:
        key_id = os.urandom(20).hex()
        s = {"apiVersion": "v1", "kind": "Secret", "metadata": new_meta(st, CA_SECRET, "kube-system"), "type": "Opaque",
             "data": {"ca.crt": b64(pem("CERTIFICATE", f"stand-in Cilium CA, subject key id {key_id}")),
                      "ca.key": b64(pem("RSA PRIVATE KEY", f"stand-in Cilium CA key {key_id}"))}}
        secrets[CA_SECRET] = s
    else:
        s["metadata"]["resourceVersion"] = next_rv(st)
    labels = dict(HELM_OWNER["labels"])
    # the chart's own label, from v1.19.0 (templates/cilium-ca-secret.yaml:17; not in 1.18.0)
    if vt(version) >= (1, 19, 0):
        labels["cilium.io/helm-template-non-idempotent"] = "true"
    s["metadata"]["labels"] = {**(s["metadata"].get("labels") or {}), **labels}
    s["metadata"]["annotations"] = {**(s["metadata"].get("annotations") or {}), **HELM_OWNER["annotations"]}


def mcs_cluster(c):
    return mesh_model.Cluster("x", [], cilium=c["cilium"]["version"], values=c["cilium"]["values"]) \
        if c["cilium"] else None


def mcs_crds(c):
    m = mcs_cluster(c)
    return bool(m and m.mcs() and str(c["cilium"]["values"].get("clustermesh.mcsapi.installCRDs", "true")) != "false")


def port_forward(st, c, name):
    if not c["hubble"]:
        raise Fail("Error: Unable to port forward: hubble-relay not found")
    import signal
    st.d["port_forward"] = {"pid": os.getpid(), "cluster": name}
    st.save()
    st.lock.close()
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    print("ℹ️  Hubble Relay is available at 127.0.0.1:4245", flush=True)
    while True:
        signal.pause()


def global_services_of(st, other):
    """The Services cluster OTHER shares with the mesh: global, and not shared=false."""
    n = 0
    for key, o in st.d["clusters"][other]["objects"].items():
        ann = o["metadata"].get("annotations") or {}
        if key.startswith("Service/") and ann.get("service.cilium.io/global") == "true" \
                and ann.get("service.cilium.io/shared") != "false":
            n += 1
    return n


def global_services(st, name):
    return sum(global_services_of(st, other) for other in st.d["clusters"]
               if other != name and other in st.d["clusters"][name]["connected"])


def agent_global_services(st, name):
    """The agents' global-services count: Cilium 1.19 agents no longer report it (v1.19.0
    Documentation/operations/upgrade.rst:386, pkg/client/client.go:443), so it reads 0."""
    c = st.d["clusters"][name]
    return 0 if vt(c["cilium"]["version"]) >= (1, 19, 0) else global_services(st, name)


def clustermesh_status(st, c, name):
    need_cilium(c)
    if not c["clustermesh"]:
        raise Fail("Error: Unable to determine status: clustermesh-apiserver deployment not found")
    print('✅ Service "clustermesh-apiserver" of type "NodePort" found\n✅ Deployment clustermesh-apiserver is ready')
    if not c["connected"]:
        print("🔌 No cluster connected")
    for other in c["connected"]:
        print(f"🔌 Cluster Connections:\n  - {other}: 3/3 configured, 3/3 connected")
    # The line goes in cilium-cli v0.18.8 (cilium/cilium PR 41727, "remove leftover global
    # services status info"); before, cilium-cli/clustermesh/clustermesh.go printed it.
    if vt(ver("cilium-cli")) < (0, 18, 8):
        n = agent_global_services(st, name)
        print("")
        print(f"🔀 Global services: [ min:{n} / avg:{n:.1f} / max:{n} ]")


CLUSTERMESH_HELP = """Multi Cluster Management

Usage:
  cilium clustermesh [command]

Available Commands:
  connect          Connect to a remote cluster
  disable          Disable ClusterMesh ability in a cluster using Helm
  disconnect       Disconnect from a remote cluster
  enable           Enable ClusterMesh ability in a cluster using Helm
  external-workload External Workload Management
  status           Show status of ClusterMesh

Flags:
  -h, --help   help for clustermesh

Use "cilium clustermesh [command] --help" for more information about a command."""


def inspect_policy_default(c, args):
    """Which policies policy-default-local-cluster changes: cilium/cilium
    cilium-cli/clustermesh/clustermesh.go (PolicyDefaultLocalClusterInspect, outputDiffMap:
    "%s %s %d/%d" then "\t%s %s" per policy, unchanged of all), added by PR 39828 (June
    2025); the first CLI with it taken to be v0.18.5, the one Cilium 1.18.0's CI pins, whose
    upgrade guide documents it (v1.18.0 Documentation/operations/upgrade.rst:679). An older
    CLI has no such subcommand: cobra prints clustermesh's help and exits 0."""
    if vt(ver("cilium-cli")) < (0, 18, 5):
        print(CLUSTERMESH_HELP)
        return
    ns = opt(args, "-n") or opt(args, "--namespace") or "default"
    every = flag(args, "-A") or flag(args, "--all-namespaces")
    if args:
        unsupported("cilium", ["clustermesh", "inspect-policy-default-local-cluster"] + args)
    need_cilium(c)
    def listed(kind, changed):
        return {f"{o['metadata'].get('namespace', 'default')}/{o['metadata']['name']}": changed(o)
                for o in c["objects"].values() if o["kind"] == kind
                and (every or o["metadata"].get("namespace", "default") == ns)}
    cnps = listed("CiliumNetworkPolicy", mesh_model.changed_by_local_default)
    nps = listed("NetworkPolicy", mesh_model.np_changed_by_local_default)
    # CiliumClusterwideNetworkPolicies are listed with --all-namespaces only; the lab has none
    for kind, m in (("CiliumNetworkPolicy", cnps), ("CiliumClusterWideNetworkPolicy", {}), ("NetworkPolicy", nps)):
        if kind != "CiliumNetworkPolicy":
            print()
        changed = sum(m.values())
        print(f"{'⚠️' if changed else '✅'} {kind} {len(m) - changed}/{len(m)}")
        for pname, diff in sorted(m.items()):
            print(f"\t{'⚠️' if diff else '✅'} {pname}")


def clustermesh_connect(st, c, name, dest, allow_mismatching_ca):
    """Connects NAME and DEST when both run clustermesh. Their Cilium CAs (kube-system/cilium-ca)
    are compared first: the cilium CLI from v0.19.0 on refuses different ones unless given
    --allow-mismatching-ca (main snapshot cilium-cli/clustermesh/clustermesh.go:1236-1245,
    printed by cli/clustermesh.go:145 and cli/utils.go:14; v0.18.x has no such flag and only
    warns, v0.19.0 refuses: cilium/cilium issue 45777). Before, it warned and connected
    anyway: cilium-cli v0.15.0 ConnectWithHelm's line (later v0.1x releases word it
    differently, not modelled: the lab supports the CLIs of the two profiles)."""
    d = st.cluster(dest, "context")
    refuses = vt(ver("cilium-cli")) >= (0, 19, 0)
    if allow_mismatching_ca and not refuses:
        raise Fail("Error: unknown flag: --allow-mismatching-ca")
    for n, x in ((name, c), (dest, d)):
        if not x["clustermesh"]:
            raise Fail(f"Error: Unable to connect cluster: clustermesh is not enabled in kind-{n}")
    ids = []
    for side, x in (("local", c), ("remote", d)):
        s = x.get("secrets", {}).get(CA_SECRET)
        if s is None or ca_id(s) is None:
            # the CLI falls back on the ca.crt of the clustermesh secret; the stand-in has none
            raise Fail(f'Error: Unable to connect cluster: unable to retrieve the CA certificate: get secret "{CA_SECRET}" '
                       f'to retrieve CA: secrets "{CA_SECRET}" not found' if s is None else
                       f"Error: Unable to connect cluster: failed to parse certificate PEM for {side} CA cert")
        ids.append(ca_id(s))
    if ids[0] != ids[1]:
        local, remote = c["cilium"]["values"].get("cluster.name", name), d["cilium"]["values"].get("cluster.name", dest)
        if not refuses:
            print("⚠️ Cilium CA certificates do not match between clusters. Multicluster features will be limited!")
        elif not allow_mismatching_ca:
            raise Fail(f"Error: Unable to connect cluster: Cilium CA certificates do not match between clusters {local} "
                       f"and {remote}. Use --allow-mismatching-ca to allow this by adding remote CAs to the CA bundle")
        else:
            print(f"⚠️ Cilium CA certificates do not match between clusters {local} and {remote}. Remote cluster CA "
                  "will be trusted in the CA bundle")
    if dest in c["connected"]:
        raise Fail(f"Error: kind-{name} and kind-{dest} are already connected (stand-in: stricter than real)")
    c["connected"].append(dest)
    d["connected"].append(name)
    print(f"✅ Connected cluster kind-{name} and kind-{dest}!")


# --- hubble -------------------------------------------------------------------------
def pf_alive(st):
    pf = st.d.get("port_forward")
    if not pf:
        return None
    try:
        os.kill(pf["pid"], 0)
    except OSError:
        return None
    return pf["cluster"]


def hubble(st, args):
    if args[:1] == ["version"]:
        # cilium v1.16.0 and v1.19.0 hubble/cmd/version/version.go:29, Version "v" + VERSION
        # (hubble/Makefile:25); a release build sets no git branch or hash
        print(f"hubble v{ver('hubble')} compiled with go1.24.6 on linux/amd64")
        return
    server = opt(args, "--server")
    cluster = pf_alive(st)
    if server != "localhost:4245" or cluster is None:
        raise Fail(f"failed to connect to '{server}': connection error: desc = \"transport: Error while dialing: "
                   "dial tcp 127.0.0.1:4245: connect: connection refused\"")
    if args[:1] == ["status"]:
        print("Healthcheck (via localhost:4245): Ok\nConnected Nodes: 3/3")
    elif args[:1] == ["observe"]:
        verdict, src, dst = opt(args, "--verdict"), opt(args, "--from-label"), opt(args, "--to-label")
        last, output = int(opt(args, "--last", "20")), opt(args, "-o") or opt(args, "--output") or "compact"
        if args[1:] or output not in ("compact", "json", "jsonpb"):
            unsupported("hubble", ["observe"] + args)
        flows = [f for f in st.d["flows"].get(cluster, [])
                 if (not verdict or f["verdict"] == verdict) and (not src or f["from"] == src)
                 and (not dst or f["to"] == dst)]
        for f in flows[-last:]:
            print(flow_json(f) if output != "compact" else flow_compact(f))
    else:
        unsupported("hubble", args)


# Drop reasons: (code, as the compact printer names them) by name (v1.19.0
# api/v1/flow/flow.proto:437 and pkg/monitor/api/drop.go:36, :58).
DROP_REASONS = {"POLICY_DENIED": (133, "Policy denied"), "CT_MAP_INSERTION_FAILED": (155, "CT: Map insertion failed")}


def flow_compact(f):
    """hubble/pkg/printer/printer.go:391 (v1.19.0; :376 in v1.16.0): "%s%s: %s %s %s %s %s %s
    %s (%s)", time, node, source, its identity, arrow, destination, its identity, type,
    verdict, summary. The type of a drop is its reason, of a policy verdict
    "policy-verdict:MATCH DIRECTION" (GetFlowType); a policy verdict's DROPPED prints as
    DENIED (getVerdict, printer.go:238-241)."""
    code, text = DROP_REASONS[f["reason"]]
    if f["kind"] == "policy-verdict":
        ftype, shown = f"policy-verdict:none {f['direction']}", "DENIED"
    else:
        ftype, shown = text, f["verdict"]
    return (f"Nov 28 03:27:37.635: default/{f['src']}:41234 (ID:4242) <> default/{f['dst']}:8080 (ID:4343) "
            f"{ftype} {shown} (TCP Flags: SYN)")


def flow_json(f):
    """-o json is GetFlowsResponse in proto3's JSON mapping with the proto field names
    (hubble/cmd/observe/flows.go:665-673, api/v1/flow/flow.pb.json.go UseProtoNames), compacted
    by encoding/json: one object a line, no spaces."""
    code, _ = DROP_REASONS[f["reason"]]
    flow = {"time": "2025-11-28T03:27:37.635Z", "verdict": f["verdict"], "drop_reason": code,
            "IP": {"source": "10.1.0.15", "destination": "10.1.1.27", "ipVersion": "IPv4"},
            "l4": {"TCP": {"source_port": 41234, "destination_port": 8080, "flags": {"SYN": True}}},
            "source": {"identity": 4242, "namespace": "default", "labels": ["k8s:name=x-wing"], "pod_name": f["src"]},
            "destination": {"identity": 4343, "namespace": "default", "labels": ["k8s:name=rebel-base"],
                            "pod_name": f["dst"].split(" ")[0]},
            "Type": "L3_L4", "node_name": "koornacht-worker",
            "event_type": {"type": 5} if f["kind"] == "policy-verdict" else {"type": 1, "sub_type": code},
            "traffic_direction": f["direction"], "drop_reason_desc": f["reason"], "Summary": "TCP Flags: SYN"}
    return json.dumps({"flow": flow, "node_name": "koornacht-worker", "time": flow["time"]}, separators=(",", ":"))


# --- kubectl ------------------------------------------------------------------------
KINDS = {"service": "Service", "svc": "Service", "services": "Service", "deployment": "Deployment",
         "deployments": "Deployment", "deploy": "Deployment", "pod": "Pod", "pods": "Pod",
         "configmap": "ConfigMap", "ciliumnetworkpolicy": "CiliumNetworkPolicy",
         "ciliumnetworkpolicies": "CiliumNetworkPolicy", "cnp": "CiliumNetworkPolicy",
         "serviceexport": "ServiceExport", "serviceexports": "ServiceExport", "svcex": "ServiceExport",
         "serviceimport": "ServiceImport", "serviceimports": "ServiceImport", "svcim": "ServiceImport"}
SHOWN = {"Service": "service", "Deployment": "deployment.apps", "Pod": "pod", "ConfigMap": "configmap",
         "CiliumNetworkPolicy": "ciliumnetworkpolicy.cilium.io", "ServiceExport": "serviceexport.multicluster.x-k8s.io",
         "ServiceImport": "serviceimport.multicluster.x-k8s.io"}
PLURAL = {"Service": "services", "Deployment": "deployments.apps", "Pod": "pods", "ConfigMap": "configmaps",
          "CiliumNetworkPolicy": "ciliumnetworkpolicies.cilium.io",
          "ServiceExport": "serviceexports.multicluster.x-k8s.io", "ServiceImport": "serviceimports.multicluster.x-k8s.io"}
MCS_CRDS = {"serviceexports.multicluster.x-k8s.io", "serviceimports.multicluster.x-k8s.io"}


def real_kubectl(args, **kw):
    import subprocess
    return subprocess.run([ENV["FAKE_REAL_KUBECTL"]] + args, capture_output=True, text=True, **kw)


def kubectl(st, args):
    if args == ["version", "--client"] and ver("kubectl"):
        # kubectl v1.21.0 (k8s.io/kubectl v0.21.0) pkg/cmd/version/version.go:138: the
        # version.Info struct, %#v; from v1.28 on "Client Version: vX.Y.Z" and kustomize's
        v = ver("kubectl")
        major, minor = v.split(".")[:2]
        print(f'Client Version: version.Info{{Major:"{major}", Minor:"{minor}", GitVersion:"v{v}", '
              f'GitCommit:"cb303e613a121a29364f75cc67d3d580833a7479", GitTreeState:"clean", '
              f'BuildDate:"2021-04-08T16:31:21Z", GoVersion:"go1.16.1", Compiler:"gc", Platform:"linux/amd64"}}')
        return
    if args[:1] in (["version"], ["kustomize"]):
        os.execv(ENV["FAKE_REAL_KUBECTL"], [ENV["FAKE_REAL_KUBECTL"]] + args)
    # kubectl's own flags come before "--"; what follows belongs to the exec'ed command.
    cut = args.index("--") if "--" in args else len(args)
    head, tail = args[:cut], args[cut:]
    ctx = opt(head, "--context")
    ns_given = opt(head, "-n") or opt(head, "--namespace")
    ns = ns_given or "default"
    args = head + tail
    name = context_cluster(ctx)
    c = st.cluster(name, "context")
    verb, rest = args[0], args[1:]
    if verb == "create":
        return k_create(st, c, name, ns_given, rest)
    handlers = {"apply": k_apply, "delete": k_delete, "annotate": k_annotate, "scale": k_scale,
                "rollout": k_rollout, "wait": k_wait, "get": k_get, "exec": k_exec}
    if verb not in handlers:
        unsupported("kubectl", args)
    if ns == "kube-system" and verb == "exec":
        return agent_exec(st, c, name, rest)
    if ns == "kube-system" and verb != "get":
        unsupported("kubectl", ["-n", ns] + args)
    handlers[verb](st, c, name, ns, rest)


def pods_of(c):
    return mesh_model.Cluster("x", list(c["objects"].values()), replicas=c["replicas"]).pods()


def need_api(c, kind):
    if kind == "CiliumNetworkPolicy" and not c["cilium"]:
        raise Fail('error: the server doesn\'t have a resource type "ciliumnetworkpolicy"')
    if kind in ("ServiceExport", "ServiceImport") and not mcs_crds(c):
        raise Fail(f'error: the server doesn\'t have a resource type "{kind.lower()}"')


def render(args):
    src = opt(args, "-k") or opt(args, "-f")
    if src is None or args:
        unsupported("kubectl", ["apply"] + args)
    if os.path.isdir(src) and not os.path.exists(os.path.join(src, "kustomization.yaml")):
        raise Fail(f"error: unable to find one of 'kustomization.yaml', 'kustomization.yml' or 'Kustomization' in directory '{src}'")
    yaml = real_kubectl(["kustomize", src]) if os.path.isdir(src) else None
    if yaml is not None and yaml.returncode:
        raise Fail(yaml.stderr.strip())
    js = real_kubectl(["label", "--local", "-f", "-" if yaml else src, "-o", "json", "rbxw-render-"],
                      input=yaml.stdout if yaml else None)
    if js.returncode:
        raise Fail(js.stderr.strip())
    return src, k8s_objects.load_stream(js.stdout)


def invalid(objs):
    """{index: message} of objects the schemas reject (tests/k8s/validate.mjs)."""
    if not ENV.get("FAKE_VALIDATE"):
        return {}
    import subprocess
    import tempfile
    bad = {}
    with tempfile.TemporaryDirectory() as d:
        for i, o in enumerate(objs):
            with open(os.path.join(d, f"{i}.json"), "w") as f:
                json.dump(o, f)
        r = subprocess.run(["node", ENV["FAKE_VALIDATE"]] + [os.path.join(d, f"{i}.json") for i in range(len(objs))],
                           capture_output=True, text=True)
        for line in r.stdout.splitlines():
            m = re.match(r".*/(\d+)\.json: [^:]*: (.*)$", line)
            if m:
                bad[int(m.group(1))] = m.group(2)
        if r.returncode and not bad:
            raise Fail(f"fake kubectl: the validator failed: {r.stderr.strip()}", 3)
    return bad


def render_checked(args):
    """render() and invalid(), cached: the same kustomization (by path and text) renders the
    same while one scenario runs, and the k8s tree does not change under it."""
    src = next((a for a in args if not a.startswith("-")), "")
    text = open(os.path.join(src, "kustomization.yaml") if os.path.isdir(src) else src).read() \
        if os.path.exists(src) else ""
    import hashlib
    key = hashlib.sha256("\0".join([os.path.abspath(src), text, ENV.get("FAKE_VALIDATE", "")]).encode()).hexdigest()
    path = os.path.join(STATE_DIR, "render-cache", key + ".json")
    if os.path.exists(path):
        with open(path) as f:
            d = json.load(f)
        return d["src"], d["objs"], {int(k): v for k, v in d["bad"].items()}
    src, objs = render(args)
    bad = invalid(objs)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as f:
        json.dump({"src": src, "objs": objs, "bad": bad}, f)
    return src, objs, bad


def k_apply(st, c, name, ns, args):
    src, objs, bad = render_checked(args)
    errors = []
    for i, o in enumerate(objs):
        kind, oname = o["kind"], o["metadata"]["name"]
        if i in bad:
            errors.append(f'Error from server (Invalid): error when applying "{src}": The {kind} "{oname}" is invalid: {bad[i]}')
            continue
        if (kind == "CiliumNetworkPolicy" and not c["cilium"]) or (kind == "ServiceExport" and not mcs_crds(c)):
            errors.append(f'error: resource mapping not found for name: "{oname}" namespace: "" from "{src}": no matches '
                          f'for kind "{kind}" in version "{o["apiVersion"]}"\nensure CRDs are installed first')
            continue
        try:
            print(f"{SHOWN.get(kind, kind.lower())}/{oname} {merge(c, o)}")
        except Fail as e:
            errors.append(str(e))
    if errors:
        raise Fail("\n".join(errors))


def merge(c, new):
    """kubectl apply's three-way merge, for the parts that matter here."""
    key = f"{new['kind']}/{new['metadata']['name']}"
    live, last = c["objects"].get(key), c["last_applied"].get(key)
    c["last_applied"][key] = json.loads(json.dumps(new))
    if live is None:
        c["objects"][key] = new
        if new["kind"] == "Deployment":
            c["replicas"][new["metadata"]["name"]] = new["spec"].get("replicas", 1)
        return "created"
    if new["kind"] == "Pod" and new["spec"] != live["spec"]:
        raise Fail(f'The Pod "{new["metadata"]["name"]}" is invalid: spec: Forbidden: pod updates may not change '
                   "fields other than `spec.containers[*].image`, ...")
    ann = dict(live["metadata"].get("annotations") or {})
    for k in (last or {}).get("metadata", {}).get("annotations") or {}:
        ann.pop(k, None)
    ann.update(new["metadata"].get("annotations") or {})
    merged = json.loads(json.dumps(new))
    merged["metadata"]["annotations"] = ann
    if not ann:
        merged["metadata"].pop("annotations", None)
    if new["kind"] == "Deployment" and last and last["spec"].get("replicas") != new["spec"].get("replicas"):
        c["replicas"][new["metadata"]["name"]] = new["spec"].get("replicas", 1)
    changed = merged != live
    c["objects"][key] = merged
    return "configured" if changed else "unchanged"


def k_create(st, c, name, ns_given, args):
    """`kubectl create -f -`: the objects on stdin (parsed by the real kubectl, offline), each
    created as the API server would: it refuses one with metadata.resourceVersion set (the
    storage's Create, k8s.io/apiserver v0.35.3 pkg/storage/etcd3/store.go:287, an error
    that is no API status: code 500, reason "", so kubectl prints "Error from server:",
    kubectl v0.35.3 pkg/cmd/util/helpers.go StandardErrorMessage, AddSourceToErr) and one that
    exists (AlreadyExists); it sets uid and creationTimestamp anew whatever they were. The
    stand-in creates kube-system Secrets only: what lab.sh creates."""
    src = opt(args, "-f") or opt(args, "--filename")
    if src != "-" or args:
        unsupported("kubectl", ["create"] + ([] if src is None else ["-f", src]) + args)
    if not STDIN.strip():
        raise Fail("error: no objects passed to create")
    js = real_kubectl(["label", "--local", "-f", "-", "-o", "json", "rbxw-render-"], input=STDIN)
    if js.returncode:
        raise Fail(js.stderr.strip())
    errors = []
    for o in k8s_objects.load_stream(js.stdout):
        meta = o["metadata"]
        ons = meta.get("namespace") or ns_given or "default"
        if ns_given and meta.get("namespace") and meta["namespace"] != ns_given:
            # k8s.io/cli-runtime v0.35.3 pkg/resource/visitor.go:679 (the Builder, RequireNamespace)
            raise Fail(f'error: the namespace from the provided object "{meta["namespace"]}" does not match the '
                       f'namespace "{ns_given}". You must pass \'--namespace={meta["namespace"]}\' to perform this operation.')
        if o["kind"] != "Secret" or ons != "kube-system":
            unsupported("kubectl", ["create", "-f", "-", f"({o['kind']} in {ons})"])
        oname = meta["name"]
        if meta.get("resourceVersion"):
            errors.append('Error from server: error when creating "STDIN": resourceVersion should not be set on '
                          'objects to be created')
            continue
        secrets = c.setdefault("secrets", {})
        if oname in secrets:
            errors.append(f'Error from server (AlreadyExists): error when creating "STDIN": secrets "{oname}" already exists')
            continue
        new = json.loads(json.dumps(o))
        new["metadata"] = {**{k: v for k, v in meta.items() if k not in ("uid", "creationTimestamp")},
                           **new_meta(st, oname, "kube-system")}
        new.setdefault("type", "Opaque")
        secrets[oname] = new
        print(f"secret/{oname} created")
    if errors:
        raise Fail("\n".join(errors))


def k_delete(st, c, name, ns, args):
    ignore = flag(args, "--ignore-not-found")
    kind = KINDS.get(args[0]) if args else None
    if kind is None:
        unsupported("kubectl", ["delete"] + args)
    need_api(c, kind)
    errors = []
    for oname in args[1:]:
        if c["objects"].pop(f"{kind}/{oname}", None) is not None:
            c["last_applied"].pop(f"{kind}/{oname}", None)
            print(f'{SHOWN[kind]} "{oname}" deleted')
        elif not ignore:
            errors.append(f'Error from server (NotFound): {PLURAL[kind]} "{oname}" not found')
    if errors:
        raise Fail("\n".join(errors))


def live(c, kind, oname):
    o = c["objects"].get(f"{kind}/{oname}")
    if o is None:
        raise Fail(f'Error from server (NotFound): {PLURAL[kind]} "{oname}" not found')
    return o


def k_annotate(st, c, name, ns, args):
    flag(args, "--overwrite")
    kind = KINDS.get(args[0])
    o = live(c, kind, args[1])
    ann = o["metadata"].setdefault("annotations", {})
    for a in args[2:]:
        if a.endswith("-"):
            ann.pop(a[:-1], None)
        else:
            k, v = a.split("=", 1)
            ann[k] = v
    print(f"{SHOWN[kind]}/{args[1]} annotated")


def k_scale(st, c, name, ns, args):
    n = opt(args, "--replicas")
    if KINDS.get(args[0]) != "Deployment" or n is None:
        unsupported("kubectl", ["scale"] + args)
    live(c, "Deployment", args[1])
    c["replicas"][args[1]] = int(n)
    print(f"deployment.apps/{args[1]} scaled")


def images_ready(c, spec):
    """Cilium runs, and each container's image is on the nodes, built for them and unpacked
    in their snapshotter."""
    arch, unpacked = c.get("image_arch", {}), c.get("unpacked", {})
    missing = [ct["image"] for ct in spec["containers"] if ct["image"] not in c["images"]
               or arch.get(ct["image"], engine_arch()) != node_arch(c)
               or unpacked.get(ct["image"], "overlayfs") != c.get("snapshotter", "overlayfs")]
    return bool(c["cilium"]) and not missing


def k_rollout(st, c, name, ns, args):
    opt(args, "--timeout")
    if args[:1] != ["status"] or not args[1].startswith("deployment/"):
        unsupported("kubectl", ["rollout"] + args)
    dname = args[1].split("/", 1)[1]
    d = live(c, "Deployment", dname)
    n = c["replicas"].get(dname, 1)
    if n and not images_ready(c, d["spec"]["template"]["spec"]):
        raise Fail(f'Waiting for deployment "{dname}" rollout to finish: 0 of {n} updated replicas are available...\n'
                   "error: timed out waiting for the condition")
    print(f'deployment "{dname}" successfully rolled out')


def k_wait(st, c, name, ns, args):
    cond, sel = opt(args, "--for"), opt(args, "-l")
    opt(args, "--timeout")
    if cond == "condition=Ready" and args and args[0].startswith("pod/"):
        p = live(c, "Pod", args[0][4:])
        if not images_ready(c, p["spec"]):
            raise Fail(f"error: timed out waiting for the condition on pods/{args[0][4:]}")
        print(f"{args[0]} condition met")
    elif cond == "delete" and args == ["pod"] and sel == "name=rebel-base":
        if not c["replicas"].get("rebel-base") and ENV.get("FAKE_PODS_STUCK") != name:
            raise Fail("error: no matching resources found")
        if ENV.get("FAKE_PODS_STUCK") == name:
            raise Fail("error: timed out waiting for the condition on pods/rebel-base-5d8f7c6b9-x2kqz")
        raise Fail("error: timed out waiting for the condition (replicas are not 0)")
    else:
        unsupported("kubectl", ["wait"] + args)


def k_get(st, c, name, ns, args):
    out = opt(args, "-o")
    sel = opt(args, "-l")
    if ns == "kube-system":
        return get_system(c, args, out)
    if args == ["endpointslices"] and sel and sel.startswith("kubernetes.io/service-name=") and out \
            and "managed-by" in out:
        for m in slices(st, name, sel.split("=", 1)[1]):
            print(m)
        return
    if args[:1] == ["crd"] and len(args) == 2:
        if args[1] not in MCS_CRDS or not mcs_crds(c):
            raise Fail(f'Error from server (NotFound): customresourcedefinitions.apiextensions.k8s.io "{args[1]}" not found')
        print(f"NAME   CREATED AT\n{args[1]}   2025-11-28T03:27:37Z")
        return
    kind = KINDS.get(args[0]) if len(args) == 2 else None
    if kind == "ServiceImport" and out is None:
        need_api(c, kind)
        if args[1] not in visible_imports(st, name):
            raise Fail(f'Error from server (NotFound): {PLURAL[kind]} "{args[1]}" not found')
        print(f"NAME         TYPE           IP                AGE\n{args[1]}   ClusterSetIP   [\"10.96.200.7\"]   5s")
        return
    if kind == "ServiceExport" and out and out.startswith("go-template=") and ".status.conditions" in out:
        need_api(c, kind)
        live(c, kind, args[1])
        for cond in export_conditions(c, args[1]):
            print(f"{cond['type']}={cond['status']} {cond['reason']}: {cond['message']}")
        return
    unsupported("kubectl", ["get"] + args + (["-o", out] if out else []))


def export_conditions(c, oname):
    """Roughly what Cilium writes into a ServiceExport's status."""
    if mesh_model.Cluster("x", list(c["objects"].values())).find("Service", oname) is None:
        return [{"type": "Valid", "status": "False", "reason": "NoService", "message": "Service doesn't exist"}]
    return [{"type": "Valid", "status": "True", "reason": "Valid", "message": "ServiceExport is valid"},
            {"type": "Conflict", "status": "False", "reason": "NoConflicts", "message": "ServiceExport has no conflicts"}]


def to_yaml(o, indent=""):
    """An object as `kubectl get -o yaml` prints it (sigs.k8s.io/yaml, go-yaml): keys sorted,
    two-space indent, a string double-quoted where YAML would read it as something else
    (a number, a bool, null, a timestamp) or when empty. Maps and strings only: a Secret."""
    out = ""
    for k in sorted(o):
        v = o[k]
        if isinstance(v, dict):
            out += f"{indent}{k}:" + (" {}\n" if not v else "\n" + to_yaml(v, indent + "  "))
            continue
        v = str(v)
        if v == "" or re.fullmatch(r"(?i)true|false|yes|no|on|off|y|n|null|~|[-+]?[0-9][0-9_.:eE+-]*|"
                                   r"\d{4}-\d\d-\d\d([Tt ].*)?", v):
            v = json.dumps(v)
        out += f"{indent}{k}: {v}\n"
    return out


def get_system(c, args, out):
    kind, oname = args[0], args[1]
    if (kind, oname) == ("daemonset", "cilium"):
        if not c["cilium"]:
            raise Fail('Error from server (NotFound): daemonsets.apps "cilium" not found')
        print(f"quay.io/cilium/cilium:v{c['cilium']['version']}@sha256:{'2' * 64}", end="")
    elif kind == "deployment" and oname in ("hubble-relay", "hubble-ui", "clustermesh-apiserver"):
        if not (c["hubble"] if oname.startswith("hubble") else c["clustermesh"]):
            raise Fail(f'Error from server (NotFound): deployments.apps "{oname}" not found')
        print(f"NAME   READY   UP-TO-DATE   AVAILABLE\n{oname}   1/1     1            1")
    elif (kind, oname) == ("configmap", "cilium-config"):
        if not c["cilium"]:
            raise Fail('Error from server (NotFound): configmaps "cilium-config" not found')
        m = re.match(r"jsonpath=\{\.data\.([\w-]+)\}$", out or "")
        if not m or m.group(1) != "clustermesh-enable-mcs-api":
            unsupported("kubectl", ["-n", "kube-system", "get"] + args + ["-o", str(out)])
        print("true" if mcs_cluster(c).mcs() else "false", end="")
    elif (kind, oname) == ("deployment", "coredns"):
        if out != "jsonpath={.spec.template.spec.containers[0].image}":
            unsupported("kubectl", ["-n", "kube-system", "get"] + args + ["-o", str(out)])
        print(f"registry.k8s.io/coredns/coredns:v{c.get('coredns', '1.12.2')}", end="")
    elif (kind, oname) == ("secret", CA_SECRET):
        s = c.get("secrets", {}).get(oname)
        if s is None:
            raise Fail(f'Error from server (NotFound): secrets "{oname}" not found')
        if out is None:
            print(f"NAME        TYPE     DATA   AGE\n{oname}   {s.get('type', 'Opaque')}   {len(s.get('data') or {})}      5m")
        elif out == "yaml":
            print(to_yaml(s), end="")
        else:
            unsupported("kubectl", ["-n", "kube-system", "get"] + args + ["-o", out])
    elif (kind, oname) == ("secret", "cilium-clustermesh"):
        if not c["connected"]:
            raise Fail('Error from server (NotFound): secrets "cilium-clustermesh" not found')
        m = re.match(r"jsonpath=\{\.data\.(\w+)\}$", out or "")
        if not m:
            unsupported("kubectl", ["get"] + args + ["-o", str(out)])
        if m.group(1) in c["connected"]:
            import base64
            print(base64.b64encode(f"endpoints: https://{m.group(1)}.mesh.cilium.io:2379".encode()).decode(), end="")
    else:
        unsupported("kubectl", ["-n", "kube-system", "get"] + args)


def mesh(st, ns="default", imports=True):
    """The model of the stand-in clusters; IMPORTS: with the ServiceImports made so far
    (else with every one MCS-API would make)."""
    clusters = []
    for n, c in st.d["clusters"].items():
        if not c["cilium"]:
            continue
        connected = c["connected"] if c["clustermesh"] else []
        clusters.append(mesh_model.Cluster(n, list(c["objects"].values()), cilium=c["cilium"]["version"],
                                           values=c["cilium"]["values"], replicas=c["replicas"],
                                           connected=connected, namespace=ns, coredns=c.get("coredns", "1.12.2"),
                                           imports=visible_imports(st, n) if imports else None))
    return mesh_model.Mesh(clusters)


def mcs_sync(st):
    """Counts this call, and notes when each ServiceImport became due: an export reaching
    a cluster starts its clock, the last export's withdrawal removes it."""
    st.d["tick"] = st.d.get("tick", 0) + 1
    if not st.d["clusters"]:
        return
    m = mesh(st, imports=False)
    due = st.d.setdefault("imports", {})
    for n in list(due):
        if n not in st.d["clusters"]:
            del due[n]
    for n in m.clusters:
        names = m.import_names(n)
        rec = due.setdefault(n, {})
        for gone in set(rec) - names:
            del rec[gone]
        for new in names - set(rec):
            rec[new] = st.d["tick"]


def visible_imports(st, cluster):
    delay = int(ENV.get("FAKE_MCS_DELAY", "3"))
    rec = st.d.get("imports", {}).get(cluster, {})
    return {n for n, since in rec.items() if st.d.get("tick", 0) - since >= delay}


def slices(st, name, svc):
    """The managed-by label of each EndpointSlice of SVC (with endpoints) in cluster NAME."""
    m = mesh(st)
    backends = m.backends(name, svc) or []
    out = []
    if any(b[0] == name for b in backends):
        out.append("endpointslice-controller.k8s.io")
    out += ["endpointslice-mesh-controller.cilium.io" for other in sorted({b[0] for b in backends}) if other != name]
    return out


def k_exec(st, c, name, ns, args):
    flag(args, "-i")
    flag(args, "-t")
    flag(args, "-it")
    if "--" not in args:
        unsupported("kubectl", ["exec"] + args)
    i = args.index("--")
    target, cmd = args[:i], args[i + 1:]
    if len(target) != 1 or cmd[:1] != ["xwing"]:
        unsupported("kubectl", ["exec"] + args)
    pod = target[0]
    kind, oname = ("Deployment", pod[7:]) if pod.startswith("deploy/") else ("Pod", pod)
    o = live(c, kind, oname)
    spec = o["spec"]["template"]["spec"] if kind == "Deployment" else o["spec"]
    if not images_ready(c, spec) or (kind == "Deployment" and not c["replicas"].get(oname)):
        raise Fail(f'error: unable to upgrade connection: container not found ("x-wing")' if kind == "Pod" else
                   f'error: cannot exec into {pod}: no running pod')
    result = mesh(st).query(name, cmd[-1], pod=pod)
    if st.d.get("xwing_fail", 0) > 0:
        st.d["xwing_fail"] -= 1
        result = "not converged"
    # When each xwing ran: a scenario reads lab.sh's wait between attempts from it.
    import time
    st.d["xwing_at"] = (st.d.get("xwing_at") or [])[-49:] + [time.time()]
    record_drops(st, name, result)
    st.save()
    st.lock.close()
    run_xwing(cmd[1:-1], targets(result))


def agent_exec(st, c, name, args):
    """`kubectl -n kube-system exec ds/cilium -c cilium-agent -- cilium-dbg status
    --all-clusters`: the agent's status as Cilium's pkg/client/client.go writes it, the
    ClusterMesh part (v1.16.0 :440 and :832, v1.17.0 :439 and :835, v1.19.0 :443 and :842):
    one line for the mesh, then, with --all-clusters, one per remote cluster with the number
    of services it shares (pkg/clustermesh/remote_cluster.go: NumSharedServices, the remote
    services store, which holds the global Services not shared=false:
    operator/watchers/service_sync.go:207, pkg/annotation/clustermesh.go:22)."""
    container = opt(args, "-c")
    if args[:2] != ["ds/cilium", "--"] or container != "cilium-agent" or args[2:4] != ["cilium-dbg", "status"] \
            or set(args[4:]) - {"--all-clusters"}:
        unsupported("kubectl", ["-n", "kube-system", "exec"] + args)
    if not c["cilium"]:
        raise Fail('Error from server (NotFound): daemonsets.apps "cilium" not found')
    v = vt(c["cilium"]["version"])
    remote = [o for o in c["connected"] if c["clustermesh"] and o in st.d["clusters"]]
    print("KVStore:                 Disabled\nKubernetes:              Ok   1.34 (v1.34.0) [linux/amd64]")
    print(f"Cilium:                  Ok   {c['cilium']['version']} (v{c['cilium']['version']}-1a2b3c4)")
    if not c["clustermesh"]:
        return
    head = f"ClusterMesh:             {len(remote)}/{len(remote)} remote clusters ready"
    print(head + ("" if v >= (1, 19, 0) else f", {agent_global_services(st, name)} global-services"))
    if "--all-clusters" not in args:
        return
    for other in remote:
        n = global_services_of(st, other)
        mcs = "" if v < (1, 17, 0) else "0 MCS-API service exports, "
        print(f"   {other}: ready, 3 nodes, 9 endpoints, 7 identities, {n} services, {mcs}0 reconnections (last: never)")
        print("   └  remote cluster configuration retrieved")
        print(f"   └  remote configuration: expected=true, retrieved=true, cluster-id={2 if other == 'tion' else 1}, "
              f"kvstoremesh=false, sync-canaries=true" + ("" if v < (1, 17, 0) else ", service-exports=disabled"))
        print("   └  synchronization status: nodes=true, endpoints=true, identities=true, services=true")


def targets(result):
    dead = ENV.get("FAKE_DEAD", "127.0.0.1:1")
    if isinstance(result, str):
        return [dead]
    return [ENV[f"FAKE_BACKEND_{cl}"] if v == "ok" else dead for cl, v in result]


def record_drops(st, src, result):
    if isinstance(result, str):
        return
    flows = st.d["flows"].setdefault(src, [])
    # Helm bpf.events.drop.enabled and bpf.events.policyVerdict.enabled, both on by default
    # (v1.16.0 install/kubernetes/cilium/values.yaml:454-460); a policy verdict that denies
    # has verdict DROPPED and the drop reason (pkg/hubble/parser/threefour/parser.go:471,489).
    kinds = ENV.get("FAKE_HUBBLE_EVENTS", "drop,policy-verdict").split(",")
    if kinds == ["none"]:
        return
    reason = ENV.get("FAKE_DROP_REASON", "POLICY_DENIED")
    for i, (cl, v) in enumerate(result):
        if v != "drop":
            continue
        for kind in kinds:
            if kind == "policy-verdict" and reason != "POLICY_DENIED":
                continue
            flows.append({"src": "x-wing-0", "dst": f"rebel-base-{i} ({cl})", "verdict": "DROPPED", "kind": kind,
                          "reason": reason, "direction": "EGRESS", "from": "name=x-wing", "to": "name=rebel-base"})
    del flows[:-200]


def run_xwing(args, tgts):
    import subprocess
    r = subprocess.run([ENV["FAKE_XWING"]] + args + tgts)
    sys.exit(r.returncode)


def make(st, args):
    """`make images kind-load` as lab.sh runs it: the images appear in the stand-in Docker
    (building them is docker/build.sh's job, tested by the container scenarios), then the
    real k8s/kind-load.sh loads them through the stand-in kind and docker. PLATFORM=linux/ARCH
    (comma-separated) builds those: the engine's own as NAME:VERSION, another as
    NAME:VERSION-ARCH."""
    platform = next((a.split("=", 1)[1] for a in args if a.startswith("PLATFORM=")), "")
    args = [a for a in args if not a.startswith("PLATFORM=")]
    if not args or set(args) - {"images", "kind-load"}:
        unsupported("make", args)
    version = open("VERSION").read().strip()
    archs = [p.split("/")[1] for p in platform.split(",") if p] or [engine_arch()]
    if set(archs) - {"amd64", "arm64"}:
        raise Fail(f"platforms: cannot build for '{platform}'", 2)
    if "images" in args:
        for name in ("rebel-base", "x-wing"):
            for arch in archs:
                tag = f"{name}:{version}" + ("" if arch == engine_arch() else f"-{arch}")
                st.d["images"][tag] = {"labels": {}, "size": 230_000, "arch": arch}
                print(f"make images (stand-in): {tag}")
    st.save()
    st.lock.close()
    if "kind-load" in args:
        import subprocess
        r = subprocess.run(["bash", "k8s/kind-load.sh", version])
        sys.exit(r.returncode)


TOOLS = {"make": make, "docker": docker, "kind": kind, "cilium": cilium, "kubectl": kubectl, "hubble": hubble}


def main():
    tool, args = sys.argv[1], sys.argv[2:]
    if STATE_DIR:
        os.makedirs(STATE_DIR, exist_ok=True)
        with open(os.path.join(STATE_DIR, "calls.log"), "a") as f:
            f.write(" ".join([tool] + args) + "\n")
    # Read stdin before taking the state lock: the writer may be another stand-in
    # (docker save | docker exec -i ...) that needs the lock to write it.
    global STDIN
    # Only `docker exec -i` and `kubectl create -f -` read stdin: otherwise it may be a pipe
    # nobody closes.
    head = args[:args.index("--")] if "--" in args else args
    if (tool == "docker" and (args[:1] == ["build"] or args[:2] == ["exec", "-i"])) or \
            (tool == "kubectl" and "create" in head and "-" in head):
        STDIN = sys.stdin.read()
    st = State()
    counted = None
    try:
        mcs_sync(st)
        # A failing call changes nothing, but it is counted: the ServiceImport delay is
        # in calls, and a wait polls with calls that fail until the import is there.
        counted = json.dumps(st.d)
        TOOLS[tool](st, list(args))
    except Fail as e:
        print(e, file=sys.stderr)
        if counted is not None:
            st.d = json.loads(counted)
            st.save()
        return e.code
    except mesh_model.ModelError as e:
        print(f"fake {tool}: the model cannot answer: {e}", file=sys.stderr)
        return 3
    st.save()
    return 0


if __name__ == "__main__":
    sys.exit(main())
