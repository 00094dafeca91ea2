//! PROXY protocol v2 headers as an NLB writes them (`proxy_protocol_v2.enabled`): the client's
//! and the endpoint's addresses, then a CRC32C TLV, the AWS TLV naming the VPC endpoint, and
//! NOOP padding.

use std::net::{SocketAddr, SocketAddrV4};

/// The 12-byte signature that opens every v2 header.
pub const SIGNATURE: [u8; 12] = *b"\r\n\r\n\0\r\nQUIT\n";
/// Version 2, command PROXY.
const PROXY: u8 = 0x21;
/// Version 2, command LOCAL: a connection of the proxy's own (health checks).
const LOCAL: u8 = 0x20;
/// TCP over IPv4.
const TCP4: u8 = 0x11;
/// `PP2_TYPE_CRC32C`.
const TYPE_CRC32C: u8 = 0x03;
/// `PP2_TYPE_NOOP`.
const TYPE_NOOP: u8 = 0x04;
/// `PP2_TYPE_AWS`.
const TYPE_AWS: u8 = 0xEA;
/// `PP2_SUBTYPE_AWS_VPCE_ID`.
const SUBTYPE_AWS_VPCE_ID: u8 = 0x01;
/// The length after the 16-byte preamble in every header AWS was seen to send: addresses and
/// TLVs, padded with NOOP up to this size.
const AWS_BLOCK: usize = 84;

/// Why no header could be made.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum HeaderError {
    /// An address was not `ipv4:port` (plemu models IPv4 only).
    #[error("not an IPv4 socket address: {0:?}")]
    NotIpv4(String),
}

/// The header a target behind an NLB with `proxy_protocol_v2.enabled` receives first on a flow
/// from VPC endpoint `vpce_id`: source the client's address, destination the endpoint
/// network interface's address and the listener port.
///
/// # Errors
/// [`HeaderError::NotIpv4`] when `client` or `endpoint` is not `a.b.c.d:port`.
pub fn header(client: &str, endpoint: &str, vpce_id: &str) -> Result<Vec<u8>, HeaderError> {
    let v4 = |s: &str| match s.parse::<SocketAddr>() {
        Ok(SocketAddr::V4(a)) => Ok(a),
        _ => Err(HeaderError::NotIpv4(s.to_string())),
    };
    Ok(encode(v4(client)?, v4(endpoint)?, vpce_id))
}

/// As [`header`], from parsed addresses.
pub fn encode(src: SocketAddrV4, dst: SocketAddrV4, vpce_id: &str) -> Vec<u8> {
    let mut out = Vec::with_capacity(16 + AWS_BLOCK);
    out.extend_from_slice(&SIGNATURE);
    out.push(PROXY);
    out.push(TCP4);
    out.extend_from_slice(&[0, 0]); // length, set below
    out.extend_from_slice(&src.ip().octets());
    out.extend_from_slice(&dst.ip().octets());
    out.extend_from_slice(&src.port().to_be_bytes());
    out.extend_from_slice(&dst.port().to_be_bytes());
    // The CRC32C TLV, computed over the whole header with this value zero.
    out.push(TYPE_CRC32C);
    out.extend_from_slice(&4u16.to_be_bytes());
    let crc_at = out.len();
    out.extend_from_slice(&[0; 4]);
    let id = vpce_id.as_bytes();
    out.push(TYPE_AWS);
    out.extend_from_slice(&tlv_len(1 + id.len()));
    out.push(SUBTYPE_AWS_VPCE_ID);
    out.extend_from_slice(id);
    // NOOP padding up to AWS's block size; a NOOP TLV takes at least its 3-byte head.
    let used = out.len() - 16;
    if used + 3 <= AWS_BLOCK {
        let pad = AWS_BLOCK - used - 3;
        out.push(TYPE_NOOP);
        out.extend_from_slice(&tlv_len(pad));
        out.resize(out.len() + pad, 0);
    }
    let len = tlv_len(out.len() - 16);
    out[14..16].copy_from_slice(&len);
    let crc = crc32c(&out);
    out[crc_at..crc_at + 4].copy_from_slice(&crc.to_be_bytes());
    out
}

/// The header of a connection the NLB makes for itself, such as a health check: command LOCAL,
/// no addresses.
pub fn local() -> Vec<u8> {
    let mut out = SIGNATURE.to_vec();
    out.extend_from_slice(&[LOCAL, 0x00, 0, 0]);
    out
}

fn tlv_len(n: usize) -> [u8; 2] {
    u16::try_from(n).unwrap_or(u16::MAX).to_be_bytes()
}

/// CRC-32C (Castagnoli, reflected polynomial `0x82F63B78`), as PROXY v2's `PP2_TYPE_CRC32C`
/// uses it.
pub fn crc32c(data: &[u8]) -> u32 {
    const TABLE: [u32; 256] = {
        let mut table = [0u32; 256];
        let mut i = 0;
        while i < 256 {
            let mut c = i as u32;
            let mut k = 0;
            while k < 8 {
                c = if c & 1 != 0 {
                    0x82F6_3B78 ^ (c >> 1)
                } else {
                    c >> 1
                };
                k += 1;
            }
            table[i] = c;
            i += 1;
        }
        table
    };
    let mut crc = !0u32;
    for &b in data {
        crc = TABLE[((crc ^ u32::from(b)) & 0xFF) as usize] ^ (crc >> 8);
    }
    !crc
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hex(s: &str) -> Vec<u8> {
        let s: String = s.split_whitespace().collect();
        (0..s.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
            .collect()
    }

    #[test]
    fn crc32c_check_value() {
        // The CRC catalogue's check value of CRC-32/ISCSI.
        assert_eq!(crc32c(b"123456789"), 0xE306_9283);
    }

    /// An NLB's header as captured from AWS, byte for byte (AWS's `proprot` test vector).
    #[test]
    fn the_header_matches_an_aws_capture() {
        let aws = hex("0d0a0d0a000d0a515549540a 21 11 0054
             ac1f0771 ac1f0a1f c8f2 0050
             03 0004 e8d6892d
             ea 0017 01 7670 63652d3038643262663135666163353030316339
             04 0024 000000000000000000000000000000000000000000000000000000000000000000000000");
        let got = header(
            "172.31.7.113:51442",
            "172.31.10.31:80",
            "vpce-08d2bf15fac5001c9",
        )
        .unwrap();
        assert_eq!(got, aws);
    }

    #[test]
    fn local_headers_and_bad_addresses() {
        assert_eq!(local(), hex("0d0a0d0a000d0a515549540a 20 00 0000"));
        assert_eq!(
            header("[::1]:5", "10.0.0.1:80", "vpce-x"),
            Err(HeaderError::NotIpv4("[::1]:5".into()))
        );
        // A long id gets no padding, and the length still covers every byte.
        let long = header("10.0.0.1:1", "10.0.0.2:2", &"v".repeat(80)).unwrap();
        assert_eq!(
            usize::from(u16::from_be_bytes([long[14], long[15]])),
            long.len() - 16
        );
        assert!(!long.ends_with(&[0]));
    }
}
