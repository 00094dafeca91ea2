//! Where a data directory's endpoint ENIs listen in all-in-one mode: a loopback block of its own,
//! chosen once and kept in the directory, so that two plemu instances on one machine (two CI
//! jobs, two projects) never hand out the same address.

use std::net::Ipv4Addr;
use std::path::Path;

use ipnet::Ipv4Net;

/// The file in the data directory that keeps the block.
pub const FILE: &str = "eni-bind-net";
/// Where blocks are chosen: 127.64.0.0/10, clear of 127.0.0.0/16 where most local services live.
const POOL: (Ipv4Addr, u8) = (Ipv4Addr::new(127, 64, 0, 0), 10);
/// Each data directory's block: 1,022 ENI addresses.
const PREFIX: u8 = 22;

/// The block kept in `dir`, or a new one (written there): random in the pool, and clear of every
/// address something on this machine listens on (read from `/proc/net/tcp`).
///
/// # Errors
/// When the file cannot be read or written, or holds something that is not a block.
pub fn load_or_choose(dir: &Path) -> std::io::Result<Ipv4Net> {
    let path = dir.join(FILE);
    match std::fs::read_to_string(&path) {
        Ok(text) => text.trim().parse().map_err(|e| {
            std::io::Error::new(
                std::io::ErrorKind::InvalidData,
                format!("{}: {e}", path.display()),
            )
        }),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            let listening = std::fs::read_to_string("/proc/net/tcp")
                .map(|t| listening_addresses(&t))
                .unwrap_or_default();
            let net = choose(rand::random(), &listening);
            std::fs::write(&path, net.to_string())?;
            Ok(net)
        }
        Err(e) => Err(e),
    }
}

/// The block `seed` picks, moving on past blocks that hold a `listening` address.
fn choose(seed: u32, listening: &[Ipv4Addr]) -> Ipv4Net {
    let pool = Ipv4Net::new(POOL.0, POOL.1).expect("a valid pool");
    let blocks: Vec<Ipv4Net> = pool.subnets(PREFIX).expect("a longer prefix").collect();
    let start = seed as usize % blocks.len();
    (0..blocks.len())
        .map(|i| blocks[(start + i) % blocks.len()])
        .find(|b| !listening.iter().any(|ip| b.contains(ip)))
        .unwrap_or(blocks[start])
}

/// The local addresses of listening sockets in `/proc/net/tcp`'s table.
fn listening_addresses(table: &str) -> Vec<Ipv4Addr> {
    table
        .lines()
        .skip(1)
        .filter_map(|line| {
            let f: Vec<&str> = line.split_whitespace().collect();
            // st 0A is LISTEN; the local address is hex in host (little-endian) order.
            if f.get(3) != Some(&"0A") {
                return None;
            }
            let hex = f.get(1)?.split(':').next()?;
            let n = u32::from_str_radix(hex, 16).ok()?;
            Some(Ipv4Addr::from(n.swap_bytes()))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blocks_with_a_listener_are_passed_over() {
        let first = choose(0, &[]);
        assert_eq!(first.to_string(), "127.64.0.0/22");
        assert_eq!(
            choose(0, &[Ipv4Addr::new(127, 64, 0, 1)]).to_string(),
            "127.64.4.0/22"
        );
        // The seed spreads data directories over the pool.
        assert_ne!(choose(7, &[]), first);
    }

    #[test]
    fn proc_net_tcp_listeners() {
        let table = "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n\
           0: 0100407F:18EB 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 1 1 0000000000000000 100 0 0 10 0\n\
           1: 0100007F:1F90 0100007F:A2B4 01 00000000:00000000 00:00000000 00000000     0        0 2 1 0000000000000000 100 0 0 10 0\n";
        assert_eq!(listening_addresses(table), [Ipv4Addr::new(127, 64, 0, 1)]);
    }

    #[test]
    fn kept_in_the_data_directory() {
        let dir = tempfile::tempdir().unwrap();
        let a = load_or_choose(dir.path()).unwrap();
        assert_eq!(load_or_choose(dir.path()).unwrap(), a);
        assert!(Ipv4Net::new(POOL.0, POOL.1).unwrap().contains(&a));
    }
}
