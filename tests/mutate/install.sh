#!/usr/bin/env bash
# Installs universalmutator, pinned, into a venv of its own for make mutate (make deps runs
# this). Idempotent: an existing venv with the pinned version is left alone.
set -euo pipefail
UM_VERSION=1.14.1
VENV=${MUTATE_VENV:-$HOME/.cache/rbxw-mutate/venv-$UM_VERSION}
if [ -x "$VENV/bin/mutate" ] && [ "$("$VENV/bin/pip" show universalmutator 2>/dev/null | sed -n 's/^Version: //p')" = "$UM_VERSION" ]; then
    echo "mutate: universalmutator $UM_VERSION in $VENV"
    exit 0
fi
# Debian's interpreter, as the tests use: a version manager's shim may lack venv.
PY=${PYTHON:-$(command -v /usr/bin/python3 || command -v python3)}
rm -rf "$VENV"
mkdir -p "$(dirname "$VENV")"
"$PY" -m venv "$VENV"
"$VENV/bin/pip" install -q --disable-pip-version-check "universalmutator==$UM_VERSION"
echo "mutate: installed universalmutator $UM_VERSION in $VENV"
