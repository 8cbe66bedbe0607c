#!/usr/bin/env bash
# --expect-only, --expect-all, --expect-fail and --min-success: exit 0 when the
# expectation holds, 1 when not (with a one-line reason on stderr), 2 on misuse.
# Under valgrind its ~20 xwing runs take ~2 s each (50 s measured): room beyond 60 s.
# limit: 180
source "$(dirname "$0")/lib.sh"

serve_doc k "$KOORNACHT" --served-by k
k=$REBEL_PORT
serve_doc t "$TION" --served-by t
t=$REBEL_PORT
K=127.0.0.1:$k T=127.0.0.1:$t D=127.0.0.1:$DEAD_PORT

check() { # check WANT_RC STDERR_REGEX XWING ARGS...
    local want=$1 re=$2 rc
    shift 2
    set +e
    run_prog xwing -n 6 "$@" >"$TMP/out" 2>"$TMP/err"
    rc=$?
    set -e
    [ "$rc" = "$want" ] || fail "xwing $*: exit $rc, want $want; stderr: $(cat "$TMP/err")"
    [ -z "$re" ] || [[ "$(cat "$TMP/err")" =~ $re ]] || fail "xwing $*: stderr '$(cat "$TMP/err")' lacks /$re/"
    if [ "$want" != 0 ]; then
        assert_eq 1 "$(wc -l <"$TMP/err")" "xwing $*: one line on stderr"
    fi
}

check 0 '' "$K" "$T"
check 0 '' --expect-only Koornacht "$K"
check 1 'expected only Koornacht, but 3 of 6 replies came from elsewhere' --expect-only Koornacht "$K" "$T"
check 1 'refused 3' --expect-only Koornacht "$K" "$D"
check 0 '' --expect-only Koornacht --min-success 0.5 "$K" "$D"
check 0 '' --expect-all Koornacht,Tion "$K" "$T"
check 1 'no reply from Tion' --expect-all Koornacht,Tion "$K"
check 1 'refused' --expect-all Koornacht,Tion "$K" "$T" "$D"
check 0 '' --expect-all Koornacht,Tion --min-success 0.6 "$K" "$T" "$D"
check 0 '' --expect-fail "$D"
check 1 'expected every request to fail, but 3 of 6 got a reply' --expect-fail "$K" "$D"
check 1 'below --min-success 0.900' --min-success 0.9 "$K" "$D"
check 0 '' --min-success 0.5 "$K" "$D"
check 1 '6 of 6 requests failed \(refused 6\)' "$D"
check 2 '--expect-fail' --expect-fail --min-success 0.5 "$K"
check 2 'conflicts' --expect-only Koornacht --expect-all Koornacht,Tion "$K"
check 2 '--min-success: bad value .1\.5.' --min-success 1.5 "$K"
# The verdict also shows in the summary and in -o json.
grep -q '^expect ok: all 4 replies from Tion$' <<<"$(run_prog xwing -n 4 --expect-only Tion "$T")" || fail "expect line in text"
set +e
j=$(run_prog xwing -n 4 -o json --expect-only Tion "$K" 2>/dev/null)
set -e
assert_eq false "$(echo "$j" | jq .expect.ok)" "expect.ok in json"
