#!/usr/bin/env python3
"""Cross-reference check of rendered manifests (python3 stdlib only).

    kubectl kustomize k8s/koornacht | kubectl label --local -f - -o json dummy- \\
        | check_manifests.py --version 0.1.0 --message-file DOC

Input: the JSON object stream `kubectl ... -o json` prints (`kubectl label --local`
converts kustomize's YAML without a cluster). Prints one line per problem and exits 1
when there is any, 0 otherwise. What it holds the manifests to:
  - Service selectors match pod labels; targetPort names (or numbers) a container port;
    a headless Service's port is the container port itself (clients dial pod IPs).
  - What each container runs: rebel-base, or x-wing as `xwing serve` or `xwing probe`; each
    serves its own paths on the port it listens on (--listen / -l, its environment variable,
    or its default: 8080, probe 9090), which must be a container port.
  - Probes: HTTP paths the program serves, on the port it listens on.
  - Service targetPorts reach the port the selected pods' program listens on;
    prometheus.io/* annotations (the kubernetes-service-endpoints scrape job) name that port
    and a metrics path the program serves.
  - Images are exactly what `make images` builds (NAME:VERSION); pull policy explicit and
    never Always.
  - Pod Security "restricted" on every container (effective values, pod or container
    level), resources requested and limited, no service links (rebel-base reads REBEL_BASE_*).
  - rebel-base's pods give it longer than --drain + --grace before SIGKILL.
  - rebel-base mounts ConfigMap rebel-base-response (key message as index.html) as the
    directory holding its document, without subPath; the ConfigMap text is the lab's.
  - CiliumNetworkPolicy selectors match real pod labels (or Cilium's/kube-dns's own).
  - service.cilium.io/* annotations are known and have valid values.
  - A ServiceExport (MCS-API) names a Service of the rendering, in the same namespace,
    that MCS-API can export (not ExternalName).
"""
import argparse
import posixpath
import sys

from k8s_objects import expr_holds, load_stream

# What each program serves (the READMEs, `rebel-base --help`, `xwing serve --help`, `xwing probe --help`), keyed by image name and, for
# x-wing, by what its args run (the first one: serve or probe). env: the variable that sets
# --listen too (probe takes flags from the command line only); metrics: its Prometheus path.
PROGRAMS = {
    "rebel-base": {"paths": {"/", "/index.html", "/healthz", "/readyz", "/metrics"},
                   "liveness": "/healthz", "readiness": "/readyz", "port": 8080,
                   "env": "REBEL_BASE_LISTEN", "metrics": "/metrics"},
    "x-wing": {"paths": {"/healthz", "/tally"}, "liveness": "/healthz", "readiness": "/healthz",
               "port": 8080, "env": "XWING_LISTEN", "metrics": None},
}
MODES = {
    ("x-wing", "serve"): PROGRAMS["x-wing"],
    ("x-wing", "probe"): {"paths": {"/", "/healthz", "/metrics"}, "liveness": "/healthz", "readiness": "/healthz",
                          "port": 9090, "env": None, "metrics": "/metrics"},
}
DEFAULT_DOCUMENT = "/etc/rebel-base/index.html"
CLUSTERS = {"koornacht", "tion"}
BOOL_ANNOTATIONS = {"service.cilium.io/global", "service.cilium.io/shared",
                    "service.cilium.io/global-sync-endpoint-slices"}
AFFINITIES = {"local", "remote", "none"}
# Labels Cilium derives itself; they match no pod's own labels.
CILIUM_LABELS = {"io.kubernetes.pod.namespace", "io.cilium.k8s.policy.cluster"}
KUBE_DNS = {"k8s-app": "kube-dns"}
SELECTOR_OPS = {"In", "NotIn", "Exists", "DoesNotExist"}
PROMETHEUS_ANNOTATIONS = {"prometheus.io/scrape", "prometheus.io/port", "prometheus.io/path", "prometheus.io/scheme"}
ALLOWED_VOLUMES = {"configMap", "emptyDir", "projected", "secret", "downwardAPI",
                   "persistentVolumeClaim", "ephemeral", "csi"}


