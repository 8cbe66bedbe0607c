# shellcheck shell=bash
# A stand-in control plane for k8s/lab.sh; source it after tests/integration/lib.sh.
# tests/k8s/fake/bin (kind, cilium, kubectl, docker, hubble, make) goes first on PATH, keeping
# its state in $TMP/state; two rebel-base servers stand in for each cluster's pods, so the
# real xwing answers lab.sh's checks (tests/k8s/fake/fake.py says how).

# standin_setup: the stand-ins first on PATH, the servers, the limits preflight reads.
standin_setup() {
    local t
    need kubectl "the stand-in renders with the real one"
    FAKE_BIN=$TMP/fakebin
    mkdir -p "$FAKE_BIN" "$TMP/proc/sys/fs/inotify" "$TMP/lab"
    for t in kind cilium kubectl docker hubble make; do ln -s "$ROOT/tests/k8s/fake/bin/$t" "$FAKE_BIN/$t"; done
    export FAKE_HOME=$ROOT/tests/k8s/fake FAKE_PY=$PY FAKE_STATE=$TMP/state FAKE_XWING=$BIN/xwing
    FAKE_REAL_KUBECTL=$(command -v kubectl)
    export FAKE_REAL_KUBECTL FAKE_DEAD=127.0.0.1:$DEAD_PORT
    printf '%s' "$KOORNACHT" >"$TMP/koornacht.json"
    printf '%s' "$TION" >"$TMP/tion.json"
    start_rebel rb-koornacht --listen 127.0.0.1:0 --document "$TMP/koornacht.json"
    export FAKE_BACKEND_koornacht=127.0.0.1:$REBEL_PORT
    start_rebel rb-tion --listen 127.0.0.1:0 --document "$TMP/tion.json"
    export FAKE_BACKEND_tion=127.0.0.1:$REBEL_PORT
    # Limits and memory as a machine that can run the lab has them (preflight reads these).
    echo 512 >"$TMP/proc/sys/fs/inotify/max_user_instances"
    echo 524288 >"$TMP/proc/sys/fs/inotify/max_user_watches"
    echo "MemAvailable:   16000000 kB" >"$TMP/proc/meminfo"
    export LAB_PROC=$TMP/proc LAB_DIR=$TMP/lab CHECK_INTERVAL=0 CHECK_TRIES=2 PATH=$FAKE_BIN:$PATH
}

# Schema-checks every object the stand-in kubectl applies, as an API server would.
standin_validate() {
    bash "$ROOT/tests/k8s/npm-deps.sh" >"$TMP/npm-deps.log" 2>&1 || fail "npm-deps: $(cat "$TMP/npm-deps.log")"
    export FAKE_VALIDATE=$ROOT/tests/k8s/validate.mjs
}

# lab NAME ARGS...: runs k8s/lab.sh ARGS, output in $TMP/NAME.out; sets LAB_RC.
lab() {
    local name=$1
    shift
    # shellcheck disable=SC2034 # the scenarios read it
    LAB_RC=0
    # shellcheck disable=SC2034
    bash "${LAB_SH:-$ROOT/k8s/lab.sh}" "$@" >"$TMP/$name.out" 2>&1 || LAB_RC=$?
}

calls() { cat "$FAKE_STATE/calls.log" 2>/dev/null || true; }
state() { # state PYTHON-EXPRESSION over the state dict d
    "$PY" -c 'import json,sys; d=json.load(open(sys.argv[1])); print(eval(sys.argv[2]))' "$FAKE_STATE/state.json" "$1"
}
state_edit() { # state_edit PYTHON-STATEMENTS over the state dict d, saved back
    "$PY" -c 'import json,sys; p=sys.argv[1]; d=json.load(open(p)); exec(sys.argv[2]); json.dump(d, open(p, "w"))' \
        "$FAKE_STATE/state.json" "$1"
}
