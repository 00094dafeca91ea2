"""plemu's gRPC API from Python, as a new user meets it: stubs compiled from the shipped
.proto files with `-I proto/proto`, the caller in metadata, the AWS code in the status
details, the standard health service and server reflection.

Run by cli/tests/python_clients.rs with PLEMU_ADDR (host:port of the API) and PROTO_ROOT (the
repository's proto/proto). Exits non-zero with the failing check on stderr.
"""

import glob
import os
import sys
import tempfile

import grpc
from grpc_health.v1 import health_pb2, health_pb2_grpc
from grpc_reflection.v1alpha.proto_reflection_descriptor_database import (
    ProtoReflectionDescriptorDatabase,
)
from grpc_status import rpc_status
from google.rpc import error_details_pb2
from grpc_tools import protoc

ADDR = os.environ["PLEMU_ADDR"]
ROOT = os.environ["PROTO_ROOT"]


def compile_stubs():
    out = tempfile.mkdtemp()
    files = [f for f in glob.glob(f"{ROOT}/plemu/v1/*.proto") if not f.endswith(("agent.proto", "tunnel.proto"))]
    code = protoc.main(["protoc", f"-I{ROOT}", f"--python_out={out}", f"--grpc_python_out={out}", *files])
    assert code == 0, f"protoc failed ({code})"
    sys.path.insert(0, out)


def main():
    compile_stubs()
    from plemu.v1 import ec2_pb2, ec2_pb2_grpc, vpce_pb2  # noqa: F401  (generated above)

    channel = grpc.insecure_channel(ADDR)
    ec2 = ec2_pb2_grpc.Ec2Stub(channel)
    me = [("x-plemu-account", "111111111111")]

    vpc = ec2.CreateVpc(ec2_pb2.CreateVpcRequest(cidr_block="10.0.0.0/16"), metadata=me).vpc
    assert vpc.owner_id == "111111111111", vpc
    sg = ec2.CreateSecurityGroup(
        ec2_pb2.CreateSecurityGroupRequest(group_name="g", description="d", vpc_id=vpc.vpc_id), metadata=me
    ).group_id
    r = ec2.AuthorizeSecurityGroupIngress(
        ec2_pb2.AuthorizeSecurityGroupIngressRequest(
            group_id=sg,
            ip_permissions=[
                ec2_pb2.IpPermission(
                    ip_protocol="tcp", from_port=6379, to_port=6379, ip_ranges=[ec2_pb2.IpRange(cidr_ip="10.0.0.0/8")]
                )
            ],
        ),
        metadata=me,
    )
    # No field is named after a Python keyword.
    assert r.return_value is True, r

    # The AWS code, as a google.rpc.ErrorInfo in the status details.
    try:
        ec2.DescribeVpcs(ec2_pb2.DescribeVpcsRequest(vpc_ids=["vpc-0123456789abcdef0"]), metadata=me)
        raise AssertionError("DescribeVpcs of an unknown VPC succeeded")
    except grpc.RpcError as e:
        assert e.code() == grpc.StatusCode.NOT_FOUND, e
        status = rpc_status.from_call(e)
        info = error_details_pb2.ErrorInfo()
        assert status.details and status.details[0].Unpack(info), status
        assert (info.reason, info.domain) == ("InvalidVpcID.NotFound", "amazonaws.com"), info
        trailer = dict(e.trailing_metadata())
        assert trailer.get("x-plemu-error-code") == "InvalidVpcID.NotFound", trailer

    # An account that is not 12 digits is refused, naming the metadata entry.
    try:
        ec2.DescribeVpcs(ec2_pb2.DescribeVpcsRequest(), metadata=[("x-plemu-account", "acme")])
        raise AssertionError("an account 'acme' was accepted")
    except grpc.RpcError as e:
        assert e.code() == grpc.StatusCode.INVALID_ARGUMENT, e
        assert "x-plemu-account" in e.details(), e.details()

    # Pages.
    for i in range(1, 7):
        ec2.CreateVpc(ec2_pb2.CreateVpcRequest(cidr_block=f"10.{i}.0.0/16"), metadata=me)
    first = ec2.DescribeVpcs(ec2_pb2.DescribeVpcsRequest(max_results=5), metadata=me)
    rest = ec2.DescribeVpcs(ec2_pb2.DescribeVpcsRequest(max_results=5, next_token=first.next_token), metadata=me)
    assert (len(first.vpcs), len(rest.vpcs), rest.next_token) == (5, 2, ""), (first, rest)

    # The standard health service.
    health = health_pb2_grpc.HealthStub(channel)
    for service in ("", "plemu.v1.Ec2", "plemu.v1.Elbv2"):
        r = health.Check(health_pb2.HealthCheckRequest(service=service))
        assert r.status == health_pb2.HealthCheckResponse.SERVING, (service, r)

    # Reflection: the services, and their messages without the .proto files.
    db = ProtoReflectionDescriptorDatabase(channel)
    services = set(db.get_services())
    assert {"plemu.v1.Ec2", "plemu.v1.Elbv2", "grpc.health.v1.Health"} <= services, services
    assert "plemu.v1.Agent" not in services, services
    fd = db.FindFileContainingSymbol("plemu.v1.Elbv2")
    assert fd.package == "plemu.v1", fd.name
    print("grpc python suite passed")


if __name__ == "__main__":
    try:
        main()
    except AssertionError as e:
        import traceback

        traceback.print_exc()
        sys.exit(f"FAILED: {e}")
