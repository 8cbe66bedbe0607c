#!/usr/bin/env bash
# Builds every libFuzzer target (tests/fuzz/fuzz_*.c) with clang, ASan and UBSan
# into build/fuzz/, replays the kept crash inputs (tests/fuzz/regress/<target>/),
# then fuzzes each target for SECONDS (default 60) from its seed corpus
# (tests/fuzz/corpus/<target>/). Fails if a build fails, a regression input
# crashes again, or fuzzing finds a crash (the input is left in
# build/fuzz/artifacts/<target>/ and named in the output).
#   bash tests/fuzz/run.sh [SECONDS]       FUZZ_ONLY=regex  FUZZ_JOBS=N (default nproc)
# Each target's header names the project sources it compiles ("SOURCES: a.c b.c")
# and any extra libFuzzer flags ("OPTIONS: -max_len=65536"). `make fuzz` builds the
# targets itself, with the programs' warnings, into FUZZ_OUT (its BUILD/fuzz) and
# sets FUZZ_PREBUILT=1: then they are only run here.
set -uo pipefail
secs=${1:-60}
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
cd "$ROOT" || exit 1
OUT=${FUZZ_OUT:-$ROOT/build/fuzz}
mkdir -p "$OUT"
CC=${FUZZ_CC:-clang}
jobs=${FUZZ_JOBS:-$(nproc)}
command -v "$CC" >/dev/null || { echo "fuzz: $CC not found (apt-get install clang)" >&2; exit 1; }

# shellcheck disable=SC2046
read -r -a pkg_cflags <<<"$(pkg-config --cflags libmicrohttpd libcjson libcurl)"
read -r -a pkg_libs <<<"$(pkg-config --libs libmicrohttpd libcjson libcurl)"
# shellcheck disable=SC2054 # the commas belong to -fsanitize=
cflags=(-g -O1 -fno-omit-frame-pointer -fsanitize=fuzzer,address,undefined
        -fno-sanitize-recover=all -std=c11 -D_DEFAULT_SOURCE -D_GNU_SOURCE
        "-DPROJECT_VERSION=\"$(cat VERSION)\"" -Icommon -Irebel-base -Ix-wing "${pkg_cflags[@]}")

targets=()
for f in tests/fuzz/fuzz_*.c; do
    t=$(basename "$f" .c); t=${t#fuzz_}
    [[ -n "${FUZZ_ONLY:-}" && ! "$t" =~ ${FUZZ_ONLY} ]] && continue
    targets+=("$t")
done

set -f # from here on SOURCES and OPTIONS lines are word-split, never globbed

build() { # build TARGET -> $OUT/fuzz_TARGET
    local t=$1 src=tests/fuzz/fuzz_$1.c srcs s
    if [ "${FUZZ_PREBUILT:-0}" = 1 ]; then
        [ -x "$OUT/fuzz_$t" ] || { echo "fuzz: $OUT/fuzz_$t was not built" >&2; return 1; }
        return 0
    fi
    srcs=$(sed -n 's/.*SOURCES: *//p' "$src" | head -1 | sed 's#\*/##')
    for s in $srcs; do
        [ -f "$s" ] || { echo "fuzz: $t needs $s, which does not exist" >&2; return 1; }
    done
    # shellcheck disable=SC2086
    "$CC" "${cflags[@]}" -o "$OUT/fuzz_$t" "$src" $srcs "${pkg_libs[@]}" -lpthread -lm \
        2>"$OUT/fuzz_$t.build.log" || { echo "fuzz: building $t failed:" >&2; tail -20 "$OUT/fuzz_$t.build.log" >&2; return 1; }
}

run_one() { # run_one TARGET -> prints one table line; exit status 0 ok
    local t=$1 bin=$OUT/fuzz_$1 opts reg n=0 rc log
    opts=$(sed -n 's/.*OPTIONS: *//p' "tests/fuzz/fuzz_$t.c" | head -1 | sed 's#\*/##')
    log=$OUT/fuzz_$t.log
    reg=tests/fuzz/regress/$t
    if [ -d "$reg" ] && [ -n "$(ls -A "$reg" 2>/dev/null)" ]; then
        mapfile -t inputs < <(find "$reg" -type f | sort)
        n=${#inputs[@]}
        # shellcheck disable=SC2086
        if ! "$bin" $opts -runs=1 "${inputs[@]}" >"$log.regress" 2>&1; then
            printf '  %-10s REGRESSION  a kept input crashes again; see %s\n' "$t" "$log.regress"
            return 1
        fi
    fi
    mkdir -p "$OUT/corpus/$t" "$OUT/artifacts/$t" "tests/fuzz/corpus/$t"
    # shellcheck disable=SC2086
    timeout $((secs + 120)) "$bin" $opts -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 \
        -print_final_stats=1 -artifact_prefix="$OUT/artifacts/$t/" \
        "$OUT/corpus/$t" "tests/fuzz/corpus/$t" >"$log" 2>&1
    rc=$?
    local runs cov corp
    runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
    cov=$(grep -oE 'cov: [0-9]+' "$log" | tail -1 | cut -d' ' -f2)
    corp=$(find "$OUT/corpus/$t" -type f | wc -l)
    if [ $rc -ne 0 ]; then
        printf '  %-10s CRASH       rc=%s after %s runs; input: %s\n' "$t" "$rc" "${runs:-?}" \
            "$(find "$OUT/artifacts/$t" -type f -newer "$bin" | tail -1)"
        grep -m3 -E 'ERROR|runtime error|SUMMARY' "$log" | sed 's/^/      /'
        return 1
    fi
    printf '  %-10s ok          %ss, %s runs, cov %s, corpus %s, %s regression inputs replayed\n' \
        "$t" "$secs" "${runs:-?}" "${cov:-?}" "$corp" "$n"
}

if [ "${FUZZ_PREBUILT:-0}" = 1 ]; then
    echo "fuzz: ${#targets[@]} targets, built by make into $OUT"
else
    echo "fuzz: building ${#targets[@]} targets with $CC into $OUT"
fi
bad=0 built=()
for t in "${targets[@]}"; do
    if build "$t"; then built+=("$t"); else bad=1; fi
done
echo "fuzz: running each for ${secs}s, $jobs at a time"
printf '  %-10s %-11s %s\n' target result figures
running=0 pids=()
for t in "${built[@]}"; do
    run_one "$t" >"$OUT/fuzz_$t.result" 2>&1 &
    pids+=($!)
    running=$((running + 1))
    if [ $running -ge "$jobs" ]; then wait -n || true; running=$((running - 1)); fi
done
i=0
for t in "${built[@]}"; do
    wait "${pids[$i]}" || bad=1
    cat "$OUT/fuzz_$t.result"
    i=$((i + 1))
done
[ $bad -eq 0 ] && echo "fuzz: all targets clean" || echo "fuzz: FAILED"
exit $bad
