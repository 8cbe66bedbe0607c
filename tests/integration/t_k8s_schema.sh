#!/usr/bin/env bash
# Every rendered combination of overlays and components (and every one k8s/lab.sh applies)
# validates against the upstream Kubernetes OpenAPI schemas and Cilium's CRD schemas: the
# npm packages kubernetes-models and @kubernetes-models/cilium, pinned by
# tests/k8s/package-lock.json and installed by tests/k8s/npm-deps.sh; the MCS-API
# ServiceExport (no npm package) against tests/k8s/validate.mjs's own check of
# multicluster.x-k8s.io/v1alpha1. The probe's PrometheusRule (k8s/components/probe/rules,
# applied on its own) against validate.mjs's own check of monitoring.coreos.com/v1 and
# Prometheus's rule-file rules. Each broken field below must be rejected, naming the field,
# and a ServiceExport with a well-formed status must pass.
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"
command -v kubectl >/dev/null || skip "kubectl not installed (kubectl kustomize renders the manifests)"
command -v jq >/dev/null || skip "jq not installed (it breaks the rendered copies)"
if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
    [ "${CI:-}" = true ] && fail "node/npm missing, and CI=true: make deps installs them"
    skip "node or npm not installed (make deps installs them)"
fi
bash "$ROOT/tests/k8s/npm-deps.sh" >"$TMP/npm.log" 2>&1 || fail "npm-deps.sh: $(cat "$TMP/npm.log")"
validate() { node "$ROOT/tests/k8s/validate.mjs" "$@"; }

LAB_DIR=$TMP/lab bash "$ROOT/k8s/lab.sh" --dry-run steps >"$TMP/dry.txt" 2>/dev/null || fail "lab.sh --dry-run steps"
"$PY" "$ROOT/tests/k8s/render_all.py" --k8s "$ROOT/k8s" --out "$TMP/r" --lab-dry-run "$TMP/dry.txt" 2>"$TMP/err" ||
    fail "rendering: $(cat "$TMP/err")"
