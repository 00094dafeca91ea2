//! Compiles `proto/plemu/v1/*.proto` with protox (pure Rust), so a fresh
//! machine needs no system `protoc`.

/// The AWS-shaped API: its messages print as JSON the way the AWS CLI does.
const API_FILES: [&str; 7] = [
    "proto/plemu/v1/common.proto",
    "proto/plemu/v1/public_dns.proto",
    "proto/plemu/v1/tags.proto",
    "proto/plemu/v1/notifications.proto",
    "proto/plemu/v1/ec2.proto",
    "proto/plemu/v1/vpce.proto",
    "proto/plemu/v1/elbv2.proto",
];
/// Between plemu's own processes.
const INTERNAL_FILES: [&str; 2] = ["proto/plemu/v1/agent.proto", "proto/plemu/v1/tunnel.proto"];

/// Messages whose every member is printed, even empty.
const ALWAYS_WHOLE: [&str; 3] = ["Tag", "TagDescription", "ElbTagDescription"];

/// Fields whose AWS name or shape is not the field's: (field path, serde attribute).
const AWS_SHAPES: [(&str, &str); 17] = [
    (
        ".plemu.v1.DeleteTxtRecordResponse.return_value",
        r#"#[serde(rename = "Return")]"#,
    ),
    (
        ".plemu.v1.LoadBalancer.dns_name",
        r#"#[serde(rename = "DNSName")]"#,
    ),
    (
        ".plemu.v1.LoadBalancerAddress.private_ipv4_address",
        r#"#[serde(rename = "PrivateIPv4Address")]"#,
    ),
    // `return` is a keyword in Python and others: the field is `return_value`, AWS's name `Return`.
    (
        ".plemu.v1.AuthorizeSecurityGroupIngressResponse.return_value",
        r#"#[serde(rename = "Return")]"#,
    ),
    (
        ".plemu.v1.RevokeSecurityGroupIngressResponse.return_value",
        r#"#[serde(rename = "Return")]"#,
    ),
    (
        ".plemu.v1.AuthorizeSecurityGroupEgressResponse.return_value",
        r#"#[serde(rename = "Return")]"#,
    ),
    (
        ".plemu.v1.RevokeSecurityGroupEgressResponse.return_value",
        r#"#[serde(rename = "Return")]"#,
    ),
    (
        ".plemu.v1.ModifyVpcEndpointResponse.return_value",
        r#"#[serde(rename = "Return")]"#,
    ),
    (
        ".plemu.v1.ModifyVpcEndpointServiceConfigurationResponse.return_value",
        r#"#[serde(rename = "Return")]"#,
    ),
    (
        ".plemu.v1.DeleteSecurityGroupResponse.return_value",
        r#"#[serde(rename = "Return")]"#,
    ),
    (
        ".plemu.v1.SecurityGroupRule.referenced_group_id",
        r#"#[serde(rename = "ReferencedGroupInfo", with = "crate::json::referenced_group")]"#,
    ),
    (
        ".plemu.v1.ModifyVpcAttributeRequest.enable_dns_support",
        r#"#[serde(with = "crate::json::attribute_boolean")]"#,
    ),
    (
        ".plemu.v1.ModifyVpcAttributeRequest.enable_dns_hostnames",
        r#"#[serde(with = "crate::json::attribute_boolean")]"#,
    ),
    (
        ".plemu.v1.DescribeVpcAttributeResponse.enable_dns_support",
        r#"#[serde(with = "crate::json::attribute_boolean")]"#,
    ),
    (
        ".plemu.v1.DescribeVpcAttributeResponse.enable_dns_hostnames",
        r#"#[serde(with = "crate::json::attribute_boolean")]"#,
    ),
    (
        ".plemu.v1.ServiceConfiguration.service_type",
        r#"#[serde(with = "crate::json::service_type_details")]"#,
    ),
    (
        ".plemu.v1.ServiceDetail.service_type",
        r#"#[serde(with = "crate::json::service_type_details")]"#,
    ),
];

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let files: Vec<&str> = API_FILES
        .iter()
        .chain(INTERNAL_FILES.iter())
        .copied()
        .collect();
    for f in &files {
        println!("cargo:rerun-if-changed={f}");
    }
    let fds = protox::compile(&files, ["proto"])?;
    let mut builder = tonic_prost_build::configure()
        // Tunnel payloads are `bytes::Bytes`: read buffers are frozen into
        // frames without a copy.
        .bytes(".plemu.v1.Frame.data")
        // `open` is boxed: every flow channel slot is a `Frame`, and tokio allocates them 32 at
        // a time, so the largest variant sizes each idle flow's channels.
        .boxed(".plemu.v1.Frame.kind.open")
        // Small per-RPC buffers: a tunnel flow is one RPC (see `plemu_proto::codec`).
        .codec_path("crate::codec::SmallBufferCodec");
    // JSON as the AWS CLI prints it: PascalCase keys, absent members omitted. The same names
    // read and write the AWS Query protocols (the control plane's Query front), where a
    // missing member takes its default.
    for file in API_FILES {
        for message in message_names(&std::fs::read_to_string(file)?) {
            let path = format!(".plemu.v1.{message}");
            // A response's own lists are printed even when empty (`"Vpcs": []`), as AWS's are.
            let omit = if message.ends_with("Response") {
                "#[serde(skip_serializing_if = \"crate::json::Omit::omit_at_top\")]"
            } else {
                "#[serde(skip_serializing_if = \"crate::json::Omit::omit\")]"
            };
            builder = builder
                .type_attribute(&path, "#[derive(serde::Serialize, serde::Deserialize)]")
                .type_attribute(&path, "#[serde(rename_all = \"PascalCase\", default)]");
            // A tag prints whole (`"Value": ""`, `"Tags": []`), as AWS answers it.
            if !ALWAYS_WHOLE.contains(&message.as_str()) {
                builder = builder.field_attribute(&path, omit);
            }
        }
    }
    for (field, attribute) in AWS_SHAPES {
        builder = builder.field_attribute(field, attribute);
    }
    let descriptors = std::path::PathBuf::from(std::env::var("OUT_DIR")?).join("plemu_api.bin");
    std::fs::write(descriptors, prost::Message::encode_to_vec(&fds))?;
    builder.compile_fds(fds)?;
    Ok(())
}

/// Top-level message names of a proto file (API files have no nested messages).
fn message_names(source: &str) -> Vec<String> {
    source
        .lines()
        .filter_map(|l| l.strip_prefix("message "))
        .filter_map(|rest| rest.split_whitespace().next())
        .map(str::to_string)
        .collect()
}
