#!/usr/bin/env python3
"""A model of what Cilium Cluster Mesh does with the lab's objects (python3 stdlib only).

It answers one question: when x-wing in cluster SRC sends requests to TARGET (the
rebel-base Service, or rebel-base-headless:8080), which rebel-base pods do they reach,
and which are dropped by policy? t_k8s_semantics holds the lab's intent against it, step
by step and for several Cilium versions; the stand-in kubectl (tests/k8s/fake) answers
`kubectl exec ... xwing` with it. It is a model, written from Cilium's documentation:

  - Services: a Service is local unless annotated service.cilium.io/global="true" in the
    calling cluster. A global Service also gets the backends of every connected cluster
    whose same-named Service is global and not service.cilium.io/shared="false".
    service.cilium.io/affinity=local|remote prefers that side while it has backends.
  - Headless global Services (Cilium >= 1.16, clustermesh.enableEndpointSliceSynchronization,
    service.cilium.io/global-sync-endpoint-slices="true"): DNS answers with every
    cluster's pods. (Cilium v1.16.0: pkg/clustermesh/endpointslicesync/ and the Helm value,
    install/kubernetes/cilium/values.yaml:2839, are new; v1.15.0 has neither.)
  - CiliumNetworkPolicy: an endpoint selected by a policy with an ingress (egress) section
    allows only the ingress (egress) its rules allow; a connection needs both the
    client's egress and the server's ingress. endpointSelector selects local pods of the
    policy's namespace. A peer selector without io.kubernetes.pod.namespace is limited
    to the policy's namespace. A peer selector without io.cilium.k8s.policy.cluster
    matches every cluster up to Cilium 1.18, and the policy's own cluster from 1.19 on
    (policy-default-local-cluster).
  - DNS: x-wing resolves through its own cluster's kube-dns (UDP/53); if its egress
    policy does not allow that, every request fails as a DNS failure. NAME,
    NAME.NAMESPACE[.svc[.cluster.local]] name a Service of the caller's namespace.
  - MCS-API (Cilium >= 1.19 with clustermesh.mcsapi.enabled; the 1.17 and 1.18 charts have
    no clustermesh.mcsapi and ignore the value, v1.19.0 install/kubernetes/cilium/values.yaml:3556):
    a ServiceExport offers the Service of the same name to the cluster set. Every cluster
    with MCS-API that is the exporter or connected to one gets a ServiceImport of that
    name (while at least one cluster exports it), and NAME.NAMESPACE.svc.clusterset.local reaches the exported
    Service's pods in every exporting cluster, if CoreDNS serves clusterset.local
    (clustermesh.mcsapi.corednsAutoConfigure.enabled and CoreDNS >= 1.12.2). With
    auto-configuration and an older CoreDNS the model takes the worst case: CoreDNS
    refuses its configuration and no name resolves in that cluster.

Anything the model does not know (other peer kinds, other operators) raises ModelError
rather than guessing.

    mesh_model.py lint FILE...            every peer selector names its clusters
    mesh_model.py walk --k8s DIR --dry-run FILE --work DIR --cilium V[,V...]
                       [--with COMPONENT,...] [--client POD]
                                          who reaches whom at each check of the lab
                                          (FILE: what `k8s/lab.sh --dry-run steps` prints),
                                          with more components in both clusters at every
                                          step, asked from POD (default deploy/x-wing)
"""
import os
import re
import sys

import k8s_objects
from k8s_objects import load_stream

CLUSTER = "io.cilium.k8s.policy.cluster"
NAMESPACE = "io.kubernetes.pod.namespace"
PEER_KEYS = ("fromEndpoints", "toEndpoints", "fromRequires", "toRequires")
KNOWN_PEERS = set(PEER_KEYS) | {"toPorts", "rules"}
SECTIONS = ("ingress", "ingressDeny", "egress", "egressDeny")
KUBE_DNS = {"k8s-app": "kube-dns", NAMESPACE: "kube-system"}


class ModelError(Exception):
    pass


def version_tuple(v):
    m = re.match(r"v?(\d+)\.(\d+)(?:\.(\d+))?", v or "")
    if not m:
        raise ModelError(f"not a Cilium version: {v!r}")
    return tuple(int(x or 0) for x in m.groups())


