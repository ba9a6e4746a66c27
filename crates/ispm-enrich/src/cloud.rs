//! AWS address ranges from AWS's published `ip-ranges.json`.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use serde::Deserialize;

use crate::error::{LoadError, PrefixProblem};
use crate::ranges::{Range, RangeTable};
use crate::special::{mask_v4, mask_v6};

/// The parts of `ip-ranges.json` that matter here. AWS lists many prefixes
/// twice (once as `AMAZON`, once per service); membership ignores that.
#[derive(Deserialize)]
struct IpRangesFile {
    prefixes: Vec<V4Prefix>,
    #[serde(default)]
    ipv6_prefixes: Vec<V6Prefix>,
}

#[derive(Deserialize)]
struct V4Prefix {
    ip_prefix: String,
}

#[derive(Deserialize)]
struct V6Prefix {
    ipv6_prefix: String,
}

/// Addresses inside AWS.
#[derive(Default)]
pub(crate) struct CloudRanges {
    v4: RangeTable<u32, ()>,
    v6: RangeTable<u128, ()>,
}

/// Prints sizes only.
impl std::fmt::Debug for CloudRanges {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CloudRanges")
            .field("ipv4_ranges", &self.v4.len())
            .field("ipv6_ranges", &self.v6.len())
            .finish()
    }
}

impl CloudRanges {
    /// Parses `ip-ranges.json`. One malformed prefix rejects the file, since
    /// AWS generates it and a bad entry means a damaged or different file.
    pub(crate) fn from_json(bytes: &[u8]) -> Result<CloudRanges, LoadError> {
        let file: IpRangesFile = serde_json::from_slice(bytes).map_err(LoadError::Json)?;
        let mut v4 = Vec::with_capacity(file.prefixes.len());
        for prefix in &file.prefixes {
            let (address, length) = split_prefix(&prefix.ip_prefix, 32)?;
            let address: Ipv4Addr = address
                .parse()
                .map_err(|_| prefix_error(&prefix.ip_prefix, PrefixProblem::Ipv4Address))?;
            let (first, mask) = (u32::from(address), mask_v4(length));
            if first & !mask != 0 {
                return Err(prefix_error(&prefix.ip_prefix, PrefixProblem::HostBits));
            }
            v4.push(Range {
                first,
                last: first | !mask,
                value: (),
            });
        }
        let mut v6 = Vec::with_capacity(file.ipv6_prefixes.len());
        for prefix in &file.ipv6_prefixes {
            let (address, length) = split_prefix(&prefix.ipv6_prefix, 128)?;
            let address: Ipv6Addr = address
                .parse()
                .map_err(|_| prefix_error(&prefix.ipv6_prefix, PrefixProblem::Ipv6Address))?;
            let (first, mask) = (u128::from(address), mask_v6(length));
            if first & !mask != 0 {
                return Err(prefix_error(&prefix.ipv6_prefix, PrefixProblem::HostBits));
            }
            v6.push(Range {
                first,
                last: first | !mask,
                value: (),
            });
        }
        if v4.is_empty() && v6.is_empty() {
            return Err(LoadError::Empty);
        }
        Ok(CloudRanges {
            v4: RangeTable::build(v4).table,
            v6: RangeTable::build(v6).table,
        })
    }

    #[inline]
    pub(crate) fn contains(&self, ip: IpAddr) -> bool {
        match ip {
            IpAddr::V4(v4) => self.v4.get(u32::from(v4)).is_some(),
            IpAddr::V6(v6) => self.v6.get(u128::from(v6)).is_some(),
        }
    }

    /// Number of ranges after duplicates and overlaps were merged.
    pub(crate) fn len(&self) -> usize {
        self.v4.len() + self.v6.len()
    }
}

fn split_prefix(text: &str, max: u8) -> Result<(&str, u8), LoadError> {
    let (address, length) = text
        .split_once('/')
        .ok_or_else(|| prefix_error(text, PrefixProblem::Form))?;
    let length: u8 = length
        .parse()
        .ok()
        .filter(|&l| l <= max)
        .ok_or_else(|| prefix_error(text, PrefixProblem::Length { max }))?;
    Ok((address, length))
}

fn prefix_error(text: &str, problem: PrefixProblem) -> LoadError {
    LoadError::Prefix {
        value: text.to_owned(),
        problem,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const FIXTURE: &[u8] = include_bytes!("../tests/fixtures/aws-ip-ranges.json");

    fn contains(ranges: &CloudRanges, ip: &str) -> bool {
        ranges.contains(ip.parse().expect("valid address"))
    }

    fn prefix_problem(json: &str) -> PrefixProblem {
        match CloudRanges::from_json(json.as_bytes()) {
            Err(LoadError::Prefix { problem, .. }) => problem,
            other => panic!("expected a prefix error, got {other:?}"),
        }
    }

    #[test]
    fn fixture_prefixes_match() {
        let ranges = CloudRanges::from_json(FIXTURE).expect("fixture parses");
        assert_eq!(ranges.len(), 3, "the duplicate prefix is merged");
        assert!(contains(&ranges, "3.5.140.0"));
        assert!(contains(&ranges, "3.5.143.255"));
        assert!(!contains(&ranges, "3.5.144.0"));
        assert!(!contains(&ranges, "3.5.139.255"));
        assert!(contains(&ranges, "13.34.37.95"));
        assert!(!contains(&ranges, "13.34.37.96"));
        assert!(contains(&ranges, "2406:da70:88ff:ffff::1"));
        assert!(!contains(&ranges, "2406:da70:8900::"));
    }

    #[test]
    fn malformed_prefixes_are_rejected() {
        let v4 = |p: &str| format!(r#"{{"prefixes": [{{"ip_prefix": "{p}"}}]}}"#);
        assert_eq!(prefix_problem(&v4("3.5.140.0")), PrefixProblem::Form);
        assert_eq!(
            prefix_problem(&v4("3.5.140.0/33")),
            PrefixProblem::Length { max: 32 }
        );
        assert_eq!(
            prefix_problem(&v4("3.5.140/22")),
            PrefixProblem::Ipv4Address
        );
        assert_eq!(prefix_problem(&v4("3.5.140.1/22")), PrefixProblem::HostBits);
        let v6 = r#"{"prefixes": [], "ipv6_prefixes": [{"ipv6_prefix": "2406:da70:8800::1/40"}]}"#;
        assert_eq!(prefix_problem(v6), PrefixProblem::HostBits);
    }

    #[test]
    fn other_json_is_rejected() {
        assert!(matches!(
            CloudRanges::from_json(br#"{"syncToken": "1"}"#),
            Err(LoadError::Json(_))
        ));
        assert!(matches!(
            CloudRanges::from_json(br#"{"prefixes": []}"#),
            Err(LoadError::Empty)
        ));
    }
}
