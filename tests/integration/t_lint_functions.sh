#!/usr/bin/env bash
# No function of the programs runs past 50 lines, signature to closing brace
# (the house rule; counted from the signature's last line). Functions are
# found as the code is written here: a line starting in column 0 and ending in
# ')', then '{' alone, and the body up to the next '}' in column 0.
source "$(dirname "$0")/lib.sh"

ROOT=$(cd "$(dirname "$0")/../.." && pwd)
out=$("$PY" - "$ROOT" <<'PY'
import glob, os, re, sys
root = sys.argv[1]
files = [f for d in ("common", "rebel-base", "x-wing")
         for f in glob.glob(os.path.join(root, d, "**", "*.c"), recursive=True)]
found, long = 0, []
for f in sorted(files):
    lines = open(f, encoding="utf-8").read().split("\n")
    i = 0
    while i < len(lines) - 1:
        if re.match(r"^[A-Za-z_].*\)\s*$", lines[i]) and lines[i + 1] == "{":
            j = i + 2
            while j < len(lines) and lines[j] != "}":
                j += 1
            n = j - i + 1
            found += 1
            if n > 50:
                long.append(f"{os.path.relpath(f, root)}:{i + 1}: {n} lines: {lines[i][:60]}")
            i = j
        i += 1
print(found)
print("\n".join(long))
PY
)
n=$(head -1 <<<"$out")
((n > 300)) || fail "found only $n functions: the finder is broken"
long=$(tail -n +2 <<<"$out")
[[ -z "$long" ]] || fail "functions over 50 lines:
$long"
note "$n functions, none over 50 lines"