class Checker:
    def __init__(self, objs, version, message):
        self.objs = objs
        self.version = version
        self.message = message
        self.problems = []
        self.pods = []  # (where, labels, podspec)
        for o in objs:
            kind, name = o.get("kind"), o.get("metadata", {}).get("name")
            if kind in ("Deployment", "StatefulSet", "DaemonSet", "ReplicaSet"):
                t = o.get("spec", {}).get("template", {})
                self.pods.append((f"{kind}/{name}", t.get("metadata", {}).get("labels", {}) or {},
                                  t.get("spec", {})))
            elif kind == "Pod":
                self.pods.append((f"Pod/{name}", o["metadata"].get("labels", {}) or {}, o.get("spec", {})))

    def bad(self, where, what):
        self.problems.append(f"{where}: {what}")

    def of_kind(self, kind):
        return [o for o in self.objs if o.get("kind") == kind]

    @staticmethod
    def matches(selector, labels):
        return all(labels.get(k) == v for k, v in selector.items())

    def run(self):
        if not self.pods:
            self.bad("manifests", "no pods (Deployment or Pod) rendered")
        for where, labels, spec in self.pods:
            self.check_pod(where, labels, spec)
        self.check_deployment_selectors()
        for svc in self.of_kind("Service"):
            self.check_service(svc)
        self.check_configmap()
        for pol in self.of_kind("CiliumNetworkPolicy"):
            self.check_policy(pol)
        for exp in self.of_kind("ServiceExport"):
            self.check_export(exp)
        return self.problems

    def check_export(self, exp):
        """MCS-API exports the Service of the same name and namespace: an export naming no
        Service is accepted by the API server and only marked invalid in its status."""
        meta = exp.get("metadata", {})
        where = f"ServiceExport/{meta.get('name')}"
        svcs = [s for s in self.of_kind("Service") if s["metadata"].get("name") == meta.get("name")]
        if not svcs:
            self.bad(where, f"no Service named {meta.get('name')} to export")
            return
        svc = svcs[0]
        if svc["metadata"].get("namespace") != meta.get("namespace"):
            self.bad(where, f"namespace {meta.get('namespace')!r} is not its Service's {svc['metadata'].get('namespace')!r}")
        if (svc.get("spec") or {}).get("type") == "ExternalName":
            self.bad(where, "exports an ExternalName Service, which MCS-API cannot export")

    # --- pods -------------------------------------------------------------------
    def check_pod(self, where, labels, spec):
        if not labels:
            self.bad(where, "pod has no labels")
        for key in ("hostNetwork", "hostPID", "hostIPC"):
            if spec.get(key):
                self.bad(where, f"{key} is set (not restricted)")
        if spec.get("enableServiceLinks", True) is not False:
            self.bad(where, "enableServiceLinks is not false (service links set REBEL_BASE_* variables)")
        for vol in spec.get("volumes", []) or []:
            kinds = set(vol) - {"name"}
            if not kinds <= ALLOWED_VOLUMES:
                self.bad(where, f"volume {vol.get('name')} of type {sorted(kinds)} is not allowed by restricted")
        psc = spec.get("securityContext", {}) or {}
        containers = (spec.get("initContainers", []) or []) + (spec.get("containers", []) or [])
        if not spec.get("containers"):
            self.bad(where, "no containers")
        for c in containers:
            self.check_container(f"{where} container {c.get('name')}", c, psc, spec)

    def check_container(self, where, c, psc, spec):
        image = c.get("image", "")
        name, _, tag = image.rpartition(":")
        if "/" in image or not name or name not in PROGRAMS or tag != self.version:
            want = " or ".join(f"{p}:{self.version}" for p in sorted(PROGRAMS))
            self.bad(where, f"image '{image}' is not what make images builds ({want})")
        policy = c.get("imagePullPolicy")
        if policy not in ("IfNotPresent", "Never"):
            self.bad(where, f"imagePullPolicy {policy!r}: kind-loaded images need IfNotPresent")
        self.check_security(where, c.get("securityContext", {}) or {}, psc)
        res = c.get("resources", {}) or {}
        for part in ("requests", "limits"):
            for r in ("cpu", "memory"):
                if r not in (res.get(part) or {}):
                    self.bad(where, f"resources.{part}.{r} missing")
        self.check_program(where, c, spec)

    def check_program(self, where, c, spec):
        """What the container runs: the port it listens on is a container port, its probes
        ask it for what it serves there; rebel-base's document and grace period."""
        what, prog, listen, given = runs(c)
        if what is None:
            return
        args = c.get("args", []) or []
        if prog is None:
            self.bad(where, f"x-wing must run `xwing serve` or `xwing probe` (args {args})")
            return
        ports = {p.get("name"): p.get("containerPort") for p in c.get("ports", []) or []}
        if listen not in ports.values():
            if given:
                self.bad(where, f"--listen port {listen} is no container port {sorted(ports.values())}")
            else:
                self.bad(where, f"{what} listens on :{listen} by default (no --listen) but no container port is {listen}")
        self.check_probes(where, c, what, prog, listen, ports)
        if what == "rebel-base":
            self.check_document_mount(where, c, args, spec)
            self.check_grace(where, c, args, spec)

    def check_probes(self, where, c, what, prog, listen, ports):
        numbers = set(ports.values())
        for kind, want in (("livenessProbe", prog["liveness"]), ("readinessProbe", prog["readiness"])):
            probe = c.get(kind)
            if not probe:
                self.bad(where, f"{kind} missing")
                continue
            http = probe.get("httpGet")
            if not http:
                self.bad(where, f"{kind} is not httpGet (the image has no shell or curl)")
                continue
            path, port = http.get("path", "/"), http.get("port")
            if path not in prog["paths"]:
                self.bad(where, f"{kind} path {path} is not served by {what}")
            elif path != want:
                self.bad(where, f"{kind} path {path}: use {want}")
            number = ports.get(port) if isinstance(port, str) else port
            if isinstance(port, str) and port not in ports:
                self.bad(where, f"{kind} port '{port}' names no container port")
            elif isinstance(port, int) and port not in numbers:
                self.bad(where, f"{kind} port {port} is no container port")
            elif number != listen and listen in numbers:
                self.bad(where, f"{kind} port {port!r} ({number}) is not the port {what} listens on ({listen})")

    def check_security(self, where, sc, psc):
        def eff(key):
            return sc.get(key, psc.get(key))
        if eff("runAsNonRoot") is not True:
            self.bad(where, "runAsNonRoot is not true")
        uid = eff("runAsUser")
        if uid != 65532:
            self.bad(where, f"runAsUser {uid}: the images run as 65532")
        if sc.get("privileged"):
            self.bad(where, "privileged")
        if sc.get("allowPrivilegeEscalation") is not False:
            self.bad(where, "allowPrivilegeEscalation is not false")
        if sc.get("readOnlyRootFilesystem") is not True:
            self.bad(where, "readOnlyRootFilesystem is not true")
        caps = sc.get("capabilities", {}) or {}
        if "ALL" not in (caps.get("drop") or []):
            self.bad(where, "capabilities do not drop ALL")
        if set(caps.get("add") or []) - {"NET_BIND_SERVICE"}:
            self.bad(where, f"capabilities add {caps.get('add')}")
        seccomp = (eff("seccompProfile") or {}).get("type")
        if seccomp not in ("RuntimeDefault", "Localhost"):
            self.bad(where, f"seccompProfile {seccomp!r} is not RuntimeDefault")

    def check_grace(self, where, c, args, spec):
        """The kubelet must not SIGKILL rebel-base before its drain and grace run out."""
        need = 0
        for flag, env, default in (("--drain", "REBEL_BASE_DRAIN", "2s"), ("--grace", "REBEL_BASE_GRACE", "10s")):
            v = flag_value(args, flag) or env_value(c, env) or default
            secs = duration_s(v)
            if secs is None:
                self.bad(where, f"{flag} {v!r} is not a duration")
                return
            need += secs
        have = spec.get("terminationGracePeriodSeconds", 30)
        if have <= need:
            self.bad(where, f"terminationGracePeriodSeconds {have} does not exceed --drain + --grace ({need:g}s)")

    def check_document_mount(self, where, c, args, spec):
        doc = flag_value(args, "--document") or env_value(c, "REBEL_BASE_DOCUMENT") or DEFAULT_DOCUMENT
        docdir, docname = posixpath.split(doc)
        mounts = [m for m in c.get("volumeMounts", []) or [] if m.get("mountPath", "").rstrip("/") == docdir]
        if not mounts:
            self.bad(where, f"nothing is mounted at {docdir}, where the document {doc} lives")
            return
        m = mounts[0]
        if m.get("subPath") or m.get("subPathExpr"):
            self.bad(where, f"{docdir} is mounted with subPath: ConfigMap updates would never reach the server")
        vols = {v.get("name"): v for v in spec.get("volumes", []) or []}
        cm = (vols.get(m.get("name")) or {}).get("configMap")
        if not cm:
            self.bad(where, f"volume {m.get('name')} mounted at {docdir} is not a ConfigMap")
            return
        if cm.get("name") != "rebel-base-response":
            self.bad(where, f"volume {m.get('name')} uses ConfigMap {cm.get('name')}, not rebel-base-response")
        elif not any(o["metadata"]["name"] == "rebel-base-response" for o in self.of_kind("ConfigMap")):
            self.bad(where, "ConfigMap rebel-base-response is not in the manifests")
        items = cm.get("items") or []
        if not any(i.get("key") == "message" and i.get("path") == docname for i in items):
            self.bad(where, f"ConfigMap volume does not project key message as {docname}")

    def check_deployment_selectors(self):
        for d in self.of_kind("Deployment"):
            sel = d["spec"].get("selector", {}).get("matchLabels", {})
            labels = d["spec"].get("template", {}).get("metadata", {}).get("labels", {}) or {}
            if not sel or not self.matches(sel, labels):
                self.bad(f"Deployment/{d['metadata']['name']}", f"selector {sel} does not match its template labels {labels}")

    # --- services ---------------------------------------------------------------
    def check_service(self, svc):
        name = svc["metadata"]["name"]
        where = f"Service/{name}"
        sel = svc.get("spec", {}).get("selector") or {}
        pods = [p for p in self.pods if sel and self.matches(sel, p[1])]
        if not pods:
            self.bad(where, f"selector {sel} matches no pod labels")
        headless = svc["spec"].get("clusterIP") == "None"
        for port in svc["spec"].get("ports", []) or []:
            target = port.get("targetPort", port.get("port"))
            for pwhere, _, spec in pods:
                hit = [(c, p) for c in spec.get("containers", []) for p in c.get("ports", []) or []
                       if (p.get("name") == target if isinstance(target, str) else p.get("containerPort") == target)]
                if not hit:
                    self.bad(where, f"targetPort {target!r} is no container port of {pwhere}")
                    continue
                c, cport = hit[0]
                number = cport.get("containerPort")
                if headless and number != port.get("port"):
                    self.bad(where, f"headless port {port.get('port')} differs from container port "
                                    f"{number} (clients dial pod IPs directly)")
                what, prog, listen, _ = runs(c)
                if prog is not None and number != listen:
                    self.bad(where, f"targetPort {target!r} ({number}) is not the port {what} in {pwhere} listens on ({listen})")
        self.check_annotations(where, svc, headless)
        self.check_prometheus(where, svc, pods)

    def check_prometheus(self, where, svc, pods):
        """The prometheus.io/* annotations as the usual kubernetes-service-endpoints scrape job
        reads them: scrape "true" keeps the Service's endpoints, port replaces the endpoint's
        port (so it is the pod's, not the Service's), path defaults to /metrics."""
        ann = {k: v for k, v in (svc["metadata"].get("annotations", {}) or {}).items() if k.startswith("prometheus.io/")}
        if not ann:
            return
        for key in ann:
            if key not in PROMETHEUS_ANNOTATIONS and not key.startswith("prometheus.io/param_"):
                self.bad(where, f"unknown annotation {key} (the scrape job reads {sorted(PROMETHEUS_ANNOTATIONS)})")
        scrape = ann.get("prometheus.io/scrape")
        if scrape not in (None, "true", "false"):
            self.bad(where, f'annotation prometheus.io/scrape="{scrape}": must be "true" or "false"')
        if scrape != "true":
            others = sorted(set(ann) - {"prometheus.io/scrape"})
            if others:
                self.bad(where, f'{", ".join(others)}: ignored, prometheus.io/scrape is not "true"')
            return
        if ann.get("prometheus.io/scheme", "http") != "http":
            self.bad(where, f"prometheus.io/scheme {ann['prometheus.io/scheme']!r}: the programs serve plain http")
        port, path = ann.get("prometheus.io/port"), ann.get("prometheus.io/path", "/metrics")
        if port is not None and not port.isdigit():
            self.bad(where, f"prometheus.io/port {port!r} is not a port number")
            return
        for pwhere, _, spec in pods:
            ours = [r for r in map(runs, spec.get("containers", []) or []) if r[1] is not None]
            hit = [r for r in ours if port is None or r[2] == int(port)]
            if port is not None and not hit:
                listens = ", ".join(f"{r[2]} ({r[0]})" for r in ours) or "no port of ours"
                self.bad(where, f"prometheus.io/port {port} is not a port {pwhere} listens on: {listens}")
            for what, prog, _, _ in hit:
                if prog["metrics"] is None:
                    self.bad(where, f"prometheus.io/scrape: {what} in {pwhere} serves no metrics")
                elif path != prog["metrics"]:
                    self.bad(where, f"prometheus.io/path {path} is not where {what} serves its metrics ({prog['metrics']})")

    def check_annotations(self, where, svc, headless):
        ann = svc["metadata"].get("annotations", {}) or {}
        for key, val in ann.items():
            if not key.startswith("service.cilium.io/"):
                continue
            if key in BOOL_ANNOTATIONS:
                if val not in ("true", "false"):
                    self.bad(where, f'annotation {key}="{val}": must be "true" or "false"')
            elif key == "service.cilium.io/affinity":
                if val not in AFFINITIES:
                    self.bad(where, f'annotation {key}="{val}": must be one of {sorted(AFFINITIES)}')
            else:
                self.bad(where, f"unknown Cilium annotation {key}")
        is_global = ann.get("service.cilium.io/global") == "true"
        for key in ("service.cilium.io/shared", "service.cilium.io/affinity",
                    "service.cilium.io/global-sync-endpoint-slices"):
            if key in ann and not is_global:
                self.bad(where, f"{key} has no effect: the service is not global")
        if ann.get("service.cilium.io/global-sync-endpoint-slices") == "true" and not headless:
            self.bad(where, "global-sync-endpoint-slices is for headless services (clusterIP: None)")

    # --- configmap --------------------------------------------------------------
    def check_configmap(self):
        cms = [o for o in self.of_kind("ConfigMap") if o["metadata"]["name"] == "rebel-base-response"]
        if self.message is None:
            return
        if not cms:
            self.bad("ConfigMap/rebel-base-response", "missing")
            return
        got = (cms[0].get("data") or {}).get("message")
        if got != self.message:
            self.bad("ConfigMap/rebel-base-response", f"message {got!r} is not the lab's {self.message!r}")

    # --- policies ---------------------------------------------------------------
    def check_selector(self, where, sel):
        labels = dict((sel or {}).get("matchLabels", {}) or {})
        exprs = []
        for expr in (sel or {}).get("matchExpressions", []) or []:
            key, op, values = expr.get("key"), expr.get("operator"), expr.get("values") or []
            if op not in SELECTOR_OPS:
                self.bad(where, f"matchExpressions operator {op!r} (one of {sorted(SELECTOR_OPS)})")
            elif (op in ("In", "NotIn")) != bool(values):
                self.bad(where, f"matchExpressions {key} {op} {values}: In/NotIn need values, Exists/DoesNotExist none")
            if key == "io.cilium.k8s.policy.cluster":
                for v in values:
                    if v not in CLUSTERS:
                        self.bad(where, f"io.cilium.k8s.policy.cluster={v}: no such cluster ({sorted(CLUSTERS)})")
            elif key not in CILIUM_LABELS:
                exprs.append((key, op, values))
        cluster = labels.pop("io.cilium.k8s.policy.cluster", None)
        if cluster is not None and cluster not in CLUSTERS:
            self.bad(where, f"io.cilium.k8s.policy.cluster={cluster}: no such cluster ({sorted(CLUSTERS)})")
        ns = labels.pop("io.kubernetes.pod.namespace", None)
        if ns == "kube-system":
            if labels != KUBE_DNS:
                self.bad(where, f"kube-system selector {labels} is not kube-dns's {KUBE_DNS}")
            return
        for k in list(labels):
            if k in CILIUM_LABELS:
                labels.pop(k)
        if (labels or exprs) and not any(self.matches(labels, p[1]) and all(expr_matches(e, p[1]) for e in exprs)
                                         for p in self.pods):
            shown = labels if not exprs else {"matchLabels": labels, "matchExpressions": exprs}
            self.bad(where, f"selector {shown} matches no pod labels")

    def check_policy(self, pol):
        where = f"CiliumNetworkPolicy/{pol['metadata']['name']}"
        spec = pol.get("spec", {}) or {}
        if "endpointSelector" not in spec:
            self.bad(where, "no endpointSelector")
        self.check_selector(f"{where} endpointSelector", spec.get("endpointSelector"))
        for direction, peer in (("ingress", "fromEndpoints"), ("egress", "toEndpoints")):
            for i, rule in enumerate(spec.get(direction, []) or []):
                for sel in rule.get(peer, []) or []:
                    self.check_selector(f"{where} {direction}[{i}].{peer}", sel)
                for tp in rule.get("toPorts", []) or []:
                    for p in tp.get("ports", []) or []:
                        port, proto = str(p.get("port", "")), p.get("protocol", "ANY")
                        if not port.isdigit() or not 0 < int(port) < 65536:
                            self.bad(where, f"{direction}[{i}] port {port!r} is not a port number")
                        if proto not in ("TCP", "UDP", "SCTP", "ANY"):
                            self.bad(where, f"{direction}[{i}] protocol {proto!r}")


