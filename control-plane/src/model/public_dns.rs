//! The public DNS's TXT records: where a provider proves that it owns a private DNS name.

use serde::{Deserialize, Serialize};

/// The TXT records of one name (the key: lower case, no trailing dot).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct TxtRecord {
    /// One character-string each, in the order they were added; never empty.
    pub values: Vec<String>,
}
