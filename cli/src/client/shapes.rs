//! Parameter values decoded into the API's structures (tags, filters, targets, …), with usage errors that name the parameter.

use plemu_proto::pb;

use super::CallError;
use super::shorthand::{self, Value};

/// A structure's members, taken one key at a time; what is left over is an error.
pub(crate) struct Fields {
    members: Vec<(String, Value)>,
    /// Keys the decoder asked for, listed when an unknown key is found.
    known: Vec<&'static str>,
}

/// Decodes one structure from its members.
pub(crate) type Decode<T> = fn(&mut Fields) -> Result<T, String>;

impl Fields {
    fn take(&mut self, key: &'static str) -> Result<Option<Value>, String> {
        self.known.push(key);
        let mut found = self.members.iter().filter(|(k, _)| k == key);
        if found.next().is_some() && found.next().is_some() {
            return Err(format!("{key} is given twice"));
        }
        Ok(self
            .members
            .iter()
            .position(|(k, _)| k == key)
            .map(|i| self.members.remove(i).1))
    }

    fn scalar(&mut self, key: &'static str) -> Result<Option<String>, String> {
        match self.take(key)? {
            None => Ok(None),
            Some(Value::Scalar(s)) => Ok(Some(s)),
            Some(_) => Err(format!("{key} takes a single value")),
        }
    }

    /// A string member; absent is empty, as proto3 sends it.
    pub(crate) fn string(&mut self, key: &'static str) -> Result<String, String> {
        Ok(self.scalar(key)?.unwrap_or_default())
    }

    /// A string member, `None` when absent.
    pub(crate) fn opt_string(&mut self, key: &'static str) -> Result<Option<String>, String> {
        self.scalar(key)
    }

    /// An integer member, `None` when absent.
    pub(crate) fn opt_i32(&mut self, key: &'static str) -> Result<Option<i32>, String> {
        self.scalar(key)?
            .map(|s| {
                s.trim()
                    .parse()
                    .map_err(|_| format!("{key}: \"{s}\" is not an integer"))
            })
            .transpose()
    }

    /// An integer member; absent is 0, as proto3 sends it.
    pub(crate) fn i32(&mut self, key: &'static str) -> Result<i32, String> {
        Ok(self.opt_i32(key)?.unwrap_or_default())
    }

    /// A boolean member, `None` when absent.
    pub(crate) fn opt_bool(&mut self, key: &'static str) -> Result<Option<bool>, String> {
        self.scalar(key)?
            .map(|s| parse_bool(&s).ok_or_else(|| format!("{key}: \"{s}\" is not true or false")))
            .transpose()
    }

    /// A list of strings; one value alone is a list of one.
    pub(crate) fn strings(&mut self, key: &'static str) -> Result<Vec<String>, String> {
        self.take(key)?
            .map(Value::into_items)
            .unwrap_or_default()
            .into_iter()
            .map(|v| match v {
                Value::Scalar(s) => Ok(s),
                _ => Err(format!("{key} takes a list of values")),
            })
            .collect()
    }

    /// A list of structures; one structure alone is a list of one.
    pub(crate) fn structs<T>(
        &mut self,
        key: &'static str,
        decode: Decode<T>,
    ) -> Result<Vec<T>, String> {
        self.take(key)?
            .map(Value::into_items)
            .unwrap_or_default()
            .into_iter()
            .map(|v| decode_struct(v, decode).map_err(|e| format!("{key}: {e}")))
            .collect()
    }

    /// A nested structure, `None` when absent.
    pub(crate) fn structure<T>(
        &mut self,
        key: &'static str,
        decode: Decode<T>,
    ) -> Result<Option<T>, String> {
        self.take(key)?
            .map(|v| decode_struct(v, decode).map_err(|e| format!("{key}: {e}")))
            .transpose()
    }

    fn finish(self) -> Result<(), String> {
        match self.members.first() {
            None => Ok(()),
            Some((k, _)) => Err(format!(
                "unknown key \"{k}\", must be one of: {}",
                self.known.join(", ")
            )),
        }
    }
}

/// `true`/`false` in any case.
fn parse_bool(s: &str) -> Option<bool> {
    match s.trim().to_ascii_lowercase().as_str() {
        "true" => Some(true),
        "false" => Some(false),
        _ => None,
    }
}

fn decode_struct<T>(v: Value, decode: Decode<T>) -> Result<T, String> {
    let Value::Struct(members) = v else {
        return Err("expected a structure (Key=Value,…)".to_string());
    };
    let mut fields = Fields {
        members,
        known: Vec::new(),
    };
    let t = decode(&mut fields)?;
    fields.finish()?;
    Ok(t)
}

/// A usage error against `argument`, quoting the text it came from.
fn bad(argument: &str, text: &str, message: impl std::fmt::Display) -> CallError {
    CallError::Usage {
        argument: argument.to_string(),
        message: format!("{message} in \"{text}\""),
    }
}

// === parameters ===

/// A list-of-structures parameter: each value is one structure in shorthand or JSON, or a JSON list of them.
///
/// # Errors
/// [`CallError::Usage`] naming `argument` and the bad value.
pub(crate) fn structs<T>(
    argument: &str,
    raw: &[String],
    decode: Decode<T>,
) -> Result<Vec<T>, CallError> {
    let mut out = Vec::new();
    for text in raw {
        let value = shorthand::parse(text).map_err(|e| bad(argument, text, e))?;
        for item in value.into_items() {
            out.push(decode_struct(item, decode).map_err(|e| bad(argument, text, e))?);
        }
    }
    Ok(out)
}

