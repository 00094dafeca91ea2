# Sourced by the load scripts (soak.sh, flows_rss.sh): starts redis-server and `plemu up` in a
# temporary directory, builds the README's topology with no acceptance, and waits until Redis
# answers through the endpoint. Sets: work, plemu_pid, redis_port, host (the endpoint's address),
# VPCE. Removes everything on exit. Needs PLEMU_BIN, jq, redis-server and redis-cli.
work=$(mktemp -d)
cleanup() {
  [ -n "${plemu_pid:-}" ] && kill "$plemu_pid" 2>/dev/null || true
  [ -n "${redis_port:-}" ] && redis-cli -p "$redis_port" shutdown nosave >/dev/null 2>&1 || true
  wait 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

redis_port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
redis-server --port "$redis_port" --bind 127.0.0.1 --protected-mode no --save '' --appendonly no --daemonize yes \
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

