#!/usr/bin/env bash
# Confluent Cloud -> ElastiCache through AWS PrivateLink, on one machine with plemu.
#
# The customer's account (111111111111) has "ElastiCache" (a Redis container) in its VPC,
# behind an internal NLB with an IP target, published as an endpoint service with a private
# DNS name. Confluent's account (222222222222) creates an interface endpoint in its own VPC,
# which uses the same CIDR block (10.0.0.0/16) as the customer's; the customer accepts; a sink
# container in Confluent's VPC writes records into Redis by the private DNS name.
#
# Usage: examples/confluent-elasticache/run.sh   (needs Docker and scripts/images.sh's images;
#        PLEMU_BIN names the plemu binary, default: target/release/plemu, else on PATH)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
PLEMU_BIN=${PLEMU_BIN:-$root/target/release/plemu}
[ -x "$PLEMU_BIN" ] || PLEMU_BIN=$(command -v plemu) || { echo "no plemu binary: cargo build --release -p plemu" >&2; exit 1; }
RECORDS=${RECORDS:-100}
NAME=redis.customer.internal

work=$(mktemp -d)
instance="example-$(od -An -N4 -tx4 /dev/urandom | tr -d ' ')"
cleanup() {
  docker rm -f "elasticache-$instance" "sink-$instance" >/dev/null 2>&1 || true
  [ -n "${plemu_pid:-}" ] && kill "$plemu_pid" 2>/dev/null && wait "$plemu_pid" 2>/dev/null
  "$PLEMU_BIN" clean --instance "$instance" >/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

# plemu on the host, VPCs as Docker networks; its API on a free port.
"$PLEMU_BIN" up --docker --docker-instance "$instance" --api 127.0.0.1:0 \
  --data-dir "$work/data" --provisioning-delay 0 >"$work/plemu.out" 2>"$work/plemu.log" &
plemu_pid=$!
for _ in $(seq 100); do grep -q '^plemu ready:' "$work/plemu.out" && break; sleep 0.1; done
api=$(sed -n 's/^plemu ready: api \([^ ]*\).*/\1/p' "$work/plemu.out")
[ -n "$api" ] || { cat "$work/plemu.log" >&2; exit 1; }
export PLEMU_ENDPOINT_URL="http://$api"
plemu() { "$PLEMU_BIN" "$@"; }
json() { python3 -c "import json,sys; print(eval('json.load(sys.stdin)' + sys.argv[1]))" "$1"; }
network() { # the Docker network of a VPC, once plemu made it
  for _ in $(seq 100); do docker network inspect "plemu-$1" >/dev/null 2>&1 && return; sleep 0.1; done
  echo "no network for $1" >&2; exit 1
}

echo "== customer account: ElastiCache behind an NLB, published as an endpoint service"
export PLEMU_ACCOUNT=111111111111
VPC=$(plemu ec2 create-vpc --cidr-block 10.0.0.0/16 | json "['Vpc']['VpcId']")
SUBNET_A=$(plemu ec2 create-subnet --vpc-id "$VPC" --cidr-block 10.0.1.0/24 --availability-zone us-east-1a | json "['Subnet']['SubnetId']")
SUBNET_B=$(plemu ec2 create-subnet --vpc-id "$VPC" --cidr-block 10.0.2.0/24 --availability-zone us-east-1b | json "['Subnet']['SubnetId']")
network "$VPC"
# The node's VPC address is 10.0.1.100; on the network it has the same offset.
subnet=$(docker network inspect "plemu-$VPC" -f '{{(index .IPAM.Config 0).Subnet}}')
node_ip="$(echo "$subnet" | cut -d. -f1-2).1.100"
docker run -d --name "elasticache-$instance" --network "plemu-$VPC" --ip "$node_ip" \
  plemu-testbed:dev >/dev/null
NLB=$(plemu elbv2 create-load-balancer --name elasticache-nlb --type network --scheme internal \
  --subnets "$SUBNET_A" "$SUBNET_B" | json "['LoadBalancers'][0]['LoadBalancerArn']")
TG=$(plemu elbv2 create-target-group --name elasticache --protocol TCP --port 6379 --vpc-id "$VPC" \
  --target-type ip --health-check-interval-seconds 5 --healthy-threshold-count 2 \
  | json "['TargetGroups'][0]['TargetGroupArn']")
plemu elbv2 register-targets --target-group-arn "$TG" --targets Id=10.0.1.100,Port=6379 >/dev/null
plemu elbv2 create-listener --load-balancer-arn "$NLB" --protocol TCP --port 6379 \
  --default-actions "Type=forward,TargetGroupArn=$TG" >/dev/null
SVC=$(plemu ec2 create-vpc-endpoint-service-configuration --network-load-balancer-arns "$NLB" \
  --acceptance-required --private-dns-name "$NAME" | json "['ServiceConfiguration']['ServiceId']")
# Prove the name is ours: the TXT record the service asks for, in plemu's public DNS, then verify.
cfg="['ServiceConfigurations'][0]['PrivateDnsNameConfiguration']"
TXT_NAME=$(plemu ec2 describe-vpc-endpoint-service-configurations --service-ids "$SVC" | json "$cfg['Name']")
TXT_VALUE=$(plemu ec2 describe-vpc-endpoint-service-configurations --service-ids "$SVC" | json "$cfg['Value']")
plemu public-dns put-txt-record --name "$TXT_NAME.$NAME" --value "$TXT_VALUE" >/dev/null
plemu ec2 start-vpc-endpoint-service-private-dns-verification --service-id "$SVC" >/dev/null
plemu ec2 modify-vpc-endpoint-service-permissions --service-id "$SVC" \
  --add-allowed-principals arn:aws:iam::222222222222:root >/dev/null

echo "== Confluent's account: an interface endpoint in a VPC with the same CIDR block"
export PLEMU_ACCOUNT=222222222222
CVPC=$(plemu ec2 create-vpc --cidr-block 10.0.0.0/16 | json "['Vpc']['VpcId']")
plemu ec2 modify-vpc-attribute --vpc-id "$CVPC" --enable-dns-hostnames '{"Value":true}'
CSUBNET=$(plemu ec2 create-subnet --vpc-id "$CVPC" --cidr-block 10.0.1.0/24 --availability-zone us-east-1a | json "['Subnet']['SubnetId']")
SG=$(plemu ec2 create-security-group --group-name connectors --description "Confluent connectors" --vpc-id "$CVPC" | json "['GroupId']")
plemu ec2 authorize-security-group-ingress --group-id "$SG" --protocol tcp --port 6379 --cidr 10.0.0.0/16 >/dev/null
VPCE=$(plemu ec2 create-vpc-endpoint --vpc-endpoint-type Interface --vpc-id "$CVPC" \
  --service-name "com.amazonaws.vpce.us-east-1.$SVC" --subnet-ids "$CSUBNET" \
  --security-group-ids "$SG" --private-dns-enabled | json "['VpcEndpoint']['VpcEndpointId']")
echo "   endpoint $VPCE: $(plemu ec2 describe-vpc-endpoints --vpc-endpoint-ids "$VPCE" | json "['VpcEndpoints'][0]['State']")"

echo "== the customer accepts the connection"
PLEMU_ACCOUNT=111111111111 plemu ec2 accept-vpc-endpoint-connections --service-id "$SVC" --vpc-endpoint-ids "$VPCE" >/dev/null
for _ in $(seq 100); do
  state=$(plemu ec2 describe-vpc-endpoints --vpc-endpoint-ids "$VPCE" | json "['VpcEndpoints'][0]['State']")
  [ "$state" = available ] && break; sleep 0.1
done
echo "   endpoint $VPCE: $state"
for _ in $(seq 150); do
  health=$(PLEMU_ACCOUNT=111111111111 plemu elbv2 describe-target-health --target-group-arn "$TG" \
    | json "['TargetHealthDescriptions'][0]['TargetHealth']['State']")
  [ "$health" = healthy ] && break; sleep 0.2
done
echo "   target 10.0.1.100: $health"
network "$CVPC"

echo "== the sink writes $RECORDS records by the private DNS name"
docker run --name "sink-$instance" --network "plemu-$CVPC" -e REDIS_HOST="$NAME" -e RECORDS="$RECORDS" \
  -v "$here/sink.sh:/sink.sh:ro" plemu-testbed:dev bash /sink.sh
stored=$(docker exec "elasticache-$instance" redis-cli DBSIZE)
echo "== ElastiCache holds $stored records"
[ "$stored" -eq "$RECORDS" ]
echo "example passed"
