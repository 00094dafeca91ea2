# plemu: every role in one binary. Built by scripts/images.sh, which copies the
# binary into the build context. BASE is debian:bookworm-slim where a registry is
# reachable, or a base made from Debian's packages (see scripts/images.sh).
ARG BASE=debian:bookworm-slim
FROM ${BASE}
COPY plemu /usr/local/bin/plemu
# The API (gRPC and, later, AWS Query), the agents' port, the tunnel.
EXPOSE 4599 4598 4600
ENTRYPOINT ["/usr/local/bin/plemu"]
CMD ["up", "--api", "0.0.0.0:4599", "--dns", "0.0.0.0:1053", "--data-dir", "/var/lib/plemu"]
