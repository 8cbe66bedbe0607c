#!/usr/bin/env bash
# The include graph reads top-down: each folder includes headers of its own and
# of the folders below it only (x-wing: core/, then client/ serve/ probe/, then
# cli/, then main.c; common/ under both programs), and no two modules (a.c with
# a.h) include each other, however far round. Reads the sources' `#include "..."`
# lines; LAYERING_ROOT checks another tree (default: this checkout).
. "$(dirname "$0")/lib.sh"
need "$PY" "python3 reads the include lines"

"$PY" - "${LAYERING_ROOT:-$ROOT}" >"$TMP/layering" 2>&1 <<'PYEOF' || fail "include graph: $(cat "$TMP/layering")"
import os, re, sys

root = sys.argv[1]
# What each folder may include besides itself; a folder not named here is refused.
BELOW = {
    "common": [],
    "rebel-base": ["common"],
    "x-wing/core": ["common"],
    "x-wing/client": ["common", "x-wing/core"],
    "x-wing/serve": ["common", "x-wing/core"],
    "x-wing/probe": ["common", "x-wing/core"],
    "x-wing/cli": ["common", "x-wing/core", "x-wing/client", "x-wing/serve", "x-wing/probe"],
    "x-wing": ["common", "x-wing/core", "x-wing/client", "x-wing/serve", "x-wing/probe",
               "x-wing/cli"],
}
INCLUDE = re.compile(r'^\s*#\s*include\s+"([^"]+)"', re.M)

files = {}
for top in ("common", "rebel-base", "x-wing"):
    for d, _, names in os.walk(os.path.join(root, top)):
        for n in names:
            if n.endswith((".c", ".h")):
                files[os.path.relpath(os.path.join(d, n), root)] = None
by_dir = {}
for f in files:
    by_dir.setdefault(os.path.dirname(f), set()).add(os.path.basename(f))

faults, edges = [], {}
for f in sorted(files):
    room = os.path.dirname(f)
    if room not in BELOW:
        faults.append(f"{f}: folder {room} has no place in the layering (t_layering.sh)")
        continue
    for inc in INCLUDE.findall(open(os.path.join(root, f), errors="replace").read()):
        where = [d for d in [room] + BELOW[room] if inc in by_dir.get(d, ())]
        if not where:
            above = sorted(d for d in by_dir if inc in by_dir[d])
            faults.append(f"{f}: includes {inc} from {', '.join(above) or 'nowhere'}, "
                          f"not below {room}")
            continue
        target = os.path.join(where[0], inc)[:-2]
        if target != f[:-2]:
            edges.setdefault(f[:-2], set()).add(target)

# Modules that need each other: a strongly connected component of more than one.
index, low, stack, on, sccs = {}, {}, [], set(), []
def visit(v):
    index[v] = low[v] = len(index)
    stack.append(v); on.add(v)
    for w in sorted(edges.get(v, ())):
        if w not in index:
            visit(w); low[v] = min(low[v], low[w])
        elif w in on:
            low[v] = min(low[v], index[w])
    if low[v] == index[v]:
        comp = []
        while True:
            w = stack.pop(); on.discard(w); comp.append(w)
            if w == v:
                break
        if len(comp) > 1:
            sccs.append(sorted(comp))
sys.setrecursionlimit(10000)
for v in sorted({f[:-2] for f in files}):
    if v not in index:
        visit(v)
faults += [f"include cycle: {' <-> '.join(c)}" for c in sccs]
if faults:
    sys.exit("\n".join(faults))
print(f"{len(files)} files, {sum(map(len, edges.values()))} module includes: top-down, no cycle")
PYEOF
cat "$TMP/layering"
