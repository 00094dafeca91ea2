//! EC2 `Filter`s: named fields, `tag:<key>`, `tag-key`, and `*`/`?` wildcards in values.
//!
//! Every Describe filters what it shows: the filters of each answer's items are here, on the
//! API's own types (an endpoint shown `failed` is found by `vpc-endpoint-state=failed`).
//!
//! # Layout
//! - `ec2`: VPCs, subnets, security groups.
//! - `vpce`: endpoint services (both views), their permissions, connections and endpoints.

mod ec2;
mod vpce;

use plemu_proto::pb;

use crate::error::ApiError;

/// A resource that Describe* filters apply to.
pub(crate) trait Filterable {
    /// The filter names it knows, besides `tag:<key>` and `tag-key`.
    const FILTERS: &'static [&'static str];
    /// Whether `tag:<key>` and `tag-key` apply (AWS documents them for tagged resources only).
    const TAGGED: bool = true;
    /// The resource's values for filter `name` (one of [`Self::FILTERS`]).
    fn values(&self, name: &str) -> Vec<String>;
    /// The resource's tags.
    fn tags(&self) -> &[pb::Tag] {
        &[]
    }
}

/// `InvalidParameterValue` for a filter name `T` does not know.
pub(crate) fn check<T: Filterable>(filters: &[pb::Filter]) -> Result<(), ApiError> {
    for f in filters {
        let tag = f.name.starts_with("tag:") || f.name == "tag-key";
        if !((tag && T::TAGGED) || T::FILTERS.contains(&f.name.as_str())) {
            return Err(ApiError::invalid(
                "InvalidParameterValue",
                format!("The filter '{}' is invalid", f.name),
            ));
        }
    }
    Ok(())
}

/// Whether `item` passes every filter (a filter passes when any of its values matches).
pub(crate) fn matches<T: Filterable>(item: &T, filters: &[pb::Filter]) -> bool {
    filters.iter().all(|f| {
        let have: Vec<String> = if let Some(key) = f.name.strip_prefix("tag:") {
            item.tags()
                .iter()
                .filter(|t| t.key == key)
                .map(|t| t.value.clone())
                .collect()
        } else if f.name == "tag-key" {
            item.tags().iter().map(|t| t.key.clone()).collect()
        } else {
            item.values(&f.name)
        };
        f.values
            .iter()
            .any(|want| have.iter().any(|h| glob(want, h)))
    })
}

/// Checks the filter names, then keeps the items that pass.
pub(crate) fn apply<T: Filterable>(
    items: impl IntoIterator<Item = T>,
    filters: &[pb::Filter],
) -> Result<Vec<T>, ApiError> {
    check::<T>(filters)?;
    Ok(items.into_iter().filter(|i| matches(i, filters)).collect())
}

/// `true`/`false` as filters compare booleans.
fn flag(b: bool) -> String {
    b.to_string()
}

/// The region of a service name `com.amazonaws.vpce.REGION.ID`.
fn service_region(name: &str) -> String {
    name.split('.').nth(3).unwrap_or_default().to_string()
}

/// EC2's filter wildcards: `*` any run, `?` one character.
fn glob(pattern: &str, s: &str) -> bool {
    let (p, s): (Vec<char>, Vec<char>) = (pattern.chars().collect(), s.chars().collect());
    let (mut pi, mut si, mut star, mut mark) = (0, 0, None, 0);
    while si < s.len() {
        if pi < p.len() && (p[pi] == '?' || p[pi] == s[si]) {
            pi += 1;
            si += 1;
        } else if pi < p.len() && p[pi] == '*' {
            star = Some(pi);
            mark = si;
            pi += 1;
        } else if let Some(st) = star {
            pi = st + 1;
            mark += 1;
            si = mark;
        } else {
            return false;
        }
    }
    p[pi..].iter().all(|&c| c == '*')
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Item(Vec<pb::Tag>);
    impl Filterable for Item {
        const FILTERS: &'static [&'static str] = &["name"];
        fn values(&self, _: &str) -> Vec<String> {
            vec!["redis-nlb".into()]
        }
        fn tags(&self) -> &[pb::Tag] {
            &self.0
        }
    }

    struct Untagged;
    impl Filterable for Untagged {
        const FILTERS: &'static [&'static str] = &["name"];
        const TAGGED: bool = false;
        fn values(&self, _: &str) -> Vec<String> {
            Vec::new()
        }
    }

    fn f(name: &str, v: &str) -> pb::Filter {
        pb::Filter {
            name: name.into(),
            values: vec![v.into()],
        }
    }

    #[test]
    fn filters_match_fields_tags_and_wildcards() {
        let item = Item(vec![pb::Tag {
            key: "env".into(),
            value: "dev".into(),
        }]);
        assert!(matches(&item, &[f("name", "redis-*")]));
        assert!(matches(
            &item,
            &[
                f("name", "redis-nl?"),
                f("tag:env", "dev"),
                f("tag-key", "env")
            ]
        ));
        assert!(!matches(&item, &[f("name", "redis")]));
        assert!(!matches(&item, &[f("tag:env", "prod")]));
        assert_eq!(
            check::<Item>(&[f("bogus", "x")]).unwrap_err().code(),
            "InvalidParameterValue"
        );
        assert!(check::<Untagged>(&[f("tag-key", "x")]).is_err());
        assert!(glob("*", "") && glob("a*c", "abbc") && !glob("a*d", "abc"));
    }
}
