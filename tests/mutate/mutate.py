#!/usr/bin/env python3
"""make mutate: mutation testing of common/, rebel-base/ and x-wing/ with universalmutator.

For each source file, universalmutator (pinned, tests/mutate/install.sh) writes every mutant
its C rules make. A seeded sample of them, MUTANTS per file, is tried one at a time in a copy
of the committed tree (HEAD; never the checkout, which others edit):
  - a mutant that does not compile (-Werror included) is invalid, not counted;
  - one that compiles to the same object code as the original (-g0), or as a mutant of the
    same file tried before, is equivalent or a duplicate by construction, not counted;
  - otherwise its module's unit tests run, then its module's scenarios, each bounded in
    time, stopping at the first failure: a failure or a time-out kills it;
  - a survivor listed in tests/mutate/equivalent.tsv (reviewed, with the reason) is
    equivalent; any other survivor is reported as file:line with the mutation.
The score of a module is killed / (killed + survived). Exit status 1 when a goal of issue 26
is missed: a survivor in a module that decides what users see (GOAL_FILES), or more than 10%
survivors overall. Too long for CI: the README's reliability section gives the last score.

Knobs (environment): MUTANTS (per file, default 6), MUTATE_SEED (default 1), MUTATE_FILES
(regex over paths, default all), MUTATE_BUDGET (seconds; no new mutant is started after it,
and the report says so), MUTATE_LIMIT (seconds per mutant's tests, default 300),
MUTATE_VENV (universalmutator's venv), MUTATE_OUT (report directory, default build/mutate),
MUTATE_REPLAY (a survivors.tsv of an earlier run: file, original, mutant, a blank, line; try
exactly those mutants again, as after adding tests for them).
"""
import glob
import hashlib
import os
import random
import re
import shlex
import shutil
import subprocess
import sys
import tempfile
import time

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
ENV = os.environ
UM_VERSION = "1.14.1"
VENV = ENV.get("MUTATE_VENV", os.path.expanduser(f"~/.cache/rbxw-mutate/venv-{UM_VERSION}"))
PER_FILE = int(ENV.get("MUTANTS", "6"))
SEED = ENV.get("MUTATE_SEED", "1")
FILES = re.compile(ENV.get("MUTATE_FILES", "."))
BUDGET = float(ENV.get("MUTATE_BUDGET", "0")) or None
REPLAY = ENV.get("MUTATE_REPLAY")
LIMIT = int(ENV.get("MUTATE_LIMIT", "300"))
OUT = os.path.abspath(ENV.get("MUTATE_OUT", os.path.join(ROOT, "build", "mutate")))

# A module's tests: its unit tests, then its scenarios (run.sh ONLY=regex). common/ is linked
# into every program and unit test, so all of them are its tests.
MODULES = {
    "common": {"units": "test_*", "scenarios": "^t_(rb|xw|help|hard|errors|readme)_"},
    "rebel-base": {"units": "test_rb_*", "scenarios": "^t_(rb|help|hard|errors|readme)_"},
    "x-wing": {"units": "test_xw_*", "scenarios": "^t_(xw|help|hard|errors|readme)_"},
}
# The files that decide what users see (issue 26's goal: no survivor there).
GOAL_FILES = {"router", "endpoints", "answer", "document", "reload", "drain", "tally", "expect",
              "reply", "target", "report", "outcome", "run", "probe_state", "probe_render", "opt"}


def sh(cmd, cwd, timeout=None, log=None):
    """Runs cmd (a list); returns (ok, output). A time-out is a failure."""
    try:
        r = subprocess.run(cmd, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                           text=True, errors="replace", timeout=timeout,
                           start_new_session=True)
        out, ok = r.stdout, r.returncode == 0
    except subprocess.TimeoutExpired as e:
        out = (e.stdout or b"").decode(errors="replace") if isinstance(e.stdout, bytes) else (e.stdout or "")
        out, ok = out + f"\n(timed out after {timeout}s)", False
    if log:
        with open(log, "a") as f:
            f.write(f"$ {' '.join(cmd)}\n{out}\n")
    return ok, out