class Cluster:
    """What the model needs of one cluster: its objects and how its Cilium is set up."""

    def __init__(self, name, objects, cilium="1.19.0", values=None, replicas=None,
                 connected=(), namespace="default", coredns="1.12.2", imports=None):
        self.name = name
        self.objects = objects
        self.cilium = version_tuple(cilium)
        self.values = values or {}
        self.replicas = dict(replicas or {})
        self.connected = set(connected)
        self.ns = namespace
        self.coredns = version_tuple(coredns)
        # ServiceImports that exist so far (None: every one MCS-API would make); the
        # stand-in control plane makes them a few calls after the export, as Cilium does
        # a moment after it.
        self.imports = imports

    def value(self, key):
        return str(self.values.get(key, "")).lower() == "true"

    def mcs(self):
        return self.cilium >= (1, 19, 0) and self.value("clustermesh.mcsapi.enabled")

    def coredns_autoconfigured(self):
        return self.mcs() and self.value("clustermesh.mcsapi.corednsAutoConfigure.enabled")

    def dns_down(self):
        return self.coredns_autoconfigured() and self.coredns < (1, 12, 2)

    def exports(self):
        """Names this cluster exports: a ServiceExport with a Service of the same name."""
        if not self.mcs():
            return set()
        names = {o["metadata"]["name"] for o in self.objects if o.get("kind") == "ServiceExport"}
        return {n for n in names if self.find("Service", n) is not None}

    def find(self, kind, name):
        for o in self.objects:
            if o.get("kind") == kind and o.get("metadata", {}).get("name") == name:
                return o
        return None

    def local_default(self):
        return self.cilium >= (1, 19, 0)

    def pods(self):
        """(labels, owner) of every pod: Deployments x replicas, and bare Pods."""
        out = []
        for o in self.objects:
            kind, name = o.get("kind"), o["metadata"]["name"]
            if kind == "Deployment":
                n = self.replicas.get(name, o["spec"].get("replicas", 1))
                labels = o["spec"]["template"]["metadata"].get("labels", {})
                out += [(self.labels(labels), f"{name}-{i}") for i in range(n)]
            elif kind == "Pod":
                out.append((self.labels(o["metadata"].get("labels", {})), name))
        return out

    def labels(self, own):
        return {**own, NAMESPACE: self.ns, CLUSTER: self.name}

    def policies(self):
        return [o for o in self.objects if o.get("kind") == "CiliumNetworkPolicy"]


def expr_holds(expr, labels):
    holds = k8s_objects.expr_holds(expr.get("key"), expr.get("operator"), expr.get("values") or [], labels)
    if holds is None:
        raise ModelError(f"selector operator {expr.get('operator')!r}")
    return holds


def selector_keys(sel):
    return set((sel.get("matchLabels") or {})) | {e.get("key") for e in sel.get("matchExpressions") or []}


def selects(sel, labels):
    sel = sel or {}
    return (all(labels.get(k) == v for k, v in (sel.get("matchLabels") or {}).items())
            and all(expr_holds(e, labels) for e in sel.get("matchExpressions") or []))


def peer_selects(cluster, sel, labels):
    """A peer selector of a policy in CLUSTER, with the implicit parts Cilium adds."""
    keys = selector_keys(sel or {})
    if NAMESPACE not in keys and labels.get(NAMESPACE) != cluster.ns:
        return False
    if CLUSTER not in keys and cluster.local_default() and labels.get(CLUSTER) != cluster.name:
        return False
    return selects(sel, labels)


def subject_selects(cluster, sel, labels):
    return labels.get(CLUSTER) == cluster.name and labels.get(NAMESPACE) == cluster.ns and selects(sel, labels)


def port_allowed(rule, port, proto):
    tps = rule.get("toPorts")
    if not tps:
        return True
    for tp in tps:
        for p in tp.get("ports") or []:
            if str(p.get("port")) in (str(port), "0") and p.get("protocol", "ANY") in (proto, "ANY"):
                return True
    return False


def rule_allows(cluster, rule, peer_key, peer, port, proto):
    unknown = set(rule) - KNOWN_PEERS
    if unknown:
        raise ModelError(f"policy rule fields the model does not know: {sorted(unknown)}")
    if "fromRequires" in rule or "toRequires" in rule:
        raise ModelError("fromRequires/toRequires are not modelled")
    sels = rule.get(peer_key)
    if sels is None:
        return False  # an empty rule ({}) allows nothing: it only turns enforcement on
    return any(peer_selects(cluster, s, peer) for s in sels) and port_allowed(rule, port, proto)


def allowed(cluster, subject, section, peer, port, proto):
    """Does CLUSTER's policy let SUBJECT (labels) talk to / hear from PEER (labels)?"""
    peer_key = "fromEndpoints" if section == "ingress" else "toEndpoints"
    enforced, allow = False, False
    for pol in cluster.policies():
        spec = pol.get("spec") or {}
        if not subject_selects(cluster, spec.get("endpointSelector"), subject):
            continue
        if spec.get(section + "Deny"):
            raise ModelError(f"{section}Deny is not modelled")
        rules = spec.get(section)
        if rules is None:
            continue
        enforced = True
        allow = allow or any(rule_allows(cluster, r, peer_key, peer, port, proto) for r in rules)
    return allow or not enforced