/// A structure parameter, in shorthand or JSON.
///
/// # Errors
/// [`CallError::Usage`] naming `argument` and the bad value.
pub(crate) fn structure<T>(argument: &str, text: &str, decode: Decode<T>) -> Result<T, CallError> {
    let v = shorthand::parse(text).map_err(|e| bad(argument, text, e))?;
    decode_struct(v, decode).map_err(|e| bad(argument, text, e))
}

/// A list-of-strings parameter: values as given, and a value that is a JSON list adds its items.
///
/// # Errors
/// [`CallError::Usage`] when a value starting with `[` is not a JSON list of scalars.
pub(crate) fn strings(argument: &str, raw: Vec<String>) -> Result<Vec<String>, CallError> {
    let mut out = Vec::with_capacity(raw.len());
    for text in raw {
        if !text.trim_start().starts_with('[') {
            out.push(text);
            continue;
        }
        let Value::List(items) =
            shorthand::parse_json(&text).map_err(|e| bad(argument, &text, e))?
        else {
            return Err(bad(argument, &text, "expected a JSON list"));
        };
        for item in items {
            match item {
                Value::Scalar(s) => out.push(s),
                _ => return Err(bad(argument, &text, "expected a list of strings")),
            }
        }
    }
    Ok(out)
}

/// An `AttributeBooleanValue`: `{"Value":true}`, `Value=true`, or a bare `true`/`false`.
///
/// # Errors
/// [`CallError::Usage`] when the text is none of these.
pub(crate) fn attribute_boolean(argument: &str, text: &str) -> Result<bool, CallError> {
    if let Some(b) = parse_bool(text) {
        return Ok(b);
    }
    let value = structure(argument, text, |f| f.opt_bool("Value"))?;
    value.ok_or_else(|| bad(argument, text, "Value is required"))
}

/// The `--foo` / `--no-foo` pair: `None` when neither is given, so the field is not sent.
pub(crate) fn flag(yes: bool, no: bool) -> Option<bool> {
    match (yes, no) {
        (true, _) => Some(true),
        (_, true) => Some(false),
        _ => None,
    }
}

// === structures ===

/// `Key=k,Value=v`.
pub(crate) fn tag(f: &mut Fields) -> Result<pb::Tag, String> {
    Ok(pb::Tag {
        key: f.string("Key")?,
        value: f.string("Value")?,
    })
}

/// `Key=k` or `Key=k,Value=v` (DeleteTags: the value, when given, must match).
pub(crate) fn delete_tag(f: &mut Fields) -> Result<pb::DeleteTag, String> {
    Ok(pb::DeleteTag {
        key: f.string("Key")?,
        value: f.opt_string("Value")?,
    })
}

/// `ResourceType=vpc,Tags=[{Key=k,Value=v}]`.
pub(crate) fn tag_specification(f: &mut Fields) -> Result<pb::TagSpecification, String> {
    Ok(pb::TagSpecification {
        resource_type: f.string("ResourceType")?,
        tags: f.structs("Tags", tag)?,
    })
}

/// `Name=n,Values=a,b`.
pub(crate) fn filter(f: &mut Fields) -> Result<pb::Filter, String> {
    Ok(pb::Filter {
        name: f.string("Name")?,
        values: f.strings("Values")?,
    })
}

/// `IpProtocol=tcp,FromPort=1,ToPort=2,IpRanges=[{CidrIp=…}],UserIdGroupPairs=[{GroupId=…}]`.
pub(crate) fn ip_permission(f: &mut Fields) -> Result<pb::IpPermission, String> {
    Ok(pb::IpPermission {
        ip_protocol: f.string("IpProtocol")?,
        from_port: f.opt_i32("FromPort")?,
        to_port: f.opt_i32("ToPort")?,
        ip_ranges: f.structs("IpRanges", |f| {
            Ok(pb::IpRange {
                cidr_ip: f.string("CidrIp")?,
                description: f.string("Description")?,
            })
        })?,
        user_id_group_pairs: f.structs("UserIdGroupPairs", |f| {
            Ok(pb::UserIdGroupPair {
                group_id: f.string("GroupId")?,
                user_id: f.string("UserId")?,
                group_name: f.string("GroupName")?,
                vpc_id: f.string("VpcId")?,
                description: f.string("Description")?,
            })
        })?,
    })
}

/// `Id=10.0.1.10,Port=6379,AvailabilityZone=us-east-1a`.
pub(crate) fn target_description(f: &mut Fields) -> Result<pb::TargetDescription, String> {
    Ok(pb::TargetDescription {
        id: f.string("Id")?,
        port: f.opt_i32("Port")?,
        availability_zone: f.string("AvailabilityZone")?,
    })
}

/// `Type=forward,TargetGroupArn=…` or `Type=forward,ForwardConfig={TargetGroups=[{TargetGroupArn=…,Weight=1}]}`.
pub(crate) fn action(f: &mut Fields) -> Result<pb::Action, String> {
    Ok(pb::Action {
        r#type: f.string("Type")?,
        target_group_arn: f.string("TargetGroupArn")?,
        forward_config: f.structure("ForwardConfig", |f| {
            Ok(pb::ForwardActionConfig {
                target_groups: f.structs("TargetGroups", |f| {
                    Ok(pb::TargetGroupTuple {
                        target_group_arn: f.string("TargetGroupArn")?,
                        weight: f.i32("Weight")?,
                    })
                })?,
            })
        })?,
        order: f.i32("Order")?,
    })
}

/// `HttpCode=200`.
pub(crate) fn matcher(f: &mut Fields) -> Result<pb::Matcher, String> {
    Ok(pb::Matcher {
        http_code: f.string("HttpCode")?,
    })
}

#[cfg(test)]
mod tests;
