# A control-plane image the way upstream ships them: one static Go binary, nothing else.
# kubeadm's static pods name the command (kube-apiserver, etcd ...), looked up in PATH.
FROM scratch
ARG BINS
COPY ${BINS} /usr/local/bin/
ENV PATH=/usr/local/bin:/usr/bin:/bin
