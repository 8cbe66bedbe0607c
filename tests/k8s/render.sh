#!/usr/bin/env bash
# Renders a kustomization and prints it as a JSON object stream, with no cluster:
#   tests/k8s/render.sh DIR
# `kubectl kustomize` prints YAML; `kubectl label --local -o json` (removing a label no
# object has) converts it without contacting an API server, CRDs included.
set -euo pipefail
kubectl kustomize "$1" | kubectl label --local -f - -o json rbxw-render-
