#!/usr/bin/env bash
# `xwing probe` against a Koornacht and a Tion rebel-base and a path that answers 404:
# rounds every --every, served on a port the kernel picks. /metrics is Prometheus text
# that promtool accepts, whose counters rise round after round and add up (every request
# lands in the duration histogram once, as a reply or a failure); the share and
# expectation gauges say what the last round did, and the verdict's changes are logged.
# /healthz, / (the live tally), 404, 405. When Tion stops, its target counts refused.
# Bad command lines exit 2 naming the flag; a taken port exits 1 naming it; SIGTERM in
# the middle of a round that waits on a hung server exits 0 at once.
# limit: 90 (4-13 s as a rule; ~35 s under valgrind on a loaded 2-core machine)
source "$(dirname "$0")/lib.sh"
own_loopback # it stops servers and expects their ports to refuse

command -v promtool >/dev/null || {
    [ "${CI:-}" = true ] && fail "promtool missing (tests/deps.sh installs prometheus)"
    skip "promtool missing: run tests/deps.sh (Debian package prometheus)"
}

# Starts `xwing probe` as start_serve starts `xwing serve`; sets PROBE_PID, PROBE_PORT.
# The value of one series, named exactly as /metrics writes it; empty when absent.
sample() { # sample 'name{labels}'
    curl -s --max-time 5 "http://$LO:$port/metrics" | awk -v s="$1" 'index($0, s " ") == 1 { print $2 }'
}
at_least() { # at_least 'series' N
    local v
    v=$(sample "$1")
    [ -n "$v" ] && [ "${v%.*}" -ge "$2" ]
}

# Bad command lines: exit 2, one line naming what is wrong (each case is in
# test_xw_probe_options; here the binary's status and stderr).
usage_error() { # usage_error MESSAGE ARGS...
    local want=$1 status=0 out
    shift
    out=$(run_prog xwing "$@" 2>&1) || status=$?
    assert_eq 2 "$status" "exit status of xwing $*"
    assert_eq "xwing: probe: $want (see xwing probe --help)" "$out" "error of xwing $*"
}
usage_error "no target given (try: xwing probe rebel-base)" probe
usage_error "--every: bad value '0': expected a duration from 1ms to 1h" probe --every 0 h
# Real options of xwing that the probe refuses on purpose say why, never "unknown".
usage_error "--keepalive: not for the probe: every request opens a new connection after a fresh lookup, as the lab's curl did: that is what it measures" probe --keepalive h
usage_error "-o: not for the probe: it prints no report; its tally is served on /metrics and / (--listen)" probe -o json h
usage_error "--watch: not for the probe: it runs until SIGTERM, a round every --every, and serves the live tally on /" probe --watch h
usage_error "unknown option '--bogus'" probe --bogus h

serve_doc k "$KOORNACHT"
k=$REBEL_PORT
serve_doc t "$TION" --drain 0
t=$REBEL_PORT tpid=$REBEL_PID
K="http://$LO:$k/" T="http://$LO:$t/" N="http://$LO:$k/nope"

start_probe probe --listen "$LO:0" --every 100ms -n 3 --expect-only Koornacht \
    "$LO:$k" "$LO:$t" "$LO:$k/nope"
pid=$PROBE_PID port=$PROBE_PORT
assert_match "listen: listening on ${LO//./\\.}:$port, xwing probe: 3 targets, 3 requests each every 0\.1 s, by key Cluster" \
    "$(cat "$TMP/probe.log")" "listen line"

wait_until "two rounds" 10 at_least "xwing_probe_rounds_total{target=\"$T\"}" 2
curl -s --max-time 5 -D "$TMP/headers" -o "$TMP/metrics" "http://$LO:$port/metrics"
assert_match 'Content-Type: text/plain; version=0\.0\.4; charset=utf-8' "$(tr -d '\r' <"$TMP/headers")" "content type"
promtool check metrics <"$TMP/metrics" >"$TMP/promtool.out" 2>&1 || fail "promtool check metrics: $(cat "$TMP/promtool.out")"
for family in replies_total failures_total request_duration_seconds rounds_total last_round_share expectation_ok; do
    assert_match "# TYPE xwing_probe_$family (counter|gauge|histogram)" "$(cat "$TMP/metrics")" "family $family"
done

# One scrape adds up: per target, replies + failures == 3 requests a round == the
# histogram's count (rounds finish under the lock /metrics takes).
adds_up() { # adds_up METRICS TARGET
    awk -v t="target=\"$2\"" '
        index($0, t) && /^xwing_probe_(replies|failures)_total/ { sum += $2 }
        index($0, t) && /^xwing_probe_rounds_total/ { rounds = $2 }
        index($0, t) && /^xwing_probe_request_duration_seconds_count/ { count = $2 }
        END { if (sum != 3 * rounds || count != sum || rounds < 2) { print sum, rounds, count; exit 1 } }' "$1"
}
for target in "$K" "$T" "$N"; do
    adds_up "$TMP/metrics" "$target" || fail "$target does not add up (sum rounds count): $(adds_up "$TMP/metrics" "$target")"
done

