# hubble-relay (upstream: images/hubble-relay/Dockerfile).
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
COPY gops hubble-relay /usr/bin/
ENV GOPS_CONFIG_DIR=/home/gops
# The nonroot user, as upstream, for the chart's runAsNonRoot.
USER 65532:65532
ENTRYPOINT ["/usr/bin/hubble-relay"]
CMD ["serve"]
