#!/usr/bin/env bash
# make demo: the Cluster Mesh lab's global service on one machine. Two Koornacht
# and two Tion rebel-bases on loopback stand in for the two clusters' pods, and
# xwing spreads its requests over all four, as the global Service would, then
# prints the tally by cluster and by pod, and shows a "failover": Koornacht's
# pods stop, and every reply comes from Tion.
set -euo pipefail
BIN=${BIN:-$(cd "$(dirname "$0")/.." && pwd)/build/bin}
for b in rebel-base xwing; do
    [ -x "$BIN/$b" ] || { echo "demo: $BIN/$b is missing; run make first" >&2; exit 1; }
done
# The test library: $TMP and every server started are cleaned up at exit, and
# start_rebel starts a rebel-base on port 0 and reads its port from the listen
# line (REBEL_PORT), so the demo never picks a port that something else may take.
source "$(dirname "$0")/integration/lib.sh"

# The lab's ConfigMap documents, one per cluster.
printf '%s\n' '{"Cluster": "Koornacht", "Planet": "N'"'"'Zoth"}' >"$TMP/koornacht.json"
printf '%s\n' '{"Cluster": "Tion", "Planet": "Foran Tutha"}' >"$TMP/tion.json"

targets=() koornacht_pids=()
for pod in koornacht-1 koornacht-2 tion-1 tion-2; do
    start_rebel "$pod" --listen 127.0.0.1:0 --document "$TMP/${pod%-*}.json" \
        --served-by "rebel-base-$pod" --drain 0
    [[ $pod == koornacht-* ]] && koornacht_pids+=("$REBEL_PID")
    targets+=("127.0.0.1:$REBEL_PORT")
    echo "rebel-base-$pod serving ${pod%-*}.json on 127.0.0.1:$REBEL_PORT"
done

echo
echo "\$ xwing -n 10 -v ${targets[*]}"
"$BIN/xwing" -n 10 -v "${targets[@]}"
echo
echo "\$ xwing -n 100 -c 4 --by pod ...  (tally by the X-Served-By header: one row per pod)"
"$BIN/xwing" -n 100 -c 4 --by pod "${targets[@]}"
echo
echo "\$ xwing -n 100 -c 4 --expect-all Koornacht,Tion ..."
"$BIN/xwing" -n 100 -c 4 --expect-all Koornacht,Tion "${targets[@]}"
echo
echo "-- Koornacht's pods stop (the lab scales rebel-base to 0 in Koornacht) --"
kill -TERM "${koornacht_pids[@]}"
for p in "${koornacht_pids[@]}"; do wait "$p" 2>/dev/null || true; done
echo "\$ xwing -n 20 ${targets[*]}   (no failover: the stopped pods refuse)"
"$BIN/xwing" -n 20 "${targets[@]}" || true
echo
echo "\$ xwing -n 20 --expect-only Tion ${targets[*]:2}   (what the global service does: only Tion answers)"
"$BIN/xwing" -n 20 --expect-only Tion "${targets[@]:2}"
