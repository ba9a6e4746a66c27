//! Validation of `sourceIPAddress` and `awsRegion`.
//!
//! Invalid values are kept as text and reported as warnings instead of
//! rejecting the record: anonymised attack data (and some real tools) write
//! addresses like `075.050.255.67` and regions like `us-north-2r`, and
//! dropping those events would lose detections.

use std::net::{IpAddr, Ipv4Addr};

use ispm_model::{CompactString, Origin};

use super::text::{Part, concat_string};

/// The value CloudTrail writes when AWS made the call from its own network.
const AWS_INTERNAL: &str = "AWS Internal";

/// Host name endings of AWS service principals in `sourceIPAddress`, for the
/// commercial and GovCloud partitions and for the China regions.
const AWS_SERVICE_SUFFIXES: &[&str] = &[".amazonaws.com", ".amazonaws.com.cn"];

const REGION_DIRECTIONS: &[&str] = &[
    "north",
    "south",
    "east",
    "west",
    "central",
    "northeast",
    "northwest",
    "southeast",
    "southwest",
];

/// Builds the origin of a call, appending a warning for each invalid value.
pub(super) fn build_origin(
    source_ip_address: Option<&str>,
    region: Option<&str>,
    user_agent: Option<&str>,
    warnings: &mut Vec<String>,
) -> Origin {
    let mut origin = Origin {
        user_agent: user_agent.map(CompactString::from),
        ..Origin::default()
    };

    if let Some(source) = source_ip_address {
        origin.source_raw = Some(CompactString::from(source));
        match classify_source(source) {
            Source::Ip(ip) => origin.ip = Some(ip),
            Source::AwsService => origin.service = Some(CompactString::from(source)),
            // `concat_string` writes the same text as `format!` with `{:?}`
            // at a fraction of the cost. It matters because anonymised logs
            // give a warning on many records.
            Source::Invalid(problem) => warnings.push(concat_string(&[
                Part::Plain("sourceIPAddress "),
                Part::Quoted(source),
                Part::Plain(" is not a valid IP address ("),
                Part::Plain(problem),
                Part::Plain("); kept as text"),
            ])),
            Source::Other => warnings.push(concat_string(&[
                Part::Plain("sourceIPAddress "),
                Part::Quoted(source),
                Part::Plain(" is neither an IP address nor an AWS service name; kept as text"),
            ])),
        }
    }

    if let Some(region) = region {
        if !is_valid_region(region) {
            warnings.push(concat_string(&[
                Part::Plain("awsRegion "),
                Part::Quoted(region),
                Part::Plain(" is not a valid AWS region name such as us-east-1; kept as text"),
            ]));
        }
        origin.region = Some(CompactString::from(region));
    }

    origin
}

/// Returns true for values of `sourceIPAddress` that name an AWS service
/// rather than a network address.
pub(super) fn is_aws_service(source: &str) -> bool {
    source == AWS_INTERNAL
        || AWS_SERVICE_SUFFIXES
            .iter()
            .any(|suffix| source.len() > suffix.len() && ends_with_ignore_case(source, suffix))
}

