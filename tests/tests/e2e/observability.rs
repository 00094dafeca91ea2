//! The topology page on a running `plemu up`: in headless Chromium it shows an endpoint turning
//! `available` and a target turning `unhealthy`.

use std::time::Duration;

use plemu_testkit::topology::TopologySpec;
use plemu_testkit::{RedisServer, Scenario, browser, eventually, trace_init};

use crate::support::{ping_raw, private_dns_addr, redis_cmd};

/// The state of the element with `attr="value"` in a dumped DOM: its `data-state`.
fn state_of(dom: &str, attr: &str, value: &str) -> Option<String> {
    let at = dom.find(&format!("{attr}=\"{value}\""))?;
    let start = dom[..at].rfind('<')?;
    let tag = &dom[start..start + dom[start..].find('>')?];
    let s = tag.split("data-state=\"").nth(1)?;
    Some(s[..s.find('"')?].to_string())
}

/// How many times the page's script replaced the body.
fn updates(dom: &str) -> u32 {
    dom.split("data-updates=\"")
        .nth(1)
        .and_then(|s| s.split('"').next())
        .and_then(|n| n.parse().ok())
        .unwrap_or(0)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn topology_page_shows_the_endpoint_turn_available_and_the_target_turn_unhealthy()
-> anyhow::Result<()> {
    trace_init();
    let redis = RedisServer::start()?;
    let Scenario { plemu, api, topo } = Scenario::start(TopologySpec {
        target: redis.addr,
        acceptance_required: true,
        client_cidr: "10.1.0.0/16".into(),
    })
    .await?;
    let url = format!("http://{}/", plemu.api);
    let vpce = topo.endpoint.vpc_endpoint_id.clone();
    let target = redis.addr.to_string();

    // The endpoint waits for acceptance; a connection now is refused, and the page says why.
    let addr = private_dns_addr(&plemu).await?;
    assert_eq!(
        ping_raw(addr).await?,
        Err(std::io::ErrorKind::ConnectionReset)
    );
    let dom = browser::dump_dom(&url, 2500).await?;
    assert!(
        updates(&dom) >= 1,
        "the page's script never refreshed it:\n{dom}"
    );
    assert_eq!(
        state_of(&dom, "id", &vpce).as_deref(),
        Some("pendingAcceptance"),
        "{dom}"
    );
    assert!(
        dom.contains("data-kind=\"endpoint_not_available\""),
        "no refusal shown:\n{dom}"
    );
    assert!(
        dom.contains(&topo.service_name) && dom.contains("acceptance required"),
        "{dom}"
    );

    topo.accept(&api).await?;
    topo.wait_available(&api, Duration::from_secs(10)).await?;
    let dom = browser::dump_dom(&url, 2500).await?;
    assert!(updates(&dom) >= 1, "{dom}");
    assert_eq!(
        state_of(&dom, "id", &vpce).as_deref(),
        Some("available"),
        "{dom}"
    );

    // Traffic shows on the endpoint's hop; the target turns healthy, then unhealthy.
    redis_cmd(addr, &["SET", "page", "hello"]).await?;
    eventually(Duration::from_secs(40), || async {
        let dom = browser::dump_dom(&url, 2500).await?;
        let state = state_of(&dom, "data-target", &target);
        anyhow::ensure!(state.as_deref() == Some("healthy"), "target is {state:?}");
        Ok(())
    })
    .await?;
    drop(redis);
    let dom = eventually(Duration::from_secs(40), || async {
        let dom = browser::dump_dom(&url, 2500).await?;
        let state = state_of(&dom, "data-target", &target);
        anyhow::ensure!(state.as_deref() == Some("unhealthy"), "target is {state:?}");
        Ok(dom)
    })
    .await?;
    assert!(updates(&dom) >= 1, "{dom}");
    assert!(
        !dom.contains("class=\"bytes\">0<"),
        "a hop shows no bytes:\n{dom}"
    );

    // A picture of the page for docs/ when asked for (PLEMU_TOPOLOGY_SCREENSHOT=docs/topology.png).
    if let Ok(path) = std::env::var("PLEMU_TOPOLOGY_SCREENSHOT") {
        browser::screenshot(&url, std::path::Path::new(&path), 1500, 1300).await?;
    }
    Ok(())
}
