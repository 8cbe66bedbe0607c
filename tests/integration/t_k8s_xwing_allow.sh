#!/usr/bin/env bash
# The manifests keep `xwing serve` closed: every x-wing container that runs it carries the
# allowlist (--allow-target, the binary's own defaults spelt out, in order), which the real
# binary accepts and states on its listen line; a NetworkPolicy of the base closes those
# pods' ingress from the pod network, and leaves the probe's pods (scraped on :9090) alone.
# The check is run on both overlays, alone and with every component, and must reject a
# copy with each of these broken: the policy gone, an --allow-target dropped, the probe
# caught by the policy, the policy opened to every peer.
# limit: 120
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"
command -v kubectl >/dev/null || skip "kubectl not installed (kubectl kustomize renders the manifests)"
command -v jq >/dev/null || skip "jq not installed (it reads and breaks the rendered copies)"

# The binary's default allowlist, as its listen line states it.
allowed() { sed -nE 's/.*; targets allowed: (.*)\)$/\1/p' "$1"; }
start_serve defaults --listen 127.0.0.1:0
want=$(allowed "$TMP/defaults.log")
[ -n "$want" ] || fail "no allowlist on the listen line: $(cat "$TMP/defaults.log")"
note "defaults: $want"

cat >"$TMP/check.py" <<'EOF'
"""check.py RENDERED.json DEFAULTS: x-wing serve's allowlist and ingress in a rendering."""
import json
import sys


def load(path):
    text, dec, i, out = open(path).read(), json.JSONDecoder(), 0, []
    while True:
        while i < len(text) and text[i].isspace():
            i += 1
        if i >= len(text):
            return out
        o, i = dec.raw_decode(text, i)
        out.extend(o["items"] if o.get("kind") == "List" else [o])


def selects(sel, labels):
    if any(labels.get(k) != v for k, v in (sel.get("matchLabels") or {}).items()):
        return False
    for e in sel.get("matchExpressions") or []:
        k, vals = e["key"], e.get("values") or []
        held = {"In": labels.get(k) in vals and k in labels, "NotIn": not (k in labels and labels[k] in vals),
                "Exists": k in labels, "DoesNotExist": k not in labels}[e["operator"]]
        if not held:
            return False
    return True


def closed(pol):
    spec = pol["spec"]
    return "Ingress" in (spec.get("policyTypes") or ["Ingress"]) and not spec.get("ingress")


objs, want = load(sys.argv[1]), sys.argv[2]
pods = []
for o in objs:
    where = f"{o['kind']}/{o['metadata']['name']}"
    if o["kind"] == "Deployment":
        t = o["spec"]["template"]
        pods.append((where, t["metadata"].get("labels") or {}, t["spec"]["containers"]))
    elif o["kind"] == "Pod":
        pods.append((where, o["metadata"].get("labels") or {}, o["spec"]["containers"]))
pols = [o for o in objs if o["kind"] == "NetworkPolicy"]
problems, counts = [], {"serve": 0, "probe": 0}
for where, labels, containers in pods:
    for c in containers:
        args = c.get("args") or []
        if not c.get("image", "").startswith("x-wing:") or not args or args[0] not in counts:
            continue
        counts[args[0]] += 1
        by = [p for p in pols if selects(p["spec"].get("podSelector") or {}, labels)]
        if args[0] == "probe":
            if by:
                problems.append(f"{where}: the probe's ingress (Prometheus, :9090) is limited by "
                                f"{[p['metadata']['name'] for p in by]}")
            continue
        allow = ", ".join(args[i + 1] for i in range(len(args) - 1) if args[i] == "--allow-target")
        if allow != want:
            problems.append(f"{where}: --allow-target {allow or '(none)'}; want the defaults {want}")
        if not any(closed(p) for p in by):
            problems.append(f"{where}: no NetworkPolicy closes its ingress")
print(f"x-wing serve {counts['serve']}, probe {counts['probe']}, {len(problems)} problems")
print("\n".join(problems))
sys.exit(1 if problems or not counts["serve"] else 0)
EOF
check() { "$PY" "$TMP/check.py" "$1" "$want"; }

