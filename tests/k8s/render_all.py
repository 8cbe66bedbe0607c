#!/usr/bin/env python3
"""Renders every combination of overlays and components, in one `kubectl kustomize` run.

    render_all.py --k8s DIR --out DIR [--lab-dry-run FILE] [--only-lab]

Combinations: each overlay alone, with each component, with each pair of components and
with all of them, plus each combination `k8s/lab.sh --dry-run` applies (from its
"# CLUSTER: overlay k8s/CLUSTER + components: ..." lines). Each is written as the
kustomization a user would write (OUT/kz/N/inner), wrapped in one that only sets the
namespace rbxw-cN, so a single kustomize run renders them all side by side (one run
instead of ~80 keeps the scenarios fast). The namespace is removed again when the
rendering is split: OUT/N.json is combination N as `kubectl kustomize` alone would print
it (converted to JSON by `kubectl label --local`), and OUT/index.tsv lists
"N<TAB>OVERLAY<TAB>COMPONENTS".
"""
import argparse
import json
import os
import re
import subprocess
import sys

from k8s_objects import load_stream

OVERLAYS = ("koornacht", "tion")


def combinations(k8s, lab_dry_run, only_lab):
    comps = sorted(d for d in os.listdir(os.path.join(k8s, "components"))
                   if os.path.isdir(os.path.join(k8s, "components", d)))
    out = []
    if not only_lab:
        for o in OVERLAYS:
            out.append((o, []))
            for i, a in enumerate(comps):
                out.append((o, [a]))
                out += [(o, [a, b]) for b in comps[i + 1:]]
            out.append((o, comps))
    if lab_dry_run:
        for line in open(lab_dry_run):
            m = re.match(r"^# (\w+): overlay k8s/\w+ \+ components: (.*)$", line.rstrip("\n"))
            if m:
                combo = (m.group(1), [] if m.group(2) == "(none)" else m.group(2).split())
                if combo not in out:
                    out.append(combo)
    return out


def write(k8s, out, combos):
    kz = os.path.join(out, "kz")
    os.makedirs(kz, exist_ok=True)
    for n, (overlay, comps) in enumerate(combos, 1):
        inner = os.path.join(kz, str(n), "inner")
        os.makedirs(inner, exist_ok=True)
        rel = os.path.relpath(k8s, inner)
        lines = ["apiVersion: kustomize.config.k8s.io/v1beta1", "kind: Kustomization",
                 "resources:", f"  - {rel}/{overlay}"]
        if comps:
            lines += ["components:"] + [f"  - {rel}/components/{c}" for c in comps]
        with open(os.path.join(inner, "kustomization.yaml"), "w") as f:
            f.write("\n".join(lines) + "\n")
        with open(os.path.join(kz, str(n), "kustomization.yaml"), "w") as f:
            f.write(f"namespace: rbxw-c{n}\nresources: [inner]\n")
    with open(os.path.join(kz, "kustomization.yaml"), "w") as f:
        f.write("resources:\n" + "".join(f"  - \"{n}\"\n" for n in range(1, len(combos) + 1)))
    return kz


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--k8s", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--lab-dry-run")
    ap.add_argument("--only-lab", action="store_true")
    a = ap.parse_args()
    combos = combinations(os.path.abspath(a.k8s), a.lab_dry_run, a.only_lab)
    kz = write(os.path.abspath(a.k8s), a.out, combos)
    r = subprocess.run(["kubectl", "kustomize", kz], capture_output=True, text=True)
    if r.returncode != 0:
        print(f"render_all: kubectl kustomize failed: {r.stderr.strip()}", file=sys.stderr)
        return 1
    r = subprocess.run(["kubectl", "label", "--local", "-f", "-", "-o", "json", "rbxw-render-"],
                       input=r.stdout, capture_output=True, text=True)
    if r.returncode != 0:
        print(f"render_all: converting to JSON failed: {r.stderr.strip()}", file=sys.stderr)
        return 1
    items = load_stream(r.stdout)
    per = {n: [] for n in range(1, len(combos) + 1)}
    for obj in items:
        n = int(obj["metadata"].pop("namespace")[len("rbxw-c"):])
        per[n].append(obj)
    with open(os.path.join(a.out, "index.tsv"), "w") as idx:
        for n, (overlay, comps) in enumerate(combos, 1):
            if not per[n]:
                print(f"render_all: combination {n} ({overlay} + {comps}) rendered nothing", file=sys.stderr)
                return 1
            with open(os.path.join(a.out, f"{n}.json"), "w") as f:
                json.dump({"apiVersion": "v1", "kind": "List", "items": per[n]}, f, indent=1)
            idx.write(f"{n}\t{overlay}\t{' '.join(comps)}\n")
    print(f"render_all: {len(combos)} combinations, {len(items)} objects", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
