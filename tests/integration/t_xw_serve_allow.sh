#!/usr/bin/env bash
# `xwing serve` is no open relay: with its default flags /tally fetches the lab's names
# only. An IP-address target, a name off the list, a link-local address and a name that
# resolves to loopback get 403 with one line naming the target and the flag that would
# allow it, and nothing is fetched; a redirect from an allowed target to a refused one is
# not followed. With --allow-target 127.0.0.1:PORT (or XWING_ALLOW_TARGET) the same
# request is served. A server holding a secret counts every request it answers: it must
# answer none. Bad patterns are usage errors naming the flag; the probe refuses a
# link-local target.
source "$(dirname "$0")/lib.sh"

serve_doc secret '{"Cluster": "SECRET-TOKEN-123"}'
s=$REBEL_PORT
serve_doc k "$KOORNACHT"
k=$REBEL_PORT
start_helper redirect "$ROOT/tests/tools/hostile.py" --port 0 --mode redirect \
    --location "http://127.0.0.1:$s/"
r=$HELPER_PORT
wait_http "http://127.0.0.1:$r/healthz"

# answered PORT: the requests for / the rebel-base on PORT has answered (lib.sh's
# served, with 0 where /metrics has no such line yet).
answered() {
    local n
    n=$(served "$1")
    echo "${n:-0}"
}
# tally NAME TARGET [CURL ARGS...]: GET /tally?target=TARGET&n=1&by=body on $base; the
# body in $TMP/NAME, the status printed.
tally() {
    local name=$1 target=$2
    shift 2
    curl -s --max-time 30 -o "$TMP/$name" -w '%{http_code}' -G "$base/tally" \
        --data-urlencode "target=$target" --data n=1 --data by=body "$@"
}
# refused NAME TARGET WHY: 403 with {"error": WHY}.
refused() {
    assert_eq 403 "$(tally "$1" "$2")" "$1: status"
    assert_eq "{\"error\":\"$3\"}" "$(cat "$TMP/$1")" "$1: reason"
}

# 1. The defaults: the lab's names, nothing else.
start_serve def --listen 127.0.0.1:0
base=http://127.0.0.1:$SERVE_PORT
refused ip "127.0.0.1:$s" \
    "target '127.0.0.1:$s' is not on the allowlist: allow it with --allow-target 127.0.0.1:$s"
refused url "http://127.0.0.1:$s/index.html" \
    "target '127.0.0.1:$s' is not on the allowlist: allow it with --allow-target 127.0.0.1:$s"
refused v6 "[::1]:$s" "target '[::1]:$s' is not on the allowlist: allow it with --allow-target [::1]:$s"
refused name "secret.example" \
    "target 'secret.example:80' is not on the allowlist: allow it with --allow-target secret.example:80"
refused localhost "localhost:$s" \
    "target 'localhost:$s' is not on the allowlist: allow it with --allow-target localhost:$s"
refused metadata "169.254.169.254/latest/meta-data/" \
    "target '169.254.169.254:80' is not on the allowlist: allow it with --allow-link-local and --allow-target 169.254.169.254:80"
refused port "rebel-base:$s" \
    "target 'rebel-base:$s' is not on the allowlist: allow it with --allow-target rebel-base:$s"
# One refused target refuses the whole tally, whatever comes before it.
assert_eq 403 "$(tally mixed rebel-base --data-urlencode "target=127.0.0.1:$s")" "an allowed and a refused target"
# The lab's own name is let through (here it does not resolve: a dns row, not a 403).
assert_eq 200 "$(tally lab rebel-base)" "/tally?target=rebel-base"
jq -e '.requests == 1 and .targets == ["http://rebel-base:80/"]' "$TMP/lab" >/dev/null ||
    fail "/tally?target=rebel-base: $(cat "$TMP/lab")"
assert_eq 0 "$(answered "$s")" "requests the secret's server answered, default flags"
assert_match "targets allowed: rebel-base:80, rebel-base\.\*\.svc\.cluster\.local:80, rebel-base\.\*\.svc\.clusterset\.local:80, rebel-base-headless:8080, rebel-base-headless\.\*\.svc\.cluster\.local:8080\)$" \
    "$(cat "$TMP/def.log")" "the listen line states the allowlist"

# 2. Allowed names, refused addresses: the address is checked too, and a glob never
# opens loopback. localhost comes from /etc/hosts (the 403); x.localhost, which libcurl
# resolves to loopback itself, is refused at the 403 where this machine resolves it, and
# otherwise at connect time ("blocked"), never fetched.
start_serve names --listen 127.0.0.1:0 --allow-target localhost --allow-target '*.localhost' \
    --allow-target '127.*'
