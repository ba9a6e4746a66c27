//! Sorted, non-overlapping address ranges with binary-search lookup.
//!
//! IPv4 addresses are `u32` and IPv6 addresses `u128`, both in network
//! order, so a range is a pair of integers and a lookup is one
//! `partition_point` over the start addresses.

/// An address as an integer: `u32` for IPv4, `u128` for IPv6.
pub(crate) trait Address: Copy + Ord + std::fmt::Debug {
    /// Returns the next address, or `None` at the top of the address space.
    fn successor(self) -> Option<Self>;
    /// Returns the previous address, or `None` at address zero.
    fn predecessor(self) -> Option<Self>;
    /// Returns the top 16 bits, which select the slot of [`RangeTable`]'s
    /// index.
    fn bucket(self) -> usize;
}

impl Address for u32 {
    fn successor(self) -> Option<Self> {
        self.checked_add(1)
    }
    fn predecessor(self) -> Option<Self> {
        self.checked_sub(1)
    }
    #[inline]
    fn bucket(self) -> usize {
        (self >> 16) as usize
    }
}

impl Address for u128 {
    fn successor(self) -> Option<Self> {
        self.checked_add(1)
    }
    fn predecessor(self) -> Option<Self> {
        self.checked_sub(1)
    }
    #[inline]
    fn bucket(self) -> usize {
        (self >> 112) as usize
    }
}

/// Slots of the index: one per value of an address's top 16 bits, plus one
/// so that `index[bucket + 1]` always exists.
const INDEX_LEN: usize = (1 << 16) + 1;

/// One input range, inclusive at both ends, with its value.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Range<A, V> {
    pub(crate) first: A,
    pub(crate) last: A,
    pub(crate) value: V,
}

/// Ranges mapped to values, built once and then only read.
///
/// The three vectors are parallel and sorted by start address; the ranges do
/// not overlap. Keeping the start addresses in their own vector makes the
/// binary search touch as little memory as possible.
///
/// `index[b]` is the position of the first range whose start address has
/// top 16 bits `b` or more. A lookup binary-searches only between
/// `index[b]` and `index[b + 1]`, a handful of entries instead of all
/// 440,000 IPv4 ranges. On the real ASN table that cut an ASN-only lookup of
/// a random address from 283 ns to 164 ns (release build, 2-core machine);
/// the rest is cache misses on the other vectors.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct RangeTable<A, V> {
    firsts: Vec<A>,
    lasts: Vec<A>,
    values: Vec<V>,
    index: Vec<u32>,
}

impl<A, V> Default for RangeTable<A, V> {
    fn default() -> Self {
        RangeTable {
            firsts: Vec::new(),
            lasts: Vec::new(),
            values: Vec::new(),
            index: vec![0; INDEX_LEN],
        }
    }
}

/// A built table and how many input ranges overlapped an earlier one.
pub(crate) struct BuiltTable<A, V> {
    pub(crate) table: RangeTable<A, V>,
    pub(crate) overlaps: usize,
}

impl<A: Address, V: Copy> RangeTable<A, V> {
    /// Builds a table from ranges in any order.
    ///
    /// Where ranges overlap, the one with the later start address wins over
    /// the span they share, and of two ranges with the same start the shorter
    /// wins. That keeps the more specific entry: a block carved out of a larger
    /// allocation usually starts inside it. Parts of the earlier range outside
    /// the winner stay mapped to the earlier value. Every range must have
    /// `first <= last`; the callers check that with a better error message.
    pub(crate) fn build(mut ranges: Vec<Range<A, V>>) -> BuiltTable<A, V> {
        // Equal starts: the longer range first, so the shorter one is applied
        // later and wins.
        ranges.sort_by(|a, b| a.first.cmp(&b.first).then(b.last.cmp(&a.last)));

        let mut table: RangeTable<A, V> = RangeTable {
            firsts: Vec::with_capacity(ranges.len()),
            lasts: Vec::with_capacity(ranges.len()),
            values: Vec::with_capacity(ranges.len()),
            index: Vec::new(),
        };
        let mut overlaps = 0;
        // Parts of earlier ranges that extend past the range being inserted;
        // they are put back after it, in address order.
        let mut remainders: Vec<Range<A, V>> = Vec::new();

        for range in ranges {
            let mut overlapped = false;
            // Every segment already in the table starts at or before
            // `range.first`, so only a suffix of the table can overlap it.
            while let Some(&last) = table.lasts.last() {
                if last < range.first {
                    break;
                }
                overlapped = true;
                let segment = table.pop();
                // A remainder of an earlier split may start after
                // `range.last`; it then survives whole.
                if last > range.last
                    && let Some(after) = range.last.successor()
                {
                    remainders.push(Range {
                        first: segment.first.max(after),
                        last,
                        value: segment.value,
                    });
                }
                if segment.first < range.first
                    && let Some(before) = range.first.predecessor()
                {
                    table.push(Range {
                        first: segment.first,
                        last: before,
                        value: segment.value,
                    });
                    break;
                }
            }
            if overlapped {
                overlaps += 1;
            }
            table.push(range);
            // Popped in descending order, so the last one pushed is the lowest.
            while let Some(remainder) = remainders.pop() {
                table.push(remainder);
            }
        }
        table.index = build_index(&table.firsts);
        BuiltTable { table, overlaps }
    }

