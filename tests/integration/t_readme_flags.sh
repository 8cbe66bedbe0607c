#!/usr/bin/env bash
# Every flag that --help lists is documented, once, in its program's README, and the README
# documents no flag --help does not list: rebel-base --help against rebel-base/README.md;
# xwing, xwing serve and xwing probe --help against x-wing/README.md. Each README holds one
# flag table per mode, after a `<!-- flags: MODE -->` marker; a flag is documented by being
# named in backticks in the table's first column.
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"

run_prog rebel-base --help >"$TMP/rebel-base.help"
run_prog xwing --help >"$TMP/xwing.help"
run_prog xwing serve --help >"$TMP/xwing serve.help"
run_prog xwing probe --help >"$TMP/xwing probe.help"

# compare MODE README: prints what differs, one line each; nothing when they agree.
cat >"$TMP/compare.py" <<'EOF'
import re, sys
mode, help_file, readme = sys.argv[1:4]
FLAG = re.compile(r'(?<![\w-])(--?[A-Za-z][A-Za-z0-9-]*)')

def from_help(text):
    # Option lines start with spaces and a dash. The flags are in the first column (up to
    # the first gap of two spaces); a second flag may follow a ';' in the description
    # ("per request (default 2s); --connect-timeout D"). Other dashes there are prose.
    flags = set()
    for line in text.splitlines():
        if not re.match(r'^\s+-', line):
            continue
        cols = re.split(r'\s{2,}', line.strip(), maxsplit=1)
        flags.update(FLAG.findall(cols[0]))
        if len(cols) > 1:
            for part in cols[1].split(';')[1:]:
                m = re.match(r'\s*(--[a-z][a-z0-9-]*)', part)
                if m:
                    flags.add(m.group(1))
    return flags

def from_readme(text):
    marker = '<!-- flags: %s -->' % mode
    if text.count(marker) != 1:
        return None, ['%s: expected one "%s" marker' % (readme, marker)]
    rows = []
    lines = text.split(marker, 1)[1].lstrip('\n').splitlines()
    for line in lines[2:]:  # header and separator
        if not line.startswith('|'):
            break
        first = line.split(' | ', 1)[0]
        rows.append([f for code in re.findall(r'`([^`]*)`', first) for f in FLAG.findall(code)])
    counts = {}
    for row in rows:
        for f in row:
            counts[f] = counts.get(f, 0) + 1
    return counts, ['%s: %s is documented %d times in the %s table' % (readme, f, n, mode)
                    for f, n in sorted(counts.items()) if n > 1]

helped = from_help(open(help_file).read())
counts, problems = from_readme(open(readme).read())
if counts is not None:
    problems += ['%s: %s --help lists %s, the README does not' % (readme, mode, f)
                 for f in sorted(helped - set(counts))]
    problems += ['%s: the README documents %s, %s --help does not list it' % (readme, f, mode)
                 for f in sorted(set(counts) - helped)]
if len(helped) < 5:
    problems.append('%s --help: only %d flags found, the parser is lost' % (mode, len(helped)))
print('\n'.join(problems))
print('checked %d flags of %s' % (len(helped), mode), file=sys.stderr)
EOF

check() { # check MODE README
    local out
    out=$("$PY" "$TMP/compare.py" "$1" "$TMP/$1.help" "$ROOT/$2" 2>>"$TMP/counts")
    [ -z "$out" ] || fail "$out"
}
check rebel-base rebel-base/README.md
check xwing x-wing/README.md
check "xwing serve" x-wing/README.md
check "xwing probe" x-wing/README.md
while read -r line; do note "$line"; done <"$TMP/counts"

# The check can fail: a README without --max-delay, and one naming a flag twice.
sed '/^| `--max-delay/d' "$ROOT/rebel-base/README.md" >"$TMP/short.md"
out=$("$PY" "$TMP/compare.py" rebel-base "$TMP/rebel-base.help" "$TMP/short.md" 2>/dev/null)
assert_match "lists --max-delay, the README does not" "$out" "a README missing --max-delay"
sed 's/^| `--grace DURATION`/| `--grace DURATION`, `--drain`/' "$ROOT/rebel-base/README.md" >"$TMP/twice.md"
out=$("$PY" "$TMP/compare.py" rebel-base "$TMP/rebel-base.help" "$TMP/twice.md" 2>/dev/null)
assert_match "--drain is documented 2 times" "$out" "a README naming --drain twice"
