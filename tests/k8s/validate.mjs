// Validates Kubernetes objects against the upstream OpenAPI schemas (kubernetes-models)
// and Cilium's CRD schemas (@kubernetes-models/cilium), as the API server would before
// storing them:   node tests/k8s/validate.mjs FILE...
// Each FILE holds what `kubectl ... -o json` prints: one object, a List, or objects one
// after another. Prints one line per invalid object and exits 1 if there is any; an
// apiVersion/kind without a schema here is a problem too, never silently passed.
// The schemas do not reject unknown fields (they allow additional properties), so a
// misspelt field name is not caught here; a real API server with kubectl's strict field
// validation would reject it.
// The MCS-API kinds (multicluster.x-k8s.io) have no npm package: mcsServiceExport() below
// checks a ServiceExport against the API's definition, written out here by hand. Unlike
// the packages it does refuse unknown fields. The same holds for the Prometheus Operator's
// PrometheusRule (k8s/components/probe/rules): prometheusRule() checks its CRD's schema and
// the rule-file rules the operator's admission webhook applies (Prometheus's rulefmt);
// the PromQL expressions themselves are promtool's job (t_xw_probe_rules).
import { readFileSync } from "node:fs";

function objects(text) {
    const out = [];
    let depth = 0, start = -1, inStr = false, esc = false;
    for (let i = 0; i < text.length; i++) {
        const ch = text[i];
        if (inStr) {
            if (esc) esc = false;
            else if (ch === "\\") esc = true;
            else if (ch === '"') inStr = false;
        } else if (ch === '"') inStr = true;
        else if (ch === "{") { if (depth++ === 0) start = i; }
        else if (ch === "}" && --depth === 0) out.push(JSON.parse(text.slice(start, i + 1)));
    }
    if (depth !== 0 || inStr) throw new Error("truncated JSON");
    return out.flatMap((o) => (o.kind === "List" ? o.items : [o]));
}

function modulePath(apiVersion, kind) {
    const [group, version] = apiVersion.includes("/") ? apiVersion.split("/") : ["", apiVersion];
    if (group === "cilium.io") return `@kubernetes-models/cilium/cilium.io/${version}/${kind}`;
    return group === "" ? `kubernetes-models/${version}/${kind}` : `kubernetes-models/${group}/${version}/${kind}`;
}

// --- MCS-API v1alpha1 (sigs.k8s.io/mcs-api; what Cilium 1.17 to 1.19 serve) -----------
// ServiceExport: metadata names the exported Service (same name, same namespace); spec is
// optional (exportedLabels, exportedAnnotations: string maps); status is written by the
// implementation: conditions, a list keyed by type, each a Kubernetes condition.
const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS1123_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const CONDITION_REASON = /^[A-Za-z]([A-Za-z0-9_,:]*[A-Za-z0-9_])?$/;
const RFC3339 = /^\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$/;
const OBJECT_META = new Set(["name", "generateName", "namespace", "labels", "annotations", "uid",
    "resourceVersion", "generation", "creationTimestamp", "deletionTimestamp",
    "deletionGracePeriodSeconds", "ownerReferences", "finalizers", "managedFields", "selfLink"]);

const isObject = (v) => v !== null && typeof v === "object" && !Array.isArray(v);

function unknownFields(obj, allowed, at, problems) {
    for (const k of Object.keys(obj)) if (!allowed.has(k)) problems.push(`${at}: unknown field "${k}"`);
}

function stringMap(v, at, problems) {
    if (!isObject(v)) return problems.push(`${at} must be an object of strings`);
    for (const [k, x] of Object.entries(v)) if (typeof x !== "string") problems.push(`${at}/${k} must be string`);
}

function ownMetadata(m, problems) {
    if (!isObject(m)) return problems.push("metadata must be an object");
    unknownFields(m, OBJECT_META, "metadata", problems);
    if (m.name === undefined && m.generateName === undefined) problems.push("metadata must have required property name");
    if (m.name !== undefined && (typeof m.name !== "string" || m.name.length > 253 || !DNS1123_SUBDOMAIN.test(m.name)))
        problems.push(`metadata/name ${JSON.stringify(m.name)} must be a DNS-1123 subdomain (lower-case letters, digits, '-' and '.', alphanumeric at both ends, at most 253)`);
    if (m.namespace !== undefined && (typeof m.namespace !== "string" || m.namespace.length > 63 || !DNS1123_LABEL.test(m.namespace)))
        problems.push(`metadata/namespace ${JSON.stringify(m.namespace)} must be a DNS-1123 label (lower-case letters, digits and '-', alphanumeric at both ends, at most 63)`);
    for (const k of ["labels", "annotations"]) if (m[k] !== undefined) stringMap(m[k], `metadata/${k}`, problems);
}

const CONDITION_FIELDS = new Set(["type", "status", "reason", "message", "lastTransitionTime", "observedGeneration"]);