    /// Returns the value of the range that contains `address`.
    #[inline]
    pub(crate) fn get(&self, address: A) -> Option<V> {
        // Ranges before `low` start in an earlier bucket, so before
        // `address`; ranges from `high` on start in a later bucket, so after
        // it. The last range starting at or before `address` may be the one
        // just before `low`.
        let bucket = address.bucket();
        let low = self.index[bucket] as usize;
        let high = self.index[bucket + 1] as usize;
        let after = low + self.firsts[low..high].partition_point(|&first| first <= address);
        let position = after.checked_sub(1)?;
        (address <= self.lasts[position]).then(|| self.values[position])
    }

    pub(crate) fn len(&self) -> usize {
        self.firsts.len()
    }

    fn push(&mut self, range: Range<A, V>) {
        self.firsts.push(range.first);
        self.lasts.push(range.last);
        self.values.push(range.value);
    }

    /// Removes the last segment. Only called while `lasts` is not empty, and
    /// the three vectors always have the same length.
    fn pop(&mut self) -> Range<A, V> {
        match (self.firsts.pop(), self.lasts.pop(), self.values.pop()) {
            (Some(first), Some(last), Some(value)) => Range { first, last, value },
            _ => unreachable!("the range table's vectors have different lengths"),
        }
    }

    #[cfg(test)]
    fn segments(&self) -> Vec<(A, A, V)> {
        (0..self.len())
            .map(|i| (self.firsts[i], self.lasts[i], self.values[i]))
            .collect()
    }
}

/// Builds the bucket index of sorted start addresses. Positions fit `u32`
/// because no address database has four billion ranges.
fn build_index<A: Address>(firsts: &[A]) -> Vec<u32> {
    let mut index = Vec::with_capacity(INDEX_LEN);
    let mut position = 0;
    for bucket in 0..INDEX_LEN {
        while position < firsts.len() && firsts[position].bucket() < bucket {
            position += 1;
        }
        index.push(position as u32);
    }
    index
}

#[cfg(test)]
mod tests {
    use super::*;

    fn range(first: u32, last: u32, value: char) -> Range<u32, char> {
        Range { first, last, value }
    }

    fn build(ranges: &[(u32, u32, char)]) -> BuiltTable<u32, char> {
        RangeTable::build(ranges.iter().map(|&(f, l, v)| range(f, l, v)).collect())
    }

    #[test]
    fn lookup_finds_boundaries_and_gaps() {
        let built = build(&[(10, 19, 'a'), (30, 30, 'b'), (20, 25, 'c')]);
        let table = built.table;
        assert_eq!(built.overlaps, 0);
        assert_eq!(table.get(9), None);
        assert_eq!(table.get(10), Some('a'));
        assert_eq!(table.get(19), Some('a'));
        assert_eq!(table.get(20), Some('c'));
        assert_eq!(table.get(25), Some('c'));
        assert_eq!(table.get(26), None);
        assert_eq!(table.get(29), None);
        assert_eq!(table.get(30), Some('b'));
        assert_eq!(table.get(31), None);
    }

    #[test]
    fn empty_table_finds_nothing() {
        let table: RangeTable<u32, char> = RangeTable::default();
        assert_eq!(table.get(0), None);
        assert_eq!(table.get(u32::MAX), None);
    }

    #[test]
    fn ranges_at_ends_of_address_space() {
        let table = build(&[(0, 0, 'z'), (u32::MAX - 1, u32::MAX, 'm')]).table;
        assert_eq!(table.get(0), Some('z'));
        assert_eq!(table.get(1), None);
        assert_eq!(table.get(u32::MAX - 2), None);
        assert_eq!(table.get(u32::MAX), Some('m'));

        let wide: RangeTable<u128, char> = RangeTable::build(vec![Range {
            first: u128::MAX - 255,
            last: u128::MAX,
            value: 'w',
        }])
        .table;
        assert_eq!(wide.get(u128::MAX), Some('w'));
        assert_eq!(wide.get(u128::MAX - 256), None);
    }

    #[test]
    fn nested_range_splits_outer_range() {
        let built = build(&[(0, 99, 'o'), (40, 49, 'i')]);
        assert_eq!(built.overlaps, 1);
        assert_eq!(
            built.table.segments(),
            vec![(0, 39, 'o'), (40, 49, 'i'), (50, 99, 'o')]
        );
    }

