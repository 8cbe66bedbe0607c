# x-wing: a static musl binary in an empty image (see docker/deps.sh for the libraries).
# Build from the repo root:  docker build -f docker/x-wing.Dockerfile -t x-wing:0.1.0 .
# BASE is the build stage's image; the final stage is `scratch`: no shell, no package manager.
# Other architectures: TARGETARCH (amd64, arm64) is the target; the build stages run on the
# build machine and cross-compile (docker/deps.sh), only the final stage is the target's.
# BuildKit sets TARGETARCH and BUILDPLATFORM itself (docker buildx build --platform ...);
# docker/build.sh passes TARGETARCH to the classic builder and sets the image's architecture.
ARG BASE=debian:bookworm-slim

# Identical in rebel-base.Dockerfile, so Docker's layer cache builds the static libraries
# once per target. The classic builder sets no BUILDPLATFORM: "linux" is this machine's.
FROM --platform=${BUILDPLATFORM:-linux} ${BASE} AS deps
ARG TARGETARCH
COPY docker/deps.sh /usr/local/src/deps.sh
RUN sh /usr/local/src/deps.sh
ENV PKG_CONFIG_LIBDIR=/opt/static/lib/pkgconfig

FROM deps AS build
WORKDIR /src
COPY Makefile VERSION ./
COPY common/ common/
COPY x-wing/ x-wing/
COPY docker/target-check.sh /usr/local/src/target-check.sh
# Our own Makefile, so the image binary comes from the same sources and flags as `make`;
# target-cc is musl-gcc for this machine or the cross compiler (docker/deps.sh).
RUN make STATIC=1 CC=/opt/static/bin/target-cc STATIC_MALLOC=/opt/static/lib/mimalloc.o BUILD=/tmp/build /tmp/build/bin/xwing \
 && /opt/static/bin/target-strip -o /xwing /tmp/build/bin/xwing \
 && sh /usr/local/src/target-check.sh /xwing

FROM scratch
# docker/build.sh passes VERSION (the VERSION file) and SOURCE (git remote). LICENSES is
# the SPDX expression of what the static binary holds: ours (MIT) and its libraries.
ARG VERSION=0.1.0
ARG SOURCE=https://github.com/rebel-base/rebel-base
ARG LICENSES="MIT AND LGPL-2.1-or-later AND curl"
LABEL org.opencontainers.image.title="x-wing" \
      org.opencontainers.image.description="xwing: fires requests at a service and tallies which cluster answered (Cilium Cluster Mesh lab)" \
      org.opencontainers.image.source="${SOURCE}" \
      org.opencontainers.image.version="${VERSION}" \
      org.opencontainers.image.licenses="${LICENSES}"
COPY --from=build /xwing /usr/local/bin/xwing
ENV PATH=/usr/local/bin
USER 65532:65532
EXPOSE 8080
STOPSIGNAL SIGTERM
ENTRYPOINT ["/usr/local/bin/xwing"]
CMD ["serve"]
