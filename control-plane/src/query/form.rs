//! A Query request's flattened parameters (`Filter.1.Value.1=x`) as a tree, read into the gRPC
//! request types through serde.
//!
//! EC2 flattens lists as `Name.N` under the member's wire name (`VpcEndpointId.1`); ELBv2
//! writes `Name.member.N` under the member's own name. Both become a map whose keys are the
//! 1-based positions. The request types derive `Deserialize` with AWS's PascalCase member names;
//! [`names`](super::names) says which wire name stands for which member.

use std::collections::BTreeMap;
use std::fmt;

use serde::de::{self, DeserializeOwned, IntoDeserializer, Visitor};

use super::Protocol;
use super::names;
use crate::error::ApiError;

/// The parameters of one Query request, but for `Action` and `Version`.
#[derive(Debug)]
pub(crate) struct Form {
    protocol: Protocol,
    root: Value,
}

/// A parameter's value, or the parameters under a dotted prefix.
#[derive(Debug, PartialEq)]
enum Value {
    Leaf(String),
    Map(BTreeMap<String, Value>),
}

impl Form {
    /// Builds the tree from `name=value` pairs.
    ///
    /// # Errors
    /// `InvalidParameterValue` (ELBv2: `ValidationError`) when a name is both a value and a
    /// prefix of others (`Name=x&Name.1=y`), or has an empty segment.
    pub(crate) fn new<'a>(
        protocol: Protocol,
        pairs: impl IntoIterator<Item = (&'a str, &'a str)>,
    ) -> Result<Self, ApiError> {
        let mut root = BTreeMap::new();
        for (name, value) in pairs {
            let malformed = || {
                ApiError::malformed_parameter(
                    protocol.is_elbv2(),
                    format!("Malformed parameter name {name}"),
                )
            };
            // ELBv2 marks list members with a `member` segment: `Subnets.member.1`.
            let mut segments: Vec<&str> = name
                .split('.')
                .filter(|s| !(protocol.is_elbv2() && *s == "member"))
                .collect();
            if segments.iter().any(|s| s.is_empty()) {
                return Err(malformed());
            }
            let last = segments.pop().ok_or_else(malformed)?;
            let mut map = &mut root;
            for s in segments {
                let next = map
                    .entry(s.to_string())
                    .or_insert_with(|| Value::Map(BTreeMap::new()));
                map = match next {
                    Value::Map(m) => m,
                    Value::Leaf(_) => return Err(malformed()),
                };
            }
            match map.get(last) {
                Some(Value::Map(_)) => return Err(malformed()),
                _ => {
                    map.insert(last.to_string(), Value::Leaf(value.to_string()));
                }
            }
        }
        Ok(Self {
            protocol,
            root: Value::Map(root),
        })
    }

    /// Reads the parameters as the request type `T`. Members not sent take their defaults.
    ///
    /// # Errors
    /// EC2's `UnknownParameter` (ELBv2: `ValidationError`) for a parameter `T` lacks, and
    /// `InvalidParameterValue` (ELBv2: `ValidationError`) for a value not of its member's type.
    pub(crate) fn decode<T: DeserializeOwned>(&self) -> Result<T, ApiError> {
        let de = De {
            protocol: self.protocol,
            value: &self.root,
            path: String::new(),
        };
        T::deserialize(de).map_err(|e| match e {
            FormError::Unknown(name) => {
                ApiError::unknown_parameter(self.protocol.is_elbv2(), &name)
            }
            FormError::Invalid(message) => {
                ApiError::malformed_parameter(self.protocol.is_elbv2(), message)
            }
        })
    }
}

/// Why the parameters do not fit the request type.
#[derive(Debug)]
enum FormError {
    /// No member of the request has this wire name.
    Unknown(String),
    /// A value is not of its member's type.
    Invalid(String),
}

impl fmt::Display for FormError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Unknown(name) => write!(f, "unknown parameter {name}"),
            Self::Invalid(message) => f.write_str(message),
        }
    }
}

