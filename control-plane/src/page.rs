//! Pages of Describe answers: EC2's `MaxResults`/`NextToken` and ELBv2's `PageSize`/`Marker`.
//!
//! Items are listed in id order (the store's), so a token is the position of the next page's
//! first item. Without a page size every item comes at once, and the last page has no token,
//! so that the `aws` CLI's and boto3's paginators stop.

use crate::error::ApiError;

/// The page sizes an action accepts.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Sizes {
    /// EC2, between 5 and 1,000: other values are refused.
    Ec2Range,
    /// EC2, "if the value is greater than 1,000, we return only 1,000 items".
    Ec2Capped,
    /// ELBv2's `PageSize`, between 1 and 400.
    Elbv2,
}

/// The page of `items` that `token` (empty: the first) and `size` ask for, and the token of
/// the next page (empty on the last).
///
/// # Errors
/// A size outside the action's range: `InvalidParameterValue` (ELBv2: `ValidationError`). A
/// token this listing did not hand out: `InvalidPaginationToken` (ELBv2: `ValidationError`).
pub(crate) fn page<T>(
    mut items: Vec<T>,
    size: Option<i32>,
    token: &str,
    sizes: Sizes,
) -> Result<(Vec<T>, String), ApiError> {
    let elbv2 = matches!(sizes, Sizes::Elbv2);
    let start = if token.is_empty() {
        0
    } else {
        token
            .strip_prefix("page-")
            .and_then(|n| n.parse::<usize>().ok())
            .filter(|n| *n > 0 && *n <= items.len())
            .ok_or_else(|| {
                let message = format!("The pagination token '{token}' is not valid or has expired");
                if elbv2 {
                    ApiError::validation(message)
                } else {
                    ApiError::invalid("InvalidPaginationToken", message)
                }
            })?
    };
    let size = match (size, sizes) {
        (None, _) => usize::MAX,
        (Some(n), Sizes::Ec2Range) if !(5..=1000).contains(&n) => {
            return Err(ApiError::invalid(
                "InvalidParameterValue",
                format!(
                    "Value ( {n} ) for parameter maxResults is invalid. Expecting a value between 5 and 1000."
                ),
            ));
        }
        (Some(n), Sizes::Ec2Capped) if n < 1 => {
            return Err(ApiError::invalid(
                "InvalidParameterValue",
                format!(
                    "Value ( {n} ) for parameter maxResults is invalid. Expecting a value greater than 0."
                ),
            ));
        }
        (Some(n), Sizes::Elbv2) if !(1..=400).contains(&n) => {
            return Err(ApiError::validation(format!(
                "1 validation error detected: Value '{n}' at 'pageSize' failed to satisfy constraint: \
                 Member must have value between 1 and 400"
            )));
        }
        (Some(n), _) => usize::try_from(n.min(1000)).unwrap_or(1000),
    };
    let rest = items.split_off(start);
    let more = rest.len() > size;
    let page: Vec<T> = rest.into_iter().take(size).collect();
    let next = if more {
        format!("page-{}", start + page.len())
    } else {
        String::new()
    };
    Ok((page, next))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pages_cover_every_item_once_and_the_last_has_no_token() {
        let items: Vec<u32> = (0..12).collect();
        let mut token = String::new();
        let mut seen = Vec::new();
        loop {
            let (page, next) = page(items.clone(), Some(5), &token, Sizes::Ec2Range).unwrap();
            assert!(page.len() <= 5);
            seen.extend(page);
            if next.is_empty() {
                break;
            }
            token = next;
        }
        assert_eq!(seen, items);
        assert_eq!(
            page(items.clone(), None, "", Sizes::Elbv2).unwrap(),
            (items.clone(), String::new())
        );
        let (p, next) = page(items.clone(), Some(12), "", Sizes::Elbv2).unwrap();
        assert_eq!((p.len(), next.as_str()), (12, ""));
    }

    #[test]
    fn sizes_and_tokens_are_checked() {
        let items: Vec<u32> = (0..3).collect();
        let code =
            |size, token: &str, sizes| page(items.clone(), size, token, sizes).unwrap_err().code();
        assert_eq!(code(Some(4), "", Sizes::Ec2Range), "InvalidParameterValue");
        assert_eq!(
            code(Some(1001), "", Sizes::Ec2Range),
            "InvalidParameterValue"
        );
        assert_eq!(code(Some(0), "", Sizes::Ec2Capped), "InvalidParameterValue");
        assert_eq!(code(Some(401), "", Sizes::Elbv2), "ValidationError");
        assert_eq!(
            code(None, "bogus", Sizes::Ec2Range),
            "InvalidPaginationToken"
        );
        assert_eq!(
            code(None, "page-9", Sizes::Ec2Capped),
            "InvalidPaginationToken"
        );
        assert_eq!(code(None, "page-0", Sizes::Elbv2), "ValidationError");
        assert_eq!(
            page(items.clone(), Some(5000), "", Sizes::Ec2Capped)
                .unwrap()
                .0
                .len(),
            3
        );
    }
}
