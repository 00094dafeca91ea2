//! The topology page, rendered on the server: no external assets, no build step; a few lines
//! of inline script swap in a fresh body (`/topology.html`) every second.

use std::fmt::Write;

use super::view::{
    Account, EndpointView, LoadBalancerView, ServiceView, TargetGroupView, Topology, VpcView,
};

const STYLE: &str = r#"
body{font:14px/1.4 system-ui,sans-serif;margin:0;background:#f4f5f7;color:#1d2330}
header{background:#232f3e;color:#fff;padding:10px 20px;display:flex;gap:20px;align-items:baseline}
header h1{font-size:18px;margin:0}header a{color:#ffb84d}#status{margin-left:auto;font-size:12px;opacity:.8}
main{padding:12px 20px}.account{margin-bottom:18px}.account>h2{font-size:16px;margin:6px 0}
.row{display:flex;flex-wrap:wrap;gap:12px;align-items:flex-start}
.card{background:#fff;border:1px solid #d5dbe3;border-radius:6px;padding:10px 12px;min-width:300px;max-width:640px}
.card h3{font-size:14px;margin:0 0 6px}.card h4{font-size:13px;margin:8px 0 4px}
.muted{color:#5f6b7a;font-size:12px}.mono{font-family:ui-monospace,monospace;font-size:12px}
.badge{display:inline-block;border-radius:10px;padding:0 8px;font-size:12px;font-weight:600;background:#e3e7ec}
.s-available,.s-healthy,.s-active,.s-verified{background:#d4f4dd;color:#136c2e}
.s-pending,.s-pendingAcceptance,.s-initial,.s-provisioning,.s-draining,.s-pendingVerification{background:#fff1c9;color:#7a5a00}
.s-rejected,.s-failed,.s-unhealthy,.s-unavailable{background:#fde0df;color:#a4161a}.s-unused{background:#e3e7ec;color:#444}
table{border-collapse:collapse;width:100%;font-size:12px}td,th{text-align:left;padding:2px 6px;border-bottom:1px solid #eef0f3}
.counts{display:flex;gap:10px;flex-wrap:wrap;font-size:12px;margin-top:4px}.counts b{font-variant-numeric:tabular-nums}
.refusal{background:#fde0df;border-left:3px solid #a4161a;padding:4px 6px;margin-top:6px;font-size:12px}
.endpoint{border-left:4px solid #0073bb}.lb{border-left:4px solid #8c4fff}.service{border-left:4px solid #e07941}
ul{margin:2px 0;padding-left:18px}
"#;

const SCRIPT: &str = r#"
let updates = 0;
async function tick() {
  const status = document.getElementById('status');
  try {
    const r = await fetch('/topology.html', {cache: 'no-store'});
    if (!r.ok) throw new Error(r.status);
    document.getElementById('topology').innerHTML = await r.text();
    updates += 1;
    document.body.dataset.updates = updates;
    status.textContent = 'live, updated ' + new Date().toLocaleTimeString();
  } catch (e) {
    status.textContent = 'cannot reach the control plane (' + e.message + ')';
  }
}
tick();
setInterval(tick, 1000);
"#;

/// The whole page: style, the body as it is now, and the script that keeps it fresh.
pub(super) fn page(t: &Topology) -> String {
    format!(
        "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\
         <title>plemu topology</title><style>{STYLE}</style></head>\
         <body data-updates=\"0\"><header><h1>plemu topology</h1>\
         <a href=\"/metrics\">/metrics</a><a href=\"/topology.json\">/topology.json</a>\
         <span id=\"status\">server-rendered</span></header>\
         <main id=\"topology\">{}</main><script>{SCRIPT}</script></body></html>\n",
        body(t)
    )
}

/// The page's body: every account's resources.
pub(super) fn body(t: &Topology) -> String {
    let mut out = String::new();
    if t.accounts.is_empty() {
        out.push_str(
            "<p class=\"muted\">Nothing yet: create a VPC (see the README's walkthrough).</p>",
        );
    }
    for a in &t.accounts {
        account(&mut out, a);
    }
    let _ = write!(out, "<p class=\"muted\">state version {}</p>", t.version);
    out
}

fn account(out: &mut String, a: &Account) {
    let _ = write!(
        out,
        "<section class=\"account\" data-account=\"{0}\"><h2>Account {0}</h2><div class=\"row\">",
        esc(&a.account_id)
    );
    for s in &a.services {
        service(out, s);
    }
    for v in &a.vpcs {
        vpc(out, v);
    }
    out.push_str("</div></section>");
}

fn vpc(out: &mut String, v: &VpcView) {
    let _ = write!(
        out,
        "<div class=\"card vpc\" id=\"{0}\"><h3>VPC {0} <span class=\"muted\">{1}</span></h3>\
         <div class=\"muted\">DNS support {2}, DNS hostnames {3}</div><h4>Subnets</h4><ul>",
        esc(&v.vpc_id),
        esc(&v.cidr_block),
        on_off(v.enable_dns_support),
        on_off(v.enable_dns_hostnames)
    );
    for s in &v.subnets {
        let _ = write!(
            out,
            "<li class=\"mono\">{} {} {}</li>",
            esc(&s.subnet_id),
            esc(&s.cidr_block),
            esc(&s.availability_zone)
        );
    }
    out.push_str("</ul>");
    if !v.security_groups.is_empty() {
        out.push_str("<h4>Security groups</h4><ul>");
        for g in &v.security_groups {
            let rules = if g.ingress.is_empty() {
                "no inbound rules".to_string()
            } else {
                g.ingress
                    .iter()
                    .map(|r| esc(r))
                    .collect::<Vec<_>>()
                    .join("; ")
            };
            let _ = write!(
                out,
                "<li><span class=\"mono\">{}</span> {}: <span class=\"muted\">{}</span></li>",
                esc(&g.group_id),
                esc(&g.group_name),
                rules
            );
        }
        out.push_str("</ul>");
    }
    for e in &v.endpoints {
        endpoint(out, e);
    }
    for lb in &v.load_balancers {
        load_balancer(out, lb);
    }
    out.push_str("</div>");
}

fn endpoint(out: &mut String, e: &EndpointView) {
    let _ = write!(
        out,
        "<div class=\"card endpoint\" id=\"{0}\" data-state=\"{1}\"><h3>Endpoint {0} {2}</h3>\
         <div class=\"muted\">{3}</div>",
        esc(&e.vpc_endpoint_id),
        esc(&e.state),
        badge(&e.state),
        esc(&e.service_name)
    );
    if let Some(err) = &e.last_error {
        let _ = write!(out, "<div class=\"refusal\">{}</div>", esc(err));
    }
    out.push_str("<h4>DNS names</h4><ul>");
    for n in &e.dns_names {
        let _ = write!(out, "<li class=\"mono\">{}</li>", esc(n));
    }
    let _ = write!(
        out,
        "</ul><div class=\"muted\">private DNS {}; security groups <span class=\"mono\">{}</span></div><ul>",
        on_off(e.private_dns_enabled),
        esc(&e.security_group_ids.join(", "))
    );
    for n in &e.network_interfaces {
        let _ = write!(
            out,
            "<li class=\"mono\">{} {} {} {}</li>",
            esc(&n.network_interface_id),
            esc(&n.private_ip_address),
            esc(&n.subnet_id),
            esc(&n.availability_zone)
        );
    }
    let c = &e.counts;
    let _ = write!(
        out,
        "</ul><div class=\"counts\" data-hop=\"endpoint\">active <b class=\"active\">{}</b> new <b class=\"new\">{}</b> \
         bytes <b class=\"bytes\">{}</b> dropped <b class=\"dropped\">{}</b> RST received <b>{}</b></div>",
        c.active_connections,
        c.new_connections,
        c.bytes_processed,
        c.packets_dropped,
        c.rst_packets_received
    );
    if let Some(r) = &e.last_refusal {
        let _ = write!(
            out,
            "<div class=\"refusal\" data-refused-by=\"{}\" data-kind=\"{}\">last refusal ({} of {}, {} in all): {}</div>",
            esc(&r.by),
            esc(&r.kind),
            esc(&r.kind),
            esc(&r.by),
            r.count,
            esc(&r.message)
        );
    }
    out.push_str("</div>");
}

fn service(out: &mut String, s: &ServiceView) {
    let principals = if s.allowed_principals.is_empty() {
        "none (only the owner)".to_string()
    } else {
        esc(&s.allowed_principals.join(", "))
    };
    let _ = write!(
        out,
        "<div class=\"card service\" id=\"{0}\"><h3>Service {0}</h3><div class=\"mono\">{1}</div>\
         <div>acceptance required: <b>{2}</b></div><div>allowed principals: {3}</div>\
         <div>load balancers: {4}</div>",
        esc(&s.service_id),
        esc(&s.service_name),
        if s.acceptance_required { "yes" } else { "no" },
        principals,
        esc(&s.load_balancers.join(", "))
    );
    if let (Some(n), Some(st)) = (&s.private_dns_name, &s.private_dns_state) {
        let _ = write!(
            out,
            "<div>private DNS <span class=\"mono\">{}</span> {}</div>",
            esc(n),
            badge(st)
        );
    }
    out.push_str("<h4>Endpoint connections</h4><ul>");
    for (id, state, owner) in &s.connections {
        let _ = write!(
            out,
            "<li><a class=\"mono\" href=\"#{0}\">{0}</a> of {1} {2}</li>",
            esc(id),
            esc(owner),
            badge(state)
        );
    }
    let c = &s.counts;
    let _ = write!(
        out,
        "</ul><div class=\"counts\" data-hop=\"service\">endpoints <b>{}</b> active <b class=\"active\">{}</b> new <b class=\"new\">{}</b> \
         bytes <b class=\"bytes\">{}</b> RST sent <b>{}</b></div></div>",
        c.endpoints_count,
        c.active_connections,
        c.new_connections,
        c.bytes_processed,
        c.rst_packets_sent
    );
}

fn load_balancer(out: &mut String, lb: &LoadBalancerView) {
    let _ = write!(
        out,
        "<div class=\"card lb\" id=\"{0}\"><h3>NLB {0} {1}</h3><div class=\"mono\">{2}</div>\
         <div class=\"muted\">zones {3}; security groups {4}</div><h4>Listeners</h4><ul>",
        esc(&lb.load_balancer_name),
        badge(&lb.state),
        esc(&lb.dns_name),
        esc(&lb.availability_zones.join(", ")),
        if lb.security_groups.is_empty() {
            "none".to_string()
        } else {
            esc(&lb.security_groups.join(", "))
        }
    );
    for l in &lb.listeners {
        let _ = write!(
            out,
            "<li>{} {} &rarr; {}</li>",
            esc(&l.protocol),
            l.port,
            esc(&l.target_group_name)
        );
    }
    out.push_str("</ul>");
    for tg in &lb.target_groups {
        target_group(out, tg);
    }
    out.push_str("</div>");
}

fn target_group(out: &mut String, tg: &TargetGroupView) {
    let _ = write!(
        out,
        "<h4>Target group {} (port {})</h4><div class=\"muted\">{}</div>\
         <table><tr><th>target</th><th>zone</th><th>health</th><th>reason</th></tr>",
        esc(&tg.target_group_name),
        tg.port,
        esc(&tg.health_check)
    );
    for t in &tg.targets {
        let _ = write!(
            out,
            "<tr class=\"target\" data-target=\"{0}:{1}\" data-state=\"{2}\"><td class=\"mono\">{0}:{1}</td>\
             <td>{3}</td><td>{4}</td><td class=\"muted\" title=\"{5}\">{6}</td></tr>",
            esc(&t.id),
            t.port,
            esc(&t.state),
            esc(&t.availability_zone),
            badge(&t.state),
            esc(&t.description),
            esc(&t.reason)
        );
    }
    let c = &tg.counts;
    let _ = write!(
        out,
        "</table><div class=\"counts\" data-hop=\"nlb\">active flows <b class=\"active\">{}</b> new <b class=\"new\">{}</b> \
         bytes <b class=\"bytes\">{}</b> resets client/target/ELB <b>{}/{}/{}</b></div>",
        c.active_flow_count,
        c.new_flow_count,
        c.processed_bytes,
        c.tcp_client_reset_count,
        c.tcp_target_reset_count,
        c.tcp_elb_reset_count
    );
}

fn badge(state: &str) -> String {
    format!("<span class=\"badge s-{0}\">{0}</span>", esc(state))
}

fn on_off(b: bool) -> &'static str {
    if b { "on" } else { "off" }
}

/// `s` with HTML's special characters escaped.
fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn text_is_escaped() {
        assert_eq!(
            super::esc("<a href=\"x\">&'"),
            "&lt;a href=&quot;x&quot;&gt;&amp;&#39;"
        );
    }
}
