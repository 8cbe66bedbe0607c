#!/usr/bin/env bash
# Two Koornacht and two Tion rebel-bases on loopback: `xwing -n 100` over all four
# splits the replies about half and half by cluster, --by pod separates the four
# servers, -v prints each reply body on its own line, and every row adds up to N.
source "$(dirname "$0")/lib.sh"

targets=()
for name in k1 k2 t1 t2; do
    doc=$KOORNACHT
    [[ $name == t* ]] && doc=$TION
    serve_doc "$name" "$doc" --served-by "$name"
    targets+=("127.0.0.1:$REBEL_PORT")
done

json=$(run_prog xwing -n 100 -c 4 -o json "${targets[@]}")
echo "$json" | jq -e '.requests == 100 and .ok + .failed == .requests and ([.rows[].count] | add) == .requests' >/dev/null ||
    fail "counts do not add up: $json"
k=$(echo "$json" | jq '[.rows[] | select(.value == "Koornacht") | .count] | add // 0')
t=$(echo "$json" | jq '[.rows[] | select(.value == "Tion") | .count] | add // 0')
note "Koornacht $k, Tion $t"
((k >= 40 && k <= 60)) || fail "Koornacht got $k of 100"
((t >= 40 && t <= 60)) || fail "Tion got $t of 100"
assert_eq 100 "$((k + t))" "replies from the two clusters"

json=$(run_prog xwing -n 100 -c 2 --by pod -o json "${targets[@]}")
assert_eq "k1 k2 t1 t2" "$(echo "$json" | jq -r '[.rows[].value] | sort | join(" ")')" "pods seen"
echo "$json" | jq -e 'all(.rows[]; .count >= 15 and .kind == "reply") and ([.rows[].count] | add) == 100' >/dev/null ||
    fail "pods not spread: $json"

out=$(run_prog xwing -n 8 -v "${targets[@]}")
assert_eq 4 "$(grep -c '^{"Cluster": "Koornacht", "Planet": "N'"'"'Zoth"}$' <<<"$out")" "Koornacht bodies under -v"
assert_eq 4 "$(grep -c '^{"Cluster": "Tion", "Planet": "Foran Tutha"}$' <<<"$out")" "Tion bodies under -v"
assert_match 'ok 8  failed 0' "$out" "summary after the bodies"

# The text summary of a plain run names both clusters with their share.
out=$(run_prog xwing -n 20 "${targets[@]}")
assert_match 'Koornacht +10  50\.0%  #+' "$out" "Koornacht row"
assert_match 'Tion +10  50\.0%  #+' "$out" "Tion row"
assert_match 'latency ms  min [0-9.]+  p50 [0-9.]+  p90 [0-9.]+  p99 [0-9.]+  max [0-9.]+' "$out" "latency line"
