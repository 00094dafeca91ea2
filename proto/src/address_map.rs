//! How a VPC's modelled addresses map onto the real addresses of the network that stands for it.
//!
//! On AWS two accounts' VPCs may both be `10.0.0.0/16`; Docker refuses two bridge networks with
//! overlapping subnets. So each VPC's network gets a real subnet of the same size, the VPC's own
//! CIDR when it is free, and an address is the same offset into either: real `10.96.1.4` in
//! `10.96.0.0/16` is modelled `10.0.1.4` in `10.0.0.0/16`. Agents translate at the edges: the
//! consumer maps a client's real address to the modelled one its security groups judge, the
//! provider maps a modelled target address to the real one it dials.

use std::fmt;
use std::net::Ipv4Addr;
use std::str::FromStr;

use ipnet::Ipv4Net;

/// A one-to-one map between a real subnet and a modelled CIDR block of the same size.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct AddressMap {
    /// The subnet addresses really have (a Docker network's).
    real: Ipv4Net,
    /// The VPC's CIDR block, as the API reports addresses.
    modelled: Ipv4Net,
}

/// Why an address map could not be made.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[non_exhaustive]
pub enum AddressMapError {
    /// The text is not `REAL=MODELLED` with two CIDR blocks.
    #[error("address map {0:?} is not REAL=MODELLED, e.g. 10.96.0.0/16=10.0.0.0/16")]
    Syntax(String),
    /// The two blocks differ in size.
    #[error("address map {real}={modelled}: both blocks must have the same prefix length")]
    SizeMismatch {
        /// The real subnet.
        real: Ipv4Net,
        /// The modelled block.
        modelled: Ipv4Net,
    },
}

// === impl AddressMap ===

impl AddressMap {
    /// A map from `real` to `modelled`; both are truncated to their network address.
    ///
    /// # Errors
    /// [`AddressMapError::SizeMismatch`] when the prefix lengths differ.
    pub fn new(real: Ipv4Net, modelled: Ipv4Net) -> Result<Self, AddressMapError> {
        if real.prefix_len() != modelled.prefix_len() {
            return Err(AddressMapError::SizeMismatch { real, modelled });
        }
        Ok(Self {
            real: real.trunc(),
            modelled: modelled.trunc(),
        })
    }

    /// The real subnet.
    pub fn real(&self) -> Ipv4Net {
        self.real
    }

    /// The modelled CIDR block.
    pub fn modelled(&self) -> Ipv4Net {
        self.modelled
    }

    /// The modelled address of real address `ip`, or `None` when `ip` is outside the real subnet.
    pub fn to_modelled(&self, ip: Ipv4Addr) -> Option<Ipv4Addr> {
        shift(self.real, self.modelled, ip)
    }

    /// The real address of modelled address `ip`, or `None` when `ip` is outside the block.
    pub fn to_real(&self, ip: Ipv4Addr) -> Option<Ipv4Addr> {
        shift(self.modelled, self.real, ip)
    }
}

/// `ip`'s offset in `from`, applied to `to`.
fn shift(from: Ipv4Net, to: Ipv4Net, ip: Ipv4Addr) -> Option<Ipv4Addr> {
    from.contains(&ip).then(|| {
        let offset = u32::from(ip) - u32::from(from.network());
        Ipv4Addr::from(u32::from(to.network()) + offset)
    })
}

impl fmt::Display for AddressMap {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}={}", self.real, self.modelled)
    }
}

impl FromStr for AddressMap {
    type Err = AddressMapError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let syntax = || AddressMapError::Syntax(s.to_string());
        let (real, modelled) = s.split_once('=').ok_or_else(syntax)?;
        let real: Ipv4Net = real.trim().parse().map_err(|_| syntax())?;
        let modelled: Ipv4Net = modelled.trim().parse().map_err(|_| syntax())?;
        Self::new(real, modelled)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn maps_by_offset_both_ways() {
        let m: AddressMap = "10.96.0.0/16=10.0.0.0/16".parse().unwrap();
        let real = Ipv4Addr::new(10, 96, 1, 4);
        let modelled = Ipv4Addr::new(10, 0, 1, 4);
        assert_eq!(m.to_modelled(real), Some(modelled));
        assert_eq!(m.to_real(modelled), Some(real));
        assert_eq!(m.to_modelled(Ipv4Addr::new(10, 97, 0, 1)), None);
        assert_eq!(m.to_real(Ipv4Addr::new(10, 1, 0, 1)), None);
        assert_eq!(m.to_string(), "10.96.0.0/16=10.0.0.0/16");
    }

    #[test]
    fn identity_and_errors() {
        let m: AddressMap = "10.0.0.0/16=10.0.0.9/16".parse().unwrap();
        assert_eq!(
            m.to_real(Ipv4Addr::new(10, 0, 3, 3)),
            Some(Ipv4Addr::new(10, 0, 3, 3))
        );
        assert!(matches!(
            "10.0.0.0/16=10.0.0.0/24".parse::<AddressMap>(),
            Err(AddressMapError::SizeMismatch { .. })
        ));
        assert!(matches!(
            "10.0.0.0/16".parse::<AddressMap>(),
            Err(AddressMapError::Syntax(_))
        ));
        assert!(matches!(
            "a=b".parse::<AddressMap>(),
            Err(AddressMapError::Syntax(_))
        ));
    }
}