base=http://127.0.0.1:$SERVE_PORT
assert_eq 403 "$(tally lo "localhost:$s")" "localhost: status"
assert_match "^\{\"error\":\"target 'localhost:$s' resolves to (127\.0\.0\.1|\[::1\]):$s, a loopback address: allow it with --allow-target (127\.0\.0\.1|\[::1\]):$s\"\}$" \
    "$(cat "$TMP/lo")" "localhost: reason"
refused glob "127.0.0.1:$s" \
    "target '127.0.0.1:$s' resolves to 127.0.0.1:$s, a loopback address: allow it with --allow-target 127.0.0.1:$s"
code=$(tally sub "x.localhost:$s" --data n=3)
case $code in
403) assert_match "resolves to .*, a loopback address" "$(cat "$TMP/sub")" "x.localhost: reason"
    note "x.localhost: 403 (this machine resolves it to loopback)" ;;
200) jq -e '.rows == [{"value":"blocked","count":3,"percent":100,"kind":"error"}]' "$TMP/sub" >/dev/null ||
        fail "x.localhost: not every request blocked: $(cat "$TMP/sub")"
    note "x.localhost: blocked at connect time (3 of 3)" ;;
*) fail "x.localhost: status $code: $(cat "$TMP/sub")" ;;
esac
assert_eq 0 "$(answered "$s")" "requests the secret's server answered, names allowed"

# 3. Named on purpose: the same request is served; a redirect is not followed.
start_serve open --listen 127.0.0.1:0 --allow-target "127.0.0.1:$k" --allow-target "127.0.0.1:$r"
base=http://127.0.0.1:$SERVE_PORT
assert_eq 200 "$(tally k "127.0.0.1:$k" --data n=4 --data by=key)" "--allow-target 127.0.0.1:$k"
assert_eq "Koornacht 4" "$(jq -r '.rows[] | "\(.value) \(.count)"' "$TMP/k")" "the allowed target's rows"
refused other "127.0.0.1:$s" \
    "target '127.0.0.1:$s' is not on the allowlist: allow it with --allow-target 127.0.0.1:$s"
assert_eq 200 "$(tally redirect "127.0.0.1:$r" --data n=2)" "the redirecting target"
assert_eq "http 302 2" "$(jq -r '.rows[] | "\(.value) \(.count)"' "$TMP/redirect")" "a redirect is a row, not followed"
grep -q SECRET "$TMP/redirect" && fail "the redirect was followed: $(cat "$TMP/redirect")"
assert_eq 0 "$(answered "$s")" "requests the secret's server answered, after the redirect"

# 4. The environment adds patterns to the flags'; bad ones are usage errors.
XWING_ALLOW_TARGET="127.0.0.1:$s, 127.0.0.1:$r" start_serve env --listen 127.0.0.1:0 --allow-target "127.0.0.1:$k"
base=http://127.0.0.1:$SERVE_PORT
assert_match "targets allowed: 127\.0\.0\.1:$s, 127\.0\.0\.1:$r, 127\.0\.0\.1:$k\)$" "$(cat "$TMP/env.log")" \
    "XWING_ALLOW_TARGET and --allow-target"
assert_eq 200 "$(tally env "127.0.0.1:$s")" "a target XWING_ALLOW_TARGET allows"
assert_match 'SECRET-TOKEN-123' "$(cat "$TMP/env")" "opened on purpose, it is fetched"
usage() { # usage WHAT MESSAGE ARGS...: exit 2 with MESSAGE
    local what=$1 want=$2
    shift 2
    set +e
    run_prog xwing "$@" >"$TMP/usage.out" 2>"$TMP/usage.err"
    local rc=$?
    set -e
    assert_eq 2 "$rc" "$what: exit status"
    assert_eq "$want" "$(grep -v '^==' "$TMP/usage.err")" "$what: message"
}
usage "a scheme" "xwing: serve: --allow-target: bad value 'http://x': a pattern is HOST[:PORT], without a scheme (see xwing serve --help)" \
    serve --listen 127.0.0.1:0 --allow-target http://x
usage "port 0" "xwing: serve: --allow-target: bad value 'x:0': port must be 1..65535 (leave it out for any port) (see xwing serve --help)" \
    serve --listen 127.0.0.1:0 --allow-target x:0
XWING_ALLOW_TARGET="rebel-base,,x" usage "an empty item" \
    "xwing: serve: XWING_ALLOW_TARGET: bad value 'rebel-base,,x': empty pattern (see xwing serve --help)" serve --listen 127.0.0.1:0
usage "the probe, link-local" \
    "xwing: probe: target '169.254.169.254' is a link-local address: refused unless --allow-link-local (see xwing probe --help)" \
    probe --listen 127.0.0.1:0 169.254.169.254