impl std::error::Error for FormError {}

impl de::Error for FormError {
    fn custom<T: fmt::Display>(msg: T) -> Self {
        Self::Invalid(msg.to_string())
    }
}

// === impl De ===

/// Deserializes one value of the tree; `path` names it in errors (`Filter.1.Name`).
struct De<'a> {
    protocol: Protocol,
    value: &'a Value,
    path: String,
}

impl<'a> De<'a> {
    fn leaf(&self) -> Result<&str, FormError> {
        match self.value {
            Value::Leaf(s) => Ok(s),
            Value::Map(_) => Err(FormError::Invalid(format!(
                "Parameter {} takes a single value",
                self.path
            ))),
        }
    }

    fn parse<T: std::str::FromStr>(&self, what: &str) -> Result<T, FormError> {
        let s = self.leaf()?;
        s.parse().map_err(|_| {
            FormError::Invalid(format!(
                "Value ({s}) for parameter {} is invalid. Expected {what}.",
                self.path
            ))
        })
    }

    fn child(&self, key: &str, value: &'a Value) -> De<'a> {
        let path = if self.path.is_empty() {
            key.to_string()
        } else {
            format!("{}.{key}", self.path)
        };
        De {
            protocol: self.protocol,
            value,
            path,
        }
    }
}

impl<'de> de::Deserializer<'de> for De<'_> {
    type Error = FormError;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, FormError> {
        visitor.visit_str(self.leaf()?)
    }

    fn deserialize_bool<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, FormError> {
        match self.leaf()? {
            "true" => visitor.visit_bool(true),
            "false" => visitor.visit_bool(false),
            other => Err(FormError::Invalid(format!(
                "Value ({other}) for parameter {} is invalid. Expected 'true' or 'false'.",
                self.path
            ))),
        }
    }

    fn deserialize_i32<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, FormError> {
        visitor.visit_i32(self.parse("an integer")?)
    }

    fn deserialize_i64<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, FormError> {
        visitor.visit_i64(self.parse("an integer")?)
    }

    fn deserialize_u32<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, FormError> {
        visitor.visit_u32(self.parse("a non-negative integer")?)
    }

    fn deserialize_u64<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, FormError> {
        visitor.visit_u64(self.parse("a non-negative integer")?)
    }

    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, FormError> {
        visitor.visit_some(self)
    }

    fn deserialize_seq<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, FormError> {
        let Value::Map(map) = self.value else {
            return Err(FormError::Invalid(format!(
                "Parameter {} is a list: send {}.1, {}.2, …",
                self.path, self.path, self.path
            )));
        };
        let mut items = Vec::with_capacity(map.len());
        for (k, v) in map {
            let n: u32 = k.parse().ok().filter(|n| *n > 0).ok_or_else(|| {
                FormError::Invalid(format!(
                    "Parameter {}.{k}: expected a list position",
                    self.path
                ))
            })?;
            items.push((n, self.child(k, v)));
        }
        items.sort_by_key(|(n, _)| *n);
        visitor.visit_seq(de::value::SeqDeserializer::new(
            items.into_iter().map(|(_, d)| d),
        ))
    }

    fn deserialize_struct<V: Visitor<'de>>(
        self,
        name: &'static str,
        fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, FormError> {
        let Value::Map(map) = self.value else {
            return Err(FormError::Invalid(format!(
                "Parameter {} is a structure: send its members as {}.Name",
                self.path, self.path
            )));
        };
        let mut members = Vec::with_capacity(map.len());
        for (key, value) in map {
            let field = fields
                .iter()
                .copied()
                .find(|f| names::param(self.protocol, name, f) == key)
                .ok_or_else(|| FormError::Unknown(self.child(key, value).path))?;
            members.push((field, self.child(key, value)));
        }
        visitor.visit_map(de::value::MapDeserializer::new(members.into_iter()))
    }

    fn deserialize_ignored_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, FormError> {
        visitor.visit_unit()
    }

