# Sourced by e2e-one.sh and e2e.sh: what both add to a kind cluster config.
# shellcheck shell=bash

# kind_config_tail WORKERS: WORKERS worker nodes, then the kubeadm patch that names the
# node image's CoreDNS (versions.env's COREDNS_VERSION, set by the caller): kubeadm 1.34
# would ask for v1.12.1 (constants.go:367), which the image does not carry, and MCS-API
# needs >= 1.12.2. The caller's config must end with its nodes: list.
kind_config_tail() {
	local i
	for ((i = 0; i < $1; i++)); do echo "- role: worker"; done
	cat <<-YAML
	kubeadmConfigPatches:
	- |
	  kind: ClusterConfiguration
	  dns:
	    imageTag: $COREDNS_VERSION
	YAML
}
