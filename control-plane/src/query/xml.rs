//! Responses of the Query protocols: a response's [`Node`] tree written as EC2's or ELBv2's
//! XML, and the protocols' error documents.
//!
//! The response types derive `Serialize` with AWS's member names and leave absent members out
//! (as the CLI's JSON does). EC2 writes each member under its `locationName` and a list's
//! elements as `<item>`; ELBv2 writes member names and `<member>`.

use std::fmt::Write as _;

use super::Protocol;
use super::names;
use super::node::Node;
use crate::error::ApiError;

/// The members of the response `body` inside the protocol's envelope for `action`.
pub(super) fn response(protocol: Protocol, action: &str, request_id: &str, body: &Node) -> String {
    let mut out = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    let ns = protocol.namespace();
    let _ = write!(out, "<{action}Response xmlns=\"{ns}\">");
    match protocol {
        Protocol::Ec2 => {
            let _ = write!(out, "<requestId>{}</requestId>", escape(request_id));
            members(&mut out, protocol, body);
        }
        Protocol::Elbv2 => {
            let _ = write!(out, "<{action}Result>");
            members(&mut out, protocol, body);
            let _ = write!(
                out,
                "</{action}Result><ResponseMetadata><RequestId>{}</RequestId></ResponseMetadata>",
                escape(request_id)
            );
        }
    }
    let _ = write!(out, "</{action}Response>");
    out
}

/// The protocol's error document.
pub(super) fn error(protocol: Protocol, request_id: &str, e: &ApiError) -> String {
    let code = escape(e.code());
    let message = escape(&e.message());
    let id = escape(request_id);
    match protocol {
        Protocol::Ec2 => format!(
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Response><Errors><Error><Code>{code}</Code>\
             <Message>{message}</Message></Error></Errors><RequestID>{id}</RequestID></Response>"
        ),
        Protocol::Elbv2 => {
            let kind = if e.http_status() >= 500 {
                "Receiver"
            } else {
                "Sender"
            };
            format!(
                "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<ErrorResponse xmlns=\"{}\"><Error>\
                 <Type>{kind}</Type><Code>{code}</Code><Message>{message}</Message></Error>\
                 <RequestId>{id}</RequestId></ErrorResponse>",
                protocol.namespace()
            )
        }
    }
}

/// The members of a structure node, each as an element.
fn members(out: &mut String, protocol: Protocol, node: &Node) {
    let Node::Struct { shape, members } = node else {
        return;
    };
    for (member, value) in members {
        let element = names::element(protocol, shape, member);
        match value {
            Node::Absent => {}
            Node::List(items) => {
                let _ = write!(out, "<{element}>");
                for item in items {
                    let tag = protocol.list_item();
                    let _ = write!(out, "<{tag}>");
                    content(out, protocol, item);
                    let _ = write!(out, "</{tag}>");
                }
                let _ = write!(out, "</{element}>");
            }
            _ => {
                let _ = write!(out, "<{element}>");
                content(out, protocol, value);
                let _ = write!(out, "</{element}>");
            }
        }
    }
}

/// A value's content: text, or a structure's members.
fn content(out: &mut String, protocol: Protocol, node: &Node) {
    match node {
        Node::Text(t) => out.push_str(&escape(t)),
        Node::Struct { .. } => members(out, protocol, node),
        // Lists of lists do not occur in the API; absent values are not written.
        Node::List(_) | Node::Absent => {}
    }
}

/// Escapes text for an XML element.
fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests;
