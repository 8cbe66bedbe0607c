# One static binary as the entrypoint: CoreDNS (/coredns, as kubeadm's Deployment expects),
# pause (the sandbox image), local-path-provisioner.
FROM scratch
ARG BIN
ARG USER=0
COPY ${BIN} /entry
USER ${USER}
ENTRYPOINT ["/entry"]
