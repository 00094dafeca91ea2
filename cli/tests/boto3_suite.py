"""The whole PrivateLink topology built with boto3 against plemu's Query front.

Run by cli/tests/python_clients.rs with PLEMU_URL (the API), REDIS_PORT (the target) and
PLEMU_DNS set, and plemu on PATH (for `plemu resolve`). Checks states, the error codes boto3
gets for misconfigurations plemu reproduces, and Redis traffic through the endpoint. Exits
non-zero with the failing check on stderr.
"""

import os
import socket
import subprocess
import sys
import time

import boto3
from botocore import UNSIGNED
from botocore.config import Config
from botocore.exceptions import ClientError

URL = os.environ["PLEMU_URL"]
REDIS_PORT = int(os.environ["REDIS_PORT"])
PROVIDER, CONSUMER, STRANGER = "111111111111", "222222222222", "333333333333"
PAGER = "444444444444"


def client(service, account):
    return boto3.client(
        service,
        endpoint_url=URL,
        region_name="us-east-1",
        aws_access_key_id=account,
        aws_secret_access_key="plemu",
    )


def private_dns_state(ec2, svc_id):
    configs = ec2.describe_vpc_endpoint_service_configurations(ServiceIds=[svc_id])["ServiceConfigurations"]
    return configs[0]["PrivateDnsNameConfiguration"]["State"]


def error_code(call, **kwargs):
    """The AWS error code `call` fails with; fails the suite if it succeeds."""
    try:
        call(**kwargs)
    except ClientError as e:
        assert e.response["ResponseMetadata"]["HTTPStatusCode"] == 400, e.response
        assert e.response["ResponseMetadata"]["RequestId"], e.response
        return e.response["Error"]["Code"]
    raise AssertionError(f"{call.__name__} succeeded, an error was expected")


def eventually(what, check, timeout=60):
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.25)


def redis(addr, *args):
    """One RESP command on a new connection; the reply's first line."""
    with socket.create_connection(addr, timeout=10) as s:
        cmd = f"*{len(args)}\r\n" + "".join(f"${len(a)}\r\n{a}\r\n" for a in args)
        s.sendall(cmd.encode())
        reply = b""
        # A status reply is one line; a bulk string ("$N") is two.
        while not reply.endswith(b"\r\n") or (reply.startswith(b"$") and reply.count(b"\r\n") < 2):
            chunk = s.recv(4096)
            if not chunk:
                break
            reply += chunk
        return reply.decode()


