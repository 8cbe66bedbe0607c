#!/usr/bin/env bash
# Every bound xwing has is named in the error that hits it and in --help
# (targets, reply values, body size, xwing serve's tallies), and its messages
# say exactly what happened: a second port is not an IPv6 address, rows line up
# whatever the values, and one request is "1 request".
# limit: 120
source "$(dirname "$0")/lib.sh"

big=$(printf 'x%.0s' $(seq 1 2000))
serve_doc big "$(printf '{"Cluster": "Koornacht", "pad": "%s"}' "$big")"
B=127.0.0.1:$REBEL_PORT
serve_doc k "$(printf '{"Cluster": "Koornacht", "Planet": "N'"'"'Zoth", "note": "long enough to pass forty columns, \xc3\xa9"}')" \
    --allow-faults
k=$REBEL_PORT
K=127.0.0.1:$k D=127.0.0.1:$DEAD_PORT

usage_error() { # usage_error STDERR ARGS...: exit 2 and exactly this one line on stderr
    local want=$1
    shift
    xw usage "$@"
    assert_eq 2 "$RC" "exit status of xwing ${*:0:4}..."
    assert_eq "$want" "$(cat "$TMP/usage.err")" "message of xwing ${*:0:4}..."
}

# Targets: 1024 are fine (70, as in the report that found the old limit of 32,
# all answer); the 1025th is refused naming the limit.
mapfile -t seventy < <(for i in $(seq 1 70); do echo "$K"; done)
xw t70 -n 70 "${seventy[@]}"
assert_eq 0 "$RC" "exit status with 70 targets: $(cat "$TMP/t70.err")"
assert_eq "xwing: 70 requests to 70 targets, by key Cluster" "$(head -1 "$TMP/t70")" "70 targets"
mapfile -t many < <(for i in $(seq 1 1024); do echo "$D"; done)
xw t1024 -n 1 "${many[@]}"
assert_eq 1 "$RC" "exit status with 1024 targets (one refused request)"
assert_eq "xwing: 1 of 1 request failed (refused 1)" "$(cat "$TMP/t1024.err")" "1024 targets"
usage_error "xwing: too many targets: at most 1024 (see xwing --help)" -n 1 "${many[@]}" "$D"

# Reply values: expected values longer than a row keeps, more than 16 of them.
v128=$(printf 'v%.0s' $(seq 1 128))
xw usage --expect-only "$v128" "$K"
assert_eq 2 "$RC" "exit status of a 128-byte --expect-only"
assert_match "^xwing: --expect-only: bad value 'v+\.\.\.': value too long: at most 127 bytes \(reply values are cut there\) \(see xwing --help\)$" \
    "$(cat "$TMP/usage.err")" "message of a 128-byte --expect-only"
usage_error "xwing: --expect-all: bad value 'a,b,c,d,e,f,g,h,i,j,k,l,m,n,o,p,q': too many values: at most 16 (see xwing --help)" \
    --expect-all a,b,c,d,e,f,g,h,i,j,k,l,m,n,o,p,q "$K"
k256=$(printf 'k%.0s' $(seq 1 256))
xw usage --key "$k256" "$K"
assert_eq 2 "$RC" "exit status of a 256-byte --key"
assert_match "key path too long: at most 255 bytes \(see xwing --help\)$" "$(cat "$TMP/usage.err")" \
    "message of a 256-byte --key"

# Body size: the too-large row names the cap, in the report and per failure.
xw body -n 2 -v --max-body 1KiB "$B"
assert_eq 1 "$RC" "exit status when every body is over --max-body"
grep -qE '^  too-large +2 100\.0%  x+$' "$TMP/body" || fail "too-large row: $(cat "$TMP/body")"
grep -qx '  too-large: reply body over --max-body (1024 bytes)' "$TMP/body" ||
    fail "the body cap is not named in the report: $(cat "$TMP/body")"
assert_eq "xwing: http://$B/: too-large: reply body over --max-body (1024 bytes)
xwing: http://$B/: too-large: reply body over --max-body (1024 bytes)
xwing: 2 of 2 requests failed (too-large 2)" "$(cat "$TMP/body.err")" "-v failures and the reason"
usage_error "xwing: --max-body: bad value '65MiB': must be 1..64MiB (see xwing --help)" --max-body 65MiB "$K"

# --help names them all.
run_prog xwing --help >"$TMP/help"
for s in "at most 1024" "at most 16 values" "at most 255 bytes" "up to 127 bytes" \
    "The first 64 distinct values" "at most 64MiB" "130 when interrupted" "143 by SIGTERM"; do
    grep -qF "$s" "$TMP/help" || fail "xwing --help does not say '$s'"
done

# A second port is a second port; an IPv6 address without brackets is that.
usage_error "xwing: bad target '127.0.0.1:21091:99': more than one ':PORT': give one port, as in host:8080 (see xwing --help)" \
    -n 3 127.0.0.1:21091:99
usage_error "xwing: bad target 'rebel-base:80:81': more than one ':PORT': give one port, as in host:8080 (see xwing --help)" \
    rebel-base:80:81
usage_error "xwing: bad target '::1:8080': IPv6 addresses need brackets: [::1]:8080 (see xwing --help)" ::1:8080

