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
work=$(mktemp -d)
cleanup() {
  [ -n "${plemu_pid:-}" ] && kill "$plemu_pid" 2>/dev/null || true
  [ -n "${redis_port:-}" ] && redis-cli -p "$redis_port" shutdown nosave >/dev/null 2>&1 || true
  wait 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

redis_port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
redis-server --port "$redis_port" --bind 127.0.0.1 --save '' --appendonly no --daemonize yes \
  --logfile "$work/redis.log" --maxclients 20000
"$PLEMU_BIN" up --api 127.0.0.1:0 --dns 127.0.0.1:0 --data-dir "$work/data" --provisioning-delay 0 \
  >"$work/plemu.out" 2>"$work/plemu.log" &
plemu_pid=$!
for _ in $(seq 100); do grep -q '^plemu ready:' "$work/plemu.out" && break; sleep 0.1; done
api=$(sed -n 's/^plemu ready: api \([^ ]*\) .*/\1/p' "$work/plemu.out")
export PLEMU_ENDPOINT_URL="http://$api"
p() { "$PLEMU_BIN" "$@"; }

# The README's topology, with no acceptance.
export PLEMU_ACCOUNT=111111111111
VPC=$(p ec2 create-vpc --cidr-block 10.0.0.0/16 | jq -r .Vpc.VpcId)
SA=$(p ec2 create-subnet --vpc-id "$VPC" --cidr-block 10.0.1.0/24 --availability-zone us-east-1a | jq -r .Subnet.SubnetId)
NLB=$(p elbv2 create-load-balancer --name soak --type network --scheme internal --subnets "$SA" | jq -r '.LoadBalancers[0].LoadBalancerArn')
TG=$(p elbv2 create-target-group --name soak --protocol TCP --port "$redis_port" --vpc-id "$VPC" --target-type ip | jq -r '.TargetGroups[0].TargetGroupArn')
p elbv2 register-targets --target-group-arn "$TG" --targets "Id=127.0.0.1,Port=$redis_port" >/dev/null
p elbv2 create-listener --load-balancer-arn "$NLB" --protocol TCP --port 6379 --default-actions "Type=forward,TargetGroupArn=$TG" >/dev/null
SVC=$(p ec2 create-vpc-endpoint-service-configuration --network-load-balancer-arns "$NLB" --no-acceptance-required | jq -r .ServiceConfiguration.ServiceId)
p ec2 modify-vpc-endpoint-service-permissions --service-id "$SVC" --add-allowed-principals arn:aws:iam::222222222222:root >/dev/null
export PLEMU_ACCOUNT=222222222222
CVPC=$(p ec2 create-vpc --cidr-block 10.1.0.0/16 | jq -r .Vpc.VpcId)
CS=$(p ec2 create-subnet --vpc-id "$CVPC" --cidr-block 10.1.1.0/24 --availability-zone us-east-1a | jq -r .Subnet.SubnetId)
SG=$(p ec2 create-security-group --group-name soak --description soak --vpc-id "$CVPC" | jq -r .GroupId)
p ec2 authorize-security-group-ingress --group-id "$SG" --protocol tcp --port 6379 --cidr 10.1.0.0/16 >/dev/null
VPCE=$(p ec2 create-vpc-endpoint --vpc-endpoint-type Interface --vpc-id "$CVPC" --service-name "com.amazonaws.vpce.us-east-1.$SVC" \
  --subnet-ids "$CS" --security-group-ids "$SG" | jq -r .VpcEndpoint.VpcEndpointId)
name=$(p ec2 describe-vpc-endpoints --vpc-endpoint-ids "$VPCE" | jq -r '.VpcEndpoints[0].DnsEntries[0].DnsName')
dns=$(sed -n 's/^plemu ready: .* dns \([^ ]*\).*/\1/p' "$work/plemu.out")
host=""
for _ in $(seq 100); do host=$(p resolve --dns "$dns" "$name" 2>/dev/null | head -n1) && [ -n "$host" ] && break; sleep 0.1; done
for _ in $(seq 100); do redis-cli -h "$host" ping >/dev/null 2>&1 && break; sleep 0.1; done

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