def check_tags_and_notifications(ec2, elb, cec2, vpc_id, svc_id, nlb, tg, cvpc):
    """CreateTags/DeleteTags/DescribeTags, AddTags/RemoveTags/DescribeTags, Describe filters and
    the connection notification verbs, through boto3's own serializers and parsers."""
    ec2.create_tags(Resources=[vpc_id, svc_id], Tags=[{"Key": "env", "Value": "dev"}, {"Key": "team", "Value": ""}])
    got = ec2.describe_tags(Filters=[{"Name": "resource-id", "Values": [vpc_id]}])["Tags"]
    assert got == [
        {"Key": "env", "ResourceId": vpc_id, "ResourceType": "vpc", "Value": "dev"},
        {"Key": "team", "ResourceId": vpc_id, "ResourceType": "vpc", "Value": ""},
    ], got
    svc_tags = ec2.describe_tags(
        Filters=[{"Name": "resource-type", "Values": ["vpc-endpoint-service"]}, {"Name": "key", "Values": ["e*"]}]
    )["Tags"]
    assert [(t["ResourceId"], t["Value"]) for t in svc_tags] == [(svc_id, "dev")], svc_tags
    vpcs = ec2.describe_vpcs(Filters=[{"Name": "tag:env", "Values": ["dev"]}])["Vpcs"]
    assert [v["VpcId"] for v in vpcs] == [vpc_id], vpcs
    assert {"Key": "team", "Value": ""} in vpcs[0]["Tags"], vpcs
    many = [{"Key": f"k{i}", "Value": ""} for i in range(49)]
    assert error_code(ec2.create_tags, Resources=[vpc_id], Tags=many) == "TagLimitExceeded"
    assert error_code(ec2.create_tags, Resources=[vpc_id], Tags=[{"Key": "aws:x", "Value": ""}]) == "InvalidParameterValue"
    assert (
        error_code(ec2.create_tags, Resources=["vpc-0123456789abcdef0"], Tags=[{"Key": "a", "Value": ""}])
        == "InvalidVpcID.NotFound"
    )
    assert error_code(ec2.describe_tags, Filters=[{"Name": "bogus", "Values": ["x"]}]) == "InvalidParameterValue"
    ec2.delete_tags(Resources=[vpc_id], Tags=[{"Key": "env", "Value": "other"}, {"Key": "team"}])
    left = ec2.describe_tags(Filters=[{"Name": "resource-id", "Values": [vpc_id]}])["Tags"]
    assert [t["Key"] for t in left] == ["env"], left
    # Filters on what Describe shows.
    assert error_code(ec2.describe_subnets, Filters=[{"Name": "nope", "Values": ["x"]}]) == "InvalidParameterValue"
    pending = cec2.describe_vpc_endpoints(Filters=[{"Name": "vpc-endpoint-state", "Values": ["rejected"]}])
    assert [e["State"] for e in pending["VpcEndpoints"]] == ["rejected"], pending

    elb.add_tags(ResourceArns=[nlb, tg], Tags=[{"Key": "env", "Value": "dev"}])
    d = elb.describe_tags(ResourceArns=[nlb, tg])["TagDescriptions"]
    assert [(x["ResourceArn"], x["Tags"]) for x in d] == [
        (nlb, [{"Key": "env", "Value": "dev"}]),
        (tg, [{"Key": "env", "Value": "dev"}]),
    ], d
    many = [{"Key": f"k{i}", "Value": ""} for i in range(50)]
    assert error_code(elb.add_tags, ResourceArns=[nlb], Tags=many) == "TooManyTags"
    assert error_code(elb.add_tags, ResourceArns=[tg + "x"], Tags=[{"Key": "a", "Value": ""}]) == "ValidationError"
    elb.remove_tags(ResourceArns=[nlb], TagKeys=["env"])
    assert elb.describe_tags(ResourceArns=[nlb])["TagDescriptions"][0]["Tags"] == []

    topic = f"arn:aws:sns:us-east-1:{PROVIDER}:vpce-events"
    n = ec2.create_vpc_endpoint_connection_notification(
        ServiceId=svc_id, ConnectionNotificationArn=topic, ConnectionEvents=["Connect", "Accept"]
    )["ConnectionNotification"]
    assert n["ConnectionNotificationId"].startswith("vpce-nfn-") and n["ConnectionNotificationState"] == "Enabled", n
    assert n["ConnectionEvents"] == ["Connect", "Accept"] and n["ConnectionNotificationType"] == "Topic", n
    nid = n["ConnectionNotificationId"]
    assert (
        error_code(
            ec2.create_vpc_endpoint_connection_notification,
            ServiceId=svc_id,
            ConnectionNotificationArn="arn:aws:sqs:us-east-1:111111111111:q",
            ConnectionEvents=["Accept"],
        )
        == "InvalidParameter"
    )
    r = ec2.modify_vpc_endpoint_connection_notification(ConnectionNotificationId=nid, ConnectionEvents=["Delete"])
    assert r["ReturnValue"] is True, r
    got = ec2.describe_vpc_endpoint_connection_notifications(
        Filters=[{"Name": "service-id", "Values": [svc_id]}]
    )["ConnectionNotificationSet"]
    assert [(x["ConnectionNotificationId"], x["ConnectionEvents"]) for x in got] == [(nid, ["Delete"])], got
    r = ec2.delete_vpc_endpoint_connection_notifications(ConnectionNotificationIds=[nid, "vpce-nfn-0123456789abcdef0"])
    assert [u["ResourceId"] for u in r["Unsuccessful"]] == ["vpce-nfn-0123456789abcdef0"], r
    assert r["Unsuccessful"][0]["Error"]["Code"] == "InvalidConnectionNotification", r
    assert ec2.describe_vpc_endpoint_connection_notifications()["ConnectionNotificationSet"] == []


