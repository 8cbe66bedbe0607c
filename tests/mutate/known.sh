#!/usr/bin/env bash
# make mutate-known: each hand-made mutant of known.tsv, a bug a user would hit,
# applied one at a time to a copy of the tree; the tests named for it must fail.
# Prints each test's result per mutant, and exits 1 when a mutant survives, when
# its line no longer changes the code, or when the tests fail on the real code.
# KNOWN=regex picks mutants by id. LIMIT: seconds per test (default 120).
. "$(dirname "$0")/lib.sh"
LIMIT=${LIMIT:-120}
work=$(mktemp -d "${TMPDIR:-/tmp}/rbxw-mutknown.XXXXXX")
trap 'rm -rf "$work"' EXIT
tree=$work/tree
mut_copy "$tree"

rows=()
while IFS=$'\t' read -r id file script units regex what; do
    [[ -z "$id" || "$id" == \#* ]] && continue
    [[ -n "${KNOWN:-}" && ! "$id" =~ $KNOWN ]] && continue
    rows+=("$id"$'\t'"$file"$'\t'"$script"$'\t'"$units"$'\t'"$regex"$'\t'"$what")
done <"$ROOT/tests/mutate/known.tsv"
[ ${#rows[@]} -gt 0 ] || { echo "mutate-known: no mutant matches KNOWN='${KNOWN:-}'" >&2; exit 1; }

# The tests must pass on the real code first: a test that fails anyway kills nothing.
all_units=() all_regex=()
for r in "${rows[@]}"; do
    IFS=$'\t' read -r _ _ _ units regex _ <<<"$r"
    read -ra u <<<"${units#-}"
    all_units+=("${u[@]}")
    [ "$regex" != - ] && all_regex+=("$regex")
done
mapfile -t all_units < <(printf '%s\n' "${all_units[@]}" | sed '/^$/d' | sort -u)
regex=$(printf '%s\n' "${all_regex[@]}" | tr '|' '\n' | sort -u | paste -sd '|')
echo "== mutate-known: the real code, ${#all_units[@]} unit tests and /${regex:--}/"
mut_build "$tree" "$work/build.log" "${all_units[@]}" || { cat "$work/build.log"; exit 1; }
res=$(mut_tests "$tree" "$work/real.log" "$LIMIT" "${regex:--}" "${all_units[@]}")
echo "   $res"
if [[ " $res " == *":FAIL "* ]]; then
    echo "mutate-known: tests fail on the real code; see above" >&2
    exit 1
fi

killed=0 bad=()
for r in "${rows[@]}"; do
    IFS=$'\t' read -r id file script units regex what <<<"$r"
    read -ra u <<<"${units#-}"
    # The copy's own file is the original: the checkout may change while this runs.
    orig=$work/orig/$file
    [ -f "$orig" ] || { mkdir -p "$(dirname "$orig")"; cp -p "$tree/$file" "$orig"; }
    cp "$orig" "$tree/$file"
    sed -i -e "$script" "$tree/$file"
    echo "== $id: $what"
    echo "   $file: $(diff "$orig" "$tree/$file" | sed -n 's/^> *//p' | head -1)"
    if cmp -s "$orig" "$tree/$file"; then
        echo "   STALE: the script changes nothing in $file"
        bad+=("$id(stale)")
    elif ! mut_build "$tree" "$work/$id.build.log" "${u[@]}"; then
        echo "   DOES NOT BUILD: $(grep -m1 error "$work/$id.build.log")"
        bad+=("$id(build)")
    else
        res=$(mut_tests "$tree" "$work/$id.log" "$LIMIT" "$regex" "${u[@]}")
        echo "   $res"
        if [[ " $res " == *":FAIL "* ]]; then
            echo "   KILLED"
            killed=$((killed + 1))
        else
            echo "   SURVIVED"
            bad+=("$id")
        fi
    fi
    cp "$orig" "$tree/$file" # a new mtime: the next build undoes the mutant
done
echo "mutate-known: ${killed} of ${#rows[@]} killed${bad[*]:+; not killed: ${bad[*]}}"
[ ${#bad[@]} -eq 0 ]
