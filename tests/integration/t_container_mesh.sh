#!/usr/bin/env bash
# The lab with real containers standing in for the clusters: a Docker network per cluster,
# two rebel-base containers each with the cluster's document mounted read-only where the
# manifests mount it (a ConfigMap-style directory at /etc/rebel-base), network alias
# rebel-base. From an x-wing container on Koornacht's network, `xwing -n 20 rebel-base`:
#   1. Koornacht only;  2. Tion's containers also join under the alias (the global service):
#   both clusters;  3. Koornacht's containers stopped: Tion only;  4. a ConfigMap-style
#   update of Tion's document reaches the running servers.
# All containers run --read-only --cap-drop ALL --user 65532; `docker stop` of rebel-base
# drains well within its grace period and exits 0.
# limit: 900 (a cold image build; `make test` builds the images before the scenarios)
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck source=tests/k8s/container_lib.sh
. "$ROOT/tests/k8s/container_lib.sh"
ct_require_docker
ct_images
rb=rebel-base:$CT_VERSION xw=x-wing:$CT_VERSION
grace=10
note "images: $rb $(ct_size "$rb") bytes, $xw $(ct_size "$xw") bytes"

# The documents, laid out as the kubelet lays out a ConfigMap volume (..data symlinks).
chmod 755 "$TMP"
kubelet_write "$TMP/koornacht" index.html "$KOORNACHT"
kubelet_write "$TMP/tion" index.html "$TION"
chmod -R a+rX "$TMP/koornacht" "$TMP/tion"

for c in koornacht tion; do
    docker network create "$CT_ID-$c" >/dev/null
    for i in 1 2; do
        # Port 80 stands in for the Service's port 80 (the pods listen on 8080 behind it);
        # REBEL_BASE_LISTEN takes the env path of the flag.
        docker run -d --name "$CT_ID-$c-$i" --network "$CT_ID-$c" --network-alias rebel-base \
            "${CT_SECURE[@]}" --sysctl net.ipv4.ip_unprivileged_port_start=80 \
            -e REBEL_BASE_LISTEN=:80 -v "$TMP/$c:/etc/rebel-base:ro" \
            "$rb" --served-by "$c-$i" >/dev/null
    done
done
for c in koornacht tion; do
    for i in 1 2; do
        ct_wait_http "http://$(ct_ip "$CT_ID-$c-$i" "$CT_ID-$c"):80/readyz"
    done
done

# xwing NETWORK ARGS...: one x-wing container on NETWORK; prints the tally.
xwing() {
    local net=$1
    shift
    echo "  \$ xwing $*   (on $net)"
    docker run --rm --network "$CT_ID-$net" "${CT_SECURE[@]}" "$xw" "$@" 2>&1 | sed 's/^/    /'
    return "${PIPESTATUS[0]}"
}

note "1. each cluster's rebel-base alias is local"
xwing koornacht -n 20 --expect-only Koornacht rebel-base || fail "Koornacht network: not Koornacht only"
xwing tion -n 20 --expect-only Tion rebel-base || fail "Tion network: not Tion only"
xwing koornacht -n 40 --by pod --expect-all koornacht-1,koornacht-2 rebel-base ||
    fail "both Koornacht containers should answer"

note "2. Tion's containers join Koornacht's network under the same alias: the global service"
for i in 1 2; do docker network connect --alias rebel-base "$CT_ID-koornacht" "$CT_ID-tion-$i"; done
# Docker's DNS shuffles the alias's four addresses and xwing resolves on every request.
xwing koornacht -n 40 --expect-all Koornacht,Tion rebel-base || fail "global: both clusters should answer"
out=$(docker run --rm --network "$CT_ID-koornacht" "${CT_SECURE[@]}" "$xw" -n 40 -o json rebel-base) ||
    fail "json tally: $out"
k=$(jq '[.rows[] | select(.value=="Koornacht") | .count] | add // 0' <<<"$out")
t=$(jq '[.rows[] | select(.value=="Tion") | .count] | add // 0' <<<"$out")
assert_eq 40 "$((k + t))" "Koornacht + Tion replies of 40"
note "json tally of 40: Koornacht $k, Tion $t"

note "3. Koornacht's rebel-base containers stop: SIGTERM, drain, exit 0 within the grace period"
for i in 1 2; do
    start=$(date +%s%N)
    docker stop -t "$grace" "$CT_ID-koornacht-$i" >/dev/null
    ms=$((($(date +%s%N) - start) / 1000000))
    code=$(docker inspect --format '{{.State.ExitCode}}' "$CT_ID-koornacht-$i")
    note "docker stop $CT_ID-koornacht-$i: ${ms} ms (grace ${grace}s), exit $code"
    assert_eq 0 "$code" "rebel-base exit status after docker stop"
    [ "$ms" -lt $((grace * 800)) ] || fail "docker stop took ${ms} ms, not well under the ${grace}s grace period"
    # Captured first: under pipefail, grep -q quitting early can fail the pipe (SIGPIPE).
    log=$(docker logs "$CT_ID-koornacht-$i" 2>&1)
    grep -qiE 'drain|stop|shut' <<<"$log" || fail "no drain/stop in the log: $(tail -3 <<<"$log")"
done
xwing koornacht -n 20 --expect-only Tion rebel-base || fail "after Koornacht stopped: not Tion only"

note "4. a ConfigMap update (the kubelet's ..data swap) reaches the running servers (no subPath)"
kubelet_write "$TMP/tion" index.html '{"Cluster": "Tion", "Planet": "Foran Tutha II"}
'
chmod -R a+rX "$TMP/tion"
updated() {
    docker run --rm --network "$CT_ID-koornacht" "${CT_SECURE[@]}" "$xw" -n 10 --key Planet \
        --expect-only "Foran Tutha II" rebel-base
}
wait_until "the updated document on both Tion servers" 10 updated
xwing koornacht -n 10 --key Planet --expect-only "Foran Tutha II" rebel-base || fail "updated document"

# What a rebel-base container uses, for the manifests' requests and limits (printed, not asserted).
xwing koornacht -n 2000 -c 8 --min-success 1 rebel-base >/dev/null || fail "load run"
for i in 1 2; do
    stats=$(docker stats --no-stream --format '{{.MemUsage}} cpu {{.CPUPerc}} pids {{.PIDs}}' "$CT_ID-tion-$i")
    note "after 2040+ requests: $CT_ID-tion-$i $stats"
done
