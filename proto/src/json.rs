//! How generated messages serialise to JSON: the AWS CLI's shape.
//!
//! Every message derives `serde::Serialize` with PascalCase keys (the build
//! script adds the attributes); a member is left out when it is unset, an
//! empty string or an empty list, as the AWS CLI leaves out absent members.
//! Booleans and numbers are always printed.

/// Whether a member is absent and so left out of JSON output.
pub trait Omit {
    /// `true` when the member is absent.
    fn omit(&self) -> bool;
}

impl Omit for String {
    fn omit(&self) -> bool {
        self.is_empty()
    }
}

impl<T> Omit for Vec<T> {
    fn omit(&self) -> bool {
        self.is_empty()
    }
}

impl<T> Omit for Option<T> {
    fn omit(&self) -> bool {
        self.is_none()
    }
}

impl Omit for bytes::Bytes {
    fn omit(&self) -> bool {
        self.is_empty()
    }
}

macro_rules! never_omitted {
    ($($t:ty),*) => {$(
        impl Omit for $t {
            fn omit(&self) -> bool {
                false
            }
        }
    )*};
}
never_omitted!(bool, i32, i64, u32, u64, f32, f64);
