# rbxw-certgen at the path the chart's Jobs run (/usr/bin/cilium-certgen).
FROM scratch
COPY cilium-certgen /usr/bin/cilium-certgen
USER 65532:65532
ENTRYPOINT ["/usr/bin/cilium-certgen"]
