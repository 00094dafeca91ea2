#!/usr/bin/env bash
# Soak: N minutes of mixed Redis traffic and connection churn through one interface endpoint.
# Prints the errors (must be 0) and plemu's RSS at start, peak and end. Not a CI test.
#
# Usage: scripts/soak.sh [MINUTES]    (default 10; needs redis-server, redis-benchmark, jq)
# Environment: PLEMU_BIN (default target/release/plemu; built if missing).
set -euo pipefail
cd "$(dirname "$0")/.."
minutes=${1:-10}
PLEMU_BIN=${PLEMU_BIN:-target/release/plemu}
[ -x "$PLEMU_BIN" ] || cargo build --release --locked -p plemu
. scripts/endpoint_topology.sh   # plemu up, redis-server, the README topology: sets host, plemu_pid, work

rss() { awk '/VmRSS/ {print $2}' "/proc/$plemu_pid/status"; }
start_rss=$(rss); peak=$start_rss
echo "soak: $minutes min through $host:6379 (endpoint $VPCE), plemu pid $plemu_pid, RSS at start ${start_rss} KiB"
end=$(( $(date +%s) + minutes * 60 ))
rounds=0; errors=0; requests=0
while [ "$(date +%s)" -lt "$end" ]; do
  # Three loads in turn: pipelined, one request at a time, and a new connection per request.
  for args in "-c 50 -P 16 -n 200000" "-c 50 -n 50000" "-c 20 -k 0 -n 5000"; do
    # shellcheck disable=SC2086
    if out=$(redis-benchmark -h "$host" -p 6379 -t set,get $args -q 2>&1); then
      n=$(echo "$out" | grep -c 'requests per second' || true)
      requests=$(( requests + n ))
      bad=$(echo "$out" | grep -ciE 'error|reset|refused' || true)
      errors=$(( errors + bad ))
      [ "$bad" -gt 0 ] && echo "$out" | grep -iE 'error|reset|refused' | head -3
    else
      errors=$(( errors + 1 )); echo "redis-benchmark failed: $(echo "$out" | tail -2)"
    fi
    r=$(rss); [ "$r" -gt "$peak" ] && peak=$r
  done
  rounds=$(( rounds + 1 ))
done
sleep 5
end_rss=$(rss)
echo "soak: $rounds rounds, $errors errors; plemu RSS start ${start_rss} KiB, peak ${peak} KiB, end ${end_rss} KiB"
echo "soak: log lines $(wc -l <"$work/plemu.log"), $(du -k "$work/plemu.log" | cut -f1) KiB"
[ "$errors" -eq 0 ]
