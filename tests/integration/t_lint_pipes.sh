#!/usr/bin/env bash
# No test script ends a pipe in `grep -q`: under pipefail, grep leaving at its
# first match can kill the writer with SIGPIPE, and the pipe then fails or,
# negated, passes whatever matched. Capture the output first
# (grep -q RE <<<"$(cmd)"). Comments are not code.
source "$(dirname "$0")/lib.sh"

ROOT=$(cd "$(dirname "$0")/../.." && pwd)
mapfile -t scripts < <(find "$ROOT/tests" "$ROOT/k8s" -name '*.sh' -type f | sort)
[[ ${#scripts[@]} -gt 50 ]] || fail "found only ${#scripts[@]} scripts under tests/ and k8s/"
hits=$(grep -nE '(^|[^|])\|[[:space:]]*grep[[:space:]]+-[a-zA-Z]*q' "${scripts[@]}" |
    grep -vE '^[^:]+:[0-9]+:[[:space:]]*#' || true)
[[ -z "$hits" ]] || fail "pipes into grep -q:
${hits//$ROOT\//}"
note "${#scripts[@]} scripts, no pipe into grep -q"
