//! The ASN table: address ranges to autonomous system and organisation,
//! loaded from ip-location-db's CSV or from a GeoLite2-ASN style MaxMind DB.
//!
//! Both formats end up in the same two range tables (IPv4 and IPv6), so a
//! lookup is one binary search whatever the file was, and each organisation
//! name is allocated once however many ranges share it.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Arc;

use maxminddb::{Reader, WithinOptions};
use serde::Deserialize;

use crate::error::{CsvProblem, LoadError};
use crate::ranges::{Range, RangeTable};

/// One autonomous system as a lookup returns it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct AsnRecord {
    pub(crate) asn: u32,
    pub(crate) org: Option<Arc<str>>,
}

/// Address ranges of both IP versions, each mapped to an index into
/// `records`.
#[derive(Default)]
pub(crate) struct AsnTable {
    v4: RangeTable<u32, u32>,
    v6: RangeTable<u128, u32>,
    records: Vec<AsnRecord>,
    /// Input ranges that overlapped an earlier one; see [`RangeTable::build`]
    /// for which one wins.
    pub(crate) overlaps: usize,
}

/// Prints sizes only: the tables have hundreds of thousands of entries.
impl std::fmt::Debug for AsnTable {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AsnTable")
            .field("ipv4_ranges", &self.v4.len())
            .field("ipv6_ranges", &self.v6.len())
            .field("records", &self.records.len())
            .field("overlaps", &self.overlaps)
            .finish()
    }
}

impl AsnTable {
    /// Returns the autonomous system of `ip`. IPv4-mapped IPv6 addresses must
    /// have been converted to IPv4 by the caller.
    #[inline]
    pub(crate) fn get(&self, ip: IpAddr) -> Option<&AsnRecord> {
        let index = match ip {
            IpAddr::V4(v4) => self.v4.get(u32::from(v4)),
            IpAddr::V6(v6) => self.v6.get(u128::from(v6)),
        }?;
        self.records.get(index as usize)
    }

    /// Number of ranges after overlaps were resolved.
    pub(crate) fn len(&self) -> usize {
        self.v4.len() + self.v6.len()
    }

    /// Parses ip-location-db's CSV: `first,last,asn,organisation` per row,
    /// no header, IPv4 and IPv6 rows in any order. Rows with ASN 0 ("not
    /// announced") are dropped. Any malformed row rejects the whole file,
    /// because a bad row means a damaged or different file, and half a table
    /// would return wrong results without any sign.
    pub(crate) fn from_csv(bytes: &[u8]) -> Result<AsnTable, LoadError> {
        let mut reader = csv::ReaderBuilder::new()
            .has_headers(false)
            .flexible(true)
            .from_reader(bytes);
        let mut builder = Builder::default();
        let mut row = csv::ByteRecord::new();
        loop {
            match reader.read_byte_record(&mut row) {
                Ok(false) => break,
                Ok(true) => {}
                Err(error) => {
                    let line = error.position().map_or(0, |p| p.line());
                    return Err(LoadError::Csv {
                        line,
                        problem: CsvProblem::Syntax(error),
                    });
                }
            }
            let line = row.position().map_or(0, |p| p.line());
            builder
                .add_csv_row(&row)
                .map_err(|problem| LoadError::Csv { line, problem })?;
        }
        builder.finish()
    }

    /// Reads every network of a MaxMind DB with the GeoLite2-ASN record
    /// layout. Networks in a MaxMind DB never overlap.
    pub(crate) fn from_mmdb(reader: &Reader<Vec<u8>>) -> Result<AsnTable, LoadError> {
        #[derive(Deserialize)]
        struct MmdbRecord<'a> {
            autonomous_system_number: Option<u32>,
            #[serde(borrow)]
            autonomous_system_organization: Option<&'a str>,
        }

        let mut builder = Builder::default();
        // Many networks point at the same data record, so each record is
        // decoded once and found again by its offset.
        let mut by_offset: HashMap<usize, Option<u32>> = HashMap::new();
        for network in reader
            .networks(WithinOptions::default())
            .map_err(LoadError::Mmdb)?
        {
            let network = network.map_err(LoadError::Mmdb)?;
            let Some(offset) = network.offset() else {
                continue;
            };
            let index = match by_offset.get(&offset) {
                Some(&index) => index,
                None => {
                    let record: Option<MmdbRecord> = network.decode().map_err(LoadError::Mmdb)?;
                    let index = record.and_then(|r| {
                        let asn = r.autonomous_system_number.filter(|&asn| asn != 0)?;
                        Some(builder.intern(asn, r.autonomous_system_organization))
                    });
                    by_offset.insert(offset, index);
                    index
                }
            };
            let Some(index) = index else {
                continue;
            };
            let net = network.network().map_err(LoadError::Mmdb)?;
            builder.add_network(net.ip(), net.prefix(), index);
        }
        if builder.records.is_empty() {
            return Err(LoadError::MissingField {
                expected: "autonomous_system_number",
            });
        }
        builder.finish()
    }
}