# Counters rise; the pinned value Koornacht has its series at 0 where it never answers.
before=$(sample "xwing_probe_replies_total{target=\"$K\",value=\"Koornacht\"}")
wait_until "Koornacht's counter to rise" 10 at_least "xwing_probe_replies_total{target=\"$K\",value=\"Koornacht\"}" $((before + 3))
assert_eq 0 "$(sample "xwing_probe_replies_total{target=\"$T\",value=\"Koornacht\"}")" "pinned Koornacht on Tion's target"
at_least "xwing_probe_replies_total{target=\"$T\",value=\"Tion\"}" 6 || fail "Tion's counter: $(sample "xwing_probe_replies_total{target=\"$T\",value=\"Tion\"}")"
at_least "xwing_probe_failures_total{target=\"$N\",kind=\"http_404\"}" 6 || fail "http_404 failures"
assert_eq 0 "$(sample "xwing_probe_failures_total{target=\"$K\",kind=\"refused\"}")" "refused, before any stop"

assert_eq 1 "$(sample "xwing_probe_last_round_share{target=\"$K\",value=\"Koornacht\"}")" "Koornacht's share on its target"
assert_eq 0 "$(sample "xwing_probe_last_round_share{target=\"$T\",value=\"Koornacht\"}")" "Koornacht's share on Tion's target"
assert_eq 1 "$(sample "xwing_probe_last_round_share{target=\"$T\",value=\"Tion\"}")" "Tion's share"
assert_eq 1 "$(sample "xwing_probe_expectation_ok{target=\"$K\"}")" "expectation on Koornacht's target"
assert_eq 0 "$(sample "xwing_probe_expectation_ok{target=\"$T\"}")" "expectation on Tion's target"
# The verdict is logged when it changes, not every round.
assert_eq 1 "$(grep -c "warn xwing expect: $T: FAILED: expected only Koornacht, but 3 of 3 replies came from elsewhere" "$TMP/probe.log")" "Tion's verdict, logged once"
assert_eq 1 "$(grep -c "info xwing expect: $K: ok: all 3 replies from Koornacht" "$TMP/probe.log")" "Koornacht's verdict, logged once"

page=$(curl -s --max-time 5 "http://$LO:$port/")
assert_match '^xwing probe: 3 targets, 3 requests each every 0\.1 s, by key Cluster' "$page" "/ header"
assert_match "== $K: [0-9]+ rounds" "$page" "/ names Koornacht's target"
assert_match 'expect ok: all 3 replies from Koornacht' "$page" "/ shows the verdict"
assert_match 'http 404 +3 100\.0%' "$page" "/ shows the 404 row"
assert_eq '{"status":"ok"}' "$(curl -s --max-time 5 "http://$LO:$port/healthz")" "/healthz"
assert_eq 404 "$(http_code "http://$LO:$port/nope")" "unknown path"
assert_match 'try /metrics, /healthz or /' "$(curl -s --max-time 5 "http://$LO:$port/nope")" "404 text"
assert_eq 405 "$(http_code -X POST "http://$LO:$port/metrics")" "POST"
assert_match 'Allow: GET, HEAD' "$(curl -s -D - -o /dev/null -X DELETE --max-time 5 "http://$LO:$port/" | tr -d '\r')" "Allow"
assert_eq 200 "$(http_code -I "http://$LO:$port/metrics")" "HEAD /metrics"

# Tion stops: its target counts refused connections; Koornacht's is untouched.
stop_server "$tpid" "$t"
wait_until "refused failures on Tion's target" 10 at_least "xwing_probe_failures_total{target=\"$T\",kind=\"refused\"}" 3
assert_eq 0 "$(sample "xwing_probe_last_round_share{target=\"$T\",value=\"Tion\"}")" "Tion's share once stopped"
assert_eq 0 "$(sample "xwing_probe_failures_total{target=\"$K\",kind=\"refused\"}")" "Koornacht's target unaffected"

# The port is taken: exit 1, naming it.
status=0
out=$(run_prog xwing probe --listen "$LO:$port" "$LO:$k" 2>&1) || status=$?
assert_eq 1 "$status" "exit status on a taken port"
assert_match "xwing: probe: cannot listen on ${LO//./\\.}:$port: " "$out" "taken port message"

kill -TERM "$pid"
wait_exit "$pid" 5
assert_eq 0 "$EXIT_STATUS" "exit status after SIGTERM"
assert_match 'exit: stopped on signal 15' "$(cat "$TMP/probe.log")" "exit logged"

# SIGTERM while a round waits on a server that never answers (--timeout 10s): the round
# is abandoned, the probe exits 0 within a second or so rather than after the timeout.
start_helper h "$ROOT/tests/tools/hostile.py" --port 0 --mode hang
hang=$HELPER_PORT
wait_http "http://127.0.0.1:$hang/healthz"
start_probe hung --listen "$LO:0" --timeout 10s "127.0.0.1:$hang"
reached() { [ -n "$(ss -Htn state established "( dport = :$hang )")" ]; }
wait_until "the probe's request to reach the hung server" 10 reached
t0=$(date +%s%N)
kill -TERM "$PROBE_PID"
wait_exit "$PROBE_PID" 3
assert_eq 0 "$EXIT_STATUS" "exit status after SIGTERM mid-round"
note "SIGTERM mid-round: exited in $((($(date +%s%N) - t0) / 1000000)) ms"