enum Source {
    Ip(IpAddr),
    AwsService,
    /// Shaped like an IP address but invalid, with the problem.
    Invalid(&'static str),
    Other,
}

fn classify_source(source: &str) -> Source {
    if let Some(ip) = parse_ip(source) {
        return Source::Ip(ip);
    }
    if is_aws_service(source) {
        return Source::AwsService;
    }
    if let Some(problem) = ipv4_problem(source) {
        return Source::Invalid(problem);
    }
    if looks_like_ipv6(source) {
        return Source::Invalid("not a valid IPv6 address");
    }
    Source::Other
}

/// Parses an IP address exactly as `IpAddr::from_str` does. Most sources are
/// IPv4 addresses, which [`parse_ipv4`] reads in fewer instructions than
/// the standard parser.
fn parse_ip(source: &str) -> Option<IpAddr> {
    if let Some(ip) = parse_ipv4(source) {
        return Some(IpAddr::V4(ip));
    }
    // `parse_ipv4` accepts every IPv4 address the standard parser accepts,
    // and every IPv6 address contains a colon. Service names and
    // `AWS Internal` therefore skip the standard parser.
    if !source.as_bytes().contains(&b':') {
        return None;
    }
    source.parse().ok()
}

/// Parses four dot-separated decimal numbers from 0 to 255, each written
/// without leading zeros, the form in which `Ipv4Addr::from_str` accepts an
/// address. Returns `None` for any other text.
fn parse_ipv4(source: &str) -> Option<Ipv4Addr> {
    let mut rest = source.as_bytes();
    let mut octets = [0u8; 4];
    for (position, octet) in octets.iter_mut().enumerate() {
        if position > 0 {
            rest = rest.strip_prefix(b".")?;
        }
        let (value, after) = split_octet(rest)?;
        *octet = value;
        rest = after;
    }
    rest.is_empty().then_some(Ipv4Addr::from(octets))
}

/// Splits the decimal number at the start of `text` from the rest: one
/// digit, or two or three without a leading zero, up to 255. A fourth digit
/// stays in the rest, where the caller rejects it.
fn split_octet(text: &[u8]) -> Option<(u8, &[u8])> {
    let digit = |byte: u8| u16::from(byte - b'0');
    let (value, rest) = match text {
        [
            first @ b'1'..=b'9',
            second @ b'0'..=b'9',
            third @ b'0'..=b'9',
            rest @ ..,
        ] => (
            digit(*first) * 100 + digit(*second) * 10 + digit(*third),
            rest,
        ),
        [first @ b'1'..=b'9', second @ b'0'..=b'9', rest @ ..] => {
            (digit(*first) * 10 + digit(*second), rest)
        }
        [first @ b'0'..=b'9', rest @ ..] => (digit(*first), rest),
        _ => return None,
    };
    Some((u8::try_from(value).ok()?, rest))
}

/// Says why a dotted-decimal text is not a valid IPv4 address, or returns
/// `None` when the text is not dotted decimal at all. Only called for text
/// that `Ipv4Addr` rejected.
fn ipv4_problem(source: &str) -> Option<&'static str> {
    let bytes = source.as_bytes();
    if bytes.is_empty()
        || !bytes
            .iter()
            .all(|&byte| byte.is_ascii_digit() || byte == b'.')
    {
        return None;
    }
    let octets = || bytes.split(|&byte| byte == b'.');
    if octets().count() != 4 || octets().any(<[u8]>::is_empty) {
        return Some("not four dot-separated numbers");
    }
    if octets().any(|octet| octet.len() > 1 && octet.starts_with(b"0")) {
        return Some("leading zeros");
    }
    Some("number out of range 0-255")
}

fn looks_like_ipv6(source: &str) -> bool {
    source.contains(':')
        && source.bytes().all(|byte| {
            byte.is_ascii_hexdigit() || matches!(byte, b':' | b'.' | b'%' | b'[' | b']')
        })
}

/// Checks the shape of AWS region names: two lowercase letters, an optional
/// `-gov` or `-iso` partition marker (`-isob`, `-isof`), a direction and one
/// digit, e.g. `us-east-1`, `us-gov-west-1`, `us-isob-east-1`.
// NOTE: names of a newer shape (the European Sovereign Cloud's `eusc-de-east-1`)
// fail this check and only get a warning.
pub(super) fn is_valid_region(region: &str) -> bool {
    let bytes = region.as_bytes();
    if bytes.len() < 2 || !bytes[..2].iter().all(u8::is_ascii_lowercase) {
        return false;
    }
    let Some(mut rest) = region[2..].strip_prefix('-') else {
        return false;
    };

    if let Some(after_gov) = rest.strip_prefix("gov-") {
        rest = after_gov;
    } else if let Some(after_iso) = rest.strip_prefix("iso") {
        let after_letter = match after_iso.as_bytes().first() {
            Some(letter) if letter.is_ascii_lowercase() => &after_iso[1..],
            _ => after_iso,
        };
        match after_letter.strip_prefix('-') {
            Some(after_dash) => rest = after_dash,
            None => return false,
        }
    }

    // A byte search: `split_once` with a char pattern costs several times
    // more on these short names, and this runs once per event.
    let Some(dash) = rest.bytes().position(|byte| byte == b'-') else {
        return false;
    };
    let (direction, number) = (&rest[..dash], &rest[dash + 1..]);
    REGION_DIRECTIONS.contains(&direction)
        && number.len() == 1
        && number.as_bytes()[0].is_ascii_digit()
}

