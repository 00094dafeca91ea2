//! Responses of the Query protocols: a gRPC response type, serialised through serde into a
//! [`Node`] tree, then written as EC2's or ELBv2's XML.
//!
//! The response types derive `Serialize` with AWS's member names and leave absent members out
//! (as the CLI's JSON does). EC2 writes each member under its `locationName` and a list's
//! elements as `<item>`; ELBv2 writes member names and `<member>`.

use std::fmt::Write as _;

use serde::ser::{self, Serialize};

use super::Protocol;
use super::names;
use crate::error::ApiError;

/// A response value, by serde.
#[derive(Debug, PartialEq)]
pub(crate) enum Node {
    /// An unset optional member: not written.
    Absent,
    /// A string, number or boolean.
    Text(String),
    /// A list.
    List(Vec<Node>),
    /// A structure: its type's name and its members in declaration order.
    Struct {
        /// The type's name, which picks EC2's element names.
        shape: &'static str,
        /// Members by AWS name.
        members: Vec<(&'static str, Node)>,
    },
}

impl Node {
    /// The tree of a response.
    ///
    /// # Errors
    /// `InternalError` when the value has a form no response type has (a map, bytes).
    pub(crate) fn of(value: &impl Serialize) -> Result<Self, ApiError> {
        value
            .serialize(NodeSerializer)
            .map_err(|e| ApiError::Internal(format!("cannot encode the response: {e}")))
    }
}

/// The members of the response `body` inside the protocol's envelope for `action`.
pub(super) fn response(protocol: Protocol, action: &str, request_id: &str, body: &Node) -> String {
    let mut out = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    let ns = protocol.namespace();
    let _ = write!(out, "<{action}Response xmlns=\"{ns}\">");
    match protocol {
        Protocol::Ec2 => {
            let _ = write!(out, "<requestId>{}</requestId>", escape(request_id));
            members(&mut out, protocol, body);
        }
        Protocol::Elbv2 => {
            let _ = write!(out, "<{action}Result>");
            members(&mut out, protocol, body);
            let _ = write!(
                out,
                "</{action}Result><ResponseMetadata><RequestId>{}</RequestId></ResponseMetadata>",
                escape(request_id)
            );
        }
    }
    let _ = write!(out, "</{action}Response>");
    out
}

/// The protocol's error document.
pub(super) fn error(protocol: Protocol, request_id: &str, e: &ApiError) -> String {
    let code = escape(e.code());
    let message = escape(&e.message());
    let id = escape(request_id);
    match protocol {
        Protocol::Ec2 => format!(
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Response><Errors><Error><Code>{code}</Code>\
             <Message>{message}</Message></Error></Errors><RequestID>{id}</RequestID></Response>"
        ),
        Protocol::Elbv2 => {
            let kind = if e.http_status() >= 500 {
                "Receiver"
            } else {
                "Sender"
            };
            format!(
                "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<ErrorResponse xmlns=\"{}\"><Error>\
                 <Type>{kind}</Type><Code>{code}</Code><Message>{message}</Message></Error>\
                 <RequestId>{id}</RequestId></ErrorResponse>",
                protocol.namespace()
            )
        }
    }
}

/// The members of a structure node, each as an element.
fn members(out: &mut String, protocol: Protocol, node: &Node) {
    let Node::Struct { shape, members } = node else {
        return;
    };
    for (member, value) in members {
        let element = names::element(protocol, shape, member);
        match value {
            Node::Absent => {}
            Node::List(items) => {
                let _ = write!(out, "<{element}>");
                for item in items {
                    let tag = protocol.list_item();
                    let _ = write!(out, "<{tag}>");
                    content(out, protocol, item);
                    let _ = write!(out, "</{tag}>");
                }
                let _ = write!(out, "</{element}>");
            }
            _ => {
                let _ = write!(out, "<{element}>");
                content(out, protocol, value);
                let _ = write!(out, "</{element}>");
            }
        }
    }
}

/// A value's content: text, or a structure's members.
fn content(out: &mut String, protocol: Protocol, node: &Node) {
    match node {
        Node::Text(t) => out.push_str(&escape(t)),
        Node::Struct { .. } => members(out, protocol, node),
        // Lists of lists do not occur in the API; absent values are not written.
        Node::List(_) | Node::Absent => {}
    }
}

/// Escapes text for an XML element.
fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            c => out.push(c),
        }
    }
    out
}

// === impl NodeSerializer ===

/// Serialises a response value into a [`Node`].
struct NodeSerializer;

/// A form no response type has.
#[derive(Debug)]
struct Unsupported(String);

