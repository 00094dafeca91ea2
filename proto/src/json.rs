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

    /// The same for a member of a response itself: a list there is printed even when empty
    /// (`"Vpcs": []`), as AWS's answers carry it and the AWS CLI prints it.
    fn omit_at_top(&self) -> bool {
        self.omit()
    }
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

    fn omit_at_top(&self) -> bool {
        false
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

/// EC2's `AttributeBooleanValue`: a boolean that AWS wraps as `{"Value": true}`, which the
/// API carries as an `optional bool` (`enable_dns_support`).
pub mod attribute_boolean {
    use serde::{Deserialize, Deserializer, Serialize, Serializer};

    /// The wrapper, with AWS's name and member.
    #[derive(Serialize, Deserialize, Default)]
    #[serde(rename_all = "PascalCase", default)]
    struct AttributeBooleanValue {
        value: Option<bool>,
    }

    /// Writes `Some(b)` as `{"Value": b}` (`None` is left out by the field's `Omit`).
    ///
    /// # Errors
    /// The serializer's.
    pub fn serialize<S: Serializer>(value: &Option<bool>, s: S) -> Result<S::Ok, S::Error> {
        AttributeBooleanValue { value: *value }.serialize(s)
    }

    /// Reads `{"Value": b}`.
    ///
    /// # Errors
    /// The deserializer's.
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<bool>, D::Error> {
        Ok(AttributeBooleanValue::deserialize(d)?.value)
    }
}

/// EC2's `ServiceType`: a list of `{"ServiceType": "Interface"}`, which the API carries as a
/// list of strings.
pub mod service_type_details {
    use serde::{Deserialize, Deserializer, Serialize, Serializer};

    /// One entry, with AWS's name and member.
    #[derive(Serialize, Deserialize)]
    #[serde(rename_all = "PascalCase")]
    struct ServiceTypeDetail {
        service_type: String,
    }

    /// Writes each type as `{"ServiceType": t}`.
    ///
    /// # Errors
    /// The serializer's.
    pub fn serialize<S: Serializer>(types: &[String], s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(types.iter().map(|t| ServiceTypeDetail {
            service_type: t.clone(),
        }))
    }

    /// Reads a list of `{"ServiceType": t}`.
    ///
    /// # Errors
    /// The deserializer's.
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<String>, D::Error> {
        let details = Vec::<ServiceTypeDetail>::deserialize(d)?;
        Ok(details.into_iter().map(|t| t.service_type).collect())
    }
}

/// EC2's `ReferencedGroupInfo` of a security group rule: `{"GroupId": "sg-…"}`, which the API
/// carries as the group id.
pub mod referenced_group {
    use serde::{Deserialize, Deserializer, Serialize, Serializer};

    /// The structure, with AWS's name and member.
    #[derive(Serialize, Deserialize, Default)]
    #[serde(rename_all = "PascalCase", default)]
    struct ReferencedGroupInfo {
        group_id: String,
    }

    /// Writes the id as `{"GroupId": id}`.
    ///
    /// # Errors
    /// The serializer's.
    pub fn serialize<S: Serializer>(group_id: &str, s: S) -> Result<S::Ok, S::Error> {
        ReferencedGroupInfo {
            group_id: group_id.to_string(),
        }
        .serialize(s)
    }

    /// Reads `{"GroupId": id}`.
    ///
    /// # Errors
    /// The deserializer's.
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<String, D::Error> {
        Ok(ReferencedGroupInfo::deserialize(d)?.group_id)
    }
}
