#!/usr/bin/env bash
# rebel-base: an invalid ..data swap is logged and counted; the last good version
# keeps being served and /readyz stays 200; a later valid swap is picked up.
. "$(dirname "$0")/lib.sh"

port=$(free_port)
vol="$TMP/vol"
kubelet_write "$vol" index.html "$KOORNACHT"
start_rebel rb --listen "127.0.0.1:$port" --document "$vol/index.html"
base="http://127.0.0.1:$port"
wait_http "$base/readyz"
failed() { curl -sS "$base/metrics" | sed -n 's/^rebel_base_document_reloads_total{result="failed"} //p'; }
assert_eq 0 "$(failed)" "failures before"

kubelet_write "$vol" index.html '{"Cluster": "Tion",'
for _ in $(seq 40); do [ "$(failed)" = 1 ] && break; sleep 0.05; done
assert_eq 1 "$(failed)" "failures after an invalid swap"
sleep 0.3
assert_eq 1 "$(failed)" "an unchanged bad file is counted once"
curl -sS -o "$TMP/body" "$base/"
printf '%s' "$KOORNACHT" | cmp - "$TMP/body" || fail "old version not served after invalid swap"
assert_eq 200 "$(http_code "$base/readyz")" "readyz after invalid swap"
grep -q "reload-failed: $vol/index.html: invalid JSON at line 1 column 20.*still serving version 1" \
    "$TMP/rb.log" || fail "invalid swap not logged: $(grep reload-failed "$TMP/rb.log")"

# Oversized (> 1 MiB) is refused the same way.
python3 -c 'print("[" + "1,"*600000 + "1]")' >"$TMP/big"
kubelet_write "$vol" index.html "$(cat "$TMP/big")"
for _ in $(seq 40); do [ "$(failed)" = 2 ] && break; sleep 0.05; done
assert_eq 2 "$(failed)" "failures after an oversized swap"
grep -q "too large" "$TMP/rb.log" || fail "oversized document not logged"
assert_eq Koornacht "$(curl -sS "$base/" | jq -r .Cluster)" "still the old version"

kubelet_write "$vol" index.html "$TION"
for _ in $(seq 40); do [ "$(curl -sS "$base/" | jq -r .Cluster)" = Tion ] && break; sleep 0.05; done
assert_eq Tion "$(curl -sS "$base/" | jq -r .Cluster)" "valid swap after failures"
