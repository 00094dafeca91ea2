#!/usr/bin/env bash
# Memory under thousands of concurrent flows: opens N flows together through one endpoint of a
# fresh `plemu up` (each answers a PING; all held, then closed), ROUNDS times, and prints plemu's
# RSS at the start, at each round's peak, after it, and once the load has been gone SETTLE
# seconds. Bounded: N flows, ROUNDS rounds, loopback only. Not a CI test.
#
# Usage: scripts/flows_rss.sh [N] [ROUNDS] [SETTLE]   (default 9000 4 20; needs redis-server, jq)
# Environment: PLEMU_BIN (default target/release/plemu; built if missing).
set -euo pipefail
cd "$(dirname "$0")/.."
n=${1:-9000}; rounds=${2:-4}; settle=${3:-20}
PLEMU_BIN=${PLEMU_BIN:-target/release/plemu}
[ -x "$PLEMU_BIN" ] || cargo build --release --locked -p plemu
. scripts/endpoint_topology.sh
python3 scripts/concurrent_flows.py "$host" 6379 "$n" "$rounds" "$plemu_pid"
sleep "$settle"
echo "rss after ${settle} s idle $(awk '/VmRSS/ {print $2}' "/proc/$plemu_pid/status")"
