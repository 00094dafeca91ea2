//! Tags given at creation, checked against AWS's limits: at most 50 a resource, keys of 1 to
//! 128 characters, values of at most 256, each key once, and the `aws:` prefix reserved. EC2
//! answers `TagLimitExceeded` and `InvalidParameterValue`; ELBv2 `TooManyTags`,
//! `DuplicateTagKeys` and `ValidationError`.

use plemu_proto::pb;

use crate::error::ApiError;
use crate::model::Tag;

/// Tags a resource may have.
const MAX_TAGS: usize = 50;
/// Characters of a tag key.
const MAX_KEY: usize = 128;
/// Characters of a tag value.
const MAX_VALUE: usize = 256;

/// What is wrong with a list of tags, before it is said in a service's words.
enum Problem {
    TooMany(usize),
    Duplicate(String),
    EmptyKey,
    LongKey(String),
    LongValue(String),
    Reserved(String),
}

/// The tags of the specifications for `resource_type` of an EC2 create.
pub(super) fn ec2(
    specs: &[pb::TagSpecification],
    resource_type: &str,
) -> Result<Vec<Tag>, ApiError> {
    let mut tags = Vec::new();
    for s in specs {
        if s.resource_type != resource_type {
            return Err(ApiError::invalid(
                "InvalidParameterValue",
                format!(
                    "'{}' is not a valid taggable resource type for this operation.",
                    s.resource_type
                ),
            ));
        }
        tags.extend(Tag::from_pb(&s.tags));
    }
    check(&tags).map_err(ec2_error)?;
    Ok(tags)
}

/// The tags of an EC2 `CreateTags`, checked as at creation.
pub(super) fn ec2_given(given: &[pb::Tag]) -> Result<Vec<Tag>, ApiError> {
    let tags = Tag::from_pb(given);
    check(&tags).map_err(ec2_error)?;
    Ok(tags)
}

/// The tags of an ELBv2 create (or `AddTags`).
pub(super) fn elbv2(given: &[pb::Tag]) -> Result<Vec<Tag>, ApiError> {
    let tags = Tag::from_pb(given);
    check(&tags).map_err(elbv2_error)?;
    Ok(tags)
}

/// Adds `add` to a resource's `tags`, a key already there taking the new value; EC2's
/// `TagLimitExceeded` when the resource would have more than 50.
pub(super) fn ec2_merge(tags: &mut Vec<Tag>, add: &[Tag]) -> Result<(), ApiError> {
    merge(tags, add).map_err(ec2_error)
}

/// [`ec2_merge`] in ELBv2's words (`TooManyTags`).
pub(super) fn elbv2_merge(tags: &mut Vec<Tag>, add: &[Tag]) -> Result<(), ApiError> {
    merge(tags, add).map_err(elbv2_error)
}

/// Whether `key` is in the `aws:` namespace, which users can neither set nor delete.
pub(super) fn reserved(key: &str) -> bool {
    key.to_ascii_lowercase().starts_with("aws:")
}

/// The message for a reserved key.
pub(super) fn reserved_message(key: &str) -> String {
    describe(&Problem::Reserved(key.to_string()))
}

fn merge(tags: &mut Vec<Tag>, add: &[Tag]) -> Result<(), Problem> {
    let mut merged = tags.clone();
    for t in add {
        match merged.iter_mut().find(|o| o.key == t.key) {
            Some(o) => o.value.clone_from(&t.value),
            None => merged.push(t.clone()),
        }
    }
    if merged.len() > MAX_TAGS {
        return Err(Problem::TooMany(merged.len()));
    }
    *tags = merged;
    Ok(())
}

fn ec2_error(p: Problem) -> ApiError {
    match p {
        Problem::TooMany(n) => ApiError::invalid(
            "TagLimitExceeded",
            format!(
                "The maximum number of tags ({MAX_TAGS}) for a resource has been reached: {n} were given."
            ),
        ),
        other => ApiError::invalid("InvalidParameterValue", describe(&other)),
    }
}

