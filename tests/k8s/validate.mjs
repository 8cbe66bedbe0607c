// Validates Kubernetes objects against the upstream OpenAPI schemas (kubernetes-models)
// and Cilium's CRD schemas (@kubernetes-models/cilium), as the API server would before
// storing them:   node tests/k8s/validate.mjs FILE...
// Each FILE holds what `kubectl ... -o json` prints: one object, a List, or objects one
// after another. Prints one line per invalid object and exits 1 if there is any; an
// apiVersion/kind without a schema here is a problem too, never silently passed.
// The schemas do not reject unknown fields (they allow additional properties), so a
// misspelt field name is not caught here; a real API server with kubectl's strict field
// validation would reject it.
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

const models = new Map();
async function model(apiVersion, kind) {
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
