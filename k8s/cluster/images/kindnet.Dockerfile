# kindnet for IPv4, in shell (kindnet.sh): kind's kindnetd is a nested module of the kind
# repository that the Go module proxy does not serve, so this does its job with kubectl,
# ip and iptables, under its name, from kind's own manifest.
ARG BASE_IMAGE=debian:bookworm-slim
FROM ${BASE_IMAGE}
RUN DEBIAN_FRONTEND=noninteractive apt-get update -q \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends \
      iproute2 iptables \
 && apt-get clean && rm -rf /var/lib/apt/lists/*
COPY kubectl kindnet.sh /usr/local/bin/
ENTRYPOINT ["/usr/local/bin/kindnet.sh"]