# --by body rows line up however long (and however multi-byte) the values are.
xw rows -n 4 --by body "$K" "$D"
cols=$("$PY" - "$TMP/rows" <<'PY'
import re, sys
cols = set()
for line in open(sys.argv[1], encoding="utf-8"):
    m = re.match(r"^  (.*?) +(\d+) +[\d.]+%  [#x]+$", line.rstrip("\n"))
    if m:
        cols.add(m.start(2))  # characters, not bytes
print(" ".join(str(c) for c in sorted(cols)) if cols else "none")
PY
)
[[ "$cols" =~ ^[0-9]+$ ]] || fail "--by body rows do not line up (count columns: $cols): $(cat "$TMP/rows")"
assert_eq 2 "$(grep -cE '^  .*(#|x)$' "$TMP/rows")" "--by body rows"

# One request is "1 request", one reply "1 reply".
xw one -n 1 "$K"
assert_eq "xwing: 1 request to 1 target, by key Cluster" "$(head -1 "$TMP/one")" "singular summary line"
assert_eq "expect ok: 1 of 1 request got a reply" "$(grep '^expect ' "$TMP/one")" "singular verdict"
xw one -n 1 --expect-only Koornacht "$K"
assert_eq "expect ok: 1 reply, from Koornacht" "$(grep '^expect ' "$TMP/one")" "singular --expect-only"
xw one -n 1 --expect-all Koornacht "$K"
assert_eq "expect ok: the expected value Koornacht answered" "$(grep '^expect ' "$TMP/one")" "one --expect-all value"
xw one -n 1 --expect-fail "$D"
assert_eq "expect ok: the 1 request failed, as expected" "$(grep '^expect ' "$TMP/one")" "singular --expect-fail"

# xwing serve: its bounds, in its answers.
start_serve serve --listen 127.0.0.1:0 --max-tallies 1 --max-requests 50 --allow-target "$K"
base=http://127.0.0.1:$SERVE_PORT
assert_eq 400 "$(http_code "$base/tally?target=$K&n=51")" "n over --max-requests"
assert_eq '{"error":"bad n '"'"'51'"'"': expected 1..50 (--max-requests)"}' \
    "$(curl -s --max-time 5 "$base/tally?target=$K&n=51")" "n over --max-requests, the reason"
q="target=a&target=a&target=a&target=a&target=a&target=a&target=a&target=a&target=a"
assert_eq '{"error":"bad target '"'"'a'"'"': at most 8 targets per tally"}' \
    "$(curl -s --max-time 5 "$base/tally?$q")" "a ninth target"
assert_eq '{"error":"bad c '"'"'17'"'"': expected 1..16"}' \
    "$(curl -s --max-time 5 "$base/tally?target=$K&c=17")" "c over 16"

open_conns() { # open_conns N: rebel-base k has at least N open connections
    local n
    n=$(curl -s --max-time 2 "http://$K/metrics" | sed -n 's/^rebel_base_open_connections //p')
    [ "${n:-0}" -ge "$1" ]
}
curl -s --max-time 30 -G "$base/tally" --data-urlencode "target=$K/?delay=3s" --data n=1 \
    >"$TMP/held.json" &
held=$!
# The held tally's request is at rebel-base: its connection, and this scrape's.
wait_until "the held tally's request at rebel-base" 20 open_conns 2
assert_eq 503 "$(http_code "$base/tally?target=$K&n=1")" "a second tally beyond --max-tallies 1"
assert_eq '{"error":"busy: 1 tally already running (the --max-tallies limit)"}' \
    "$(curl -s --max-time 5 "$base/tally?target=$K&n=1")" "busy reason"
wait "$held" || fail "the held tally failed"
jq -e '.completed == 1 and .interrupted == false' "$TMP/held.json" >/dev/null ||
    fail "the held tally: $(cat "$TMP/held.json")"

run_prog xwing serve --help >"$TMP/shelp"
for s in "at most 8" "c at most 16" "--tally-budget D" "At most 64 connections"; do
    grep -qF -- "$s" "$TMP/shelp" || fail "xwing serve --help does not say '$s'"
done

# The environment: set but empty is the empty value; XWING_HELP is never read.
set +e
XWING_TALLY_BUDGET= run_prog xwing serve --listen 127.0.0.1:0 >"$TMP/env" 2>"$TMP/env.err"
rc=$?
set -e
assert_eq 2 "$rc" "exit status with XWING_TALLY_BUDGET="
assert_eq "xwing: serve: XWING_TALLY_BUDGET: bad value '': expected a duration from 100ms to 1h (see xwing serve --help)" \
    "$(cat "$TMP/env.err")" "message with XWING_TALLY_BUDGET="
set +e
XWING_HELP=1 run_prog xwing serve --listen nohost:0 >"$TMP/env" 2>"$TMP/env.err"
rc=$?
set -e
assert_eq 1 "$rc" "exit status with XWING_HELP=1 (serve tried to start)"
assert_eq "" "$(cat "$TMP/env")" "no help on stdout with XWING_HELP=1"
assert_eq "xwing: serve: --listen: 'nohost' is not an IP address" "$(cat "$TMP/env.err")" \
    "XWING_HELP=1 is not read"
