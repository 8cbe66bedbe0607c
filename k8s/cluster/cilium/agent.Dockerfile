# The cilium agent image (upstream: images/cilium/Dockerfile on images/runtime/Dockerfile),
# from Debian instead of Ubuntu and Cilium's own tool images. The context is assembled by
# k8s/cluster/cilium.sh: rootfs/ holds what upstream's `make build-container
# install-container-binary` installs (binaries, the BPF sources under /var/lib/cilium/bpf,
# cilium-cni, the init and CNI scripts), tools/ the runtime's gops and CNI loopback, and
# iptables-wrapper-installer.sh is upstream's images/runtime copy.
# No cilium-envoy: it is C++ and cannot be built here, so the chart runs with
# envoy.enabled=false and l7Proxy=false, and then the agent never starts it.
ARG BASE_IMAGE=debian:bookworm-slim

# Upstream copies clang and llc from its cilium-llvm:19.1.7 image (images/runtime/Dockerfile:9,52).
# Debian bookworm main carries the same release (clang-19 1:19.1.7-3~deb12u1). The full
# toolchain (gcc, binutils, libc headers) is only needed to install it; the agent runs
# clang with -nostdinc on Cilium's own headers (pkg/datapath/loader/compile.go:98-100), so
# the image keeps the two binaries and the two LLVM libraries they link.
FROM ${BASE_IMAGE} AS llvm
RUN DEBIAN_FRONTEND=noninteractive apt-get update -q \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends clang-19 llvm-19 \
 && mkdir /out && cp -L /usr/lib/llvm-19/bin/clang /usr/lib/llvm-19/bin/llc /out/

FROM ${BASE_IMAGE}
# images/runtime/install-runtime-deps.sh's packages, bpftool (upstream builds its own), the
# LLVM libraries, and util-linux/mount for the chart's init containers (nsenter, mount).
RUN DEBIAN_FRONTEND=noninteractive apt-get update -q \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends \
      bash-completion iproute2 iptables ipset kmod ca-certificates libatomic1 \
      bpftool libllvm19 libclang-cpp19 util-linux mount \
 && apt-get clean && rm -rf /var/lib/apt/lists/*
COPY iptables-wrapper-installer.sh /tmp/
RUN sh /tmp/iptables-wrapper-installer.sh --no-sanity-check
COPY --from=llvm /out/clang /out/llc /usr/local/bin/
COPY tools/gops /usr/bin/gops
COPY tools/loopback /cni/loopback
RUN echo ". /etc/profile.d/bash_completion.sh" >> /etc/bash.bashrc
# When used within the Cilium container, the Hubble CLI targets the local socket.
ENV HUBBLE_SERVER=unix:///var/run/cilium/hubble.sock
COPY rootfs/ /
RUN mkdir -p /etc/bash_completion.d \
 && cilium-dbg completion bash >/etc/bash_completion.d/cilium-dbg \
 && hubble completion bash >/etc/bash_completion.d/hubble
WORKDIR /home/cilium
ENV INITSYSTEM="SYSTEMD"
CMD ["/usr/bin/cilium-dbg"]
