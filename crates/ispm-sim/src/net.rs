//! Regions and the public address ranges that callers come from.
//!
//! The prefixes are real allocations of the named networks, chosen so that an
//! IP-to-ASN or IP-to-country database gives the simulated traffic plausible
//! owners. They are examples of each network's space, not complete lists,
//! and they were not checked against current registry data.

use std::net::Ipv4Addr;

use crate::ids::mix64;

/// An IPv4 prefix.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Prefix {
    network: [u8; 4],
    length: u8,
}

pub(crate) const fn prefix(a: u8, b: u8, c: u8, d: u8, length: u8) -> Prefix {
    Prefix {
        network: [a, b, c, d],
        length,
    }
}

impl Prefix {
    /// True when `address` lies inside the prefix.
    pub(crate) fn contains(self, address: Ipv4Addr) -> bool {
        let mask = u32::MAX
            .checked_shl(32 - u32::from(self.length))
            .unwrap_or(0);
        u32::from(address) & mask == u32::from_be_bytes(self.network) & mask
    }

    /// Returns a host address inside the prefix, chosen by `hash`. It is
    /// never the first or last address of a /24, so no address looks like a
    /// network or broadcast address.
    pub(crate) fn address(self, hash: u64) -> Ipv4Addr {
        let base = u32::from_be_bytes(self.network);
        let host_bits = 32 - u32::from(self.length);
        let span = if host_bits >= 32 {
            u32::MAX
        } else {
            (1u32 << host_bits) - 1
        };
        let mut address = base | ((mix64(hash) as u32) & span);
        if host_bits >= 8 {
            let last = (address & 0xff).clamp(1, 254);
            address = (address & !0xff) | last;
        }
        Ipv4Addr::from(address)
    }
}

/// AWS regions the simulated organisation uses.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum Region {
    UsEast1,
    EuWest1,
    UsWest2,
}

impl Region {
    pub(crate) const ALL: [Region; 3] = [Region::UsEast1, Region::EuWest1, Region::UsWest2];

    pub(crate) fn name(self) -> &'static str {
        match self {
            Region::UsEast1 => "us-east-1",
            Region::EuWest1 => "eu-west-1",
            Region::UsWest2 => "us-west-2",
        }
    }

    /// Example EC2 public address ranges of the region, where instances and
    /// Lambda functions call from.
    pub(crate) const fn aws_prefixes(self) -> &'static [Prefix] {
        const US_EAST_1: [Prefix; 2] = [prefix(3, 80, 0, 0, 12), prefix(54, 144, 0, 0, 14)];
        const EU_WEST_1: [Prefix; 2] = [prefix(34, 240, 0, 0, 13), prefix(52, 208, 0, 0, 13)];
        const US_WEST_2: [Prefix; 2] = [prefix(35, 160, 0, 0, 13), prefix(54, 184, 0, 0, 13)];
        match self {
            Region::UsEast1 => &US_EAST_1,
            Region::EuWest1 => &EU_WEST_1,
            Region::UsWest2 => &US_WEST_2,
        }
    }

    /// Returns an AWS address of the region, chosen by `hash`.
    pub(crate) fn aws_address(self, hash: u64) -> Ipv4Addr {
        let prefixes = self.aws_prefixes();
        prefixes[(mix64(hash ^ 0x5151) % prefixes.len() as u64) as usize].address(hash)
    }
}

/// Example address ranges of Azure, where GitHub-hosted runners run:
/// 4.148.0.0/16, 20.0.0.0/11 and 40.64.0.0/10 are Microsoft allocations.
pub(crate) const GITHUB_RUNNER_PREFIXES: [Prefix; 3] = [
    prefix(4, 148, 0, 0, 16),
    prefix(20, 0, 0, 0, 11),
    prefix(40, 64, 0, 0, 10),
];

/// Example prefixes of Hetzner, a hosting provider that represents the
/// on-premises or partner hosts where service users run.
pub(crate) const PARTNER_HOSTING_PREFIXES: [Prefix; 2] =
    [prefix(88, 198, 0, 0, 16), prefix(5, 9, 0, 0, 16)];

/// Example prefixes of hosting providers that attackers rent:
/// 167.99.0.0/16 (DigitalOcean) and 51.68.0.0/16 (OVH).
pub(crate) const ATTACKER_HOSTING_PREFIXES: [Prefix; 2] =
    [prefix(167, 99, 0, 0, 16), prefix(51, 68, 0, 0, 16)];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses_stay_inside_their_prefix() {
        for hash in 0..500 {
            let address = prefix(86, 128, 0, 0, 10).address(hash).octets();
            assert_eq!(address[0], 86);
            assert!((128..192).contains(&address[1]));
            assert!((1..=254).contains(&address[3]));
            let address = prefix(4, 148, 0, 0, 16).address(hash).octets();
            assert_eq!(address[..2], [4, 148]);
        }
    }
}