impl std::fmt::Display for Unsupported {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for Unsupported {}

impl ser::Error for Unsupported {
    fn custom<T: std::fmt::Display>(msg: T) -> Self {
        Self(msg.to_string())
    }
}

fn unsupported(what: &str) -> Result<Node, Unsupported> {
    Err(Unsupported(format!("{what} in a response")))
}

macro_rules! text {
    ($($method:ident($t:ty);)*) => {$(
        fn $method(self, v: $t) -> Result<Node, Unsupported> {
            Ok(Node::Text(v.to_string()))
        }
    )*};
}

impl ser::Serializer for NodeSerializer {
    type Ok = Node;
    type Error = Unsupported;
    type SerializeSeq = ListSerializer;
    type SerializeTuple = ser::Impossible<Node, Unsupported>;
    type SerializeTupleStruct = ser::Impossible<Node, Unsupported>;
    type SerializeTupleVariant = ser::Impossible<Node, Unsupported>;
    type SerializeMap = ser::Impossible<Node, Unsupported>;
    type SerializeStruct = StructSerializer;
    type SerializeStructVariant = ser::Impossible<Node, Unsupported>;

    text! {
        serialize_bool(bool); serialize_i8(i8); serialize_i16(i16); serialize_i32(i32);
        serialize_i64(i64); serialize_u8(u8); serialize_u16(u16); serialize_u32(u32);
        serialize_u64(u64); serialize_f32(f32); serialize_f64(f64); serialize_char(char);
        serialize_str(&str);
    }

    fn serialize_bytes(self, _: &[u8]) -> Result<Node, Unsupported> {
        unsupported("bytes")
    }

    fn serialize_none(self) -> Result<Node, Unsupported> {
        Ok(Node::Absent)
    }

    fn serialize_some<T: ?Sized + Serialize>(self, value: &T) -> Result<Node, Unsupported> {
        value.serialize(self)
    }

    fn serialize_unit(self) -> Result<Node, Unsupported> {
        Ok(Node::Absent)
    }

    fn serialize_unit_struct(self, _: &'static str) -> Result<Node, Unsupported> {
        Ok(Node::Absent)
    }

    fn serialize_unit_variant(
        self,
        _: &'static str,
        _: u32,
        variant: &'static str,
    ) -> Result<Node, Unsupported> {
        Ok(Node::Text(variant.to_string()))
    }

    fn serialize_newtype_struct<T: ?Sized + Serialize>(
        self,
        _: &'static str,
        value: &T,
    ) -> Result<Node, Unsupported> {
        value.serialize(self)
    }

    fn serialize_newtype_variant<T: ?Sized + Serialize>(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: &T,
    ) -> Result<Node, Unsupported> {
        unsupported("an enum with data")
    }

    fn serialize_seq(self, len: Option<usize>) -> Result<ListSerializer, Unsupported> {
        Ok(ListSerializer(Vec::with_capacity(len.unwrap_or(0))))
    }

    fn serialize_tuple(self, _: usize) -> Result<Self::SerializeTuple, Unsupported> {
        Err(Unsupported("a tuple in a response".into()))
    }

    fn serialize_tuple_struct(
        self,
        _: &'static str,
        _: usize,
    ) -> Result<Self::SerializeTupleStruct, Unsupported> {
        Err(Unsupported("a tuple in a response".into()))
    }

    fn serialize_tuple_variant(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: usize,
    ) -> Result<Self::SerializeTupleVariant, Unsupported> {
        Err(Unsupported("an enum with data in a response".into()))
    }

    fn serialize_map(self, _: Option<usize>) -> Result<Self::SerializeMap, Unsupported> {
        Err(Unsupported("a map in a response".into()))
    }

    fn serialize_struct(
        self,
        shape: &'static str,
        len: usize,
    ) -> Result<StructSerializer, Unsupported> {
        Ok(StructSerializer {
            shape,
            members: Vec::with_capacity(len),
        })
    }

    fn serialize_struct_variant(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: usize,
    ) -> Result<Self::SerializeStructVariant, Unsupported> {
        Err(Unsupported("an enum with data in a response".into()))
    }
}

/// The elements of a list.
struct ListSerializer(Vec<Node>);

impl ser::SerializeSeq for ListSerializer {
    type Ok = Node;
    type Error = Unsupported;

    fn serialize_element<T: ?Sized + Serialize>(&mut self, value: &T) -> Result<(), Unsupported> {
        self.0.push(value.serialize(NodeSerializer)?);
        Ok(())
    }

    fn end(self) -> Result<Node, Unsupported> {
        Ok(Node::List(self.0))
    }
}

/// The members of a structure.
struct StructSerializer {
    shape: &'static str,
    members: Vec<(&'static str, Node)>,
}

impl ser::SerializeStruct for StructSerializer {
    type Ok = Node;
    type Error = Unsupported;

