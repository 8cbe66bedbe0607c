# Helpers for mutation runs (known.sh, mutate.sh). Source it.
# A mutant is only ever applied to a copy of the tree, never to the checkout: other
# work goes on there, and a build of a mutant must not land in its build/.
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)

# Copies the tree into DIR: by default the committed one (HEAD), built afresh,
# since others may be editing the checkout and its build/ meanwhile (commit what
# you want mutated). MUTATE_FROM=worktree copies the checkout as it is, with its
# build/bin, obj and tests and their times, so a mutant rebuilds one object.
mut_copy() { # mut_copy DIR
    mkdir -p "$1"
    if [ "${MUTATE_FROM:-head}" = worktree ]; then
        tar -C "$ROOT" --exclude=./.git --exclude=./build/asan --exclude=./build/fuzz \
            --exclude=./build/bench --exclude=./build/stress --exclude=./tests/k8s/node_modules \
            -cf - . | tar -C "$1" -xf -
    else
        git -C "$ROOT" archive HEAD | tar -C "$1" -xf -
    fi
    # The schema scenarios look for node_modules beside their script.
    [ -d "$ROOT/tests/k8s/node_modules" ] && ln -sfn "$ROOT/tests/k8s/node_modules" "$1/tests/k8s/node_modules"
    return 0
}

# Builds the programs and the named unit tests in DIR; the compiler's output goes to
# LOG. Fails when the build does (a mutant that does not compile is not counted).
mut_build() { # mut_build DIR LOG UNIT...
    local dir=$1 log=$2 u
    shift 2
    local targets=(all)
    for u in "$@"; do targets+=("build/tests/$u"); done
    make -C "$dir" -s -j"${MUTATE_JOBS:-2}" "${targets[@]}" >"$log" 2>&1
}

# Runs the unit tests and the integration scenarios of one mutant in DIR, each under
# LIMIT seconds; prints one word per test, "NAME:PASS" or "NAME:FAIL", on one line.
mut_tests() { # mut_tests DIR LOG LIMIT REGEX UNIT...
    local dir=$1 log=$2 limit=$3 regex=$4 out=() u line
    shift 4
    for u in "$@"; do
        if timeout -k 2 "$limit" "$dir/build/tests/$u" >>"$log" 2>&1; then out+=("$u:PASS"); else out+=("$u:FAIL"); fi
    done
    if [ "$regex" != - ]; then
        # Every scenario run.sh starts reports PASS, FAIL or SKIP; a skip kills nothing.
        while IFS= read -r line; do
            case $line in
            "PASS "*) out+=("$(echo "$line" | awk '{print $2}'):PASS") ;;
            "SKIP "*) out+=("$(echo "$line" | awk '{print $2}' | tr -d :):SKIP") ;;
            "FAIL "*) out+=("$(echo "$line" | awk '{print $2}'):FAIL") ;;
            esac
        done < <(BIN="$dir/build/bin" ONLY="$regex" timeout -k 5 $((limit * 4)) \
            bash "$dir/tests/integration/run.sh" 2>&1 | tee -a "$log")
    fi
    echo "${out[*]}"
}
