#!/usr/bin/env bash
# The manifest cross-reference checker passes both overlays (with every component) and
# catches each kind of breakage in a mutated copy of the rendering.
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"
need kubectl "kubectl kustomize renders the manifests"
need jq "it mutates the rendered copies"
version=$(cat "$ROOT/VERSION")
check() { python3 "$ROOT/tests/k8s/check_manifests.py" --version "$version" "$@"; }
printf '%s' "$KOORNACHT" >"$TMP/koornacht.msg"
printf '%s' "$TION" >"$TMP/tion.msg"

# Both overlays as users apply them, and the lab files byte for byte.
for c in koornacht tion; do
    bash "$ROOT/tests/k8s/render.sh" "$ROOT/k8s/$c" >"$TMP/$c.json"
    out=$(check --message-file "$TMP/$c.msg" "$TMP/$c.json" 2>&1) || fail "k8s/$c: $out"
    cmp -s "$TMP/$c.msg" "$ROOT/k8s/$c/message.json" || fail "k8s/$c/message.json is not the lab's text"
done

# Koornacht with every component: the copy the breakages are made in.
mkdir -p "$TMP/all"
rel=$("$PY" -c 'import os, sys; print(os.path.relpath(sys.argv[1], sys.argv[2]))' "$ROOT/k8s" "$TMP/all")
{
    echo "apiVersion: kustomize.config.k8s.io/v1beta1"
    echo "kind: Kustomization"
    echo "resources: [$rel/koornacht]"
    echo "components:"
    for c in global shared-false affinity-local default-deny x-wing-to-rebel-base rebel-base-from-x-wing headless-global mcs-export probe; do
        echo "  - $rel/components/$c"
    done
} >"$TMP/all/kustomization.yaml"
bash "$ROOT/tests/k8s/render.sh" "$TMP/all" >"$TMP/base.json"
out=$(check --message-file "$TMP/koornacht.msg" "$TMP/base.json" 2>&1) || fail "koornacht + all components: $out"
for k in ConfigMap/rebel-base-response Service/rebel-base Service/rebel-base-headless Deployment/rebel-base \
    Deployment/x-wing Pod/x-wing CiliumNetworkPolicy/default-deny CiliumNetworkPolicy/x-wing-to-rebel-base \
    CiliumNetworkPolicy/rebel-base-from-x-wing ServiceExport/rebel-base Deployment/x-wing-probe Service/x-wing-probe; do
    [[ "$out" == *"$k"* ]] || fail "the full rendering lacks $k: $out"
done

cases=0
# breaks WHAT JQ-FILTER EXPECTED-MESSAGE: the checker must reject the mutated copy, saying so.
breaks() {
    local what=$1 filter=$2 want=$3 got
    cases=$((cases + 1))
    jq -c "$filter" "$TMP/base.json" >"$TMP/bad.json" || fail "$what: bad jq filter"
    [ "$(jq -cS . "$TMP/bad.json")" != "$(jq -cS . "$TMP/base.json")" ] || fail "$what: the mutation changed nothing"
    if got=$(check --message-file "$TMP/koornacht.msg" "$TMP/bad.json" 2>/dev/null); then
        fail "$what: the checker accepted it"
    fi
    [[ "$got" == *"$want"* ]] || fail "$what: expected a problem containing '$want', got: $got"
    note "caught: $what -> $(grep -F -- "$want" <<<"$got" | head -1)"
}
svc='.kind=="Service" and .metadata.name=="rebel-base"'
hsvc='.kind=="Service" and .metadata.name=="rebel-base-headless"'
rb='.kind=="Deployment" and .metadata.name=="rebel-base"'
xw='.kind=="Deployment" and .metadata.name=="x-wing"'
xpod='.kind=="Pod" and .metadata.name=="x-wing"'
rbc='.spec.template.spec.containers[0]'
probe='.kind=="Deployment" and .metadata.name=="x-wing-probe"'
psvc='.kind=="Service" and .metadata.name=="x-wing-probe"'
pol() { echo ".kind==\"CiliumNetworkPolicy\" and .metadata.name==\"$1\""; }