    fn serialize_field<T: ?Sized + Serialize>(
        &mut self,
        key: &'static str,
        value: &T,
    ) -> Result<(), Unsupported> {
        let node = value.serialize(NodeSerializer)?;
        if node != Node::Absent {
            self.members.push((key, node));
        }
        Ok(())
    }

    fn skip_field(&mut self, key: &'static str) -> Result<(), Unsupported> {
        if names::listed_when_empty(self.shape, key) {
            self.members.push((key, Node::List(Vec::new())));
        }
        Ok(())
    }

    fn end(self) -> Result<Node, Unsupported> {
        Ok(Node::Struct {
            shape: self.shape,
            members: self.members,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use plemu_proto::pb;

    #[test]
    fn ec2_uses_location_names_and_items() {
        let r = pb::DescribeVpcEndpointsResponse {
            vpc_endpoints: vec![pb::VpcEndpoint {
                vpc_endpoint_id: "vpce-1".into(),
                subnet_ids: vec!["subnet-1".into()],
                tags: vec![pb::Tag {
                    key: "a&b".into(),
                    value: "<v>".into(),
                }],
                ..Default::default()
            }],
            next_token: "page-1".into(),
        };
        let xml = response(
            Protocol::Ec2,
            "DescribeVpcEndpoints",
            "id-1",
            &Node::of(&r).unwrap(),
        );
        assert!(xml.contains("<DescribeVpcEndpointsResponse xmlns=\"http://ec2.amazonaws.com/doc/2016-11-15/\"><requestId>id-1</requestId><vpcEndpointSet><item><vpcEndpointId>vpce-1</vpcEndpointId>"), "{xml}");
        assert!(
            xml.contains("<subnetIdSet><item>subnet-1</item></subnetIdSet>"),
            "{xml}"
        );
        assert!(
            xml.contains(
                "<tagSet><item><key>a&amp;b</key><value>&lt;v&gt;</value></item></tagSet>"
            ),
            "{xml}"
        );
        assert!(
            xml.contains("<privateDnsEnabled>false</privateDnsEnabled>"),
            "{xml}"
        );
        assert!(xml.contains("<nextToken>page-1</nextToken>"), "{xml}");
        assert!(
            !xml.contains("<state>"),
            "empty strings are left out: {xml}"
        );

        let r = pb::DescribeVpcAttributeResponse {
            vpc_id: "vpc-1".into(),
            enable_dns_support: Some(true),
            enable_dns_hostnames: None,
        };
        let xml = response(
            Protocol::Ec2,
            "DescribeVpcAttribute",
            "i",
            &Node::of(&r).unwrap(),
        );
        assert!(xml.contains("<vpcId>vpc-1</vpcId><enableDnsSupport><value>true</value></enableDnsSupport></DescribeVpcAttributeResponse>"), "{xml}");
    }

    #[test]
    fn elbv2_uses_member_names_and_result_wrapper() {
        let r = pb::DescribeLoadBalancersResponse {
            load_balancers: vec![pb::LoadBalancer {
                dns_name: "nlb.example".into(),
                security_groups: vec!["sg-1".into()],
                ..Default::default()
            }],
            next_marker: String::new(),
        };
        let xml = response(
            Protocol::Elbv2,
            "DescribeLoadBalancers",
            "id-2",
            &Node::of(&r).unwrap(),
        );
        assert!(xml.contains("<DescribeLoadBalancersResult><LoadBalancers><member><DNSName>nlb.example</DNSName><SecurityGroups><member>sg-1</member></SecurityGroups></member></LoadBalancers></DescribeLoadBalancersResult><ResponseMetadata><RequestId>id-2</RequestId></ResponseMetadata></DescribeLoadBalancersResponse>"), "{xml}");
    }

    #[test]
    fn errors_use_each_protocol_envelope() {
        let e = ApiError::not_found("InvalidVpcID.NotFound", "The vpc ID 'x' does not exist");
        let xml = error(Protocol::Ec2, "r1", &e);
        assert!(xml.ends_with("<Response><Errors><Error><Code>InvalidVpcID.NotFound</Code><Message>The vpc ID &apos;x&apos; does not exist</Message></Error></Errors><RequestID>r1</RequestID></Response>"), "{xml}");
        let xml = error(Protocol::Elbv2, "r2", &ApiError::validation("bad"));
        assert!(xml.contains("<Error><Type>Sender</Type><Code>ValidationError</Code><Message>bad</Message></Error><RequestId>r2</RequestId></ErrorResponse>"), "{xml}");
    }
}
