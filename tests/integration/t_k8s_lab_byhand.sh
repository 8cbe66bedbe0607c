#!/usr/bin/env bash
# One source for the by-hand commands: the block after `<!-- by-hand: k8s/lab.sh --dry-run up -->`
# in k8s/README.md is, line for line, what `k8s/lab.sh up` runs (a trailing "  # comment"
# aside), and its MCS-API block is, line for line, what `LAB_MCSAPI=1 k8s/lab.sh up` runs in
# addition or instead. Its step table names every step lab.sh has. The lab is documented
# there only: README.md keeps no copy of the block to drift.
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"
marker='<!-- by-hand: k8s/lab.sh --dry-run up -->'
runs=$(cd "$TMP" && LAB_DIR=$TMP/lab bash "$ROOT/k8s/lab.sh" --dry-run up 2>/dev/null | sed -n 's/^+ //p')
[ "$(wc -l <<<"$runs")" -ge 20 ] || fail "lab.sh --dry-run up printed too few commands: $runs"

block() { # block FILE [MARKER]: the fenced block after the marker, comments stripped
    awk -v m="${2:-$marker}" '$0 == m { want = 1; next } want && /^```/ { if (inside) exit; inside = 1; next } inside { print }' "$1" |
        sed -E 's/  +# .*$//'
}
[ "$(grep -cxF -- "$marker" "$ROOT/k8s/README.md")" = 1 ] || fail "k8s/README.md: expected one by-hand marker"
[ "$(grep -cF -- '<!-- by-hand:' "$ROOT/README.md")" = 0 ] || fail "README.md: the by-hand block belongs in k8s/README.md only"
got=$(block "$ROOT/k8s/README.md")
[ -n "$got" ] || fail "k8s/README.md: the by-hand block is empty"
if [ "$got" != "$runs" ]; then
    fail "k8s/README.md: the by-hand block differs from what lab.sh up runs:
$(diff <(echo "$runs") <(echo "$got") | sed 's/^/    /')"
fi

# The comparison catches a by-hand block that leaves a command out.
sed '/^cilium status --wait --context kind-tion$/d' "$ROOT/k8s/README.md" >"$TMP/short.md"
[ "$(block "$TMP/short.md")" != "$runs" ] || fail "a by-hand block without 'cilium status --wait' was not caught"

# MCS-API: the lines `LAB_MCSAPI=1 up` adds or changes (diff's "> " lines).
mcs_marker='<!-- by-hand: LAB_MCSAPI=1 k8s/lab.sh --dry-run up, the lines it adds or changes -->'
mcs=$(cd "$TMP" && LAB_MCSAPI=1 LAB_DIR=$TMP/lab bash "$ROOT/k8s/lab.sh" --dry-run up 2>/dev/null | sed -n 's/^+ //p')
changed=$(diff <(echo "$runs") <(echo "$mcs") | sed -n 's/^> //p' || true)
[ "$(wc -l <<<"$changed")" -ge 4 ] || fail "LAB_MCSAPI=1 up changes too little: $changed"
[ "$(grep -cxF -- "$mcs_marker" "$ROOT/k8s/README.md")" = 1 ] || fail "k8s/README.md: expected one MCS-API by-hand marker"
got=$(block "$ROOT/k8s/README.md" "$mcs_marker")
if [ "$got" != "$changed" ]; then
    fail "k8s/README.md: the MCS-API by-hand block differs from what LAB_MCSAPI=1 up adds:
$(diff <(echo "$changed") <(echo "$got") | sed 's/^/    /')"
fi
sed 's/ --set clustermesh.mcsapi.corednsAutoConfigure.enabled=true$//' "$ROOT/k8s/README.md" >"$TMP/nodns.md"
[ "$(block "$TMP/nodns.md" "$mcs_marker")" != "$changed" ] || fail "an MCS-API block without CoreDNS auto-configuration was not caught"

ids=$(sed -n 's/^step_ids="\(.*\)"$/\1/p' "$ROOT/k8s/lab.sh")
[ -n "$ids" ] || fail "no step_ids in lab.sh"
for id in $ids; do
    grep -qE "^\| $id\. " "$ROOT/k8s/README.md" || fail "k8s/README.md's step table lacks step $id"
    grep -qF "$id" <<<"$(sed -n '/^    k8s\/lab.sh step /p' "$ROOT/k8s/README.md")" || fail "k8s/README.md does not list step $id"
done
note "by-hand: $(wc -l <<<"$runs") commands, as in k8s/README.md, $(wc -l <<<"$changed") more for MCS-API; steps $ids in the tables"