/// Collects ranges and interns organisation names while a file is read.
#[derive(Default)]
struct Builder {
    v4: Vec<Range<u32, u32>>,
    v6: Vec<Range<u128, u32>>,
    records: Vec<AsnRecord>,
    /// `(asn, organisation)` to its index in `records`.
    record_index: HashMap<(u32, Option<Arc<str>>), u32>,
    orgs: HashMap<Box<str>, Arc<str>>,
}

impl Builder {
    /// Returns the index of the record for `asn` and `org`, adding it when new.
    fn intern(&mut self, asn: u32, org: Option<&str>) -> u32 {
        let org = org
            .filter(|o| !o.is_empty())
            .map(|o| match self.orgs.get(o) {
                Some(shared) => Arc::clone(shared),
                None => {
                    let shared: Arc<str> = Arc::from(o);
                    self.orgs.insert(Box::from(o), Arc::clone(&shared));
                    shared
                }
            });
        let next = self.records.len() as u32;
        *self
            .record_index
            .entry((asn, org.clone()))
            .or_insert_with(|| {
                self.records.push(AsnRecord { asn, org });
                next
            })
    }

    fn add_csv_row(&mut self, row: &csv::ByteRecord) -> Result<(), CsvProblem> {
        if row.len() != 4 {
            return Err(CsvProblem::FieldCount { found: row.len() });
        }
        let first = parse_address(&row[0], "first address")?;
        let last = parse_address(&row[1], "last address")?;
        let asn_text = String::from_utf8_lossy(&row[2]);
        let asn: u32 = asn_text.trim().parse().map_err(|_| CsvProblem::Asn {
            value: asn_text.clone().into_owned(),
        })?;
        if asn == 0 {
            return Ok(());
        }
        if row[3].contains(&b'\n') {
            return Err(CsvProblem::LineBreak);
        }
        let org = String::from_utf8_lossy(&row[3]);
        match (first, last) {
            (IpAddr::V4(first), IpAddr::V4(last)) => {
                let (first, last) = (u32::from(first), u32::from(last));
                check_order(first, last, &row[0], &row[1])?;
                let value = self.intern(asn, Some(org.trim()));
                self.v4.push(Range { first, last, value });
            }
            (IpAddr::V6(first), IpAddr::V6(last)) => {
                let (first, last) = (u128::from(first), u128::from(last));
                check_order(first, last, &row[0], &row[1])?;
                let value = self.intern(asn, Some(org.trim()));
                self.v6.push(Range { first, last, value });
            }
            _ => {
                return Err(CsvProblem::MixedVersions {
                    first: lossy(&row[0]),
                    last: lossy(&row[1]),
                });
            }
        }
        Ok(())
    }

    /// Adds the network `ip/prefix` as it comes out of a MaxMind DB.
    fn add_network(&mut self, ip: IpAddr, prefix: u8, value: u32) {
        match ip {
            IpAddr::V4(v4) => {
                let mask = crate::special::mask_v4(prefix);
                let first = u32::from(v4) & mask;
                self.v4.push(Range {
                    first,
                    last: first | !mask,
                    value,
                });
            }
            IpAddr::V6(v6) => {
                let mask = crate::special::mask_v6(prefix);
                let first = u128::from(v6) & mask;
                self.v6.push(Range {
                    first,
                    last: first | !mask,
                    value,
                });
            }
        }
    }

    fn finish(self) -> Result<AsnTable, LoadError> {
        if self.v4.is_empty() && self.v6.is_empty() {
            return Err(LoadError::Empty);
        }
        let v4 = RangeTable::build(self.v4);
        let v6 = RangeTable::build(self.v6);
        Ok(AsnTable {
            v4: v4.table,
            v6: v6.table,
            records: self.records,
            overlaps: v4.overlaps + v6.overlaps,
        })
    }
}

