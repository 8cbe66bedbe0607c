#!/usr/bin/env bash
# rebel-base: a kubelet-style ..data symlink swap, a plain rewrite and a rename are
# each served within 1 s, and every reply is one whole version.
. "$(dirname "$0")/lib.sh"

limit_ms=1000
[ "${VALGRIND:-0}" = 1 ] && limit_ms=5000 # memcheck slows everything ~20x
port=$(free_port)
vol="$TMP/vol"
kubelet_write "$vol" index.html "$KOORNACHT"
start_rebel rb --listen "127.0.0.1:$port" --document "$vol/index.html"
base="http://127.0.0.1:$port"
wait_http "$base/readyz"
assert_eq Koornacht "$(curl -sS "$base/" | jq -r .Cluster)" "first version"

# Polls until / answers with Cluster $1; fails after limit_ms.
served_within() {
    local want=$1 what=$2 start now got
    start=$(date +%s%3N)
    while :; do
        got=$(curl -sS --max-time 1 "$base/" | jq -r .Cluster 2>/dev/null || true)
        now=$(date +%s%3N)
        [ "$got" = "$want" ] && { note "$what served after $((now - start)) ms"; return 0; }
        [ $((now - start)) -gt "$limit_ms" ] && fail "$what not served within ${limit_ms} ms (got '$got')"
        sleep 0.02
    done
}

# Readers hammer / during the swaps: every body must be one of the versions, whole.
(
    end=$(($(date +%s) + 4))
    while [ "$(date +%s)" -lt "$end" ]; do
        curl -sS --max-time 1 "$base/" >>"$TMP/bodies" && echo >>"$TMP/bodies"
    done
) &
PIDS+=($!)

kubelet_write "$vol" index.html "$TION"
served_within Tion "..data swap"

printf '%s' '{"Cluster": "Rewritten"}' >"$vol/..data/index.html"
served_within Rewritten "rewrite in place"

printf '%s' '{"Cluster": "Renamed"}' >"$TMP/renamed"
mv "$TMP/renamed" "$vol/..data/index.html"
served_within Renamed "rename over the file"

kubelet_write "$vol" index.html "$KOORNACHT"
served_within Koornacht "second ..data swap"

wait "${PIDS[-1]}" || true
grep -v '^$' "$TMP/bodies" | sort | uniq -c | sed 's/^/  /'
bad=$(grep -v '^$' "$TMP/bodies" | grep -vc -e '^{"Cluster": "Koornacht", "Planet": "N'"'"'Zoth"}$' \
    -e '^{"Cluster": "Tion", "Planet": "Foran Tutha"}$' -e '^{"Cluster": "Rewritten"}$' \
    -e '^{"Cluster": "Renamed"}$' || true)
assert_eq 0 "$bad" "torn or unexpected bodies"
assert_match 'rebel_base_document_version [45]' "$(curl -sS "$base/metrics")" "versions loaded"
