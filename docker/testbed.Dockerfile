# plemu-testbed: a small Debian with redis-server, redis-cli and dig, the stand-in
# for ElastiCache and for an application container in tests and examples.
ARG BASE=debian:bookworm-slim
FROM ${BASE}
RUN command -v redis-server >/dev/null && command -v dig >/dev/null || \
    (apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
       redis-server redis-tools dnsutils iproute2 procps && rm -rf /var/lib/apt/lists/*)
CMD ["redis-server", "--protected-mode", "no", "--save", "", "--appendonly", "no"]
