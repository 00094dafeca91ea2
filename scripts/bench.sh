#!/usr/bin/env bash
# plemu's benchmark: every figure of docs/benchmarks.md, for three paths to the same targets in
# one run — direct, HAProxy chained twice (two processes, the side-by-side peer) and plemu
# (`plemu up`, release build) — each as a ratio to direct, medians of ROUNDS rounds run in turn.
#
# Usage: scripts/bench.sh [ROUNDS] [CHART.svg]   (default 3 rounds; no chart unless a path is given)
# Needs redis-server, redis-benchmark, iperf3, haproxy, jq (installed from Debian's packages when
# missing). Environment: PLEMU_BIN (default target/release/plemu; built if missing).
# Bounded: each load has a fixed count or duration; loopback only.
set -euo pipefail
cd "$(dirname "$0")/.."
rounds=${1:-3}
chart=${2:-}
missing=()
for pair in redis-server:redis-server redis-benchmark:redis-tools iperf3:iperf3 haproxy:haproxy jq:jq; do
  command -v "${pair%%:*}" >/dev/null 2>&1 || missing+=("${pair#*:}")
done
if [ ${#missing[@]} -gt 0 ]; then
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${missing[@]}" >/dev/null
fi
PLEMU_BIN=${PLEMU_BIN:-target/release/plemu}
[ -x "$PLEMU_BIN" ] || cargo build --release --locked -p plemu

. scripts/endpoint_topology.sh   # plemu up, redis-server, the README topology: host, plemu_pid, work
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

# The bulk target: iperf3, behind a second listener (5201) of the same load balancer.
iperf_port=$(free_port)
iperf3 -s -p "$iperf_port" >"$work/iperf3.log" 2>&1 &
iperf_pid=$!
export PLEMU_ACCOUNT=111111111111
TG2=$(p elbv2 create-target-group --name bulk --protocol TCP --port "$iperf_port" --vpc-id "$VPC" --target-type ip \
  | jq -r '.TargetGroups[0].TargetGroupArn')
p elbv2 register-targets --target-group-arn "$TG2" --targets "Id=127.0.0.1,Port=$iperf_port" >/dev/null
p elbv2 create-listener --load-balancer-arn "$NLB" --protocol TCP --port 5201 \
  --default-actions "Type=forward,TargetGroupArn=$TG2" >/dev/null
PLEMU_ACCOUNT=222222222222 p ec2 authorize-security-group-ingress --group-id "$SG" --protocol tcp --port 5201 \
  --cidr 10.1.0.0/16 >/dev/null

# HAProxy twice: front (A) → back (B) → target, for Redis and for iperf3.
ha_a_redis=$(free_port); ha_b_redis=$(free_port); ha_a_bulk=$(free_port); ha_b_bulk=$(free_port)
haproxy_cfg() { # NAME REDIS_LISTEN REDIS_NEXT BULK_LISTEN BULK_NEXT
  cat >"$work/$1.cfg" <<CFG
global
  maxconn 9000
defaults
  mode tcp
  timeout connect 5s
  timeout client 1h
  timeout server 1h
listen redis
  bind 127.0.0.1:$2
  server next $3
listen bulk
  bind 127.0.0.1:$4
  server next $5
CFG
}
haproxy_cfg hb "$ha_b_redis" "127.0.0.1:$redis_port" "$ha_b_bulk" "127.0.0.1:$iperf_port"
haproxy_cfg ha "$ha_a_redis" "127.0.0.1:$ha_b_redis" "$ha_a_bulk" "127.0.0.1:$ha_b_bulk"
haproxy -f "$work/hb.cfg" >"$work/hb.log" 2>&1 & hb_pid=$!
haproxy -f "$work/ha.cfg" >"$work/ha.log" 2>&1 & ha_pid=$!
trap 'kill $iperf_pid $ha_pid $hb_pid 2>/dev/null || true; cleanup' EXIT

# Every path as "name redis_host redis_port bulk_host bulk_port".
paths=("direct 127.0.0.1 $redis_port 127.0.0.1 $iperf_port"
       "haproxy 127.0.0.1 $ha_a_redis 127.0.0.1 $ha_a_bulk"
       "plemu $host 6379 $host 5201")
for _ in $(seq 100); do redis-cli -h "$host" -p 6379 ping >/dev/null 2>&1 && \
  (exec 3<>"/dev/tcp/$host/5201") 2>/dev/null && break; sleep 0.1; done
for _ in $(seq 50); do redis-cli -p "$ha_a_redis" ping >/dev/null 2>&1 && break; sleep 0.1; done
redis-cli -p "$ha_a_redis" ping >/dev/null || { echo "HAProxy did not come up:"; cat "$work"/h?.log; exit 1; }

# One figure of one path: prints a number.
rps() { # HOST PORT TEST redis-benchmark-args… → requests per second of TEST
  local h=$1 p=$2 t=$3 v; shift 3
  v=$(redis-benchmark -h "$h" -p "$p" "$@" --csv 2>"$work/redis-benchmark.err" | awk -F'"' -v t="$t" '$2 == t { print $4 }')
  [ -n "$v" ] || { echo "redis-benchmark $* to $h:$p gave no $t figure: $(tail -c 300 "$work/redis-benchmark.err")" >&2; exit 1; }
  echo "$v"
}
p50_us() { # HOST PORT → PING p50 in µs, one client, kept connection
  redis-benchmark -h "$1" -p "$2" -c 1 -n 20000 -t ping --csv 2>/dev/null \
    | awk -F'"' '$2 == "PING_MBULK" { printf "%.0f\n", $10 * 1000 }'
}
measure() { # KIND HOST PORT BULK_HOST BULK_PORT
  case $1 in
    bulk) iperf3 -c "$4" -p "$5" -t 5 -J 2>/dev/null \
            | jq -r 'if .error then "iperf3 to \(.start.connecting_to.host // "?"): \(.error)\n" | halt_error(1)
                     else .end.sum_received.bits_per_second / 8 / 1048576 | floor end' ;;
    pipelined) echo $(( ( $(rps "$2" "$3" SET -c 50 -P 16 -n 200000 -t set | cut -d. -f1) \
                        + $(rps "$2" "$3" GET -c 50 -P 16 -n 200000 -t get | cut -d. -f1) ) / 2 )) ;;
    unpipelined) echo $(( ( $(rps "$2" "$3" SET -c 50 -n 50000 -t set | cut -d. -f1) \
                          + $(rps "$2" "$3" GET -c 50 -n 50000 -t get | cut -d. -f1) ) / 2 )) ;;
    ping_p50) p50_us "$2" "$3" ;;
    churn_rps) rps "$2" "$3" PING_MBULK -c 20 -k 0 -n 5000 -t ping | cut -d. -f1 ;;
    churn_p50) python3 scripts/bench_conn.py churn "$2" "$3" 2000 | awk '{ print $2 }' ;;
  esac
}
kinds=(bulk pipelined unpipelined ping_p50 churn_rps churn_p50)
declare -A samples
for r in $(seq "$rounds"); do
  for kind in "${kinds[@]}"; do
    for path in "${paths[@]}"; do
      read -r name rh rp bh bp <<<"$path"
      v=$(measure "$kind" "$rh" "$rp" "$bh" "$bp")
      samples[$kind.$name]="${samples[$kind.$name]:-} ${v:-0}"
    done
  done
  echo "round $r of $rounds done" >&2