mkdir -p "$TMP/all"
rel=$("$PY" -c 'import os, sys; print(os.path.relpath(sys.argv[1], sys.argv[2]))' "$ROOT/k8s" "$TMP/all")
{
    echo "apiVersion: kustomize.config.k8s.io/v1beta1"
    echo "kind: Kustomization"
    echo "resources: [$rel/koornacht]"
    echo "components:"
    for c in global default-deny x-wing-to-rebel-base rebel-base-from-x-wing headless-global mcs-export probe; do
        echo "  - $rel/components/$c"
    done
} >"$TMP/all/kustomization.yaml"
for d in "$ROOT/k8s/koornacht" "$ROOT/k8s/tion" "$TMP/all"; do
    name=$(basename "$d")
    bash "$ROOT/tests/k8s/render.sh" "$d" >"$TMP/$name.json"
    out=$(check "$TMP/$name.json") || fail "$name: $out"
    note "$name: $(head -1 <<<"$out")"
done
assert_match "^x-wing serve 2, probe 1, 0 problems" "$(check "$TMP/all.json")" "every component: serve pods and the probe seen"

# The Deployment's own arguments, run by the real binary (listening on loopback instead).
jq -r 'select(.kind == "Deployment" and .metadata.name == "x-wing") | .spec.template.spec.containers[0].args[]' \
    "$TMP/koornacht.json" >"$TMP/args"
mapfile -t args <"$TMP/args"
for i in "${!args[@]}"; do [ "${args[$i]}" = :8080 ] && args[i]=127.0.0.1:0; done
assert_eq serve "${args[0]}" "the Deployment runs xwing serve"
start_serve manifest "${args[@]:1}"
assert_eq "$want" "$(allowed "$TMP/manifest.log")" "the manifest's allowlist, as the binary reads it"
base=http://127.0.0.1:$SERVE_PORT
assert_eq 200 "$(http_code "$base/tally?target=rebel-base&n=1")" "the manifest's serve: /tally?target=rebel-base"
assert_eq 403 "$(http_code "$base/tally?target=169.254.169.254&n=1")" "the manifest's serve: the metadata address"
assert_eq 403 "$(http_code "$base/tally?target=kubernetes.default.svc.cluster.local:443&n=1")" \
    "the manifest's serve: the API server"

# breaks WHAT JQ-FILTER EXPECTED: the check must reject the mutated copy, saying EXPECTED.
breaks() {
    local what=$1 filter=$2 want_msg=$3 got
    jq -c "$filter" "$TMP/all.json" >"$TMP/bad.json" || fail "$what: bad jq filter"
    [ "$(jq -cS . "$TMP/bad.json")" != "$(jq -cS . "$TMP/all.json")" ] || fail "$what: the mutation changed nothing"
    if got=$(check "$TMP/bad.json"); then fail "$what: the check accepted it"; fi
    [[ "$got" == *"$want_msg"* ]] || fail "$what: expected '$want_msg', got: $got"
    note "caught: $what -> $(grep -F -- "$want_msg" <<<"$got" | head -1)"
}
pol='.kind == "NetworkPolicy" and .metadata.name == "x-wing-ingress"'
breaks "the policy gone" "select(($pol) | not)" "Deployment/x-wing: no NetworkPolicy closes its ingress"
breaks "an --allow-target dropped" \
    'if .kind == "Pod" and .metadata.name == "x-wing" then .spec.containers[0].args |= .[:-2] else . end' \
    "Pod/x-wing: --allow-target rebel-base:80,"
breaks "the probe caught" "if $pol then del(.spec.podSelector.matchExpressions) else . end" \
    "Deployment/x-wing-probe: the probe's ingress (Prometheus, :9090) is limited by ['x-wing-ingress']"
breaks "the policy opened" "if $pol then .spec.ingress = [{}] else . end" "Pod/x-wing: no NetworkPolicy closes its ingress"
