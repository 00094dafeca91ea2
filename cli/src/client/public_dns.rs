//! The `plemu public-dns` verbs: the TXT records that private DNS verification looks up, in the
//! public DNS plemu serves (plemu's own `PublicDns` service; on AWS the record goes into the
//! domain's own DNS).

use clap::{Args, Subcommand};
use plemu_proto::pb::{self, public_dns_client::PublicDnsClient};

use super::{CallError, Connection};

/// One `plemu public-dns` verb.
#[derive(Subcommand, Debug)]
pub enum PublicDnsCommand {
    /// Publishes a TXT value at a name (adding to the name's other values).
    PutTxtRecord(PutTxtRecordArgs),
    /// Removes a TXT value from a name, or every value with no --value.
    DeleteTxtRecord(DeleteTxtRecordArgs),
    /// Lists every name with TXT records.
    ListTxtRecords,
}

/// Parameters of `put-txt-record`.
#[derive(Args, Debug)]
pub struct PutTxtRecordArgs {
    /// The record's name: for private DNS verification, the configuration's `Name` then the
    /// private DNS name (`_lvkl5bv0sifyinyqqfm0.redis.example.com`), or the bare domain.
    #[arg(long)]
    name: String,
    /// The value: the configuration's `Value` (`vpce:…`).
    #[arg(long)]
    value: String,
}

/// Parameters of `delete-txt-record`.
#[derive(Args, Debug)]
pub struct DeleteTxtRecordArgs {
    /// The record's name.
    #[arg(long)]
    name: String,
    /// The value to remove; every value of the name when left out.
    #[arg(long, default_value = "")]
    value: String,
}

/// Calls one `PublicDns` action.
pub(super) async fn run(
    conn: &Connection,
    cmd: PublicDnsCommand,
) -> Result<Option<serde_json::Value>, CallError> {
    use PublicDnsCommand as C;
    match cmd {
        C::PutTxtRecord(a) => call!(
            conn,
            PublicDnsClient,
            put_txt_record,
            "PutTxtRecord",
            Ok::<_, CallError>(pb::PutTxtRecordRequest {
                name: a.name,
                value: a.value,
            })
        ),
        C::DeleteTxtRecord(a) => call!(
            conn,
            PublicDnsClient,
            delete_txt_record,
            "DeleteTxtRecord",
            Ok::<_, CallError>(pb::DeleteTxtRecordRequest {
                name: a.name,
                value: a.value,
            })
        ),
        C::ListTxtRecords => call!(
            conn,
            PublicDnsClient,
            list_txt_records,
            "ListTxtRecords",
            Ok::<_, CallError>(pb::ListTxtRecordsRequest {})
        ),
    }
}