def main():
    ec2, elb = client("ec2", PROVIDER), client("elbv2", PROVIDER)

    # --- provider: VPC, subnets, NLB, target group, target, listener ---------
    try:
        ec2.create_vpc(CidrBlock="10.0.0.0/16", DryRun=True)
        raise AssertionError("a dry run succeeded")
    except ClientError as e:
        assert e.response["Error"]["Code"] == "DryRunOperation", e.response
    assert ec2.describe_vpcs()["Vpcs"] == [], "a dry run created a VPC"
    vpc = ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]
    assert vpc["OwnerId"] == PROVIDER and vpc["State"] == "available", vpc
    vpc_id = vpc["VpcId"]
    subnets = [
        ec2.create_subnet(VpcId=vpc_id, CidrBlock=f"10.0.{i}.0/24", AvailabilityZone=f"us-east-1{az}")[
            "Subnet"
        ]["SubnetId"]
        for i, az in ((1, "a"), (2, "b"))
    ]
    got = ec2.describe_subnets(Filters=[{"Name": "vpc-id", "Values": [vpc_id]}])["Subnets"]
    assert sorted(s["SubnetId"] for s in got) == sorted(subnets), got
    assert error_code(ec2.describe_vpcs, VpcIds=["vpc-0123456789abcdef0"]) == "InvalidVpcID.NotFound"
    assert error_code(ec2.create_subnet, VpcId=vpc_id, CidrBlock="10.9.0.0/24") == "InvalidSubnet.Range"

    lb = elb.create_load_balancer(Name="redis-nlb", Type="network", Scheme="internal", Subnets=subnets)[
        "LoadBalancers"
    ][0]
    assert lb["Type"] == "network" and lb["DNSName"], lb
    assert sorted(z["ZoneName"] for z in lb["AvailabilityZones"]) == ["us-east-1a", "us-east-1b"], lb
    nlb = lb["LoadBalancerArn"]
    eventually(
        "the NLB to be active",
        lambda: elb.describe_load_balancers(LoadBalancerArns=[nlb])["LoadBalancers"][0]["State"]["Code"]
        == "active",
    )
    tg = elb.create_target_group(
        Name="redis",
        Protocol="TCP",
        Port=6379,
        VpcId=vpc_id,
        TargetType="ip",
        HealthCheckIntervalSeconds=5,
        HealthyThresholdCount=2,
    )["TargetGroups"][0]["TargetGroupArn"]
    assert error_code(elb.describe_target_groups, TargetGroupArns=[tg + "0"]) == "TargetGroupNotFound"
    elb.register_targets(TargetGroupArn=tg, Targets=[{"Id": "127.0.0.1", "Port": REDIS_PORT}])
    listener = elb.create_listener(
        LoadBalancerArn=nlb,
        Protocol="TCP",
        Port=6379,
        DefaultActions=[{"Type": "forward", "TargetGroupArn": tg}],
    )["Listeners"][0]
    assert listener["DefaultActions"][0]["TargetGroupArn"] == tg, listener
    other_tg = elb.create_target_group(Name="other", Protocol="TCP", Port=6380, VpcId=vpc_id, TargetType="ip")[
        "TargetGroups"
    ][0]["TargetGroupArn"]
    assert (
        error_code(
            elb.create_listener,
            LoadBalancerArn=nlb,
            Protocol="TCP",
            Port=6379,
            DefaultActions=[{"Type": "forward", "TargetGroupArn": other_tg}],
        )
        == "DuplicateListener"
    )
    eventually(
        "the target to be healthy",
        lambda: elb.describe_target_health(TargetGroupArn=tg)["TargetHealthDescriptions"][0]["TargetHealth"][
            "State"
        ]
        == "healthy",
    )

    # --- provider: the endpoint service ---------------------------------------
    svc = ec2.create_vpc_endpoint_service_configuration(
        NetworkLoadBalancerArns=[nlb], AcceptanceRequired=True, PrivateDnsName="redis.example.internal"
    )["ServiceConfiguration"]
    assert svc["ServiceState"] == "Available" and svc["AcceptanceRequired"] is True, svc
    assert svc["PrivateDnsNameConfiguration"]["State"] == "pendingVerification", svc
    svc_id, service_name = svc["ServiceId"], svc["ServiceName"]
    # Without the TXT record, verification fails; published (in plemu's public DNS, with plemu's
    # own CLI: AWS has no API for it), it verifies.
    assert ec2.start_vpc_endpoint_service_private_dns_verification(ServiceId=svc_id)["ReturnValue"] is True
    assert private_dns_state(ec2, svc_id) == "failed"
    txt = svc["PrivateDnsNameConfiguration"]
    subprocess.run(
        ["plemu", "--endpoint-url", URL, "public-dns", "put-txt-record",
         "--name", f"{txt['Name']}.redis.example.internal", "--value", txt["Value"]],
        check=True, capture_output=True,
    )
    assert ec2.start_vpc_endpoint_service_private_dns_verification(ServiceId=svc_id)["ReturnValue"] is True
    assert private_dns_state(ec2, svc_id) == "verified"
    r = ec2.modify_vpc_endpoint_service_permissions(
        ServiceId=svc_id, AddAllowedPrincipals=[f"arn:aws:iam::{CONSUMER}:root"]
    )
    assert r["ReturnValue"] is True, r
    perms = ec2.describe_vpc_endpoint_service_permissions(ServiceId=svc_id)["AllowedPrincipals"]
    assert [p["Principal"] for p in perms] == [f"arn:aws:iam::{CONSUMER}:root"], perms

    # --- consumer: VPC, subnet, security group, endpoint ----------------------
    cec2 = client("ec2", CONSUMER)
    cvpc = cec2.create_vpc(CidrBlock="10.1.0.0/16")["Vpc"]["VpcId"]
    cec2.modify_vpc_attribute(VpcId=cvpc, EnableDnsHostnames={"Value": True})
    attr = cec2.describe_vpc_attribute(VpcId=cvpc, Attribute="enableDnsHostnames")
    assert attr["EnableDnsHostnames"] == {"Value": True}, attr
    csubnet = cec2.create_subnet(VpcId=cvpc, CidrBlock="10.1.1.0/24", AvailabilityZone="us-east-1a")["Subnet"][
        "SubnetId"
    ]
    csubnet_c = cec2.create_subnet(VpcId=cvpc, CidrBlock="10.1.3.0/24", AvailabilityZone="us-east-1c")[
        "Subnet"
    ]["SubnetId"]
    sg = cec2.create_security_group(GroupName="redis-clients", Description="Redis clients", VpcId=cvpc)["GroupId"]
    r = cec2.authorize_security_group_ingress(
        GroupId=sg,
        IpPermissions=[
            {"IpProtocol": "tcp", "FromPort": 6379, "ToPort": 6379, "IpRanges": [{"CidrIp": "10.1.0.0/16"}]}
        ],
    )
    assert r["Return"] is True and r["SecurityGroupRules"][0]["CidrIpv4"] == "10.1.0.0/16", r
    groups = cec2.describe_security_groups(GroupIds=[sg])["SecurityGroups"]
    assert groups[0]["Description"] == "Redis clients", groups
    assert groups[0]["IpPermissions"][0]["IpRanges"] == [{"CidrIp": "10.1.0.0/16"}], groups

    endpoint = dict(
        VpcEndpointType="Interface",
        VpcId=cvpc,
        ServiceName=service_name,
        SecurityGroupIds=[sg],
        PrivateDnsEnabled=True,
    )
    # Misconfigurations, each with AWS's code: a zone the service's NLB lacks, an account the
    # service does not allow.
    assert error_code(cec2.create_vpc_endpoint, SubnetIds=[csubnet_c], **endpoint) == "InvalidParameter"
    # Private DNS in a VPC whose DNS hostnames attribute is off (the default).
    plain = cec2.create_vpc(CidrBlock="10.1.0.0/16")["Vpc"]["VpcId"]
    plain_subnet = cec2.create_subnet(VpcId=plain, CidrBlock="10.1.1.0/24", AvailabilityZone="us-east-1a")[
        "Subnet"
    ]["SubnetId"]
    try:
        cec2.create_vpc_endpoint(**dict(endpoint, VpcId=plain, SubnetIds=[plain_subnet], SecurityGroupIds=[]))
        raise AssertionError("private DNS was enabled in a VPC without DNS hostnames")
    except ClientError as e:
        assert e.response["Error"]["Code"] == "InvalidParameter", e.response
        assert "enableDnsHostnames" in e.response["Error"]["Message"], e.response
    stranger = client("ec2", STRANGER)
    svpc = stranger.create_vpc(CidrBlock="10.2.0.0/16")["Vpc"]["VpcId"]
    ssubnet = stranger.create_subnet(VpcId=svpc, CidrBlock="10.2.1.0/24", AvailabilityZone="us-east-1a")[
        "Subnet"
    ]["SubnetId"]
    assert (
        error_code(
            stranger.create_vpc_endpoint,
            VpcEndpointType="Interface",
            VpcId=svpc,
            ServiceName=service_name,
            SubnetIds=[ssubnet],
        )
        == "InvalidServiceName"
    )

    vpce = cec2.create_vpc_endpoint(SubnetIds=[csubnet], **endpoint)["VpcEndpoint"]
    assert vpce["State"] == "pendingAcceptance" and vpce["PrivateDnsEnabled"] is True, vpce
    vpce_id = vpce["VpcEndpointId"]
    conns = ec2.describe_vpc_endpoint_connections(
        Filters=[{"Name": "vpc-endpoint-state", "Values": ["pendingAcceptance"]}]
    )["VpcEndpointConnections"]
    assert [(c["VpcEndpointId"], c["VpcEndpointOwner"]) for c in conns] == [(vpce_id, CONSUMER)], conns
    details = cec2.describe_vpc_endpoint_services(ServiceNames=[service_name])["ServiceDetails"]
    assert details[0]["Owner"] == PROVIDER and details[0]["AcceptanceRequired"] is True, details

    # --- the provider accepts -------------------------------------------------
    r = ec2.accept_vpc_endpoint_connections(ServiceId=svc_id, VpcEndpointIds=[vpce_id, "vpce-0123456789abcdef0"])
    assert [u["ResourceId"] for u in r["Unsuccessful"]] == ["vpce-0123456789abcdef0"], r
    vpce = eventually(
        "the endpoint to be available",
        lambda: next(
            (
                e
                for e in cec2.describe_vpc_endpoints(VpcEndpointIds=[vpce_id])["VpcEndpoints"]
                if e["State"] == "available"
            ),
            None,
        ),
    )
    assert vpce["DnsEntries"] and vpce["Groups"][0]["GroupId"] == sg, vpce

    # --- Redis traffic through the endpoint, by the private DNS name ----------
    address = subprocess.run(
        ["plemu", "resolve", "redis.example.internal"], check=True, capture_output=True, text=True
    ).stdout.strip()
    reply = redis((address, 6379), "SET", "greeting", "hello from boto3")
    assert reply == "+OK\r\n", reply
    reply = redis(("127.0.0.1", REDIS_PORT), "GET", "greeting")
    assert reply == "$16\r\nhello from boto3\r\n", reply

    # --- a second endpoint, rejected; a target deregistered -------------------
    second = cec2.create_vpc_endpoint(
        SubnetIds=[csubnet], **dict(endpoint, PrivateDnsEnabled=False)
    )["VpcEndpoint"]["VpcEndpointId"]
    r = ec2.reject_vpc_endpoint_connections(ServiceId=svc_id, VpcEndpointIds=[second])
    assert r.get("Unsuccessful", []) == [], r
    state = cec2.describe_vpc_endpoints(VpcEndpointIds=[second])["VpcEndpoints"][0]["State"]
    assert state == "rejected", state
    elb.register_targets(TargetGroupArn=other_tg, Targets=[{"Id": "127.0.0.1", "Port": 1}])
    elb.deregister_targets(TargetGroupArn=other_tg, Targets=[{"Id": "127.0.0.1", "Port": 1}])
    health = elb.describe_target_health(TargetGroupArn=other_tg)["TargetHealthDescriptions"]
    assert [h["TargetHealth"]["State"] for h in health] == ["draining"], health

    # --- tags, filters and connection notifications, as boto3 shapes them ------
    check_tags_and_notifications(ec2, elb, cec2, vpc_id, svc_id, nlb, tg, cvpc)

    # --- changes, as boto3 shapes them ----------------------------------------
    r = ec2.modify_vpc_endpoint_service_configuration(ServiceId=svc_id, AcceptanceRequired=False)
    assert r["Return"] is True, r
    cfg = ec2.describe_vpc_endpoint_service_configurations(ServiceIds=[svc_id])["ServiceConfigurations"][0]
    assert cfg["AcceptanceRequired"] is False, cfg
    ec2.modify_vpc_endpoint_service_configuration(ServiceId=svc_id, AcceptanceRequired=True)
    sg2 = cec2.create_security_group(GroupName="more", Description="more", VpcId=cvpc)["GroupId"]
    r = cec2.modify_vpc_endpoint(VpcEndpointId=vpce_id, AddSecurityGroupIds=[sg2])
    assert r["Return"] is True, r
    groups = cec2.describe_vpc_endpoints(VpcEndpointIds=[vpce_id])["VpcEndpoints"][0]["Groups"]
    assert {g["GroupId"] for g in groups} == {sg, sg2}, groups
    cec2.modify_vpc_endpoint(VpcEndpointId=vpce_id, RemoveSecurityGroupIds=[sg2])
    groups = cec2.describe_vpc_endpoints(VpcEndpointIds=[vpce_id])["VpcEndpoints"][0]["Groups"]
    assert [g["GroupId"] for g in groups] == [sg], groups
    forward = lambda arn: [{"Type": "forward", "TargetGroupArn": arn}]  # noqa: E731
    moved = elb.modify_listener(ListenerArn=listener["ListenerArn"], DefaultActions=forward(other_tg))
    assert moved["Listeners"][0]["DefaultActions"][0]["TargetGroupArn"] == other_tg, moved
    assert error_code(elb.modify_listener, ListenerArn=listener["ListenerArn"] + "0", Port=1) == "ListenerNotFound"
    elb.modify_listener(ListenerArn=listener["ListenerArn"], DefaultActions=forward(tg))

    # --- teardown, in AWS's order ---------------------------------------------
    r = ec2.delete_vpc_endpoint_service_configurations(ServiceIds=[svc_id])
    assert [u["Error"]["Code"] for u in r["Unsuccessful"]] == ["ExistingVpcEndpointConnections"], r
    assert cec2.delete_vpc_endpoints(VpcEndpointIds=[vpce_id, second]).get("Unsuccessful", []) == []
    eventually(
        "the endpoint to go",
        lambda: all(
            e["State"] in ("deleting", "deleted")
            for e in cec2.describe_vpc_endpoints()["VpcEndpoints"]
            if e["VpcEndpointId"] == vpce_id
        ),
    )
    # --- pages, through botocore's own paginators ------------------------------
    pager = client("ec2", PAGER)
    made = {pager.create_vpc(CidrBlock=f"10.{i}.0.0/16")["Vpc"]["VpcId"] for i in range(7)}
    pages = list(pager.get_paginator("describe_vpcs").paginate(PaginationConfig={"PageSize": 5}))
    assert [len(p["Vpcs"]) for p in pages] == [5, 2], pages
    assert {v["VpcId"] for p in pages for v in p["Vpcs"]} == made, pages
    assert "NextToken" in pages[0] and "NextToken" not in pages[1], pages
    # (botocore checks describe_vpcs' minimum itself; this one is left to the server)
    assert error_code(pager.describe_vpc_endpoint_connections, MaxResults=3) == "InvalidParameterValue"
    assert error_code(pager.describe_vpcs, NextToken="bogus") == "InvalidPaginationToken"
    tg_pages = list(elb.get_paginator("describe_target_groups").paginate(PaginationConfig={"PageSize": 1}))
    assert [len(p["TargetGroups"]) for p in tg_pages] == [1, 1], tg_pages
    assert error_code(elb.describe_target_groups, PageSize=401) == "ValidationError"

    # --- an unsigned request is the default account ----------------------------
    unsigned = boto3.client(
        "ec2", endpoint_url=URL, region_name="us-east-1", config=Config(signature_version=UNSIGNED)
    )
    assert unsigned.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["OwnerId"] == "000000000000"
    assert len(unsigned.describe_vpcs()["Vpcs"]) == 1

    print("boto3 suite passed")


if __name__ == "__main__":
    try:
        main()
    except AssertionError as e:
        import traceback

        traceback.print_exc()
        sys.exit(f"FAILED: {e}")
