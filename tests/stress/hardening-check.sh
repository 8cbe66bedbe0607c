#!/usr/bin/env bash
# Shows, with readelf only, that each binary was built with FORTIFY_SOURCE,
# the stack protector, PIE and full RELRO. One table line per binary and
# property; exit 1 if any is missing.
#   bash tests/stress/hardening-check.sh [BINARY...]   (default: $BIN/rebel-base $BIN/xwing)
set -uo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
BIN=${BIN:-$ROOT/build/bin}
[ $# -gt 0 ] || set -- "$BIN/rebel-base" "$BIN/xwing"

bad=0
row() { printf '  %-12s %-16s %-4s %s\n' "$1" "$2" "$3" "$4"; [ "$3" = yes ] || bad=1; }

printf '  %-12s %-16s %-4s %s\n' binary property ok evidence
for b in "$@"; do
    name=$(basename "$b")
    if [ ! -x "$b" ]; then row "$name" exists no "missing: $b"; continue; fi
    hdr=$(readelf -hW "$b"); dyn=$(readelf -dW "$b"); ph=$(readelf -lW "$b")
    syms=$(readelf --dyn-syms -W "$b")

    # FORTIFY: the compiler swaps checked variants (__memcpy_chk, __snprintf_chk, ...)
    # in wherever it can see a buffer size; with none, -D_FORTIFY_SOURCE was not in effect.
    chk=$(grep -oE '__[a-z0-9_]+_chk\b' <<<"$syms" | sort -u)
    n=$(grep -c . <<<"$chk")
    if [ -n "$chk" ]; then row "$name" FORTIFY_SOURCE yes "$n checked functions: $(head -4 <<<"$chk" | tr '\n' ' ')"
    else row "$name" FORTIFY_SOURCE no "no __*_chk symbols"; fi

    if grep -q '__stack_chk_fail' <<<"$syms"; then row "$name" stack-protector yes "__stack_chk_fail imported"
    else row "$name" stack-protector no "no __stack_chk_fail"; fi

    if grep -qE 'Type:[[:space:]]+DYN' <<<"$hdr" && grep -qE 'FLAGS_1.*PIE' <<<"$dyn"; then
        row "$name" PIE yes "ELF type DYN, DT_FLAGS_1 PIE"
    else row "$name" PIE no "$(grep -E 'Type:' <<<"$hdr" | xargs)"; fi

    relro=no; now=no
    grep -q 'GNU_RELRO' <<<"$ph" && relro=yes
    grep -qE '\(BIND_NOW\)|FLAGS.*BIND_NOW|FLAGS_1.*NOW' <<<"$dyn" && now=yes
    if [ $relro = yes ] && [ $now = yes ]; then row "$name" full-RELRO yes "GNU_RELRO segment + BIND_NOW"
    else row "$name" full-RELRO no "GNU_RELRO=$relro BIND_NOW=$now"; fi
done
names=$(for b in "$@"; do basename "$b"; done | xargs)
line="| hardening flags | readelf on $names | FORTIFY_SOURCE (__*_chk imports), stack protector (__stack_chk_fail), PIE (DYN + DF_1_PIE), full RELRO (GNU_RELRO + BIND_NOW) | $([ $bad = 0 ] && echo pass || echo FAIL) |"
echo "$line"
[ -n "${STRESS_TABLE:-}" ] && echo "$line" >>"$STRESS_TABLE"
exit $bad
