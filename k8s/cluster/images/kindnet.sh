#!/bin/sh
# What kindnetd does for an IPv4 kind cluster, every RESYNC seconds:
#   - writes this node's CNI config (ptp + host-local on the node's podCIDR, portmap), as
#     /etc/cni/net.d/10-kindnet.conflist, once the node has a podCIDR;
#   - routes every other node's podCIDR via that node's InternalIP;
#   - masquerades traffic from pods to anything outside POD_SUBNET.
# Env, from kind's manifest: HOST_IP, POD_SUBNET, CONTROL_PLANE_ENDPOINT (host:port, added by
# kind so this does not depend on kube-proxy for the API server's Service address).
set -eu
: "${HOST_IP:?}" "${POD_SUBNET:?}" "${CONTROL_PLANE_ENDPOINT:?}"
RESYNC=${RESYNC:-10}
sa=/var/run/secrets/kubernetes.io/serviceaccount
conf=/etc/cni/net.d/10-kindnet.conflist

kc() {
	kubectl --server="https://$CONTROL_PLANE_ENDPOINT" --token="$(cat $sa/token)" \
		--certificate-authority=$sa/ca.crt "$@"
}

write_conf() { # write_conf CIDR: atomically, and only when it changes
	new=$(printf '{"cniVersion":"0.4.0","name":"kindnet","plugins":[{"type":"ptp","ipMasq":false,"ipam":{"type":"host-local","dataDir":"/run/cni-ipam-state","routes":[{"dst":"0.0.0.0/0"}],"ranges":[[{"subnet":"%s"}]]},"mtu":1500},{"type":"portmap","capabilities":{"portMappings":true}}]}' "$1")
	[ "$(cat $conf 2>/dev/null)" = "$new" ] && return 0
	printf '%s' "$new" >$conf.tmp && mv $conf.tmp $conf
	echo "kindnet: wrote $conf for $1"
}

masquerade() {
	iptables -t nat -C POSTROUTING -s "$POD_SUBNET" ! -d "$POD_SUBNET" -j MASQUERADE \
		-m comment --comment kindnet 2>/dev/null ||
		iptables -t nat -A POSTROUTING -s "$POD_SUBNET" ! -d "$POD_SUBNET" -j MASQUERADE \
			-m comment --comment kindnet
}

sync_once() {
	kc get nodes -o jsonpath='{range .items[*]}{.spec.podCIDR}{" "}{.status.addresses[?(@.type=="InternalIP")].address}{"\n"}{end}' |
		while read -r cidr ip; do
			[ -n "$cidr" ] && [ -n "$ip" ] || continue
			if [ "$ip" = "$HOST_IP" ]; then
				write_conf "$cidr"
			else
				ip route replace "$cidr" via "$ip"
			fi
		done
	masquerade
}

echo "kindnet: node $HOST_IP, pods $POD_SUBNET, API $CONTROL_PLANE_ENDPOINT"
while :; do
	sync_once || echo "kindnet: sync failed, again in ${RESYNC}s" >&2
	sleep "$RESYNC"
done
