//! The `PublicDns` service: the TXT records a provider publishes to prove it owns a private DNS
//! name, kept in the store and answered over DNS by `crate::public_dns`.

use plemu_proto::pb;

use super::Api;
use crate::error::ApiError;
use crate::model::TxtRecord;

/// Values one name may hold.
const MAX_VALUES: usize = 100;
/// Names the public DNS may hold.
const MAX_NAMES: usize = 10_000;
/// Bytes in one value: one TXT character-string.
const MAX_VALUE_BYTES: usize = 255;

/// `name` lower-cased without its trailing dot: `InvalidParameterValue` (naming the field)
/// unless it is a DNS name of labels of letters, digits, `-` and `_`, 1 to 63 characters each,
/// at most 253 in all.
fn txt_name(name: &str) -> Result<String, ApiError> {
    let lower = name.trim_end_matches('.').to_ascii_lowercase();
    let label_ok = |l: &str| {
        !l.is_empty()
            && l.len() <= 63
            && l.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
    };
    if lower.is_empty() || lower.len() > 253 || !lower.split('.').all(label_ok) {
        return Err(ApiError::invalid(
            "InvalidParameterValue",
            format!(
                "Value ({name}) for parameter name is invalid: a DNS name of labels of letters, \
                 digits, '-' and '_' (1 to 63 characters each, 253 in all) is expected"
            ),
        ));
    }
    Ok(lower)
}

/// The value: `MissingParameter` when empty, `InvalidParameterValue` when longer than one
/// character-string.
fn txt_value(value: &str) -> Result<&str, ApiError> {
    crate::validate::required(value, "value")?;
    if value.len() > MAX_VALUE_BYTES {
        return Err(ApiError::invalid(
            "InvalidParameterValue",
            format!(
                "Value for parameter value is invalid: {} bytes, at most {MAX_VALUE_BYTES}",
                value.len()
            ),
        ));
    }
    Ok(value)
}

fn to_pb(name: &str, record: &TxtRecord) -> pb::TxtRecord {
    pb::TxtRecord {
        name: name.to_string(),
        values: record.values.clone(),
    }
}

#[tonic::async_trait]
impl pb::public_dns_server::PublicDns for Api {
    async fn put_txt_record(
        &self,
        request: tonic::Request<pb::PutTxtRecordRequest>,
    ) -> Result<tonic::Response<pb::PutTxtRecordResponse>, tonic::Status> {
        let req = request.into_inner();
        let name = txt_name(crate::validate::required(&req.name, "name")?)?;
        let value = txt_value(&req.value)?.to_string();
        let record = self
            .shared
            .mutate(|res| {
                if !res.txt_records.contains_key(&name) && res.txt_records.len() >= MAX_NAMES {
                    return Err(ApiError::invalid(
                        "LimitExceeded",
                        format!("The public DNS holds {MAX_NAMES} names, its limit"),
                    ));
                }
                let record = res
                    .txt_records
                    .entry(name.clone())
                    .or_insert_with(|| TxtRecord { values: Vec::new() });
                if !record.values.contains(&value) {
                    if record.values.len() >= MAX_VALUES {
                        return Err(ApiError::invalid(
                            "LimitExceeded",
                            format!("{name} holds {MAX_VALUES} TXT values, its limit"),
                        ));
                    }
                    record.values.push(value);
                }
                Ok(to_pb(&name, record))
            })
            .await?;
        tracing::info!(name = %record.name, values = record.values.len(), "TXT record published");
        Ok(tonic::Response::new(pb::PutTxtRecordResponse {
            record: Some(record),
        }))
    }

    async fn delete_txt_record(
        &self,
        request: tonic::Request<pb::DeleteTxtRecordRequest>,
    ) -> Result<tonic::Response<pb::DeleteTxtRecordResponse>, tonic::Status> {
        let req = request.into_inner();
        let name = txt_name(crate::validate::required(&req.name, "name")?)?;
        let removed = self
            .shared
            .mutate(|res| {
                let Some(record) = res.txt_records.get_mut(&name) else {
                    return Ok(false);
                };
                let before = record.values.len();
                if req.value.is_empty() {
                    record.values.clear();
                } else {
                    record.values.retain(|v| *v != req.value);
                }
                let removed = record.values.len() < before;
                if record.values.is_empty() {
                    res.txt_records.remove(&name);
                }
                Ok(removed)
            })
            .await?;
        Ok(tonic::Response::new(pb::DeleteTxtRecordResponse {
            return_value: removed,
        }))
    }

    async fn list_txt_records(
        &self,
        _request: tonic::Request<pb::ListTxtRecordsRequest>,
    ) -> Result<tonic::Response<pb::ListTxtRecordsResponse>, tonic::Status> {
        let records = self
            .shared
            .read(|st| {
                st.res
                    .txt_records
                    .iter()
                    .map(|(name, record)| to_pb(name, record))
                    .collect()
            })
            .await;
        Ok(tonic::Response::new(pb::ListTxtRecordsResponse { records }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_take_underscores_and_are_lower_cased() {
        assert_eq!(
            txt_name("_AbC1.Redis.Example.com.").unwrap(),
            "_abc1.redis.example.com"
        );
        for bad in ["", ".", "a..b", "a b.com", &"a".repeat(64), "*.example.com"] {
            let e = txt_name(bad).unwrap_err();
            assert_eq!(e.code(), "InvalidParameterValue", "{bad}");
            assert!(e.message().contains("parameter name"), "{bad}");
        }
        assert!(txt_value(&"v".repeat(255)).is_ok());
        assert_eq!(txt_value("").unwrap_err().code(), "MissingParameter");
        assert_eq!(
            txt_value(&"v".repeat(256)).unwrap_err().code(),
            "InvalidParameterValue"
        );
    }
}
