#!/usr/bin/env bash
# The bounded stress runs, each a script that prints its figures and one
# markdown table row: | scenario | load | figures | result |. Exits 1 if any
# failed. Bounded in count and time; about 4 minutes on 2 cores (burst.sh: 70 s).
#   BIN=build/bin bash tests/stress/run.sh        STRESS_ONLY=regex to pick scenarios
# Each scenario can be run alone (BIN=... bash tests/stress/NAME.sh [ARGS]); see its header.
set -uo pipefail
: "${BIN:?BIN must point at the directory holding rebel-base and xwing}"
export BIN
dir=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$dir/../.." && pwd)
# Tools and table beside BIN's build (build/X/bin -> build/X/stress); see common.sh.
STRESS_DIR=$ROOT/build/stress
[[ "$(cd "$BIN/.." && pwd)" == "$ROOT"/build/* ]] && STRESS_DIR=$(cd "$BIN/.." && pwd)/stress
export STRESS_DIR
mkdir -p "$STRESS_DIR"
export STRESS_TABLE=$STRESS_DIR/table.md
: >"$STRESS_TABLE"

scenarios=(
    "hardening-check.sh"
    "malformed.sh"
    "abuse.sh raised 10000 1000 20"
    "abuse.sh defaults 10000 1000 20"
    "abuse.sh spread 10000 1000 15"
    "churn.sh 100000"
    "burst.sh 8000 3"
    "shutdown.sh 2s hammer"
    "shutdown.sh 2s xwing"
    "hostile.sh 20 4"
)
failed=() skipped=()
for s in "${scenarios[@]}"; do
    [[ -n "${STRESS_ONLY:-}" && ! "$s" =~ ${STRESS_ONLY} ]] && continue
    read -r -a cmd <<<"$s"
    echo "== stress: $s"
    start=$(date +%s)
    timeout 300 bash "$dir/${cmd[0]}" "${cmd[@]:1}"
    rc=$?
    echo "   ($(( $(date +%s) - start ))s, rc=$rc)"
    case $rc in
    0) ;;
    77) skipped+=("$s") ;;
    *) failed+=("$s") ;;
    esac
done
echo
echo "| scenario | load | figures | result |"
echo "|---|---|---|---|"
cat "$STRESS_TABLE"
echo
echo "stress: $(( ${#scenarios[@]} - ${#failed[@]} - ${#skipped[@]} )) passed, ${#failed[@]} failed (${failed[*]:-}), ${#skipped[@]} skipped (${skipped[*]:-})"
[ ${#failed[@]} -eq 0 ]
