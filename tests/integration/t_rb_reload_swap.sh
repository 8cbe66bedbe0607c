#!/usr/bin/env bash
# rebel-base: a kubelet-style ..data symlink swap, a plain rewrite and a rename are
# each served within 1 s, and every reply is one whole version.
. "$(dirname "$0")/lib.sh"

vol="$TMP/vol"
kubelet_write "$vol" index.html "$KOORNACHT"
start_rebel rb --listen 127.0.0.1:0 --document "$vol/index.html"
base="http://127.0.0.1:$REBEL_PORT"
wait_http "$base/readyz"
assert_eq Koornacht "$(curl -sS "$base/" | jq -r .Cluster)" "first version"

cluster_is() { [ "$(curl -sS --max-time 1 "$base/" | jq -r .Cluster 2>/dev/null)" = "$1" ]; }
# Waits until / answers with Cluster WANT; fails after 1 s (5 s under valgrind,
# where memcheck slows everything ~20x).
served_within() { # served_within WANT WHAT
    local start
    start=$(date +%s%3N)
    wait_until "$2 to be served" 1 cluster_is "$1"
    note "$2 served after $(($(date +%s%3N) - start)) ms"
}

# Readers hammer / during the swaps, until they are over: every body must be one
# of the versions, whole.
(
    while [ ! -e "$TMP/swaps-done" ]; do
        curl -sS --max-time 1 "$base/" >>"$TMP/bodies" && echo >>"$TMP/bodies"
    done
) &
readers=$!
PIDS+=("$readers")

kubelet_write "$vol" index.html "$TION"
served_within Tion "..data swap"

printf '%s' '{"Cluster": "Rewritten"}' >"$vol/..data/index.html"
served_within Rewritten "rewrite in place"

printf '%s' '{"Cluster": "Renamed"}' >"$TMP/renamed"
mv "$TMP/renamed" "$vol/..data/index.html"
served_within Renamed "rename over the file"

kubelet_write "$vol" index.html "$KOORNACHT"
served_within Koornacht "second ..data swap"

touch "$TMP/swaps-done"
wait "$readers" || true
grep -v '^$' "$TMP/bodies" | sort | uniq -c | sed 's/^/  /'
[ "$(grep -vc '^$' "$TMP/bodies")" -gt 0 ] || fail "the readers got no bodies"
bad=$(grep -v '^$' "$TMP/bodies" | grep -vc -e '^{"Cluster": "Koornacht", "Planet": "N'"'"'Zoth"}$' \
    -e '^{"Cluster": "Tion", "Planet": "Foran Tutha"}$' -e '^{"Cluster": "Rewritten"}$' \
    -e '^{"Cluster": "Renamed"}$' || true)
assert_eq 0 "$bad" "torn or unexpected bodies"
assert_match 'rebel_base_document_version [45]' "$(curl -sS "$base/metrics")" "versions loaded"
