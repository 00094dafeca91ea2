//! The tag verbs of `plemu ec2` (`create-tags`, `delete-tags`, `describe-tags`) and `plemu elbv2`
//! (`add-tags`, `remove-tags`, `describe-tags`), with the AWS CLI's flags.

use clap::{ArgAction, Args, Subcommand};
use plemu_proto::pb;
use plemu_proto::pb::ec2_client::Ec2Client;
use plemu_proto::pb::elbv2_client::Elbv2Client;

use super::{CallError, Connection, shapes};

/// The EC2 tag verbs.
#[derive(Subcommand, Debug)]
#[allow(clippy::enum_variant_names)] // the variants are the AWS CLI's verbs: create-tags, …
pub enum Ec2Tags {
    /// Adds or overwrites tags on VPCs, subnets, security groups, endpoints and endpoint services.
    CreateTags(CreateTagsArgs),
    /// Deletes tags from resources (all of them when --tags is omitted).
    DeleteTags(DeleteTagsArgs),
    /// Describes the tags of your resources.
    DescribeTags(DescribeTagsArgs),
}

/// The ELBv2 tag verbs.
#[derive(Subcommand, Debug)]
#[allow(clippy::enum_variant_names)] // the variants are the AWS CLI's verbs: add-tags, …
pub enum Elbv2Tags {
    /// Adds or overwrites tags on load balancers, target groups and listeners.
    AddTags(AddTagsArgs),
    /// Removes tags, by key.
    RemoveTags(RemoveTagsArgs),
    /// Describes the tags of up to 20 resources.
    DescribeTags(DescribeElbTagsArgs),
}

/// Parameters of `create-tags`.
#[derive(Args, Debug)]
pub struct CreateTagsArgs {
    /// The resource ids.
    #[arg(long, num_args = 1.., action = ArgAction::Append)]
    resources: Vec<String>,
    /// Tags: Key=Name,Value=x (or JSON).
    #[arg(long, num_args = 1.., action = ArgAction::Append)]
    tags: Vec<String>,
}

/// Parameters of `delete-tags`.
#[derive(Args, Debug)]
pub struct DeleteTagsArgs {
    /// The resource ids.
    #[arg(long, num_args = 1.., action = ArgAction::Append)]
    resources: Vec<String>,
    /// Tags: Key=Name (any value) or Key=Name,Value=x (only that value).
    #[arg(long, num_args = 1.., action = ArgAction::Append)]
    tags: Vec<String>,
}

/// Parameters of `describe-tags`.
#[derive(Args, Debug)]
pub struct DescribeTagsArgs {
    /// Filters: Name=resource-type,Values=vpc (key, value, resource-id, resource-type).
    #[arg(long, num_args = 1.., action = ArgAction::Append)]
    filters: Vec<String>,
    /// Paging; every item at once when omitted.
    #[command(flatten)]
    page: super::page::Ec2Page,
}

/// Parameters of `add-tags`.
#[derive(Args, Debug)]
pub struct AddTagsArgs {
    /// The resources' ARNs.
    #[arg(long, num_args = 1.., action = ArgAction::Append)]
    resource_arns: Vec<String>,
    /// Tags: Key=Name,Value=x (or JSON).
    #[arg(long, num_args = 1.., action = ArgAction::Append)]
    tags: Vec<String>,
}

/// Parameters of `remove-tags`.
#[derive(Args, Debug)]
pub struct RemoveTagsArgs {
    /// The resources' ARNs.
    #[arg(long, num_args = 1.., action = ArgAction::Append)]
    resource_arns: Vec<String>,
    /// The keys of the tags to remove.
    #[arg(long, num_args = 1.., action = ArgAction::Append)]
    tag_keys: Vec<String>,
}

/// Parameters of ELBv2's `describe-tags`.
#[derive(Args, Debug)]
pub struct DescribeElbTagsArgs {
    /// The resources' ARNs (at most 20).
    #[arg(long, num_args = 1.., action = ArgAction::Append)]
    resource_arns: Vec<String>,
}

/// Calls the EC2 tag verb `cmd` names.
pub(super) async fn ec2(
    conn: &Connection,
    cmd: Ec2Tags,
) -> Result<Option<serde_json::Value>, CallError> {
    use Ec2Tags as C;
    match cmd {
        C::CreateTags(a) => call!(conn, Ec2Client, create_tags, "CreateTags", {
            Ok::<_, CallError>(pb::CreateTagsRequest {
                resources: shapes::strings("--resources", a.resources)?,
                tags: shapes::structs("--tags", &a.tags, shapes::tag)?,
            })
        }),
        C::DeleteTags(a) => call!(conn, Ec2Client, delete_tags, "DeleteTags", {
            Ok::<_, CallError>(pb::DeleteTagsRequest {
                resources: shapes::strings("--resources", a.resources)?,
                tags: shapes::structs("--tags", &a.tags, shapes::delete_tag)?,
            })
        }),
        C::DescribeTags(a) => call!(conn, Ec2Client, describe_tags, "DescribeTags", {
            let (max_results, next_token) = a.page.fields();
            Ok::<_, CallError>(pb::DescribeTagsRequest {
                filters: shapes::structs("--filters", &a.filters, shapes::filter)?,
                max_results,
                next_token,
            })
        }),
    }
}

/// Calls the ELBv2 tag verb `cmd` names.
pub(super) async fn elbv2(
    conn: &Connection,
    cmd: Elbv2Tags,
) -> Result<Option<serde_json::Value>, CallError> {
    use Elbv2Tags as C;
    match cmd {
        C::AddTags(a) => call!(conn, Elbv2Client, add_tags, "AddTags", {
            Ok::<_, CallError>(pb::AddTagsRequest {
                resource_arns: shapes::strings("--resource-arns", a.resource_arns)?,
                tags: shapes::structs("--tags", &a.tags, shapes::tag)?,
            })
        }),
        C::RemoveTags(a) => call!(conn, Elbv2Client, remove_tags, "RemoveTags", {
            Ok::<_, CallError>(pb::RemoveTagsRequest {
                resource_arns: shapes::strings("--resource-arns", a.resource_arns)?,
                tag_keys: shapes::strings("--tag-keys", a.tag_keys)?,
            })
        }),
        C::DescribeTags(a) => call!(conn, Elbv2Client, describe_tags, "DescribeTags", {
            Ok::<_, CallError>(pb::DescribeElbTagsRequest {
                resource_arns: shapes::strings("--resource-arns", a.resource_arns)?,
            })
        }),
    }
}