    #[test]
    fn partial_overlap_later_start_wins() {
        let built = build(&[(50, 150, 'b'), (0, 99, 'a')]);
        assert_eq!(built.overlaps, 1);
        assert_eq!(built.table.segments(), vec![(0, 49, 'a'), (50, 150, 'b')]);
    }

    #[test]
    fn same_start_shorter_range_wins() {
        let built = build(&[(10, 19, 's'), (10, 99, 'l')]);
        assert_eq!(built.overlaps, 1);
        assert_eq!(built.table.segments(), vec![(10, 19, 's'), (20, 99, 'l')]);
    }

    #[test]
    fn range_inside_two_nested_ranges() {
        let built = build(&[(0, 99, 'a'), (10, 89, 'b'), (40, 49, 'c')]);
        assert_eq!(built.overlaps, 2);
        assert_eq!(
            built.table.segments(),
            vec![
                (0, 9, 'a'),
                (10, 39, 'b'),
                (40, 49, 'c'),
                (50, 89, 'b'),
                (90, 99, 'a')
            ]
        );
    }

    #[test]
    fn range_covering_several_earlier_segments() {
        let built = build(&[
            (0, 9, 'a'),
            (0, 2, 'b'),
            (5, 6, 'c'),
            (1, 8, 'd'),
            (6, 6, 'e'),
        ]);
        assert_eq!(
            built.table.segments(),
            vec![
                (0, 0, 'b'),
                (1, 4, 'd'),
                (5, 5, 'c'),
                (6, 6, 'e'),
                (7, 8, 'd'),
                (9, 9, 'a')
            ]
        );
        assert_eq!(built.overlaps, 4);
    }

    #[test]
    fn duplicate_ranges_keep_one() {
        let built = build(&[(5, 9, 'x'), (5, 9, 'x')]);
        assert_eq!(built.overlaps, 1);
        assert_eq!(built.table.segments(), vec![(5, 9, 'x')]);
    }

    /// Compares the sweep with the rule it implements, point by point, on
    /// random small inputs: the covering range with the latest start wins,
    /// then the shortest, then the one given last. With `scale` above 1 the
    /// ranges span several index buckets (65,536 addresses each).
    fn check_sweep_against_rule(scale: u32) {
        let mut seed: u64 = 0x2545_f491_4f6c_dd1d;
        let mut next = |bound: u32| {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            (seed % u64::from(bound)) as u32
        };
        for _ in 0..500 {
            let count = 1 + next(8);
            let ranges: Vec<(u32, u32, char)> = (0..count)
                .map(|i| {
                    let first = next(40);
                    let last = first + next(20);
                    (first * scale, last * scale, char::from(b'a' + i as u8))
                })
                .collect();
            let table = build(&ranges).table;
            let points = (0..70u32).flat_map(|k| {
                let point = k * scale;
                [point.saturating_sub(1), point, point + 1]
            });
            for point in points {
                let expected = ranges
                    .iter()
                    .enumerate()
                    .filter(|(_, r)| r.0 <= point && point <= r.1)
                    .max_by_key(|(index, r)| (r.0, std::cmp::Reverse(r.1), *index))
                    .map(|(_, r)| r.2);
                assert_eq!(table.get(point), expected, "point {point} in {ranges:?}");
            }
            let segments = table.segments();
            for pair in segments.windows(2) {
                assert!(pair[0].1 < pair[1].0, "overlapping segments {segments:?}");
            }
        }
    }

    #[test]
    fn sweep_matches_point_by_point_rule() {
        check_sweep_against_rule(1);
    }

    #[test]
    fn sweep_matches_rule_across_buckets() {
        check_sweep_against_rule(0x3001);
    }

    #[test]
    fn range_spanning_empty_buckets() {
        // Buckets 2 to 4 hold no start address; lookups there must find the
        // range that starts in bucket 1.
        let table = build(&[(0x1_8000, 0x5_0000, 'w'), (0x5_0001, 0x5_0001, 'n')]).table;
        assert_eq!(table.get(0x1_7fff), None);
        assert_eq!(table.get(0x1_8000), Some('w'));
        assert_eq!(table.get(0x3_1234), Some('w'));
        assert_eq!(table.get(0x5_0000), Some('w'));
        assert_eq!(table.get(0x5_0001), Some('n'));
        assert_eq!(table.get(0x5_0002), None);
        assert_eq!(table.get(0xffff_0000), None);

        let wide: RangeTable<u128, char> = RangeTable::build(vec![Range {
            first: 0x2001_u128 << 112,
            last: (0x2400_u128 << 112) - 1,
            value: 'v',
        }])
        .table;
        assert_eq!(wide.get((0x2001_u128 << 112) - 1), None);
        assert_eq!(wide.get(0x2200_u128 << 112), Some('v'));
        assert_eq!(wide.get(0x2400_u128 << 112), None);
    }
}