breaks "Service selector typo" "if $svc then .spec.selector.name=\"rebel\" else . end" "matches no pod labels"
breaks "Deployment labels renamed" "if $rb then .spec.template.metadata.labels={\"app\":\"rebel-base\"} | .spec.selector.matchLabels={\"app\":\"rebel-base\"} else . end" "Service/rebel-base: selector"
breaks "targetPort names no port" "if $svc then .spec.ports[0].targetPort=\"web\" else . end" "targetPort 'web' is no container port"
breaks "container port renamed" "if $rb then $rbc.ports[0].name=\"web\" else . end" "targetPort 'http' is no container port"
breaks "headless port is not the container port" "if $hsvc then .spec.ports[0].port=80 else . end" "headless port 80 differs"
breaks "readiness path not served" "if $rb then $rbc.readinessProbe.httpGet.path=\"/ready\" else . end" "path /ready is not served by rebel-base"
breaks "liveness on /readyz" "if $rb then $rbc.livenessProbe.httpGet.path=\"/readyz\" else . end" "livenessProbe path /readyz: use /healthz"
breaks "probe port not a container port" "if $xw then $rbc.livenessProbe.httpGet.port=\"metrics\" else . end" "port 'metrics' names no container port"
breaks "probe port number wrong" "if $rb then $rbc.readinessProbe.httpGet.port=80 else . end" "port 80 is no container port"
breaks "exec probe" "if $xpod then .spec.containers[0].readinessProbe={\"exec\":{\"command\":[\"curl\",\"localhost\"]}} else . end" "is not httpGet"
breaks "image :latest" "if $rb then $rbc.image=\"rebel-base:latest\" else . end" "image 'rebel-base:latest' is not what make images builds"
breaks "image from a registry" "if $xw then $rbc.image=\"docker.io/library/x-wing:$version\" else . end" "is not what make images builds"
breaks "image name swapped" "if $xpod then .spec.containers[0].image=\"xwing:$version\" else . end" "image 'xwing:$version'"
breaks "pull policy Always" "if $rb then $rbc.imagePullPolicy=\"Always\" else . end" "imagePullPolicy 'Always'"
breaks "pull policy unset" "if $xpod then del(.spec.containers[0].imagePullPolicy) else . end" "imagePullPolicy None"
breaks "writable root filesystem" "if $rb then $rbc.securityContext.readOnlyRootFilesystem=false else . end" "readOnlyRootFilesystem is not true"
breaks "privilege escalation" "if $xw then $rbc.securityContext.allowPrivilegeEscalation=true else . end" "allowPrivilegeEscalation is not false"
breaks "capabilities kept" "if $xpod then .spec.containers[0].securityContext.capabilities.drop=[] else . end" "do not drop ALL"
breaks "capability added" "if $rb then $rbc.securityContext.capabilities.add=[\"NET_ADMIN\"] else . end" "capabilities add"
breaks "seccomp unconfined" "if $rb then $rbc.securityContext.seccompProfile.type=\"Unconfined\" else . end" "seccompProfile 'Unconfined'"
breaks "runs as root" "if $xpod then .spec.containers[0].securityContext.runAsUser=0 | .spec.containers[0].securityContext.runAsNonRoot=false else . end" "runAsNonRoot is not true"
breaks "privileged" "if $rb then $rbc.securityContext.privileged=true else . end" "privileged"
breaks "hostNetwork" "if $xw then .spec.template.spec.hostNetwork=true else . end" "hostNetwork is set"
breaks "hostPath volume" "if $rb then .spec.template.spec.volumes[0]={\"name\":\"html\",\"hostPath\":{\"path\":\"/etc\"}} else . end" "is not allowed by restricted"
breaks "no memory limit" "if $rb then del($rbc.resources.limits.memory) else . end" "resources.limits.memory missing"
breaks "service links on" "if $rb then .spec.template.spec.enableServiceLinks=true else . end" "enableServiceLinks is not false"
breaks "grace period shorter than the drain" "if $rb then .spec.template.spec.terminationGracePeriodSeconds=10 else . end" "terminationGracePeriodSeconds 10 does not exceed --drain + --grace (12s)"
breaks "longer drain in args" "if $rb then $rbc.args+=[\"--drain\",\"30s\"] else . end" "does not exceed --drain + --grace (40s)"
breaks "x-wing not serving" "if $xw then $rbc.args=[\"-n\",\"10\",\"rebel-base\"] else . end" "must run \`xwing serve\` or \`xwing probe\`"
breaks "x-wing probe mode misspelt" "if $probe then $rbc.args=[\"probes\",\"rebel-base\"] else . end" "(args ['probes', 'rebel-base'])"
breaks "probe scraped on another port" "if $psvc then .metadata.annotations[\"prometheus.io/port\"]=\"9091\" else . end" \
    "Service/x-wing-probe: prometheus.io/port 9091 is not a port Deployment/x-wing-probe listens on: 9090 (x-wing probe)"