    serde::forward_to_deserialize_any! {
        i8 i16 i128 u8 u16 u128 f32 f64 char str string bytes byte_buf unit unit_struct
        newtype_struct tuple tuple_struct map enum identifier
    }
}

impl<'de, 'a> IntoDeserializer<'de, FormError> for De<'a> {
    type Deserializer = Self;

    fn into_deserializer(self) -> Self {
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use plemu_proto::pb;

    fn form(protocol: Protocol, body: &str) -> Form {
        let pairs: Vec<(String, String)> = form_urlencoded::parse(body.as_bytes())
            .into_owned()
            .collect();
        Form::new(
            protocol,
            pairs.iter().map(|(k, v)| (k.as_str(), v.as_str())),
        )
        .unwrap()
    }

    #[test]
    fn ec2_lists_filters_and_wire_names() {
        let f = form(
            Protocol::Ec2,
            "VpcEndpointId.2=vpce-b&VpcEndpointId.1=vpce-a&Filter.1.Name=vpc-endpoint-state\
             &Filter.1.Value.1=available&Filter.1.Value.2=pending",
        );
        let r: pb::DescribeVpcEndpointsRequest = f.decode().unwrap();
        assert_eq!(r.vpc_endpoint_ids, ["vpce-a", "vpce-b"]);
        assert_eq!(r.filters[0].name, "vpc-endpoint-state");
        assert_eq!(r.filters[0].values, ["available", "pending"]);

        let f = form(
            Protocol::Ec2,
            "GroupName=g&GroupDescription=d&VpcId=vpc-1\
             &TagSpecification.1.ResourceType=security-group&TagSpecification.1.Tag.1.Key=Name\
             &TagSpecification.1.Tag.1.Value=x",
        );
        let r: pb::CreateSecurityGroupRequest = f.decode().unwrap();
        assert_eq!((r.group_name.as_str(), r.description.as_str()), ("g", "d"));
        assert_eq!(r.tag_specifications[0].tags[0].value, "x");

        let f = form(Protocol::Ec2, "VpcId=vpc-1&EnableDnsHostnames.Value=true");
        let r: pb::ModifyVpcAttributeRequest = f.decode().unwrap();
        assert_eq!(r.enable_dns_hostnames, Some(true));
        assert_eq!(r.enable_dns_support, None);
    }

    #[test]
    fn elbv2_members_and_numbers() {
        let f = form(
            Protocol::Elbv2,
            "TargetGroupArn=arn&Targets.member.1.Id=127.0.0.1&Targets.member.1.Port=6380",
        );
        let r: pb::RegisterTargetsRequest = f.decode().unwrap();
        assert_eq!(r.targets[0].id, "127.0.0.1");
        assert_eq!(r.targets[0].port, Some(6380));
    }

    #[test]
    fn unknown_and_malformed_parameters_are_refused() {
        let f = form(Protocol::Ec2, "VpcIds.1=vpc-1");
        let e = f.decode::<pb::DescribeVpcsRequest>().unwrap_err();
        assert_eq!(e.code(), "UnknownParameter");
        assert!(e.message().contains("VpcIds"), "{e}");

        let f = form(Protocol::Elbv2, "TargetGroupArn=a&Targets.member.1.Port=x");
        let e = f.decode::<pb::RegisterTargetsRequest>().unwrap_err();
        assert_eq!(e.code(), "ValidationError");
        assert!(e.message().contains("Targets.1.Port"), "{e}");

        let f = form(Protocol::Ec2, "VpcId.1=vpc-1");
        let e = f.decode::<pb::ModifyVpcAttributeRequest>().unwrap_err();
        assert_eq!(e.code(), "InvalidParameterValue");

        let pairs = [("A", "x"), ("A.1", "y")];
        let e = Form::new(Protocol::Ec2, pairs).unwrap_err();
        assert_eq!(e.code(), "InvalidParameterValue");
    }
}
