#!/usr/bin/env bash
# k8s/cluster/runc-nosysres removes CAP_SYS_RESOURCE, and only it, from every array of the
# OCI spec runc is about to use: the bundle's config.json on create and run (--bundle,
# -b, --bundle=, or the working directory), the --process file on exec; any other
# command's files are left alone; the real runc gets the arguments unchanged.
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"
command -v jq >/dev/null || skip "jq not installed (make deps)"
W=$ROOT/k8s/cluster/runc-nosysres
cat >"$TMP/runc" <<'SH'
#!/bin/sh
printf '%s\n' "$@" >"$ARGS_OUT"
SH
chmod +x "$TMP/runc"
export RBXW_REAL_RUNC=$TMP/runc ARGS_OUT=$TMP/args

spec='{"process":{"capabilities":{"bounding":["CAP_CHOWN","CAP_SYS_RESOURCE","CAP_NET_ADMIN"],"effective":["CAP_SYS_RESOURCE"],"permitted":["CAP_SYS_RESOURCE","CAP_KILL"]}},"x":["keep"]}'
want='{"process":{"capabilities":{"bounding":["CAP_CHOWN","CAP_NET_ADMIN"],"effective":[],"permitted":["CAP_KILL"]}},"x":["keep"]}'

# case NAME CMDLINE...: a fresh bundle in $TMP/NAME, runc run with CMDLINE from there.
for form in "--bundle B" "-b B" "--bundle=B" "cwd"; do
    for cmd in create run; do
        d=$TMP/b-$cmd-${form%% *}; mkdir -p "$d"; echo "$spec" >"$d/config.json"
        case $form in
        cwd) args=(--root /run/x "$cmd" id1) ;;
        "--bundle=B") args=(--root /run/x "$cmd" "--bundle=$d" id1) ;;
        *) args=(--root /run/x "$cmd" "${form%% *}" "$d" id1) ;;
        esac
        (cd "$d" && "$W" "${args[@]}") || fail "$cmd $form: the wrapper failed"
        assert_eq "$want" "$(jq -c . "$d/config.json")" "$cmd with $form: the spec"
        assert_eq "$(printf '%s\n' "${args[@]}")" "$(cat "$TMP/args")" "$cmd with $form: runc's arguments"
    done
done

for form in "--process" "-p" "--process="; do
    p=$TMP/process.json; echo '{"capabilities":{"bounding":["CAP_SYS_RESOURCE","CAP_CHOWN"]}}' >"$p"
    if [ "$form" = "--process=" ]; then "$W" exec "--process=$p" id1; else "$W" exec "$form" "$p" id1; fi
    assert_eq '{"capabilities":{"bounding":["CAP_CHOWN"]}}' "$(jq -c . "$p")" "exec $form: the process file"
done

# Other commands and a spec without the capability: untouched, byte for byte.
d=$TMP/other; mkdir -p "$d"; echo "$spec" >"$d/config.json"
(cd "$d" && "$W" state id1 && "$W" delete --force id1)
assert_eq "$spec" "$(cat "$d/config.json")" "state/delete leave the bundle alone"
printf '{ "a": [ "CAP_CHOWN" ] }\n' >"$d/config.json"
(cd "$d" && "$W" create id1)
assert_eq '{ "a": [ "CAP_CHOWN" ] }' "$(cat "$d/config.json")" "a spec without it is not rewritten"

# The real runc's status comes back.
printf '#!/bin/sh\nexit 3\n' >"$TMP/runc"
(cd "$d" && "$W" state id1) && fail "the real runc's failure was swallowed"
[ $? = 3 ] || fail "exit status: want 3"
echo "ok: runc-nosysres strips the capability from create/run/exec specs only"
