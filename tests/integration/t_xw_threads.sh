#!/usr/bin/env bash
# --threads N runs N event loops that share -n and -c: the tally counts exactly
# N replies, none failed, whether or not -n divides evenly between the loops or
# -c is smaller than N; targets still take turns by request number (four pods,
# exactly a quarter each); --duration and SIGINT end every loop.
# limit: 120
source "$(dirname "$0")/lib.sh"

serve_doc k "$KOORNACHT" --max-per-ip 0
K=$REBEL_URL/
k=$REBEL_PORT

exact() { # exact NAME N ARGS...: N requests, all Koornacht, exit 0
    local name=$1 n=$2
    shift 2
    xw "$name" -n "$n" -o json "$@" "$K"
    assert_eq 0 "$RC" "exit status of xwing -n $n $*: $(cat "$TMP/$name.err")"
    jq -e --argjson n "$n" '.requests == $n and .completed == $n and .ok == $n
        and .failed == 0 and .rows == [{"value":"Koornacht","count":$n,"percent":100,"kind":"reply"}]' \
        "$TMP/$name" >/dev/null || fail "xwing -n $n $*: $(cat "$TMP/$name")"
}

exact even 400 -c 8 --threads 2
exact odd 201 -c 5 --threads 2    # neither -n nor -c divides by 2
exact three 300 -c 16 --threads 3
exact more_loops_than_slots 37 -c 2 --threads 8
exact fewer_requests 3 -c 16 --threads 4
exact one 100 -c 4 --threads 1

# Targets by request number, as one loop picks them: 4 pods, 400 requests.
targets=()
for name in p1 p2 p3 p4; do
    serve_doc "$name" "$KOORNACHT" --served-by "$name" --max-per-ip 0
    targets+=("$REBEL_URL/")
done
json=$(run_prog xwing -n 400 -c 6 --threads 3 --by pod -o json "${targets[@]}")
assert_eq '[["p1",100],["p2",100],["p3",100],["p4",100]]' \
    "$(echo "$json" | jq -c '[.rows[] | [.value, .count]] | sort')" "pods by request number"

# --duration stops every loop: the run ends, judged as usual.
xw dur -d 300ms -c 4 --threads 2 -o json "$K"
assert_eq 0 "$RC" "exit status of --duration with --threads: $(cat "$TMP/dur.err")"
jq -e '.ended_by == "duration" and .failed == 0 and .ok > 0 and .ok == .completed' "$TMP/dur" \
    >/dev/null || fail "--duration with --threads: $(cat "$TMP/dur")"

# SIGINT stops every loop: 130 and the partial tally, nothing failed. Sent once
# requests arrive: before, xwing (under valgrind: valgrind) may not catch it yet.
before=$(served "$k")
[ -n "$before" ] || fail "rebel-base's /metrics does not count GET /"
start_xwing int -n 100000000 -c 4 --threads 2 "$K"
wait_until "xwing's requests to reach rebel-base" 30 served_at_least "$k" $((before + 50))
kill -INT "$XPID"
wait_exit "$XPID" 20
assert_eq 130 "$EXIT_STATUS" "exit status after SIGINT with --threads"
assert_match '^xwing: ([0-9]+) requests to 1 target, by key Cluster, interrupted after ([0-9]+) of 100000000 requests \(SIGINT\)$' \
    "$(head -1 "$TMP/int.out")" "summary line after SIGINT"
n=${BASH_REMATCH[1]}
assert_eq "$n" "${BASH_REMATCH[2]}" "K on the summary line"
grep -q "^ok $n  failed 0  in " "$TMP/int.out" || fail "ok line after SIGINT: $(cat "$TMP/int.out")"