function condition(c, at, problems) {
    if (!isObject(c)) return problems.push(`${at} must be an object`);
    unknownFields(c, CONDITION_FIELDS, at, problems);
    if (typeof c.type !== "string" || c.type.length === 0 || c.type.length > 316)
        problems.push(`${at} must have required property type (a string of 1 to 316 characters)`);
    if (!["True", "False", "Unknown"].includes(c.status))
        problems.push(`${at}/status must be one of True, False, Unknown (is ${JSON.stringify(c.status)})`);
    if (c.reason !== undefined && (typeof c.reason !== "string" || c.reason.length > 1024 || !CONDITION_REASON.test(c.reason)))
        problems.push(`${at}/reason ${JSON.stringify(c.reason)} must be a CamelCase word (letters, digits, '_', ',' and ':', starting with a letter)`);
    if (c.message !== undefined && (typeof c.message !== "string" || c.message.length > 32768))
        problems.push(`${at}/message must be a string of at most 32768 characters`);
    if (c.lastTransitionTime !== undefined && (typeof c.lastTransitionTime !== "string" || !RFC3339.test(c.lastTransitionTime)))
        problems.push(`${at}/lastTransitionTime ${JSON.stringify(c.lastTransitionTime)} must be an RFC 3339 date-time`);
    if (c.observedGeneration !== undefined && !(Number.isInteger(c.observedGeneration) && c.observedGeneration >= 0))
        problems.push(`${at}/observedGeneration must be an integer >= 0`);
}

function mcsServiceExport(obj) {
    const problems = [];
    unknownFields(obj, new Set(["apiVersion", "kind", "metadata", "spec", "status"]), "ServiceExport", problems);
    ownMetadata(obj.metadata, problems);
    if (obj.spec !== undefined) {
        if (!isObject(obj.spec)) problems.push("spec must be an object");
        else {
            unknownFields(obj.spec, new Set(["exportedLabels", "exportedAnnotations"]), "spec", problems);
            for (const k of ["exportedLabels", "exportedAnnotations"]) if (obj.spec[k] !== undefined) stringMap(obj.spec[k], `spec/${k}`, problems);
        }
    }
    if (obj.status !== undefined) {
        if (!isObject(obj.status)) problems.push("status must be an object");
        else {
            unknownFields(obj.status, new Set(["conditions"]), "status", problems);
            const conds = obj.status.conditions;
            if (conds !== undefined && !Array.isArray(conds)) problems.push("status/conditions must be an array");
            else if (conds) {
                conds.forEach((c, i) => condition(c, `status/conditions/${i}`, problems));
                const types = conds.filter(isObject).map((c) => c.type);
                const dup = types.find((t, i) => types.indexOf(t) !== i);
                if (dup !== undefined) problems.push(`status/conditions: type ${JSON.stringify(dup)} appears twice (a list keyed by type)`);
            }
        }
    }
    if (problems.length) throw new Error(problems.join("; "));
}

// --- Prometheus Operator monitoring.coreos.com/v1 PrometheusRule -----------------------
// spec.groups[]: name (required, unique in the object: Prometheus refuses a rule file that
// repeats one), interval, query_offset, limit, partial_response_strategy, labels, rules[].
// A rule: expr (required), and exactly one of alert or record; for, keep_firing_for and
// annotations are an alert's only; a record is a metric name; label and annotation names
// are label names. Durations as the CRD's pattern has them (1h30m, 5m, 0).
const PROM_DURATION = /^(0|(([0-9]+)y)?(([0-9]+)w)?(([0-9]+)d)?(([0-9]+)h)?(([0-9]+)m)?(([0-9]+)s)?(([0-9]+)ms)?)$/;
const METRIC_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;
const GROUP_FIELDS = new Set(["name", "interval", "query_offset", "limit", "partial_response_strategy", "labels", "rules"]);
const RULE_FIELDS = new Set(["alert", "record", "expr", "for", "keep_firing_for", "labels", "annotations"]);

function promDuration(v, at, problems, nonEmpty) {
    if (typeof v !== "string" || !PROM_DURATION.test(v) || (nonEmpty && v === ""))
        problems.push(`${at} ${JSON.stringify(v)} must be a Prometheus duration (such as 30s, 5m, 1h30m)`);
}

function labelMap(v, at, problems) {
    stringMap(v, at, problems);
    if (isObject(v)) for (const k of Object.keys(v)) if (!LABEL_NAME.test(k)) problems.push(`${at}: ${JSON.stringify(k)} is not a label name`);
}

