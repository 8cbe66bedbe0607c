#!/usr/bin/env bash
# README.md's loopback examples, run as written, give output of the shape shown. Each
# block after a `<!-- example: NAME -->` marker is a session: `$ ` lines are commands,
# the lines up to the next command are what it prints. The blocks run in order in one
# session, from a directory where build/bin is $BIN and k8s/ is the repository's. A
# command ending in `&` starts a server: it gets port 0 instead of the port written
# (so nothing here races for 8080), the port it reports stands in for the written one in
# every later command, and its first log lines are its output (its own `2>...` is
# dropped to read them). `kill %N` stops the servers. Shape means: the same lines, with
# every number, histogram bar and Date header free to differ. Also: `make help`, which
# README.md points to, lists every target of the Makefile with its variables filled in.
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"

mkdir -p "$TMP/repo/build"
ln -s "$BIN" "$TMP/repo/build/bin"
ln -s "$ROOT/k8s" "$TMP/repo/k8s"

cat >"$TMP/examples.py" <<'EOF'
import os, re, signal, subprocess, sys, time
readme, repo, scale = sys.argv[1], sys.argv[2], float(sys.argv[3])

def blocks(text):
    found = re.findall(r'<!-- example: ([\w-]+) -->\n```console\n(.*?)\n```', text, re.S)
    for name, body in found:
        steps = []
        for line in body.split('\n'):
            if line.startswith('$ '):
                steps.append([line[2:], []])
            elif steps:
                steps[-1][1].append(line)
            else:
                sys.exit('%s: block %s starts with output, not a command' % (readme, name))
        yield name, steps

def shape(lines):
    out = []
    for line in lines:
        line = line.rstrip('\r').rstrip()
        if line.startswith('Date: '):
            line = 'Date: *'
        line = re.sub(r'[0-9]+', '0', line)
        line = re.sub(r'#+', '#', line)
        line = re.sub(r'x{2,}', 'x', line)
        out.append(re.sub(r' +', ' ', line))
    return out

ports, servers, failures, ran = {}, [], [], 0

def with_ports(cmd):
    for written, real in ports.items():
        cmd = re.sub(r'127\.0\.0\.1:%s\b' % written, '127.0.0.1:%s' % real, cmd)
    return cmd

def start_server(cmd, expected):
    m = re.search(r'(?:--listen|-l) 127\.0\.0\.1:([0-9]+)', cmd)
    if not m:
        return 'a server command without --listen 127.0.0.1:PORT'
    written = m.group(1)
    cmd = re.sub(r'\s*&$', '', cmd)
    cmd = re.sub(r'\s*2>\S+', '', cmd)
    cmd = cmd.replace(m.group(0), m.group(0)[:-len(written)] + '0')
    log = os.path.join(repo, 'server%d.log' % len(servers))
    with open(log, 'w') as err:
        proc = subprocess.Popen(['bash', '-c', 'exec ' + cmd], cwd=repo, stdout=subprocess.DEVNULL,
                                stderr=err, start_new_session=True)
    servers.append(proc)
    deadline = time.time() + 10 * scale
    while True:
        text = open(log).read()
        port = re.search(r'listening on 127\.0\.0\.1:([0-9]+)', text)
        if port:
            break
        if proc.poll() is not None or time.time() > deadline:
            return 'no listen line: ' + text[-300:]
        time.sleep(0.05)
    ports[written] = port.group(1)
    got = text.rstrip('\n').split('\n')[:len(expected)] if expected else []
    return got

def run(cmd):
    # One pipe for both, as a terminal shows them: xwing flushes its report before the
    # one-line reason on stderr.
    p = subprocess.run(['bash', '-c', with_ports(cmd)], cwd=repo, stdout=subprocess.PIPE,
                       stderr=subprocess.STDOUT, text=True, timeout=30 * scale)
    return p.stdout.rstrip('\n').split('\n') if p.stdout else []

try:
    for name, steps in blocks(open(readme).read()):
        for cmd, expected in steps:
            while expected and expected[-1] == '':
                expected.pop()
            if cmd.startswith('kill '):
                continue  # the servers stop below
            got = start_server(cmd, expected) if cmd.rstrip().endswith('&') else run(cmd)
            ran += 1
            if isinstance(got, str):
                failures.append('%s: `%s`: %s' % (name, cmd, got))
            elif shape(got) != shape(expected):
                failures.append('%s: `%s` printed\n%s\n  where README.md shows\n%s' % (
                    name, cmd, '\n'.join('    ' + l for l in got),
                    '\n'.join('    ' + l for l in expected)))
finally:
    for proc in servers:
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
    for proc in servers:
        try:
            proc.wait(timeout=10 * scale)
        except subprocess.TimeoutExpired:
            proc.kill()
            failures.append('a server did not exit within 10 s of SIGTERM')
if ran < 5:
    failures.append('only %d commands found in the examples: are the markers there?' % ran)
print('\n'.join(failures))
print('ran %d commands of README.md\'s examples' % ran, file=sys.stderr)
EOF

out=$("$PY" "$TMP/examples.py" "$ROOT/README.md" "$TMP/repo" "$TIME_SCALE" 2>"$TMP/ran") ||
    fail "examples.py: $out $(cat "$TMP/ran")"
[ -z "$out" ] || fail "$out"
note "$(cat "$TMP/ran")"

# The comparison can fail: a README whose xwing example shows a Tion row that never comes.
sed 's/^  Tion             5  50.0%/  Tion-II          5  50.0%/' "$ROOT/README.md" >"$TMP/wrong.md"
out=$("$PY" "$TMP/examples.py" "$TMP/wrong.md" "$TMP/repo" "$TIME_SCALE" 2>/dev/null) || true
assert_match "where README.md shows" "$out" "an example with a wrong row"

# make help: every target, no variable left unexpanded.
help=$(make -s --no-print-directory -C "$ROOT" help)
[[ "$help" != *'$('* ]] || fail "make help prints an unexpanded variable: $(grep -F '$(' <<<"$help")"
targets=$(sed -nE 's/^([a-z][a-z0-9-]*):( .*)?$/\1/p' "$ROOT/Makefile" | sort -u)
[ "$(wc -l <<<"$targets")" -ge 20 ] || fail "too few targets read from the Makefile: $targets"
for t in $targets; do
    grep -qE "^  make $t " <<<"$help" || fail "make help does not list '$t'"
done
note "make help: $(wc -l <<<"$targets") targets listed"
