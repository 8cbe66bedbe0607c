#!/usr/bin/env bash
# Runs every integration scenario (tests/integration/t_*.sh), one process each.
# A scenario exits 0 (pass), 77 (skip, with its reason) or anything else (fail).
# ONLY=regex runs the scenarios whose file name matches it; EXCEPT=regex skips them.
set -uo pipefail
: "${BIN:?BIN must point at the directory holding rebel-base and xwing}"
export BIN
dir=$(cd "$(dirname "$0")" && pwd)
pass=0 failed=() skipped=()
for t in "$dir"/t_*.sh; do
    name=$(basename "$t" .sh)
    [[ -n "${ONLY:-}" && ! "$name" =~ ${ONLY} ]] && continue
    [[ -n "${EXCEPT:-}" && "$name" =~ ${EXCEPT} ]] && continue
    start=$(date +%s.%N)
    out=$(timeout 600 bash "$t" 2>&1)
    rc=$?
    secs=$(printf '%.1f' "$(echo "$(date +%s.%N) - $start" | bc)")
    case $rc in
    0) pass=$((pass + 1)); echo "PASS $name (${secs}s)" ;;
    77) skipped+=("$name"); echo "SKIP $name: $(echo "$out" | grep SKIP | tail -1)" ;;
    *) failed+=("$name"); echo "FAIL $name (rc=$rc, ${secs}s)"; echo "$out" | sed 's/^/    /' | tail -40 ;;
    esac
    [ "${VERBOSE:-0}" = 1 ] && [ $rc = 0 ] && echo "$out" | sed 's/^/    /'
done
echo "integration: ${pass} passed, ${#failed[@]} failed, ${#skipped[@]} skipped"
[ ${#failed[@]} -eq 0 ]
