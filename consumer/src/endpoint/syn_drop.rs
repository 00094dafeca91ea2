//! Dropping connection attempts silently, as AWS drops the packets a security group does not
//! admit: a classic BPF filter on the listening socket that discards every packet, so the
//! kernel never answers the client's SYN and its `connect` times out (no RST, no accept).

use socket2::{SockFilter, SockRef};
use tokio::net::TcpListener;

/// `BPF_RET | BPF_K`: return the constant, here 0 bytes kept (the packet is dropped).
const RET_K: u16 = 0x06;

/// Starts or stops dropping every connection attempt to `listener`. Connections already
/// accepted are not affected (security groups are stateful).
///
/// # Errors
/// When the kernel refuses the filter.
pub(crate) fn set(listener: &TcpListener, drop: bool) -> std::io::Result<()> {
    let socket = SockRef::from(listener);
    if drop {
        socket.attach_filter(&[SockFilter::new(RET_K, 0, 0, 0)])
    } else {
        match socket.detach_filter() {
            // ENOENT: no filter was attached.
            Err(e) if e.raw_os_error() != Some(2) => Err(e),
            _ => Ok(()),
        }
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use tokio::net::{TcpListener, TcpStream};

    use super::*;

    #[tokio::test]
    async fn a_dropping_listener_lets_connect_time_out_until_it_stops() {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        set(&listener, false).unwrap();
        set(&listener, true).unwrap();
        let attempt = tokio::time::timeout(Duration::from_millis(300), TcpStream::connect(addr));
        assert!(attempt.await.is_err(), "connect must hang, not be answered");
        set(&listener, false).unwrap();
        let s = tokio::time::timeout(Duration::from_secs(5), TcpStream::connect(addr))
            .await
            .expect("answered once the filter is gone")
            .unwrap();
        let (_accepted, peer) = listener.accept().await.unwrap();
        assert_eq!(peer, s.local_addr().unwrap());
    }
}
