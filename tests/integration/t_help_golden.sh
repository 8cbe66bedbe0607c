#!/usr/bin/env bash
# Every --help text is what tests/integration/golden/*.help holds, byte for
# byte: the help is the reference users read first, so a change to it must be
# deliberate. After changing a help text on purpose, refresh the files with
# UPDATE_GOLDEN=1 and review the diff.
source "$(dirname "$0")/lib.sh"

GOLDEN=$(cd "$(dirname "$0")" && pwd)/golden
check() { # check NAME PROGRAM ARGS...: PROGRAM ARGS exits 0 with GOLDEN/NAME.help on stdout
    local name=$1 rc
    shift
    set +e
    run_prog "$@" >"$TMP/$name.help" 2>"$TMP/$name.err"
    rc=$?
    set -e
    assert_eq 0 "$rc" "exit status of $*"
    assert_eq 0 "$(wc -c <"$TMP/$name.err")" "nothing on stderr for $*"
    if [[ "${UPDATE_GOLDEN:-0}" = 1 ]]; then
        cp "$TMP/$name.help" "$GOLDEN/$name.help"
        return
    fi
    diff -u "$GOLDEN/$name.help" "$TMP/$name.help" >"$TMP/$name.diff" ||
        fail "$* differs from golden/$name.help:
$(head -n 40 "$TMP/$name.diff")"
}

check rebel-base rebel-base --help
check xwing xwing --help
check xwing-serve xwing serve --help
check xwing-probe xwing probe --help
note "4 help texts match their golden files"
