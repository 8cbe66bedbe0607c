# clustermesh-apiserver with etcd beside it (upstream: images/clustermesh-apiserver/Dockerfile,
# which takes etcd from gcr.io/etcd-development/etcd; this one is the etcd cluster-tools
# builds for kubeadm). The chart starts /usr/bin/etcd by that path, and `clustermesh-apiserver
# etcdinit` runs it from there too (clustermesh-apiserver/etcdinit/root.go:32).
# The layout of gcr.io/distroless/static:nonroot, which upstream runs hubble-relay and
# clustermesh-apiserver on (and the operator on scratch plus CA certificates): CA
# certificates, root and nonroot (65532) users, /tmp, and the directories those images make
# writable for any user (/home/gops for gops, /var/run/cilium for the clustermesh socket).
ARG BASE_IMAGE=debian:bookworm-slim
FROM ${BASE_IMAGE} AS rootfs
RUN DEBIAN_FRONTEND=noninteractive apt-get update -q \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends ca-certificates \
 && mkdir -p /rootfs/etc/ssl/certs /rootfs/tmp /rootfs/home/nonroot /rootfs/home/gops /rootfs/var/run/cilium \
 && cp /etc/ssl/certs/ca-certificates.crt /rootfs/etc/ssl/certs/ \
 && printf "root:x:0:0:root:/root:/sbin/nologin\nnonroot:x:65532:65532:nonroot:/home/nonroot:/sbin/nologin\n" >/rootfs/etc/passwd \
 && printf "root:x:0:\nnonroot:x:65532:\n" >/rootfs/etc/group \
 && chmod 1777 /rootfs/tmp && chmod 0777 /rootfs/home/gops /rootfs/var/run/cilium \
 && chown 65532:65532 /rootfs/home/nonroot

FROM scratch
COPY --from=rootfs /rootfs/ /
ENV PATH=/usr/local/bin:/usr/bin:/bin
COPY gops etcd clustermesh-apiserver /usr/bin/
COPY etcd-config.yaml /var/lib/cilium/etcd-config.yaml
ENV GOPS_CONFIG_DIR=/tmp/gops
ENTRYPOINT ["/usr/bin/clustermesh-apiserver"]