breaks "probe listens elsewhere (-l)" "if $probe then $rbc.args=[\"probe\",\"-l\",\":9091\",\"rebel-base\"] else . end" \
    "targetPort 'metrics' (9090) is not the port x-wing probe in Deployment/x-wing-probe listens on (9091)"
breaks "probe's default port not exposed" "if $probe then $rbc.args=[\"probe\",\"rebel-base\"] | $rbc.ports[0].containerPort=8080 else . end" \
    "x-wing probe listens on :9090 by default (no --listen) but no container port is 9090"
breaks "probe Service and liveness on another container port" \
    "if $probe then $rbc.ports+=[{\"name\":\"debug\",\"containerPort\":9091}] | $rbc.livenessProbe.httpGet.port=\"debug\" elif $psvc then .spec.ports[0].targetPort=\"debug\" else . end" \
    "livenessProbe port 'debug' (9091) is not the port x-wing probe listens on (9090)"
breaks "probe readiness on x-wing serve's path" "if $probe then $rbc.readinessProbe.httpGet.path=\"/tally\" else . end" "path /tally is not served by x-wing probe"
breaks "probe scraped on its text page" "if $psvc then .metadata.annotations[\"prometheus.io/path\"]=\"/\" else . end" \
    "prometheus.io/path / is not where x-wing probe serves its metrics (/metrics)"
breaks "prometheus annotation key typo" "if $psvc then .metadata.annotations[\"prometheus.io/prot\"]=\"9090\" else . end" "unknown annotation prometheus.io/prot"
breaks "scrape value yes" "if $psvc then .metadata.annotations[\"prometheus.io/scrape\"]=\"yes\" else . end" 'prometheus.io/scrape="yes": must be "true" or "false"'
breaks "x-wing serve scraped" "if $psvc then .spec.selector={\"name\":\"x-wing\",\"role\":\"probe\"} | .spec.ports[0].targetPort=\"http\" | .metadata.annotations[\"prometheus.io/port\"]=\"8080\" elif $probe then .spec.template.metadata.labels.role=\"canary\" | .spec.selector.matchLabels.role=\"canary\" elif $xw then .spec.template.metadata.labels.role=\"probe\" else . end" \
    "prometheus.io/scrape: x-wing serve in Deployment/x-wing serves no metrics"
