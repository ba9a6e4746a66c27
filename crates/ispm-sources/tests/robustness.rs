//! The decoder must never panic and must always account for its input:
//! random bytes, truncations and mutations of a real log file, and
//! JSON-like token soup. The generator is a fixed-seed xorshift, so every
//! run feeds the same inputs and a failure reproduces.

use std::path::Path;

use ispm_model::DeadLetter;
use ispm_sources::{CloudTrailDecoder, DecoderConfig, EXCERPT_MAX_BYTES, Item};

struct XorShift(u64);

impl XorShift {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    fn below(&mut self, bound: usize) -> usize {
        (self.next() % bound as u64) as usize
    }
}

fn small_real_file() -> Vec<u8> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join(
        "../../../shared/data/cloudtrail/stratus-red-team-detonations/docs/detonation-logs/aws.persistence.iam-create-admin-user.json",
    );
    std::fs::read(&path).unwrap_or_else(|err| {
        panic!(
            "real CloudTrail data not found at {}: {err}; these tests need the shared data folder next to the repository",
            path.display()
        )
    })
}

/// Decodes `bytes` with both entry points and checks the invariants every
/// output must keep.
fn check(decoder: &CloudTrailDecoder, bytes: &[u8]) -> Vec<Item> {
    let _ = decoder.decode_record(bytes);
    let mut items = Vec::new();
    decoder.decode_document("fuzz", bytes, &mut |item| items.push(item));

    let non_blank = bytes.iter().any(|byte| !byte.is_ascii_whitespace());
    assert!(
        !items.is_empty() || !non_blank,
        "no output for {} bytes",
        bytes.len()
    );
    for item in &items {
        match item {
            Item::Event(event) => assert!(!event.event_id.is_empty()),
            Item::DeadLetter(dead) => check_dead_letter(dead, bytes.len()),
            Item::Skipped { origin, .. } => assert_eq!(origin, "fuzz"),
        }
    }
    items
}

fn check_dead_letter(dead: &DeadLetter, document_len: usize) {
    assert_eq!(dead.origin, "fuzz");
    assert!(dead.index.is_some());
    assert!(!dead.reason.is_empty());
    assert!(!dead.detail.is_empty());
    let size = dead.size.expect("size is set");
    assert!(size as usize <= document_len);
    let excerpt = dead.excerpt.as_deref().expect("excerpt is set");
    // Each invalid byte becomes a 3-byte replacement character.
    assert!(excerpt.len() <= 3 * EXCERPT_MAX_BYTES);
}

#[test]
fn random_bytes_never_panic() {
    let decoder = CloudTrailDecoder::new(DecoderConfig::default());
    let mut random = XorShift(0x9e37_79b9_7f4a_7c15);
    for _ in 0..2_000 {
        let len = random.below(600);
        let bytes: Vec<u8> = (0..len).map(|_| random.next() as u8).collect();
        check(&decoder, &bytes);
    }
}

#[test]
fn every_truncation_of_a_real_file_is_accounted_for() {
    let decoder = CloudTrailDecoder::new(DecoderConfig::default());
    let file = small_real_file();
    let full_events = check(&decoder, &file)
        .iter()
        .filter(|item| matches!(item, Item::Event(_)))
        .count();
    assert!(full_events > 1);

    for cut in 0..file.len() {
        let items = check(&decoder, &file[..cut]);
        let events = items
            .iter()
            .filter(|item| matches!(item, Item::Event(_)))
            .count();
        assert!(events <= full_events, "cut at {cut}");
    }
}

#[test]
fn mutated_real_file_never_panics() {
    let decoder = CloudTrailDecoder::new(DecoderConfig::default());
    let file = small_real_file();
    let mut random = XorShift(42);
    for _ in 0..1_000 {
        let mut mutated = file.clone();
        for _ in 0..=random.below(8) {
            let position = random.below(mutated.len());
            match random.below(3) {
                0 => mutated[position] = random.next() as u8,
                1 => {
                    mutated.remove(position);
                }
                _ => mutated.insert(position, b"{}[],:\"\n\\0"[random.below(10)]),
            }
        }
        check(&decoder, &mutated);
    }
}

#[test]
fn json_token_soup_never_panics() {
    const TOKENS: &[&str] = &[
        "{",
        "}",
        "[",
        "]",
        ",",
        ":",
        "\n",
        " ",
        "\"Records\"",
        "\"eventTime\"",
        "\"eventName\"",
        "\"userIdentity\"",
        "\"type\"",
        "\"AssumedRole\"",
        "\"arn\"",
        "\"detail-type\"",
        "\"detail\"",
        "\"AWS API Call via CloudTrail\"",
        "\"2024-08-01T13:33:28Z\"",
        "\"digestStartTime\"",
        "\"sourceIPAddress\"",
        "\"1.2.3.4\"",
        "\"075.050.255.67\"",
        "\"i-0abc1234\"",
        "null",
        "true",
        "42",
        "-1e999",
        "\"\\u0000\"",
        "\"\\ud800\"",
        "\"",
        "\\",
    ];
    let decoder = CloudTrailDecoder::new(DecoderConfig::default());
    let mut random = XorShift(7);
    for _ in 0..5_000 {
        let count = random.below(40);
        let soup: String = (0..count)
            .map(|_| TOKENS[random.below(TOKENS.len())])
            .collect();
        check(&decoder, soup.as_bytes());
    }
}

#[test]
fn deep_nesting_is_rejected_without_overflow() {
    let decoder = CloudTrailDecoder::new(DecoderConfig::default());
    for document in [
        "[".repeat(100_000),
        "{\"a\":".repeat(50_000),
        format!("{{\"Records\":{}", "[".repeat(100_000)),
        format!("{}{}", "[".repeat(10_000), "]".repeat(10_000)),
    ] {
        let items = check(&decoder, document.as_bytes());
        assert!(items.iter().all(|item| matches!(item, Item::DeadLetter(_))));
    }
}

#[test]
fn many_bad_lines_decode_in_linear_time() {
    let decoder = CloudTrailDecoder::new(DecoderConfig::default());
    let document = "not json at all\n".repeat(200_000);
    let started = std::time::Instant::now();
    let items = check(&decoder, document.as_bytes());
    assert_eq!(items.len(), 200_000);
    // A quadratic scan of 3.2 MB takes minutes; a linear one well under a second.
    assert!(
        started.elapsed().as_secs() < 30,
        "took {:?}",
        started.elapsed()
    );
}