out=$(validate "$TMP"/r/*.json 2>&1) || fail "schema validation: $out"
note "$out"
kinds=$(jq -r '.items[] | "\(.apiVersion) \(.kind)"' "$TMP"/r/*.json | sort -u | tr '\n' ';')
for k in "v1 ConfigMap" "v1 Service" "v1 Pod" "apps/v1 Deployment" "cilium.io/v2 CiliumNetworkPolicy" \
    "multicluster.x-k8s.io/v1alpha1 ServiceExport"; do
    [[ "$kinds" == *"$k;"* ]] || fail "no $k was validated ($kinds)"
done

# The rendering with every component: the copy each breakage is made in.
all=$(awk -F'\t' '$2 == "koornacht" && NF == 3 { n[$1] = split($3, a, " ") } END { for (i in n) if (n[i] > max) { max = n[i]; best = i } print best }' "$TMP/r/index.tsv")
base=$TMP/r/$all.json
cases=0
# rejects WHAT JQ-FILTER EXPECTED: the mutated copy must fail validation, saying EXPECTED.
rejects() {
    local what=$1 filter=$2 want=$3 got
    cases=$((cases + 1))
    jq "$filter" "$base" >"$TMP/bad.json" || fail "$what: bad jq filter"
    cmp -s <(jq -cS . "$TMP/bad.json") <(jq -cS . "$base") && fail "$what: the mutation changed nothing"
    if got=$(validate "$TMP/bad.json" 2>/dev/null); then fail "$what: the schemas accepted it"; fi
    [[ "$got" == *"$want"* ]] || fail "$what: expected '$want', got: $got"
    note "rejected: $what -> ${got#"$TMP/"}"
}
item() { echo ".items |= map(if .kind == \"$1\" and .metadata.name == \"$2\" then $3 else . end)"; }
rejects "protocol UDPX" "$(item CiliumNetworkPolicy default-deny '.spec.egress[0].toPorts[0].ports[0].protocol = "UDPX"')" \
    "spec/egress/0/toPorts/0/ports/0/protocol must be equal to one of the allowed values"
rejects "runAsUser \"x\"" "$(item Deployment rebel-base '.spec.template.spec.securityContext.runAsUser = "x"')" \
    "spec/template/spec/securityContext/runAsUser must be integer"
rejects "Service port as a string" "$(item Service rebel-base '.spec.ports[0].port = "80"')" "spec/ports/0/port must be integer"
rejects "container protocol UDPX" "$(item Pod x-wing '.spec.containers[0].ports[0].protocol = "UDPX"')" \
    "spec/containers/0/ports/0/protocol must be equal to one of the allowed values"
rejects "selector operator Inn" "$(item CiliumNetworkPolicy x-wing-to-rebel-base '.spec.egress[0].toEndpoints[0].matchExpressions[0].operator = "Inn"')" \
    "operator must be equal to one of the allowed values"
rejects "policy without a subject" "$(item CiliumNetworkPolicy rebel-base-from-x-wing 'del(.spec.endpointSelector)')" \
    "must have required property endpointSelector"
rejects "Deployment without selector" "$(item Deployment x-wing 'del(.spec.selector)')" "data/spec must have required property selector"
rejects "ConfigMap value not a string" "$(item ConfigMap rebel-base-response '.data.message = 5')" "data/message must be string"
rejects "probe period as a string" "$(item Deployment rebel-base '.spec.template.spec.containers[0].readinessProbe.periodSeconds = "2s"')" \
    "readinessProbe/periodSeconds must be integer"
rejects "a kind with no schema" "$(item Service rebel-base-headless '.kind = "GlobalService"')" "no schema for apiVersion v1 kind GlobalService"
# MCS-API: what an implementation writes into the status passes; each breakage fails.
ok=$(item ServiceExport rebel-base '.status = {conditions: [{type: "Valid", status: "True", reason: "Valid", message: "ServiceExport is valid", lastTransitionTime: "2025-11-28T03:27:37Z", observedGeneration: 1}, {type: "Conflict", status: "False", reason: "NoConflicts", message: ""}]} | .spec = {exportedLabels: {tier: "web"}}')
jq "$ok" "$base" >"$TMP/mcs-ok.json"
out=$(validate "$TMP/mcs-ok.json" 2>&1) || fail "a ServiceExport with a well-formed status was refused: $out"
base=$TMP/mcs-ok.json
export_item() { item ServiceExport rebel-base "$1"; }
rejects "ServiceExport apiVersion v1beta1" "$(export_item '.apiVersion = "multicluster.x-k8s.io/v1beta1"')" \
    "no schema for apiVersion multicluster.x-k8s.io/v1beta1 kind ServiceExport"
rejects "condition status Maybe" "$(export_item '.status.conditions[0].status = "Maybe"')" \
    'status/conditions/0/status must be one of True, False, Unknown (is "Maybe")'
rejects "condition without a type" "$(export_item 'del(.status.conditions[1].type)')" "status/conditions/1 must have required property type"
rejects "condition type twice" "$(export_item '.status.conditions[1].type = "Valid"')" 'type "Valid" appears twice'
rejects "condition reason with a space" "$(export_item '.status.conditions[0].reason = "No Service"')" \
    'status/conditions/0/reason "No Service" must be a CamelCase word'
rejects "lastTransitionTime not a time" "$(export_item '.status.conditions[0].lastTransitionTime = "yesterday"')" \
    'lastTransitionTime "yesterday" must be an RFC 3339 date-time'
rejects "negative observedGeneration" "$(export_item '.status.conditions[0].observedGeneration = -1')" "observedGeneration must be an integer >= 0"
rejects "unknown condition field" "$(export_item '.status.conditions[0].severity = "High"')" 'status/conditions/0: unknown field "severity"'
rejects "export name not DNS-1123" "$(export_item '.metadata.name = "Rebel_Base"')" 'metadata/name "Rebel_Base" must be a DNS-1123 subdomain'
rejects "export namespace not DNS-1123" "$(export_item '.metadata.namespace = "-lab"')" 'metadata/namespace "-lab" must be a DNS-1123 label'
rejects "export without a name" "$(export_item 'del(.metadata.name)')" "metadata must have required property name"
rejects "exported label not a string" "$(export_item '.spec.exportedLabels.tier = 3')" "spec/exportedLabels/tier must be string"
rejects "unknown spec field" "$(export_item '.spec.ports = [80]')" 'spec: unknown field "ports"'

# The probe's alert rules: a kustomization of their own (no component: kind clusters have no
# monitoring.coreos.com CRDs), rendered as `kubectl apply -k k8s/components/probe/rules` sends it.
bash "$ROOT/tests/k8s/render.sh" "$ROOT/k8s/components/probe/rules" | jq -s '{apiVersion: "v1", kind: "List", items: .}' \
    >"$TMP/rules.json" || fail "k8s/components/probe/rules does not render"
out=$(validate "$TMP/rules.json" 2>&1) || fail "the probe's PrometheusRule: $out"
assert_eq "monitoring.coreos.com/v1 PrometheusRule" "$(jq -r '.items[] | "\(.apiVersion) \(.kind)"' "$TMP/rules.json")" "what k8s/components/probe/rules renders"
base=$TMP/rules.json
rule_item() { item PrometheusRule x-wing-probe "$1"; }
r0='.spec.groups[0].rules[0]'
rejects "PrometheusRule apiVersion v1beta1" "$(rule_item '.apiVersion = "monitoring.coreos.com/v1beta1"')" \
    "no schema for apiVersion monitoring.coreos.com/v1beta1 kind PrometheusRule"
rejects "rule both alert and record" "$(rule_item "$r0.record = \"xwing:share\"")" "spec/groups/0/rules/0 must have exactly one of alert and record"
rejects "rule without expr" "$(rule_item "del($r0.expr)")" "spec/groups/0/rules/0 must have required property expr"
rejects "rule for: 2 minutes" "$(rule_item "$r0.for = \"2 minutes\"")" 'spec/groups/0/rules/0/for "2 minutes" must be a Prometheus duration'
rejects "rule field misspelt" "$(rule_item "$r0.expression = $r0.expr")" 'spec/groups/0/rules/0: unknown field "expression"'
rejects "rule label name with a dash" "$(rule_item "$r0.labels[\"severity-level\"] = \"warning\"")" '"severity-level" is not a label name'
rejects "annotation not a string" "$(rule_item "$r0.annotations.runbook = 5")" "spec/groups/0/rules/0/annotations/runbook must be string"
rejects "recording rule with for" "$(rule_item "$r0 |= (del(.alert, .annotations) | .record = \"xwing:share\")")" "for is for alerting rules, not recording rules"
rejects "group without a name" "$(rule_item 'del(.spec.groups[0].name)')" "spec/groups/0 must have required property name"
rejects "group name twice" "$(rule_item '.spec.groups += [.spec.groups[0]]')" 'name "x-wing-probe" appears twice'

echo '{"kind": ' >"$TMP/broken.json"
validate "$TMP/broken.json" >/dev/null 2>&1 && fail "truncated JSON accepted"
note "$cases breakages rejected by the schemas (node $(node --version))"
