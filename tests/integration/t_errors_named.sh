#!/usr/bin/env bash
# Errors keep their reason (issue 22's repros, as a user types them): one line
# naming the problem and the value, shortened with "..." when long, the exit
# status the README documents, and a pointer at the help of the mode in use.
. "$(dirname "$0")/lib.sh"

usage() { # usage WHAT WANT ARGS...: xwing ARGS exits 2 with exactly WANT on stderr
    local what=$1 want=$2
    shift 2
    xw usage "$@"
    assert_eq 2 "$RC" "$what: exit status"
    assert_eq "$want" "$(cat "$TMP/usage.err")" "$what: message"
}

# An over-long target: cut with "...", the closing quote and the reason kept.
long=$(head -c 300 /dev/zero | tr '\0' a)
usage "a 300-byte target" \
    "xwing: bad target '$(head -c 92 /dev/zero | tr '\0' a)...': host name too long (see xwing --help)" "$long"
usage "a 300-byte probe target" \
    "xwing: probe: bad target '$(head -c 92 /dev/zero | tr '\0' a)...': host name too long (see xwing probe --help)" \
    probe "$long"

# Real options the probe refuses on purpose say why; serve's and probe's errors
# point at their own help.
usage "probe --keepalive" \
    "xwing: probe: --keepalive: not for the probe: every request opens a new connection after a fresh lookup, as the lab's curl did: that is what it measures (see xwing probe --help)" \
    probe --keepalive rebel-base
usage "probe -o json" \
    "xwing: probe: -o: not for the probe: it prints no report; its tally is served on /metrics and / (--listen) (see xwing probe --help)" \
    probe -o json rebel-base
usage "serve --bogus" "xwing: serve: unknown option '--bogus' (see xwing serve --help)" serve --bogus

# Flags win over the environment: a bad REBEL_BASE_LISTEN that --listen
# overrides is no error; alone it is, naming the variable and its value.
printf '%s' "$KOORNACHT" >"$TMP/doc.json"
REBEL_BASE_LISTEN=junk start_rebel rb --listen 127.0.0.1:0 --document "$TMP/doc.json" --drain 0
wait_http "http://127.0.0.1:$REBEL_PORT/readyz"
note "REBEL_BASE_LISTEN=junk with --listen: serving on $REBEL_PORT"
set +e
REBEL_BASE_LISTEN=junk run_prog rebel-base --document "$TMP/doc.json" 2>"$TMP/env.err"
rc=$?
set -e
assert_eq 2 "$rc" "REBEL_BASE_LISTEN=junk alone: exit status"
assert_eq "rebel-base: REBEL_BASE_LISTEN: bad value 'junk': expected HOST:PORT or :PORT (see --help)" \
    "$(cat "$TMP/env.err")" "REBEL_BASE_LISTEN=junk alone: message"

# A server that speaks another protocol (an SSH banner): its own row, not-http,
# with a note saying what it means, and -v names the cause, not libcurl's
# "Received HTTP/0.9" (the old rows said other, with no hint).
cat >"$TMP/ssh.py" <<'PY'
import socket, sys
s = socket.socket()
s.bind(("127.0.0.1", 0))
s.listen(16)
print("listening: 127.0.0.1:%d" % s.getsockname()[1], flush=True)
while True:
    c, _ = s.accept()
    c.sendall(b"SSH-2.0-OpenSSH_9.2p1 Debian-2\r\n")
    c.close()
PY
start_helper ssh "$TMP/ssh.py"
xw ssh -n 2 -v "127.0.0.1:$HELPER_PORT"
assert_eq 1 "$RC" "xwing against an SSH banner: exit status"
grep -qE '^  not-http +2 ' "$TMP/ssh" || fail "no not-http row: $(cat "$TMP/ssh")"
grep -qF '  not-http: the reply did not start with an HTTP/1.x status line: another protocol (SSH, TLS, ...) answers on that port' \
    "$TMP/ssh" || fail "no not-http note: $(cat "$TMP/ssh")"
grep -qF "xwing: http://127.0.0.1:$HELPER_PORT/: not-http: the reply does not start with an HTTP/1.x status line: not an HTTP server (another protocol on that port?)" \
    "$TMP/ssh.err" || fail "-v does not name the cause: $(cat "$TMP/ssh.err")"