def load_equivalent():
    """tests/mutate/equivalent.tsv: file, original line, mutated line, reason (stripped lines)."""
    known = {}
    path = os.path.join(ROOT, "tests", "mutate", "equivalent.tsv")
    for n, line in enumerate(open(path), 1):
        if not line.strip() or line.startswith("#"):
            continue
        parts = line.rstrip("\n").split("\t")
        if len(parts) != 4 or not parts[3].strip():
            sys.exit(f"mutate: {path}:{n}: want file, original, mutant and a reason, tab-separated")
        known[(parts[0], parts[1].strip(), parts[2].strip())] = parts[3]
    return known


def changed_line(orig, mutant):
    """(line number, original, mutated) of a one-line mutant. A line inserted (a statement
    added) reads as "after: PREVIOUS LINE" -> the new line, at the number it takes."""
    import difflib
    a, b = orig.splitlines(), mutant.splitlines()
    for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        if tag == "equal":
            continue
        if tag == "insert":
            return j1 + 1, "after: " + (a[i1 - 1].strip() if i1 else ""), "\n".join(b[j1:j2])
        return i1 + 1, "\n".join(a[i1:i2]), "\n".join(b[j1:j2])
    return 0, "", ""


class Tree:
    """The copy of HEAD that mutants are applied to, built once."""

    def __init__(self, work):
        self.dir = os.path.join(work, "tree")
        os.makedirs(self.dir)
        archive = subprocess.run(["git", "-C", ROOT, "archive", "HEAD"], stdout=subprocess.PIPE, check=True)
        subprocess.run(["tar", "-C", self.dir, "-xf", "-"], input=archive.stdout, check=True)
        nm = os.path.join(ROOT, "tests", "k8s", "node_modules")
        if os.path.isdir(nm):
            os.symlink(nm, os.path.join(self.dir, "tests", "k8s", "node_modules"))
        self.log = os.path.join(work, "build.log")
        self.units = sorted(os.path.basename(p)[:-2] for p in glob.glob(os.path.join(self.dir, "tests/unit/test_*.c")))

    def make(self, *targets):
        return sh(["make", "-s", "-j2", *targets], self.dir, log=self.log)

    def build_all(self):
        return self.make("all", *[f"build/tests/{u}" for u in self.units])

    def units_of(self, module):
        pat = MODULES[module]["units"].replace("*", ".*")
        return [u for u in self.units if re.fullmatch(pat, u)]

    def object_hash(self, src):
        """The -g0 object code of src as the tree holds it now, or None when it does not compile."""
        ok, out = sh(["make", "-s", "--no-print-directory", "-n", "-B", f"build/obj/{src[:-2]}.o"], self.dir)
        cmd = next((l for l in out.splitlines() if " -c " in l), None)
        if not ok or not cmd:
            sys.exit(f"mutate: cannot tell how {src} is compiled: {out}")
        words = [w for w in shlex.split(cmd) if w not in ("-MMD", "-MP")]
        o = os.path.join(self.dir, "build", "tce.o")
        words[words.index("-o") + 1] = o
        ok, _ = sh(words + ["-g0"], self.dir)
        if not ok:
            return None
        return hashlib.sha256(open(o, "rb").read()).hexdigest()

    def tests(self, module, log):
        """None when the module's tests pass, else the name of the first that failed."""
        for u in self.units_of(module):
            ok, _ = sh([f"build/tests/{u}"], self.dir, timeout=60, log=log)
            if not ok:
                return u
        env = dict(ENV, BIN=os.path.join(self.dir, "build", "bin"), ONLY=MODULES[module]["scenarios"],
                   EXCEPT="", STOP_ON_FAIL="1", JOBS="3")
        p = subprocess.Popen(["bash", "tests/integration/run.sh"], cwd=self.dir, env=env, text=True,
                             errors="replace", stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                             start_new_session=True)
        try:
            out, _ = p.communicate(timeout=LIMIT)
        except subprocess.TimeoutExpired:
            # run.sh's TERM trap stops every scenario's process group; KILL only what is left.
            p.terminate()
            try:
                p.communicate(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(p.pid, 9)
                p.communicate()
            return f"scenarios (timed out after {LIMIT}s)"
        with open(log, "a") as f:
            f.write(out)
        if p.returncode == 0:
            return None
        failed = re.findall(r"^FAIL (\S+)", out, re.M)
        return failed[0] if failed else f"scenarios (exit {p.returncode})"


def main():
    mutate_bin = os.path.join(VENV, "bin", "mutate")
    if not os.access(mutate_bin, os.X_OK):
        sys.exit(f"mutate: universalmutator is not installed in {VENV}: run make deps "
                 "(or bash tests/mutate/install.sh)")
    equivalent = load_equivalent()
    os.makedirs(OUT, exist_ok=True)
    work = tempfile.mkdtemp(prefix="rbxw-mutate.")
    start = time.time()
    try:
        tree = Tree(work)
        print(f"mutate: HEAD {subprocess.run(['git', '-C', ROOT, 'rev-parse', '--short', 'HEAD'], stdout=subprocess.PIPE, text=True).stdout.strip()}"
              f", {PER_FILE} mutants per file, seed {SEED}, copy in {tree.dir}", flush=True)
        ok, out = tree.build_all()
        if not ok:
            sys.exit(f"mutate: the real code does not build:\n{out}")
        srcs = [s for s in sorted(glob.glob("*/**/*.c", root_dir=tree.dir, recursive=True)) if s.split("/")[0] in MODULES and FILES.search(s)]
        if REPLAY:
            listed = {row.split("\t")[0] for row in open(REPLAY)}
            srcs = [s for s in srcs if s in listed]
        for module in sorted({s.split("/")[0] for s in srcs}):
            failed = tree.tests(module, os.path.join(OUT, "real.log"))
            if failed:
                sys.exit(f"mutate: {failed} fails on the real code ({module}); see {OUT}/real.log")
        print(f"mutate: the real code passes every module's tests ({time.time() - start:.0f} s)", flush=True)
        results, partial = [], False
        for src in srcs:
            if BUDGET and time.time() - start > BUDGET:
                partial = True
                break
            results += mutate_file(tree, src, mutate_bin, equivalent, work, start)
        report(results, partial, time.time() - start)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return 0 if goals_met(results) else 1


def mutate_file(tree, src, mutate_bin, equivalent, work, start):
    module, name = src.split("/")[0], os.path.basename(src)[:-2]
    path = os.path.join(tree.dir, src)
    orig = open(path).read()
    mdir = os.path.join(work, "mutants", src.replace("/", "_"))
    os.makedirs(mdir)
    if REPLAY:
        mutants = replayed(src, orig, mdir)
    else:
        sh([mutate_bin, path, "c", "--noCheck", "--mutantDir", mdir], work)
        mutants = sorted(glob.glob(os.path.join(mdir, "*")))
        random.Random(f"{SEED}:{src}").shuffle(mutants)
    base = tree.object_hash(src)
    seen, results, tried = {base}, [], 0
    log = os.path.join(OUT, f"{src.replace('/', '_')}.log")
    open(log, "w").close()
    for m in mutants:
        if (tried >= PER_FILE and not REPLAY) or (BUDGET and time.time() - start > BUDGET):
            break
        text = open(m).read()
        line, before, after = changed_line(orig, text)
        r = {"module": module, "file": src, "name": name, "line": line, "before": before.strip(),
             "after": after.strip()}
        try:
            with open(path, "w") as f:
                f.write(text)
            h = tree.object_hash(src)
            if h is None or h in seen:
                continue  # does not compile, or the same code as one already counted
            seen.add(h)
            tried += 1
            key = (src, r["before"], r["after"])
            ok, out = tree.build_all()
            if not ok:
                continue  # compiles alone but not in the build (a unit test's -Werror)
            t0 = time.time()
            r["by"] = tree.tests(module, log)
            r["secs"] = time.time() - t0
            r["status"] = "killed" if r["by"] else ("equivalent" if key in equivalent else "survived")
            r["why"] = equivalent.get(key, "")
            results.append(r)
            print(f"  {r['status']:<10} {src}:{line}: {r['before']}  ->  {r['after']}"
                  + (f"  [{r['by']}]" if r["by"] else "") + f" ({r['secs']:.0f} s)", flush=True)
        finally:
            with open(path, "w") as f:
                f.write(orig)
    return results


def replayed(src, orig, mdir):
    """The mutants of src listed in MUTATE_REPLAY, written as files: each line's first
    occurrence replaced, or the line inserted after the first line it follows."""
    out, lines = [], orig.splitlines(keepends=True)
    for n, row in enumerate(open(REPLAY)):
        f, before, after, _, at = (row.rstrip("\n").split("\t") + ["", "", "", "", ""])[:5]
        if f != src:
            continue
        # The line nearest to where it was, when the same text occurs more than once.
        at = int(at) if at.isdigit() else 0
        for i, line in sorted(enumerate(lines), key=lambda il: abs(il[0] + 1 - at)):
            if before.startswith("after: ") and line.strip() == before[7:]:
                new = lines[:i + 1] + [after + "\n"] + lines[i + 1:]
                break
            if line.strip() == before:
                new = lines[:i] + [line.replace(before, after, 1)] + lines[i + 1:]
                break
        else:
            print(f"  stale      {src}: no line '{before}' any more", flush=True)
            continue
        path = os.path.join(mdir, f"replay.{n}.c")
        with open(path, "w") as fh:
            fh.write("".join(new))
        out.append(path)
    return out


def report(results, partial, secs):
    lines = []
    modules = sorted({r["module"] for r in results})
    lines.append(f"mutate: {len(results)} mutants in {secs / 60:.0f} min"
                 + (" (stopped by MUTATE_BUDGET: partial)" if partial else ""))
    tk = ts = 0
    for mod in modules:
        rs = [r for r in results if r["module"] == mod]
        k = sum(r["status"] == "killed" for r in rs)
        s = sum(r["status"] == "survived" for r in rs)
        e = sum(r["status"] == "equivalent" for r in rs)
        tk, ts = tk + k, ts + s
        score = 100.0 * k / (k + s) if k + s else 100.0
        lines.append(f"  {mod:<11} score {score:5.1f}%  killed {k}, survived {s}, equivalent (reviewed) {e}")
    total = 100.0 * tk / (tk + ts) if tk + ts else 100.0
    lines.append(f"  {'all':<11} score {total:5.1f}%  killed {tk}, survived {ts}")
    surv = [r for r in results if r["status"] == "survived"]
    if surv:
        lines.append("survivors (file:line: original -> mutant):")
        for r in surv:
            goal = "  [a module users see]" if r["name"] in GOAL_FILES else ""
            lines.append(f"  {r['file']}:{r['line']}: {r['before']}  ->  {r['after']}{goal}")
    text = "\n".join(lines) + "\n"
    print(text, end="")
    with open(os.path.join(OUT, "report.txt"), "w") as f:
        f.write(text)
    with open(os.path.join(OUT, "survivors.tsv"), "w") as f:
        for r in surv:
            f.write(f"{r['file']}\t{r['before']}\t{r['after']}\t\t{r['line']}\n")


def goals_met(results):
    surv = [r for r in results if r["status"] == "survived"]
    counted = [r for r in results if r["status"] in ("killed", "survived")]
    in_goal = [r for r in surv if r["name"] in GOAL_FILES]
    ratio = len(surv) / len(counted) if counted else 0.0
    print(f"goals: survivors in the modules users see: {len(in_goal)} (want 0); "
          f"survivors overall {100 * ratio:.1f}% (want at most 10%)")
    return not in_goal and ratio <= 0.10


if __name__ == "__main__":
    sys.exit(main())