fn elbv2_error(p: Problem) -> ApiError {
    match p {
        Problem::TooMany(n) => ApiError::invalid(
            "TooManyTags",
            format!(
                "You've reached the limit on the number of tags ({MAX_TAGS}) for this resource: {n} were given."
            ),
        ),
        Problem::Duplicate(key) => ApiError::invalid(
            "DuplicateTagKeys",
            format!("A tag key was specified more than once: '{key}'"),
        ),
        other => ApiError::validation(describe(&other)),
    }
}

fn check(tags: &[Tag]) -> Result<(), Problem> {
    if tags.len() > MAX_TAGS {
        return Err(Problem::TooMany(tags.len()));
    }
    for (i, t) in tags.iter().enumerate() {
        if t.key.is_empty() {
            return Err(Problem::EmptyKey);
        }
        if t.key.chars().count() > MAX_KEY {
            return Err(Problem::LongKey(t.key.chars().take(20).collect()));
        }
        if t.value.chars().count() > MAX_VALUE {
            return Err(Problem::LongValue(t.key.clone()));
        }
        if reserved(&t.key) {
            return Err(Problem::Reserved(t.key.clone()));
        }
        if tags[..i].iter().any(|o| o.key == t.key) {
            return Err(Problem::Duplicate(t.key.clone()));
        }
    }
    Ok(())
}

fn describe(p: &Problem) -> String {
    match p {
        Problem::TooMany(n) => format!("{n} tags: a resource may have at most {MAX_TAGS}"),
        Problem::Duplicate(key) => format!("Duplicate tag key '{key}' specified"),
        Problem::EmptyKey => "Tag keys must have at least 1 character".into(),
        Problem::LongKey(start) => {
            format!("Tag key '{start}…' exceeds the maximum length of {MAX_KEY} characters")
        }
        Problem::LongValue(key) => {
            format!("The value of tag '{key}' exceeds the maximum length of {MAX_VALUE} characters")
        }
        Problem::Reserved(key) => {
            format!("Tag key '{key}': keys starting with 'aws:' are reserved for internal use")
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tag(key: &str, value: &str) -> pb::Tag {
        pb::Tag {
            key: key.into(),
            value: value.into(),
        }
    }

    fn spec(tags: Vec<pb::Tag>) -> Vec<pb::TagSpecification> {
        vec![pb::TagSpecification {
            resource_type: "vpc".into(),
            tags,
        }]
    }

    #[test]
    fn limits_as_each_service_words_them() {
        let fifty: Vec<pb::Tag> = (0..50).map(|i| tag(&format!("k{i}"), "v")).collect();
        assert_eq!(ec2(&spec(fifty.clone()), "vpc").unwrap().len(), 50);
        let mut many = fifty.clone();
        many.push(tag("one-more", ""));
        let cases: Vec<(Vec<pb::Tag>, &str, &str)> = vec![
            (many, "TagLimitExceeded", "TooManyTags"),
            (
                vec![tag("a", ""), tag("a", "x")],
                "InvalidParameterValue",
                "DuplicateTagKeys",
            ),
            (
                vec![tag("", "v")],
                "InvalidParameterValue",
                "ValidationError",
            ),
            (
                vec![tag(&"k".repeat(129), "")],
                "InvalidParameterValue",
                "ValidationError",
            ),
            (
                vec![tag("k", &"v".repeat(257))],
                "InvalidParameterValue",
                "ValidationError",
            ),
            (
                vec![tag("AWS:cloudformation", "")],
                "InvalidParameterValue",
                "ValidationError",
            ),
        ];
        for (tags, ec2_code, elb_code) in cases {
            assert_eq!(
                ec2(&spec(tags.clone()), "vpc").unwrap_err().code(),
                ec2_code,
                "{tags:?}"
            );
            assert_eq!(elbv2(&tags).unwrap_err().code(), elb_code, "{tags:?}");
        }
        // At the limits, and a 3 MB value no longer.
        let edge = vec![tag(&"k".repeat(128), &"v".repeat(256))];
        assert!(ec2(&spec(edge.clone()), "vpc").is_ok() && elbv2(&edge).is_ok());
        let huge = vec![tag("big", &"x".repeat(3 * 1024 * 1024))];
        assert_eq!(elbv2(&huge).unwrap_err().code(), "ValidationError");
    }
}
