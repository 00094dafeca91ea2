//! EC2 `Filter`s: named fields, `tag:<key>`, `tag-key`, and `*`/`?` wildcards in values.

use plemu_proto::pb;

use crate::error::ApiError;
use crate::model::Tag;

/// A resource that Describe* filters apply to.
pub(crate) trait Filterable {
    /// The filter names it knows, besides `tag:<key>` and `tag-key`.
    const FILTERS: &'static [&'static str];
    /// The resource's values for filter `name` (one of [`Self::FILTERS`]).
    fn values(&self, name: &str) -> Vec<String>;
    /// The resource's tags.
    fn tags(&self) -> &[Tag];
}

/// `InvalidParameterValue` for a filter name `T` does not know.
pub(crate) fn check<T: Filterable>(filters: &[pb::Filter]) -> Result<(), ApiError> {
    for f in filters {
        if !(f.name.starts_with("tag:")
            || f.name == "tag-key"
            || T::FILTERS.contains(&f.name.as_str()))
        {
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

    struct Item(Vec<Tag>);
    impl Filterable for Item {
        const FILTERS: &'static [&'static str] = &["name"];
        fn values(&self, _: &str) -> Vec<String> {
            vec!["redis-nlb".into()]
        }
        fn tags(&self) -> &[Tag] {
            &self.0
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
        let item = Item(vec![Tag {
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
        assert!(glob("*", "") && glob("a*c", "abbc") && !glob("a*d", "abc"));
    }
}