done
median() { tr ' ' '\n' | grep -v '^$' | sort -n | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }'; }

# Idle connections: memory each, while 2,000 are open, for plemu and for both HAProxy processes.
idle_plemu=$(python3 scripts/bench_conn.py idle "$host" 6379 2000 "$plemu_pid")
idle_haproxy=$(python3 scripts/bench_conn.py idle 127.0.0.1 "$ha_a_redis" 2000 "$ha_pid" "$hb_pid")
per_conn() { awk '{ printf "%.1f", ($4 - $2) / 2000 }'; }

out="$work/results"
{
  printf "%-34s %12s %12s %12s %9s %9s\n" figure direct "haproxy x2" plemu "haproxy" "plemu"
  for kind in "${kinds[@]}"; do
    d=$(echo "${samples[$kind.direct]}" | median)
    h=$(echo "${samples[$kind.haproxy]}" | median)
    q=$(echo "${samples[$kind.plemu]}" | median)
    case $kind in
      ping_p50|churn_p50) # latencies: the time added to direct
        printf "%-34s %12s %12s %12s %9s %9s\n" "$kind (µs, added)" "$d" "$h" "$q" "+$((h - d))" "+$((q - d))" ;;
      *)
        printf "%-34s %12s %12s %12s %8s%% %8s%%\n" "$kind" "$d" "$h" "$q" \
          "$(awk -v a="$h" -v b="$d" 'BEGIN { printf "%.0f", 100 * a / b }')" \
          "$(awk -v a="$q" -v b="$d" 'BEGIN { printf "%.0f", 100 * a / b }')" ;;
    esac
  done
  printf "%-34s %12s %12s %12s\n" "idle conn memory (KiB each)" "-" "$(echo "$idle_haproxy" | per_conn)" "$(echo "$idle_plemu" | per_conn)"
  echo "idle, plemu RSS KiB: $idle_plemu; haproxy x2: $idle_haproxy"
} | tee "$out"
echo "units: bulk MiB/s; pipelined, unpipelined, churn_rps requests/s (SET and GET averaged); rounds $rounds (medians)"
if [ -n "$chart" ]; then python3 scripts/bench_chart.py "$out" "$chart"; echo "chart: $chart"; fi