fn ends_with_ignore_case(text: &str, suffix: &str) -> bool {
    let text = text.as_bytes();
    text.len() >= suffix.len()
        && text[text.len() - suffix.len()..].eq_ignore_ascii_case(suffix.as_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn origin_of(source: &str) -> (Origin, Vec<String>) {
        let mut warnings = Vec::new();
        let origin = build_origin(Some(source), None, None, &mut warnings);
        (origin, warnings)
    }

    #[test]
    fn valid_ipv4_and_ipv6_are_parsed() {
        for source in ["18.236.253.47", "2001:db8::1"] {
            let (origin, warnings) = origin_of(source);
            assert_eq!(origin.ip.map(|ip| ip.to_string()), Some(source.to_owned()));
            assert_eq!(origin.source_raw.as_deref(), Some(source));
            assert!(warnings.is_empty());
        }
    }

    #[test]
    fn service_names_are_services() {
        for source in ["ssm.amazonaws.com", "AWS Internal", "ec2.amazonaws.com.cn"] {
            let (origin, warnings) = origin_of(source);
            assert_eq!(origin.service.as_deref(), Some(source));
            assert!(origin.ip.is_none());
            assert!(warnings.is_empty());
        }
    }

    #[test]
    fn leading_zeros_are_kept_as_text_with_warning() {
        let (origin, warnings) = origin_of("075.050.255.67");
        assert!(origin.ip.is_none());
        assert_eq!(origin.source_raw.as_deref(), Some("075.050.255.67"));
        assert_eq!(
            warnings,
            vec![
                "sourceIPAddress \"075.050.255.67\" is not a valid IP address (leading zeros); kept as text"
            ]
        );
    }

    #[test]
    fn invalid_address_shapes_are_explained() {
        assert_eq!(ipv4_problem("256.1.1.1"), Some("number out of range 0-255"));
        assert_eq!(
            ipv4_problem("1.2.3"),
            Some("not four dot-separated numbers")
        );
        assert_eq!(ipv4_problem("example.com"), None);
        let (_, warnings) = origin_of("fe80::1::2");
        assert!(
            warnings[0].contains("not a valid IPv6 address"),
            "{warnings:?}"
        );
        let (_, warnings) = origin_of("my-laptop");
        assert!(
            warnings[0].contains("neither an IP address nor an AWS service name"),
            "{warnings:?}"
        );
    }

    /// Checks that the fast parser and the standard one agree on `text`.
    fn assert_parsed_as_std(text: &str) {
        assert_eq!(parse_ip(text), text.parse::<IpAddr>().ok(), "{text:?}");
        assert_eq!(parse_ipv4(text), text.parse::<Ipv4Addr>().ok(), "{text:?}");
    }

    #[test]
    fn ip_parser_matches_std_on_octet_mixes() {
        let octets = [
            "", "0", "00", "000", "1", "01", "001", "9", "10", "010", "99", "099", "100", "199",
            "249", "250", "255", "256", "299", "300", "999", "1000", "0255", "-1", "+1", " 1",
            "1 ", "a", "0x1", "\u{661}", "\u{ff11}",
        ];
        for first in octets {
            assert_parsed_as_std(first);
            for second in octets {
                assert_parsed_as_std(&format!("{first}.{second}"));
                for third in octets {
                    assert_parsed_as_std(&format!("{first}.{second}.{third}"));
                    for fourth in octets {
                        let address = format!("{first}.{second}.{third}.{fourth}");
                        assert_parsed_as_std(&address);
                        assert_parsed_as_std(&format!("{address}."));
                        assert_parsed_as_std(&format!("{address}.1"));
                    }
                }
            }
        }
    }

    #[test]
    fn ip_parser_matches_std_on_other_sources() {
        for text in [
            "",
            ".",
            "...",
            "18.236.253.47",
            "075.050.255.67",
            "255.255.255.255",
            "0.0.0.0",
            "1.2.3.4.",
            ".1.2.3.4",
            "1..2.3",
            " 1.2.3.4",
            "1.2.3.4 ",
            "1.2.3.4\n",
            "1.2.3.4:80",
            "127.1",
            "4294967296",
            "AWS Internal",
            "ssm.amazonaws.com",
            "ec2.amazonaws.com.cn",
            "2001:db8::1",
            "::",
            "::1",
            "::ffff:1.2.3.4",
            "1.2.3.4::",
            "[::1]",
            "fe80::1%eth0",
            "1:2:3:4:5:6:7:8",
            "1:2:3:4:5:6:7:8:9",
            "\u{ff11}.\u{ff12}.\u{ff13}.\u{ff14}",
        ] {
            assert_parsed_as_std(text);
        }
    }

    #[test]
    fn ip_parser_matches_std_on_short_texts() {
        // Every text of up to six characters from this alphabet.
        const ALPHABET: &[u8] = b"0125.:a";
        let mut texts = vec![String::new()];
        for _ in 0..6 {
            let mut longer = Vec::with_capacity(texts.len() * ALPHABET.len());
            for text in &texts {
                for &byte in ALPHABET {
                    let mut next = text.clone();
                    next.push(char::from(byte));
                    longer.push(next);
                }
            }
            for text in &longer {
                assert_parsed_as_std(text);
            }
            texts = longer;
        }
    }

    #[test]
    fn warnings_quote_values_like_debug_format() {
        for value in [
            "my \"laptop\"",
            "back\\slash",
            "new\nline",
            "\u{e9}t\u{e9}",
            "075.050.255.67",
        ] {
            let mut warnings = Vec::new();
            build_origin(Some(value), Some(value), None, &mut warnings);
            let source_warning = if ipv4_problem(value).is_some() {
                format!(
                    "sourceIPAddress {value:?} is not a valid IP address (leading zeros); kept as text"
                )
            } else {
                format!(
                    "sourceIPAddress {value:?} is neither an IP address nor an AWS service name; kept as text"
                )
            };
            let region_warning = format!(
                "awsRegion {value:?} is not a valid AWS region name such as us-east-1; kept as text"
            );
            assert_eq!(warnings, vec![source_warning, region_warning]);
        }
    }

    #[test]
    fn region_shapes() {
        for region in [
            "us-east-1",
            "eu-central-2",
            "us-gov-west-1",
            "us-isob-east-1",
            "us-iso-east-1",
            "ap-southeast-7",
            "cn-northwest-1",
        ] {
            assert!(is_valid_region(region), "{region} should be valid");
        }
        for region in [
            "ap-isob-central-3r",
            "us-north-2r",
            "us-east-12",
            "US-east-1",
            "useast-1",
            "",
            "u",
            "eu-westwest-1",
            "é-east-1",
        ] {
            assert!(!is_valid_region(region), "{region} should be invalid");
        }
    }

    #[test]
    fn invalid_region_is_kept_with_warning() {
        let mut warnings = Vec::new();
        let origin = build_origin(None, Some("ap-isob-central-3r"), None, &mut warnings);
        assert_eq!(origin.region.as_deref(), Some("ap-isob-central-3r"));
        assert_eq!(warnings.len(), 1);
        assert!(
            warnings[0]
                .starts_with("awsRegion \"ap-isob-central-3r\" is not a valid AWS region name")
        );
    }
}