def expr_matches(expr, labels):
    key, op, values = expr
    holds = expr_holds(key, op, values, labels)
    # An unknown operator is already reported by the selector check; here it is
    # taken as DoesNotExist, so one bad field does not cascade into more problems.
    return key not in labels if holds is None else holds


def flag_value(args, flag):
    for i, a in enumerate(args):
        if a == flag and i + 1 < len(args):
            return args[i + 1]
        if a.startswith(flag + "="):
            return a.split("=", 1)[1]
    return None


def env_value(c, name):
    for e in c.get("env", []) or []:
        if e.get("name") == name:
            return e.get("value")
    return None


def duration_s(v):
    for suffix, scale in (("ms", 0.001), ("s", 1), ("m", 60), ("h", 3600)):
        if v.endswith(suffix) and v[: -len(suffix)].replace(".", "", 1).isdigit():
            return float(v[: -len(suffix)]) * scale
    return float(v) if v.isdigit() else None


def listen_port(v):
    port = v.rsplit(":", 1)[-1]
    return int(port) if port.isdigit() else -1


def runs(c):
    """(what, profile, listen port, whether --listen or its variable set it) of a container:
    what is None for an image that is not ours, the profile None for an x-wing running
    neither `xwing serve` nor `xwing probe`."""
    name = c.get("image", "").rpartition(":")[0]
    if name not in PROGRAMS:
        return None, None, None, False
    args = c.get("args", []) or []
    what, prog = name, PROGRAMS[name]
    if name == "x-wing":
        what = f"x-wing {args[0]}" if args else "x-wing"
        prog = MODES.get((name, args[0] if args else None))
        if prog is None:
            return what, None, None, False
    v = flag_value(args, "--listen") or flag_value(args, "-l") or (env_value(c, prog["env"]) if prog["env"] else None)
    return what, prog, prog["port"] if v is None else listen_port(v), v is not None


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--version", required=True, help="the image tag make images builds (VERSION)")
    ap.add_argument("--message-file", help="the ConfigMap's expected message, byte for byte")
    ap.add_argument("input", nargs="?", default="-")
    a = ap.parse_args()
    text = sys.stdin.read() if a.input == "-" else open(a.input, encoding="utf-8").read()
    message = None
    if a.message_file:
        with open(a.message_file, encoding="utf-8", newline="") as f:
            message = f.read()
    try:
        objs = load_stream(text)
    except ValueError as e:
        print(f"input: not a JSON object stream: {e}")
        return 1
    problems = Checker(objs, a.version, message).run()
    for p in problems:
        print(p)
    kinds = sorted({f"{o.get('kind')}/{o.get('metadata', {}).get('name')}" for o in objs})
    print(f"check_manifests: {len(objs)} objects ({', '.join(kinds)}), {len(problems)} problems",
          file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