function promRule(r, at, problems) {
    if (!isObject(r)) return problems.push(`${at} must be an object`);
    unknownFields(r, RULE_FIELDS, at, problems);
    const alert = r.alert !== undefined, record = r.record !== undefined;
    if (alert === record) problems.push(`${at} must have exactly one of alert and record`);
    if (alert && (typeof r.alert !== "string" || r.alert === "")) problems.push(`${at}/alert must be a non-empty string`);
    if (record && (typeof r.record !== "string" || !METRIC_NAME.test(r.record)))
        problems.push(`${at}/record ${JSON.stringify(r.record)} must be a metric name`);
    if (!((typeof r.expr === "string" && r.expr.trim() !== "") || Number.isInteger(r.expr)))
        problems.push(`${at} must have required property expr (a PromQL expression)`);
    for (const k of ["for", "keep_firing_for", "annotations"])
        if (record && r[k] !== undefined) problems.push(`${at}: ${k} is for alerting rules, not recording rules`);
    if (r.for !== undefined) promDuration(r.for, `${at}/for`, problems, false);
    if (r.keep_firing_for !== undefined) promDuration(r.keep_firing_for, `${at}/keep_firing_for`, problems, true);
    for (const k of ["labels", "annotations"]) if (r[k] !== undefined) labelMap(r[k], `${at}/${k}`, problems);
}

function promGroup(g, at, problems) {
    if (!isObject(g)) return problems.push(`${at} must be an object`);
    unknownFields(g, GROUP_FIELDS, at, problems);
    if (typeof g.name !== "string" || g.name === "") problems.push(`${at} must have required property name (a non-empty string)`);
    for (const k of ["interval", "query_offset"]) if (g[k] !== undefined) promDuration(g[k], `${at}/${k}`, problems, false);
    if (g.limit !== undefined && !Number.isInteger(g.limit)) problems.push(`${at}/limit must be integer`);
    if (g.partial_response_strategy !== undefined && !/^(abort|warn)?$/i.test(String(g.partial_response_strategy)))
        problems.push(`${at}/partial_response_strategy must be abort or warn`);
    if (g.labels !== undefined) labelMap(g.labels, `${at}/labels`, problems);
    if (g.rules !== undefined && !Array.isArray(g.rules)) problems.push(`${at}/rules must be an array`);
    else (g.rules || []).forEach((r, i) => promRule(r, `${at}/rules/${i}`, problems));
}

function prometheusRule(obj) {
    const problems = [];
    unknownFields(obj, new Set(["apiVersion", "kind", "metadata", "spec"]), "PrometheusRule", problems);
    ownMetadata(obj.metadata, problems);
    if (!isObject(obj.spec)) problems.push("must have required property spec (an object)");
    else {
        unknownFields(obj.spec, new Set(["groups"]), "spec", problems);
        const groups = obj.spec.groups;
        if (groups !== undefined && !Array.isArray(groups)) problems.push("spec/groups must be an array");
        else if (groups) {
            groups.forEach((g, i) => promGroup(g, `spec/groups/${i}`, problems));
            const names = groups.filter(isObject).map((g) => g.name);
            const dup = names.find((n, i) => names.indexOf(n) !== i);
            if (dup !== undefined) problems.push(`spec/groups: name ${JSON.stringify(dup)} appears twice (Prometheus refuses the rule file)`);
        }
    }
    if (problems.length) throw new Error(problems.join("; "));
}

// Checkers written here, by apiVersion and kind: the same interface as a model class.
const OWN = {"multicluster.x-k8s.io/v1alpha1 ServiceExport": mcsServiceExport,
    "monitoring.coreos.com/v1 PrometheusRule": prometheusRule};
function own(check) {
    return class { constructor(obj) { this.obj = obj; } validate() { check(this.obj); } };
}

const models = new Map();
async function model(apiVersion, kind) {
    if (OWN[`${apiVersion} ${kind}`]) return own(OWN[`${apiVersion} ${kind}`]);
    if (apiVersion.startsWith("multicluster.x-k8s.io/") || apiVersion.startsWith("monitoring.coreos.com/")) return null;
    const path = modulePath(apiVersion, kind);
    if (!models.has(path)) {
        try {
            models.set(path, (await import(path))[kind]);
        } catch {
            models.set(path, null);
        }
    }
    return models.get(path);
}

const files = process.argv.slice(2);
if (files.length === 0) {
    console.error("usage: node validate.mjs FILE...");
    process.exit(2);
}
let count = 0, problems = 0;
for (const file of files) {
    let objs;
    try {
        objs = objects(readFileSync(file, "utf8"));
    } catch (e) {
        console.log(`${file}: not JSON objects: ${e.message}`);
        problems++;
        continue;
    }
    for (const obj of objs) {
        count++;
        const what = `${obj.kind}/${obj.metadata?.name}`;
        const Kind = obj.apiVersion && obj.kind ? await model(obj.apiVersion, obj.kind) : null;
        if (!Kind) {
            console.log(`${file}: ${what}: no schema for apiVersion ${obj.apiVersion} kind ${obj.kind}`);
            problems++;
            continue;
        }
        try {
            new Kind(obj).validate();
        } catch (e) {
            console.log(`${file}: ${what} (${obj.apiVersion}): ${e.message}`);
            problems++;
        }
    }
}
console.error(`validate: ${count} objects in ${files.length} file(s), ${problems} invalid`);
process.exit(problems ? 1 : 0);