class Mesh:
    def __init__(self, clusters):
        self.clusters = {c.name: c for c in clusters}

    def connected(self, a, b):
        return (a in self.clusters and b in self.clusters
                and b in self.clusters[a].connected and a in self.clusters[b].connected)

    def client(self, src, pod):
        """The labels of pod POD (a name, or deploy/NAME: one of that Deployment's pods)."""
        c = self.clusters[src]
        for labels, owner in c.pods():
            if owner == pod or (pod.startswith("deploy/") and owner.rsplit("-", 1)[0] == pod[7:]):
                return labels
        return None

    def backends(self, src, name):
        """[(cluster, labels, port)] behind Service NAME as seen from SRC, or None (no such name)."""
        c = self.clusters[src]
        svc = c.find("Service", name)
        if svc is None:
            return None
        ann = svc["metadata"].get("annotations") or {}
        headless = svc["spec"].get("clusterIP") == "None"
        local = self.service_pods(c, svc)
        if ann.get("service.cilium.io/global") != "true":
            return local
        if headless and not self.syncs_slices(c, ann):
            return local
        remote = []
        for other in self.clusters.values():
            if other.name == src or not self.connected(src, other.name):
                continue
            osvc = other.find("Service", name)
            if osvc is None:
                continue
            oann = osvc["metadata"].get("annotations") or {}
            if oann.get("service.cilium.io/global") == "true" and oann.get("service.cilium.io/shared") != "false":
                remote += self.service_pods(other, osvc)
        affinity = ann.get("service.cilium.io/affinity", "none")
        if affinity == "local" and local:
            return local
        if affinity == "remote" and remote:
            return remote
        return local + remote

    @staticmethod
    def syncs_slices(c, ann):
        return (c.cilium >= (1, 16, 0) and ann.get("service.cilium.io/global-sync-endpoint-slices") == "true"
                and str(c.values.get("clustermesh.enableEndpointSliceSynchronization")) == "true")

    def exporters(self, src, name):
        """Clusters whose export of NAME reaches SRC (SRC itself included)."""
        c = self.clusters[src]
        if not c.mcs():
            return []
        return [o for o in self.clusters.values()
                if (o.name == src or self.connected(src, o.name)) and name in o.exports()]

    def imported(self, src, name):
        c = self.clusters[src]
        return bool(self.exporters(src, name)) and (c.imports is None or name in c.imports)

    def import_names(self, src):
        names = set()
        for o in self.clusters.values():
            names |= o.exports()
        return {n for n in names if self.exporters(src, n)}

    @staticmethod
    def resolve(c, target):
        """(Service name, "cluster" | "clusterset") for the name TARGET, or None."""
        host = target.rsplit(":", 1)[0] if target.count(":") == 1 else target
        parts = host.rstrip(".").split(".")
        if parts[2:] in (["svc", "clusterset", "local"],) and len(parts) == 5:
            return (parts[0], "clusterset") if parts[1] == c.ns else None
        if len(parts) == 1:
            return parts[0], "cluster"
        if parts[2:] in ([], ["svc"], ["svc", "cluster", "local"]) and parts[1] == c.ns:
            return parts[0], "cluster"
        return None

    @staticmethod
    def service_pods(c, svc):
        sel = svc["spec"].get("selector") or {}
        port = svc["spec"]["ports"][0].get("targetPort", svc["spec"]["ports"][0]["port"])
        return [(c.name, labels, port) for labels, _ in c.pods() if sel and selects({"matchLabels": sel}, labels)]

    def query(self, src, target, pod="deploy/x-wing"):
        """[(backend cluster, "ok" | "drop")] one per backend pod, or an error string:
        "no-client" (no such pod), "dns" (the name does not resolve, or DNS is not allowed),
        "no-backends" (the Service has no endpoints)."""
        client = self.client(src, pod)
        if client is None:
            return "no-client"
        c = self.clusters[src]
        dns = {**KUBE_DNS, CLUSTER: src}
        if c.dns_down() or not allowed(c, client, "egress", dns, 53, "UDP"):
            return "dns"
        resolved = self.resolve(c, target)
        if resolved is None:
            return "dns"
        name, domain = resolved
        if domain == "clusterset":
            if not c.coredns_autoconfigured() or not self.imported(src, name):
                return "dns"
            backends = []
            for o in self.exporters(src, name):
                backends += self.service_pods(o, o.find("Service", name))
        else:
            backends = self.backends(src, name)
        if backends is None:
            return "dns"
        if not backends:
            return "no-backends"
        out = []
        for cname, labels, _port in backends:
            server = self.clusters[cname]
            ok = (allowed(c, client, "egress", labels, 8080, "TCP")
                  and allowed(server, labels, "ingress", client, 8080, "TCP"))
            out.append((cname, "ok" if ok else "drop"))
        return out