fn parse_address(field: &[u8], column: &'static str) -> Result<IpAddr, CsvProblem> {
    let text = std::str::from_utf8(field).unwrap_or_default().trim();
    text.parse().map_err(|_| {
        if !text.is_empty() && text.bytes().all(|b| b.is_ascii_digit()) {
            CsvProblem::NumericAddress {
                value: text.to_owned(),
            }
        } else {
            CsvProblem::Address {
                column,
                value: lossy(field),
            }
        }
    })
}

fn check_order<A: Ord>(
    first: A,
    last: A,
    first_text: &[u8],
    last_text: &[u8],
) -> Result<(), CsvProblem> {
    if first > last {
        return Err(CsvProblem::Reversed {
            first: lossy(first_text),
            last: lossy(last_text),
        });
    }
    Ok(())
}

fn lossy(field: &[u8]) -> String {
    String::from_utf8_lossy(field).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    const FIXTURE: &[u8] = include_bytes!("../tests/fixtures/asn.csv");

    fn lookup(table: &AsnTable, ip: &str) -> Option<(u32, Option<String>)> {
        let ip: IpAddr = ip.parse().expect("valid address");
        table
            .get(ip)
            .map(|r| (r.asn, r.org.as_deref().map(str::to_owned)))
    }

    fn asn_of(table: &AsnTable, ip: &str) -> Option<u32> {
        lookup(table, ip).map(|(asn, _)| asn)
    }

    fn csv_error(text: &str) -> (u64, CsvProblem) {
        match AsnTable::from_csv(text.as_bytes()) {
            Err(LoadError::Csv { line, problem }) => (line, problem),
            other => panic!("expected a CSV error, got {other:?}"),
        }
    }

    #[test]
    fn fixture_ipv4_boundaries() {
        let table = AsnTable::from_csv(FIXTURE).expect("fixture parses");
        assert_eq!(asn_of(&table, "0.255.255.255"), None);
        assert_eq!(asn_of(&table, "1.0.0.0"), Some(13335));
        assert_eq!(asn_of(&table, "1.0.0.255"), Some(13335));
        assert_eq!(asn_of(&table, "1.0.1.0"), None);
        assert_eq!(asn_of(&table, "1.1.1.1"), Some(13335));
        assert_eq!(asn_of(&table, "52.94.75.255"), None);
        assert_eq!(asn_of(&table, "52.94.76.0"), Some(16509));
        assert_eq!(asn_of(&table, "52.94.79.255"), Some(16509));
        assert_eq!(asn_of(&table, "52.94.80.0"), None);
        assert_eq!(asn_of(&table, "255.255.255.255"), Some(64512));
    }

    #[test]
    fn fixture_ipv6_boundaries() {
        let table = AsnTable::from_csv(FIXTURE).expect("fixture parses");
        assert_eq!(asn_of(&table, "2001:4860:4860::8888"), Some(15169));
        assert_eq!(asn_of(&table, "2001:4860::"), Some(15169));
        assert_eq!(
            asn_of(&table, "2001:485f:ffff:ffff:ffff:ffff:ffff:ffff"),
            None
        );
        assert_eq!(asn_of(&table, "2001:4861::"), None);
        assert_eq!(asn_of(&table, "2600:1f18::1"), Some(16509));
        assert_eq!(
            asn_of(&table, "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff"),
            Some(64513)
        );
        // The same number as IPv4 and IPv6 must not be confused.
        assert_eq!(asn_of(&table, "::1.1.1.1"), None);
    }

    #[test]
    fn fixture_quoted_organisations() {
        let table = AsnTable::from_csv(FIXTURE).expect("fixture parses");
        assert_eq!(
            lookup(&table, "1.1.1.1"),
            Some((13335, Some("Cloudflare, Inc.".into())))
        );
        assert_eq!(
            lookup(&table, "2.26.200.1"),
            Some((201907, Some("LLC \"SPUTNIK\"".into())))
        );
        assert_eq!(lookup(&table, "ffff:ffff::1"), Some((64513, None)));
    }

    #[test]
    fn fixture_overlap_later_range_wins() {
        let table = AsnTable::from_csv(FIXTURE).expect("fixture parses");
        assert_eq!(table.overlaps, 1);
        assert_eq!(asn_of(&table, "214.255.255.255"), Some(749));
        assert_eq!(asn_of(&table, "215.0.0.0"), Some(721));
        assert_eq!(asn_of(&table, "215.1.3.255"), Some(721));
        assert_eq!(asn_of(&table, "215.1.4.0"), None);
    }

    #[test]
    fn organisations_are_shared() {
        let table = AsnTable::from_csv(FIXTURE).expect("fixture parses");
        let org = |ip: &str| {
            let ip: IpAddr = ip.parse().expect("valid address");
            table
                .get(ip)
                .and_then(|r| r.org.clone())
                .expect("has an organisation")
        };
        // Same ASN and name: one record.
        assert!(Arc::ptr_eq(&org("1.0.0.1"), &org("2606:4700::1")));
        // Different ASNs with the same name share the name.
        assert!(Arc::ptr_eq(&org("52.94.76.1"), &org("54.0.0.1")));
        assert_eq!(table.records.len(), 9);
    }

    #[test]
    fn unsorted_rows_are_sorted() {
        let table = AsnTable::from_csv(
            b"9.0.0.0,9.0.0.255,3,c\n1.0.0.0,1.0.0.255,1,a\n5.0.0.0,5.0.0.255,2,b\n",
        )
        .expect("parses");
        assert_eq!(asn_of(&table, "1.0.0.9"), Some(1));
        assert_eq!(asn_of(&table, "5.0.0.9"), Some(2));
        assert_eq!(asn_of(&table, "9.0.0.9"), Some(3));
        assert_eq!(table.overlaps, 0);
    }

    #[test]
    fn asn_zero_rows_are_dropped() {
        let table = AsnTable::from_csv(b"1.0.0.0,1.0.0.255,0,Not routed\n2.0.0.0,2.0.0.255,7,x\n")
            .expect("parses");
        assert_eq!(asn_of(&table, "1.0.0.1"), None);
        assert_eq!(asn_of(&table, "2.0.0.1"), Some(7));
    }

    #[test]
    fn wrong_field_count_names_line() {
        let (line, problem) = csv_error("1.0.0.0,1.0.0.255,1,a\n1.0.1.0/24,2,b\n");
        assert_eq!(line, 2);
        assert!(
            matches!(problem, CsvProblem::FieldCount { found: 3 }),
            "{problem}"
        );
    }

    #[test]
    fn bad_address_is_rejected() {
        let (line, problem) = csv_error("1.0.0.0,1.0.0.300,1,a\n");
        assert_eq!(line, 1);
        assert_eq!(
            problem.to_string(),
            "last address \"1.0.0.300\" is not an IP address"
        );
    }

    #[test]
    fn numeric_address_points_to_text_files() {
        let (_, problem) = csv_error("16777216,16777471,13335,Cloudflare\n");
        assert!(
            matches!(problem, CsvProblem::NumericAddress { .. }),
            "{problem}"
        );
        assert!(problem.to_string().contains("asn-ipv4.csv"), "{problem}");
    }

    #[test]
    fn mixed_versions_are_rejected() {
        let (_, problem) = csv_error("1.0.0.0,2001:db8::,1,a\n");
        assert!(
            matches!(problem, CsvProblem::MixedVersions { .. }),
            "{problem}"
        );
    }

    #[test]
    fn reversed_range_is_rejected() {
        let (_, problem) = csv_error("1.0.0.255,1.0.0.0,1,a\n");
        assert_eq!(
            problem.to_string(),
            "first address 1.0.0.255 is after last address 1.0.0.0"
        );
        let (_, problem) = csv_error("2001:db8::ff,2001:db8::,1,a\n");
        assert!(matches!(problem, CsvProblem::Reversed { .. }), "{problem}");
    }

    #[test]
    fn bad_asn_is_rejected() {
        for value in ["AS13335", "-1", "4294967296", ""] {
            let (_, problem) = csv_error(&format!("1.0.0.0,1.0.0.255,{value},a\n"));
            assert!(
                matches!(problem, CsvProblem::Asn { .. }),
                "{value}: {problem}"
            );
        }
    }

    #[test]
    fn unterminated_quote_is_rejected() {
        // The csv crate reads an unterminated quote to the end of the input.
        let (line, problem) = csv_error("1.0.0.0,1.0.0.255,1,\"open\n2.0.0.0,2.0.0.255,2,b\n");
        assert_eq!(line, 1);
        assert!(matches!(problem, CsvProblem::LineBreak), "{problem}");
    }

    #[test]
    fn empty_file_is_rejected() {
        assert!(matches!(AsnTable::from_csv(b""), Err(LoadError::Empty)));
        assert!(matches!(
            AsnTable::from_csv(b"1.0.0.0,1.0.0.255,0,only unannounced\n"),
            Err(LoadError::Empty)
        ));
    }
}
