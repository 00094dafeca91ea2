//! The paging flags of the Describe verbs, one field each as in the API.
//!
//! Without them a Describe answers everything at once. The aws CLI pages by itself
//! (`--page-size`, `--starting-token`); plemu's CLI hands the API's own fields over.

use clap::Args;

/// EC2's `MaxResults` and `NextToken`.
#[derive(Args, Debug, Default)]
pub struct Ec2Page {
    /// At most this many items, then a NextToken for the rest.
    #[arg(long)]
    max_results: Option<i32>,
    /// The NextToken of the previous page.
    #[arg(long)]
    next_token: Option<String>,
}

impl Ec2Page {
    /// `(max_results, next_token)` of a request.
    pub(super) fn fields(self) -> (Option<i32>, String) {
        (self.max_results, self.next_token.unwrap_or_default())
    }
}

/// ELBv2's `PageSize` and `Marker`.
#[derive(Args, Debug, Default)]
pub struct Elbv2Page {
    /// At most this many items (1-400), then a NextMarker for the rest.
    #[arg(long)]
    page_size: Option<i32>,
    /// The NextMarker of the previous page.
    #[arg(long)]
    marker: Option<String>,
}

impl Elbv2Page {
    /// `(page_size, marker)` of a request.
    pub(super) fn fields(self) -> (Option<i32>, String) {
        (self.page_size, self.marker.unwrap_or_default())
    }
}