breaks "listen port not exposed" "if $xpod then .spec.containers[0].args=[\"serve\",\"--listen\",\":9090\"] else . end" "--listen port 9090 is no container port"
breaks "document mounted with subPath" "if $rb then $rbc.volumeMounts[0].subPath=\"index.html\" | $rbc.volumeMounts[0].mountPath=\"/etc/rebel-base\" else . end" "mounted with subPath"
breaks "document mounted elsewhere" "if $rb then $rbc.volumeMounts[0].mountPath=\"/usr/share/nginx/html\" else . end" "nothing is mounted at /etc/rebel-base"
breaks "ConfigMap key projected under another name" "if $rb then .spec.template.spec.volumes[0].configMap.items[0].path=\"message\" else . end" "does not project key message as index.html"
breaks "volume names another ConfigMap" "if $rb then .spec.template.spec.volumes[0].configMap.name=\"rebel-base-response-abc123\" else . end" "not rebel-base-response"
breaks "ConfigMap without trailing newline" "if .kind==\"ConfigMap\" then .data.message|=rtrimstr(\"\\n\") else . end" "is not the lab's"
breaks "ConfigMap with a typographic apostrophe" "if .kind==\"ConfigMap\" then .data.message|=sub(\"'\";\"’\") else . end" "is not the lab's"
breaks "ConfigMap of the other cluster" "if .kind==\"ConfigMap\" then .data.message=\"{\\\"Cluster\\\": \\\"Tion\\\", \\\"Planet\\\": \\\"Foran Tutha\\\"}\\n\" else . end" "is not the lab's"
breaks "annotation value yes" "if $svc then .metadata.annotations[\"service.cilium.io/global\"]=\"yes\" else . end" "must be \"true\" or \"false\""
breaks "affinity value" "if $svc then .metadata.annotations[\"service.cilium.io/affinity\"]=\"nearest\" else . end" "service.cilium.io/affinity=\"nearest\""
breaks "annotation key typo" "if $svc then .metadata.annotations[\"service.cilium.io/globl\"]=\"true\" else . end" "unknown Cilium annotation service.cilium.io/globl"
breaks "affinity on a non-global service" "if $svc then del(.metadata.annotations[\"service.cilium.io/global\"]) else . end" "has no effect: the service is not global"
breaks "endpoint-slice sync on a ClusterIP service" "if $hsvc then del(.spec.clusterIP) else . end" "is for headless services"
breaks "egress peer label typo" "if $(pol x-wing-to-rebel-base) then .spec.egress[0].toEndpoints[0].matchLabels.name=\"rebel-bse\" else . end" "egress[0].toEndpoints: selector {'name': 'rebel-bse'} matches no pod labels"
breaks "endpointSelector label typo" "if $(pol rebel-base-from-x-wing) then .spec.endpointSelector.matchLabels.name=\"rebelbase\" else . end" "endpointSelector: selector"
breaks "cluster name typo" "if $(pol rebel-base-from-x-wing) then .spec.ingress[0].fromEndpoints[0].matchExpressions[0].values=[\"koornact\"] else . end" "io.cilium.k8s.policy.cluster=koornact: no such cluster"
breaks "cluster name typo in matchLabels" "if $(pol x-wing-to-rebel-base) then .spec.endpointSelector.matchLabels[\"io.cilium.k8s.policy.cluster\"]=\"tio\" else . end" "io.cilium.k8s.policy.cluster=tio: no such cluster"
breaks "selector operator typo" "if $(pol x-wing-to-rebel-base) then .spec.egress[0].toEndpoints[0].matchExpressions[0].operator=\"Inn\" else . end" "matchExpressions operator 'Inn'"
breaks "Exists with values" "if $(pol default-deny) then .spec.egress[0].toEndpoints[0].matchExpressions[0].values=[\"tion\"] else . end" "Exists/DoesNotExist none"
breaks "peer expression matches no pod" "if $(pol rebel-base-from-x-wing) then .spec.ingress[0].fromEndpoints[0].matchExpressions+=[{\"key\":\"name\",\"operator\":\"In\",\"values\":[\"y-wing\"]}] else . end" "matches no pod labels"
breaks "kube-dns selector" "if $(pol default-deny) then .spec.egress[0].toEndpoints[0].matchLabels[\"k8s-app\"]=\"coredns\" else . end" "is not kube-dns's"
breaks "DNS port" "if $(pol default-deny) then .spec.egress[0].toPorts[0].ports[0].port=\"dns\" else . end" "port 'dns' is not a port number"
breaks "ServiceExport names no Service" "if .kind==\"ServiceExport\" then .metadata.name=\"rebel-bse\" else . end" "ServiceExport/rebel-bse: no Service named rebel-bse to export"
breaks "ServiceExport of an ExternalName Service" "if $svc then .spec.type=\"ExternalName\" | .spec.externalName=\"rebel-base.example\" else . end" "exports an ExternalName Service"
breaks "ServiceExport in another namespace" "if .kind==\"ServiceExport\" then .metadata.namespace=\"rebels\" else . end" "namespace 'rebels' is not its Service's"
note "$cases breakages caught"
