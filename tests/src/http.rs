//! Plain HTTP/1.1 GETs on plemu's API port (`/metrics`, the topology page) and reading samples
//! out of the Prometheus text format.

use std::net::SocketAddr;
use std::time::Duration;

use anyhow::Context;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// `GET path` on `addr` with `Connection: close`: the status code and the body, within 10 s.
///
/// # Errors
/// When the connection fails, the answer is not HTTP/1.1, or it takes longer.
pub async fn get(addr: SocketAddr, path: &str) -> anyhow::Result<(u16, String)> {
    tokio::time::timeout(Duration::from_secs(10), async {
        let mut s = tokio::net::TcpStream::connect(addr).await?;
        let req = format!("GET {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n");
        s.write_all(req.as_bytes()).await?;
        let mut raw = Vec::new();
        s.read_to_end(&mut raw).await?;
        let text = String::from_utf8(raw).context("the answer is not UTF-8")?;
        let (head, body) = text
            .split_once("\r\n\r\n")
            .context("no end of the headers")?;
        let status = head
            .split_whitespace()
            .nth(1)
            .and_then(|c| c.parse().ok())
            .with_context(|| format!("no status in {head:?}"))?;
        let chunked = head.lines().any(|l| {
            l.to_ascii_lowercase()
                .starts_with("transfer-encoding: chunked")
        });
        let body = if chunked {
            dechunk(body)?
        } else {
            body.to_string()
        };
        Ok((status, body))
    })
    .await
    .with_context(|| format!("GET {path} on {addr} took longer than 10 s"))?
}

fn dechunk(mut body: &str) -> anyhow::Result<String> {
    let mut out = String::new();
    loop {
        let (size, rest) = body.split_once("\r\n").context("a bad chunk")?;
        let n = usize::from_str_radix(size.trim(), 16).context("a bad chunk size")?;
        if n == 0 {
            return Ok(out);
        }
        out.push_str(rest.get(..n).context("a short chunk")?);
        body = rest.get(n + 2..).context("a short chunk")?;
    }
}

/// The sum of every sample of `name` whose labels include all of `labels`, from a text
/// exposition; `None` when no sample matches.
pub fn sample(text: &str, name: &str, labels: &[(&str, &str)]) -> Option<f64> {
    let mut total = None;
    for line in text.lines().filter(|l| !l.starts_with('#')) {
        let (series, value) = match line.rsplit_once(' ') {
            Some(p) => p,
            None => continue,
        };
        let (metric, set) = match series.split_once('{') {
            Some((m, rest)) => (m, rest.trim_end_matches('}')),
            None => (series, ""),
        };
        if metric != name {
            continue;
        }
        let all = labels
            .iter()
            .all(|(k, v)| set.split(',').any(|kv| kv == format!("{k}=\"{v}\"")));
        if let (true, Ok(v)) = (all, value.parse::<f64>()) {
            *total.get_or_insert(0.0) += v;
        }
    }
    total
}

#[cfg(test)]
mod tests {
    #[test]
    fn samples_are_summed_over_matching_labels() {
        let text = "# TYPE x counter\nx_total{a=\"1\",b=\"2\"} 3\nx_total{a=\"1\",b=\"3\"} 4\nx_total{a=\"2\"} 10\n";
        assert_eq!(super::sample(text, "x_total", &[("a", "1")]), Some(7.0));
        assert_eq!(super::sample(text, "x_total", &[("b", "3")]), Some(4.0));
        assert_eq!(super::sample(text, "x_total", &[("a", "9")]), None);
        assert_eq!(
            super::dechunk("3\r\nabc\r\n2\r\nde\r\n0\r\n\r\n").unwrap(),
            "abcde"
        );
    }
}