def summary(result):
    if isinstance(result, str):
        return result
    ok = sorted({c for c, v in result if v == "ok"})
    drop = sorted({c for c, v in result if v == "drop"})
    return f"ok {','.join(ok) or '-'} drop {','.join(drop) or '-'}"


# --- lint: every peer selector names its clusters ------------------------------------
def names_clusters(sel, clusters):
    """None when SEL names its clusters, else why not."""
    for expr in sel.get("matchExpressions") or []:
        if expr.get("key") != CLUSTER:
            continue
        op, values = expr.get("operator"), expr.get("values") or []
        if op == "Exists":
            return None
        if op == "In" and values and set(values) <= clusters:
            return None
        return f"{CLUSTER} {op} {values} does not name known clusters {sorted(clusters)}"
    v = (sel.get("matchLabels") or {}).get(CLUSTER)
    if v is not None:
        return None if v in clusters else f"{CLUSTER}={v} is no known cluster {sorted(clusters)}"
    return (f"names no cluster: it means every cluster up to Cilium 1.18 and only the local one from 1.19; "
            f"add matchExpressions {CLUSTER} In [...] (or Exists)")


def changed_by_local_default(pol):
    """Whether policy-default-local-cluster changes what POL selects: some peer selector has
    no io.cilium.k8s.policy.cluster key, in matchLabels or matchExpressions, whatever its
    operator (Cilium v1.19.0 pkg/k8s/apis/cilium.io/utils/utils.go:109, applied to
    fromEndpoints and toEndpoints at :166 and :250, which `cilium clustermesh
    inspect-policy-default-local-cluster` runs on each policy; selectors of reserved:
    labels are exempt there, and the lab's policies have none)."""
    spec = pol.get("spec") or {}
    for section in SECTIONS:
        for rule in spec.get(section) or []:
            for key in ("fromEndpoints", "toEndpoints"):
                for sel in rule.get(key) or []:
                    sel = sel or {}
                    if CLUSTER not in (sel.get("matchLabels") or {}) and \
                            CLUSTER not in {e.get("key") for e in sel.get("matchExpressions") or []}:
                        return True
    return False


def np_changed_by_local_default(pol):
    """The same for a Kubernetes NetworkPolicy: some from/to peer whose podSelector does not
    name the cluster (v1.19.0 pkg/k8s/network_policy.go:77-95, parseNetworkPolicyPeer)."""
    spec = pol.get("spec") or {}
    for section, key in (("ingress", "from"), ("egress", "to")):
        for rule in spec.get(section) or []:
            for peer in rule.get(key) or []:
                sel = (peer or {}).get("podSelector") or {}
                if not (sel.get("matchLabels") or {}).get(CLUSTER) and \
                        CLUSTER not in {e.get("key") for e in sel.get("matchExpressions") or []}:
                    return True
    return False


def lint(objs, clusters):
    problems = []
    for pol in objs:
        if pol.get("kind") not in ("CiliumNetworkPolicy", "CiliumClusterwideNetworkPolicy"):
            continue
        spec = pol.get("spec") or {}
        for section in SECTIONS:
            for i, rule in enumerate(spec.get(section) or []):
                for key in PEER_KEYS:
                    for j, sel in enumerate(rule.get(key) or []):
                        why = names_clusters(sel or {}, clusters)
                        if why:
                            problems.append(f"{pol['kind']}/{pol['metadata']['name']} {section}[{i}].{key}[{j}]: {why}")
    return problems


# --- walk: the lab's steps as lab.sh --dry-run prints them ---------------------------
def parse_dry_run(text):
    """[(check, {cluster: [components]}, {cluster: replicas}, {cluster: export deleted})]:
    the state at each check. `kubectl delete serviceexport` lasts until the cluster's
    next apply."""
    out, comps, reps, unexported = [], {}, {}, {}
    for line in text.splitlines():
        m = re.match(r"^# (\w+): overlay k8s/\w+ \+ components: (.*)$", line)
        if m:
            comps[m.group(1)] = [] if m.group(2) == "(none)" else m.group(2).split()
            unexported[m.group(1)] = False
            continue
        m = re.match(r"^\+ kubectl --context kind-(\w+) delete serviceexport rebel-base( --ignore-not-found)?$", line)
        if m:
            unexported[m.group(1)] = True
            continue
        m = re.match(r"^\+ kubectl --context kind-(\w+) scale deployment rebel-base --replicas (\d+)$", line)
        if m:
            reps[m.group(1)] = int(m.group(2))
            continue
        m = re.match(r"^CHECK \(dry run\) (.*)$", line)
        if m:
            out.append((m.group(1), dict(comps), dict(reps), dict(unexported)))
    return out


