# A control-plane image the way upstream ships them: static Go binaries, nothing else.
# kubeadm's static pods name the command (kube-apiserver, etcd ...), looked up in PATH.
FROM scratch
COPY . /usr/local/bin/
ENV PATH=/usr/local/bin:/usr/bin:/bin
