#!/usr/bin/env bash
# Runs the integration suite with both programs under valgrind memcheck (as
# `make valgrind` does, VALGRIND=1 through lib.sh's prog_cmd) and adds what that
# target cannot show by itself: a per-process account. lib.sh runs valgrind with
# -q and the program's stderr goes to a log the test deletes, so errors in a
# server that the test then kills never surface. Here VALGRIND_OPTS adds an XML
# report per process (valgrind reads that variable before its command line), and
# the reports are summed: processes per program, how many ran to a normal exit
# (only those get a leak check), memcheck errors by kind, bytes definitely lost.
# Exit 1 if any error or definite leak, or if the suite failed.
#   BIN=build/bin bash tests/stress/valgrind-check.sh      (ONLY=regex passes through)
set -uo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
: "${BIN:=$ROOT/build/bin}"
export BIN
command -v valgrind >/dev/null || { echo "valgrind-check: valgrind not installed" >&2; exit 77; }
dir=$ROOT/build/valgrind
rm -rf "$dir"
mkdir -p "$dir"
export VALGRIND_OPTS="--xml=yes --xml-file=$dir/%p.xml ${VALGRIND_OPTS:-}"
VALGRIND=1 bash "$ROOT/tests/integration/run.sh"
suite=$?
python3 - "$dir" "$suite" <<'EOF'
import glob, os, sys
import xml.etree.ElementTree as ET
d, suite = sys.argv[1], int(sys.argv[2])
progs = {}
bad = 0
for f in sorted(glob.glob(os.path.join(d, "*.xml"))):
    try:
        text = open(f, encoding="utf-8", errors="replace").read()
        if "</valgrindoutput>" not in text:      # killed: close what was written
            text = text + "</valgrindoutput>"
        root = ET.fromstring(text)
    except ET.ParseError:
        continue
    exe = os.path.basename(root.findtext("args/argv/exe") or "?")
    p = progs.setdefault(exe, {"procs": 0, "finished": 0, "errors": {}, "definite": 0, "examples": []})
    p["procs"] += 1
    states = [s.findtext("state") for s in root.findall("status")]
    if "FINISHED" in states:
        p["finished"] += 1
    for e in root.findall("error"):
        kind = e.findtext("kind")
        if kind.startswith("Leak_") and kind != "Leak_DefinitelyLost":
            continue
        p["errors"][kind] = p["errors"].get(kind, 0) + 1
        if kind == "Leak_DefinitelyLost":
            p["definite"] += int(e.findtext("xwhat/leakedbytes") or 0)
        if len(p["examples"]) < 3:
            fr = e.find("stack/frame")
            where = (fr.findtext("fn") or "?") + " " + (fr.findtext("file") or "") + ":" + (fr.findtext("line") or "") if fr is not None else "?"
            p["examples"].append("%s in %s (%s)" % (kind, where, os.path.basename(f)))
for exe, p in sorted(progs.items()):
    nerr = sum(p["errors"].values())
    bad += nerr
    print("valgrind: %-12s %3d processes, %3d ran to exit (leak-checked), errors %d %s, definitely lost %d bytes"
          % (exe, p["procs"], p["finished"], nerr, p["errors"] or "", p["definite"]))
    for x in p["examples"]:
        print("    " + x)
if not progs:
    print("valgrind: no reports (did the suite run any program?)")
    bad += 1
print("valgrind: %s" % ("0 errors, 0 bytes definitely lost" if not bad else "ERRORS (above)"))
sys.exit(1 if bad or suite else 0)
EOF
