# kube-proxy needs iptables, ip6tables and conntrack beside it (upstream: distroless-iptables).
# Debian's iptables is the nft variant, which the node's entrypoint selects on a fresh node.
ARG BASE_IMAGE=debian:bookworm-slim
FROM ${BASE_IMAGE}
RUN DEBIAN_FRONTEND=noninteractive apt-get update -q \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends \
      iptables conntrack ipset kmod \
 && apt-get clean && rm -rf /var/lib/apt/lists/*
COPY kube-proxy /usr/local/bin/
