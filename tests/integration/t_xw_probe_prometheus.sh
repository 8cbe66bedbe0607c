#!/usr/bin/env bash
# A real Prometheus (Debian's) scrapes `xwing probe` pointed at two Koornacht and two
# Tion rebel-bases on loopback, once a second. PromQL shows both values rising; after
# the Koornacht servers stop, only Tion's counter rises and refused failures appear.
# Every query of the Grafana dashboard (k8s/grafana) runs against it and returns data.
# limit: 90 (4-13 s as a rule; ~35 s under valgrind on a loaded 2-core machine)
source "$(dirname "$0")/lib.sh"
own_loopback # it stops servers and expects their ports to refuse

command -v prometheus >/dev/null || {
    [ "${CI:-}" = true ] && fail "prometheus missing (tests/deps.sh installs it)"
    skip "prometheus missing: run tests/deps.sh (Debian package prometheus)"
}


targets=() kpids=()
for name in k1 k2 t1 t2; do
    doc=$KOORNACHT
    [ "${name:0:1}" = t ] && doc=$TION
    serve_doc "$name" "$doc" --drain 0
    targets+=("$LO:$REBEL_PORT")
    [ "${name:0:1}" = k ] && kpids+=("$REBEL_PID")
done
start_probe probe --listen "$LO:0" --every 200ms -n 2 --timeout 1s --min-success 0.5 "${targets[@]}"

cat >"$TMP/prometheus.yml" <<EOF
global:
  scrape_interval: 1s
  scrape_timeout: 900ms
  evaluation_interval: 1s
scrape_configs:
  - job_name: x-wing-probe
    static_configs:
      - targets: ["$LO:$PROBE_PORT"]
EOF
# Port 0: the kernel picks. Prometheus logs the address it was given, not the port it
# got, so the port is read back from the kernel's socket table, by its pid.
prometheus --config.file="$TMP/prometheus.yml" --storage.tsdb.path="$TMP/tsdb" \
    --web.listen-address=$LO:0 --log.level=warn >"$TMP/prometheus.log" 2>&1 &
ppid=$!
PIDS+=("$ppid")
prom_port() { ss -Hltnp | awk -v p="pid=$ppid," 'index($0, p) { n = split($4, a, ":"); print a[n]; exit }'; }
listening() { kill -0 "$ppid" 2>/dev/null || fail "prometheus exited: $(tail -5 "$TMP/prometheus.log")"; [ -n "$(prom_port)" ]; }
wait_until "prometheus to listen" 20 listening
api="http://$LO:$(prom_port)/api/v1"
wait_http "${api%/api/v1}/-/ready" 200 20

query() { curl -s --max-time 5 --data-urlencode "query=$1" "$api/query"; }
# The value of the result whose label LABEL is VALUE, as an integer; empty when absent.
value_of() { # value_of QUERY LABEL VALUE
    query "$1" | jq -r --arg l "$2" --arg v "$3" '.data.result[] | select(.metric[$l] == $v) | .value[1] | tonumber | floor'
}
REPLIES='sum by (value) (xwing_probe_replies_total)'
REFUSED='sum by (kind) (xwing_probe_failures_total{kind="refused"})'
above() { # above QUERY LABEL VALUE N: the value exceeds N
    local v
    v=$(value_of "$1" "$2" "$3")
    [ -n "$v" ] && [ "$v" -gt "$4" ]
}
both_above() { above "$REPLIES" value Koornacht "$1" && above "$REPLIES" value Tion "$2"; }

wait_until "Prometheus to have scraped both values" 20 both_above 0 0
k0=$(value_of "$REPLIES" value Koornacht) t0=$(value_of "$REPLIES" value Tion)
wait_until "both values to rise" 20 both_above "$k0" "$t0"
note "replies in Prometheus: Koornacht $k0 -> $(value_of "$REPLIES" value Koornacht), Tion $t0 -> $(value_of "$REPLIES" value Tion)"
assert_eq "" "$(value_of "$REFUSED" kind refused | grep -v '^0$' || true)" "refused before the stop"

for i in 0 1; do
    stop_server "${kpids[i]}" "${targets[i]#*:}"
    assert_eq 0 "$EXIT_STATUS" "Koornacht server's exit status"
done

# A round in flight at the stop folds its last Koornacht replies in when it ends, within
# --timeout (1s): a scrape that starts a second after that holds every Koornacht reply
# there will ever be. From there on only Tion's counter may rise.
stopped=$(date +%s)
scraped_after() { # scraped_after EPOCH: the latest scrape started after it
    local ts
    ts=$(query 'min(timestamp(xwing_probe_rounds_total))' | jq -r '.data.result[0].value[1] // "0" | tonumber | floor')
    [ "$ts" -gt "$1" ]
}
wait_until "a scrape from after the stop's last round" 20 scraped_after $((stopped + 1))
above "$REFUSED" kind refused 0 || fail "no refused failures after the stop: $(query "$REFUSED")"
k1=$(value_of "$REPLIES" value Koornacht) t1=$(value_of "$REPLIES" value Tion)
r1=$(value_of "$REFUSED" kind refused)
rising() { above "$REPLIES" value Tion "$t1" && above "$REFUSED" kind refused "$r1"; }
wait_until "Tion's replies and the refusals to rise" 20 rising
assert_eq "$k1" "$(value_of "$REPLIES" value Koornacht)" "Koornacht's counter after the stop"
# The same in one query, as a dashboard would ask it: what rose over the last 3 s.
RISE='sum by (value) (increase(xwing_probe_replies_total[3s]))'
only_tion() { [ "$(value_of "$RISE" value Koornacht)" = 0 ] && above "$RISE" value Tion 0; }
wait_until "increase() to show Tion alone" 20 only_tion
note "after the stop: Koornacht stays at $k1, Tion $t1 -> $(value_of "$REPLIES" value Tion), refused $r1 -> $(value_of "$REFUSED" kind refused)"
# The failover seen in the shares: Koornacht's targets answer nothing, Tion's everything.
assert_eq "Koornacht 0|Tion 1" \
    "$(query 'max by (value) (xwing_probe_last_round_share)' | jq -r '[.data.result[] | "\(.metric.value) \(.value[1])"] | sort | join("|")')" \
    "last round shares"
# --min-success 0.5: failing for Koornacht's targets (k1 k2), holding for Tion's.
for i in 0 1 2 3; do
    got=$(query "xwing_probe_expectation_ok{target=\"http://${targets[i]}/\"}" | jq -r '.data.result[0].value[1]')
    assert_eq "$((i >= 2))" "$got" "expectation of ${targets[i]}"
done

# The dashboard's queries, with Grafana's variables filled in, all parse and return data.
dash="$ROOT/k8s/grafana/xwing-probe.json"
n=0
while IFS= read -r expr; do
    q=${expr//\$__rate_interval/5s}
    q=${q//\$target/.*}
    out=$(query "$q")
    [ "$(echo "$out" | jq -r .status)" = success ] || fail "dashboard query '$expr': $out"
    [ "$(echo "$out" | jq '.data.result | length')" -gt 0 ] || fail "dashboard query '$expr' returned nothing"
    n=$((n + 1))
done < <(jq -r '.panels[].targets[].expr' "$dash")
[ "$n" -ge 5 ] || fail "only $n dashboard queries in $dash"
note "$n dashboard queries answered"

kill -TERM "$PROBE_PID"
wait_exit "$PROBE_PID" 10
assert_eq 0 "$EXIT_STATUS" "the probe's exit status (valgrind's leak check included under VALGRIND=1)"
