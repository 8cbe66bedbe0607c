#!/usr/bin/env bash
# The probe component's example alerts (k8s/components/probe/rules/prometheusrule.yaml):
# the rule file under its `spec:` passes `promtool check rules`, and `promtool test rules`
# passes its unit tests (rules_test.yaml): the failover with local affinity, a broken
# mesh under a global service, a local service, a failing expectation. Each rule and
# metric it names is one the probe (or kube-state-metrics) exports, and the Grafana
# dashboard is valid JSON querying the probe's metrics.
source "$(dirname "$0")/lib.sh"

command -v promtool >/dev/null || {
    [ "${CI:-}" = true ] && fail "promtool missing (tests/deps.sh installs prometheus)"
    skip "promtool missing: run tests/deps.sh (Debian package prometheus)"
}
dir=$ROOT/k8s/components/probe/rules

# The PrometheusRule's spec is a Prometheus rule file, two spaces in.
awk 'f { print substr($0, 3) } /^spec:$/ { f = 1 }' "$dir/prometheusrule.yaml" >"$TMP/rules.yaml"
assert_match '^groups:' "$(head -1 "$TMP/rules.yaml")" "the rule file cut from the PrometheusRule"
cp "$dir/rules_test.yaml" "$TMP/"
promtool check rules "$TMP/rules.yaml" >"$TMP/check.out" 2>&1 || fail "promtool check rules: $(cat "$TMP/check.out")"
assert_match 'SUCCESS: 3 rules found' "$(cat "$TMP/check.out")" "rules found"
(cd "$TMP" && promtool test rules rules_test.yaml) >"$TMP/test.out" 2>&1 ||
    fail "promtool test rules: $(cat "$TMP/test.out")"
note "$(grep -c '^  - name:' "$dir/rules_test.yaml") groups of rule tests passed"
for alert in XwingProbeRemoteShareZero XwingProbeLocalShareZero XwingProbeExpectationFailing; do
    assert_match "alertname: $alert" "$(cat "$dir/rules_test.yaml")" "a test of $alert"
done

# A rule on a metric the probe does not export would never fire: each xwing_probe_*
# name in the rules and the dashboard must be one of the probe's families.
families=$(run_prog xwing probe --help | grep -o 'xwing_probe_[a-z_]*' | sort -u)
[ "$(echo "$families" | wc -l)" -ge 6 ] || fail "probe --help names too few families: $families"
check_names() { # check_names FILE
    local name
    while read -r name; do
        grep -qx "$name" <<<"$families" || fail "$1 names $name, which xwing probe does not export"
    done < <(grep -o 'xwing_probe_[a-z_]*' "$1" | sed -E 's/_(bucket|sum|count)$//' | sort -u)
}
check_names "$TMP/rules.yaml"
dash=$ROOT/k8s/grafana/xwing-probe.json
jq -e '.panels | length > 0' "$dash" >/dev/null || fail "$dash is not a dashboard"
check_names "$dash"
