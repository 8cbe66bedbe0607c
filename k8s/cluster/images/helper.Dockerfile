# local-path-provisioner's helper pod runs its setup and teardown scripts with sh, mkdir
# and rm (kind ships a busybox-like image for it).
ARG BASE_IMAGE=debian:bookworm-slim
FROM ${BASE_IMAGE}