def render(k8s, work, cluster, comps, cache):
    key = (cluster, tuple(comps))
    if key in cache:
        return cache[key]
    d = os.path.join(work, f"r{len(cache)}")
    os.makedirs(d, exist_ok=True)
    rel = os.path.relpath(k8s, d)
    lines = ["apiVersion: kustomize.config.k8s.io/v1beta1", "kind: Kustomization",
             f"resources: [{rel}/{cluster}]"]
    if comps:
        lines.append("components: [" + ", ".join(f"{rel}/components/{c}" for c in comps) + "]")
    with open(os.path.join(d, "kustomization.yaml"), "w") as f:
        f.write("\n".join(lines) + "\n")
    import subprocess  # only here: the stand-in tools import this module on every call
    yaml = subprocess.run(["kubectl", "kustomize", d], check=True, capture_output=True, text=True).stdout
    js = subprocess.run(["kubectl", "label", "--local", "-f", "-", "-o", "json", "rbxw-render-"], input=yaml,
                        check=True, capture_output=True, text=True).stdout
    cache[key] = load_stream(js)
    return cache[key]


def walk(args):
    checks = parse_dry_run(open(args.dry_run).read())
    cache, out = {}, []
    names = ["koornacht", "tion"]
    values = {"clustermesh.enableEndpointSliceSynchronization": "true", "clustermesh.mcsapi.enabled": "true",
              "clustermesh.mcsapi.corednsAutoConfigure.enabled": "true"}
    extra = [c for c in (args.with_components or "").split(",") if c]
    for version in args.cilium.split(","):
        for check, comps, reps, unexported in checks:
            clusters = []
            for n in names:
                objs = render(args.k8s, args.work, n, comps.get(n, []) + extra, cache)
                if unexported.get(n):
                    objs = [o for o in objs if o.get("kind") != "ServiceExport"]
                clusters.append(Cluster(n, objs, cilium=version, replicas={"rebel-base": reps.get(n, 2)},
                                        values=values, connected=[m for m in names if m != n]))
            mesh = Mesh(clusters)
            exported = any(o.get("kind") == "ServiceExport" for c in clusters for o in c.objects)
            row = []
            for n in names:
                for target, label in (("rebel-base", "rebel-base"), ("rebel-base-headless:8080", "rebel-base-headless"),
                                      ("rebel-base.default.svc.clusterset.local", "rebel-base@clusterset")):
                    r = mesh.query(n, target, pod=args.client)
                    if label == "rebel-base-headless" and r == "dns" and mesh.clusters[n].find("Service", "rebel-base-headless") is None:
                        continue  # no headless Service at this point
                    if label == "rebel-base@clusterset" and not exported:
                        continue  # no ServiceExport at this point
                    row.append(f"{n}->{label} {summary(r)}")
            out.append(f"{version} | {check} | " + "; ".join(row))
    print("\n".join(out))
    return 0


def main():
    import argparse
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = ap.add_subparsers(dest="cmd", required=True)
    lp = sub.add_parser("lint")
    lp.add_argument("--clusters", default="koornacht,tion")
    lp.add_argument("files", nargs="+")
    wp = sub.add_parser("walk")
    wp.add_argument("--k8s", required=True)
    wp.add_argument("--dry-run", required=True)
    wp.add_argument("--work", required=True)
    wp.add_argument("--cilium", required=True)
    wp.add_argument("--with", dest="with_components", help="components added in both clusters at every step")
    wp.add_argument("--client", default="deploy/x-wing", help="the pod the requests come from")
    a = ap.parse_args()
    if a.cmd == "walk":
        return walk(a)
    problems = []
    for f in a.files:
        problems += [f"{f}: {p}" for p in lint(load_stream(open(f).read()), set(a.clusters.split(",")))]
    print("\n".join(problems) if problems else f"lint: {len(a.files)} file(s), every peer selector names its clusters")
    return 1 if problems else 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except ModelError as e:
        print(f"mesh_model: {e}", file=sys.stderr)
        sys.exit(3)
