//! Decodes the public CloudTrail data sets kept next to the repository in
//! `shared/data/cloudtrail`: an attack simulation as CloudTrail delivered it
//! to S3 (invictus-ir/aws_dataset, MIT) and the Stratus Red Team detonation
//! logs (DataDog/stratus-red-team, Apache-2.0).

use std::collections::BTreeMap;
use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};

use flate2::Compression;
use flate2::write::GzEncoder;
use ispm_model::{
    DeadLetter, DeadLetterAction, IdentityEvent, IdentityKind, NhiType, TargetFactKind,
};
use ispm_sources::{CloudTrailDecoder, DecoderConfig, Item, read_input, walk_inputs};

const INVICTUS_FILES: usize = 55;
const INVICTUS_EVENTS: usize = 2_900;
const STRATUS_FILES: usize = 35;
const STRATUS_EVENTS: usize = 310;

fn data_dir() -> PathBuf {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/data/cloudtrail");
    assert!(
        dir.is_dir(),
        "real CloudTrail data not found at {}: these tests need the shared data folder next to the repository",
        dir.display()
    );
    dir
}

fn invictus_dir() -> PathBuf {
    data_dir().join("invictus-stratus-simulation/CloudTrail")
}

fn stratus_dir() -> PathBuf {
    data_dir().join("stratus-red-team-detonations/docs/detonation-logs")
}

fn files_in(dir: &Path) -> Vec<PathBuf> {
    let (files, errors) = walk_inputs(&[dir.to_path_buf()]);
    assert!(errors.is_empty(), "{errors:?}");
    files
}

/// Counts the records of a file without the decoder.
fn record_count(bytes: &[u8]) -> usize {
    let value: serde_json::Value = serde_json::from_slice(bytes).expect("real data is valid JSON");
    match value {
        serde_json::Value::Array(records) => records.len(),
        serde_json::Value::Object(object) => {
            object["Records"].as_array().expect("Records list").len()
        }
        other => panic!("unexpected document {other}"),
    }
}

#[derive(Default)]
struct Decoded {
    events: Vec<IdentityEvent>,
    rejected: Vec<DeadLetter>,
    warned: Vec<DeadLetter>,
    skipped: Vec<&'static str>,
}

fn decode(origin: &str, bytes: &[u8]) -> Decoded {
    let decoder = CloudTrailDecoder::new(DecoderConfig::default());
    let mut decoded = Decoded::default();
    decoder.decode_document(origin, bytes, &mut |item| match item {
        Item::Event(event) => decoded.events.push(event),
        Item::DeadLetter(dead) if dead.action == DeadLetterAction::Rejected => {
            decoded.rejected.push(dead)
        }
        Item::DeadLetter(dead) => decoded.warned.push(dead),
        Item::Skipped { reason, .. } => decoded.skipped.push(reason),
    });
    decoded
}

/// Decodes every file of a folder, checking that each file yields one event
/// per record and no rejected record.
fn decode_folder(dir: &Path, expected_files: usize) -> Decoded {
    let files = files_in(dir);
    assert_eq!(files.len(), expected_files, "files in {}", dir.display());

    let mut all = Decoded::default();
    for file in &files {
        let read = read_input(file);
        assert!(read.error.is_none(), "{}: {:?}", file.display(), read.error);
        let decoded = decode(&file.display().to_string(), &read.bytes);
        assert!(
            decoded.rejected.is_empty(),
            "{}: {:?}",
            file.display(),
            decoded.rejected
        );
        assert!(
            decoded.skipped.is_empty(),
            "{}: {:?}",
            file.display(),
            decoded.skipped
        );
        assert_eq!(
            decoded.events.len(),
            record_count(&read.bytes),
            "{}",
            file.display()
        );
        all.events.extend(decoded.events);
        all.warned.extend(decoded.warned);
    }
    all
}

fn all_real_events() -> Vec<IdentityEvent> {
    let mut events = decode_folder(&invictus_dir(), INVICTUS_FILES).events;
    events.extend(decode_folder(&stratus_dir(), STRATUS_FILES).events);
    events
}

#[test]
fn invictus_simulation_decodes_without_rejections() {
    let decoded = decode_folder(&invictus_dir(), INVICTUS_FILES);
    assert_eq!(decoded.events.len(), INVICTUS_EVENTS);
}

#[test]
fn stratus_detonations_decode_without_rejections() {
    let decoded = decode_folder(&stratus_dir(), STRATUS_FILES);
    assert_eq!(decoded.events.len(), STRATUS_EVENTS);
}

#[test]
fn real_warnings_are_only_anonymised_addresses_and_regions() {
    let decoded = decode_folder(&stratus_dir(), STRATUS_FILES);
    assert!(
        !decoded.warned.is_empty(),
        "the detonation logs contain anonymised regions"
    );
    for dead in &decoded.warned {
        assert_eq!(dead.reason, "invalid_field_value");
        assert!(dead.event_id.is_some());
        for warning in dead.detail.split("; ") {
            let known = warning.starts_with("sourceIPAddress \"")
                || warning.starts_with("awsRegion \"")
                || warning == "kept as text";
            assert!(known, "unexpected warning {warning:?}");
        }
    }

    let leading_zeros = decoded
        .events
        .iter()
        .find(|event| event.origin.source_raw.as_deref() == Some("075.050.255.67"))
        .expect("the detonation logs contain 075.050.255.67");
    assert_eq!(leading_zeros.origin.ip, None);
    assert!(leading_zeros.warnings[0].contains("(leading zeros)"));
}

#[test]
fn real_identities_are_classified() {
    let events = all_real_events();
    let actors: BTreeMap<&str, &ispm_model::Actor> = events
        .iter()
        .map(|event| (event.actor.id.as_str(), &event.actor))
        .collect();
    let actor = |id: &str| {
        *actors
            .get(id)
            .unwrap_or_else(|| panic!("identity {id} not found"))
    };

    let expected = [
        ("aws:123837392027:user/bert-jan", IdentityKind::Human, None),
        ("aws:123837392027:user/benjamin", IdentityKind::Human, None),
        (
            "aws:123837392027:role/stratus-red-team-ec2-steal-credentials-role",
            IdentityKind::NonHuman,
            Some(NhiType::Workload),
        ),
        (
            "aws:017622104382:role/stratus-red-team-ec2-steal-credentials-role",
            IdentityKind::NonHuman,
            Some(NhiType::Workload),
        ),
        (
            "aws:123837392027:role/stratus-red-team-ec2-get-password-data-role",
            IdentityKind::NonHuman,
            Some(NhiType::Role),
        ),
        (
            "aws:494659789341:role/test-role",
            IdentityKind::NonHuman,
            Some(NhiType::Role),
        ),
        (
            "aws:123837392027:role/AWSServiceRoleForRDS",
            IdentityKind::NonHuman,
            Some(NhiType::AwsService),
        ),
        (
            "aws:742491224508:federated-user/stratus_red_team",
            IdentityKind::NonHuman,
            Some(NhiType::FederatedUser),
        ),
        (
            "aws:person/randomca0l529zwnay@gmail.com",
            IdentityKind::Human,
            None,
        ),
        (
            "aws:service/secretsmanager.amazonaws.com",
            IdentityKind::NonHuman,
            Some(NhiType::AwsService),
        ),
        (
            "aws:service/cloudtrail.amazonaws.com",
            IdentityKind::NonHuman,
            Some(NhiType::AwsService),
        ),
    ];
    for (id, kind, nhi_type) in expected {
        assert_eq!(actor(id).kind, kind, "{id}");
        assert_eq!(actor(id).nhi_type, nhi_type, "{id}");
    }

    let sso = actor("aws:person/randomca0l529zwnay@gmail.com");
    let via_role = sso.via_role.as_deref().unwrap_or_default();
    assert!(
        via_role.ends_with(
            ":role/aws-reserved/sso.amazonaws.com/AWSReservedSSO_account-admin_599c9e90e350d2ff"
        ),
        "{via_role}"
    );

    // A random suffix containing "svc" must not make an attack user a service account.
    assert_eq!(
        actor("aws:562283505220:user/stratus-red-team-nmfalu-jfzdtsvchl").kind,
        IdentityKind::Human
    );

    for event in &events {
        assert!(!event.actor.kind_reason.is_empty(), "{}", event.event_id);
        assert!(
            !event.actor.id.as_str().contains("unknown"),
            "{} {}",
            event.event_id,
            event.actor.id
        );
    }
}

#[test]
fn real_iam_changes_yield_target_facts() {
    let events = decode_folder(&stratus_dir(), STRATUS_FILES).events;
    let created_key = events
        .iter()
        .filter(|event| event.action == "CreateAccessKey" && event.succeeded())
        .flat_map(|event| &event.targets)
        .find(|fact| fact.identity.as_str() == "aws:229654561268:user/malicious-iam-user")
        .expect("the create-admin-user detonation creates a key for malicious-iam-user");
    assert!(matches!(
        &created_key.kind,
        TargetFactKind::AccessKeyCreated { access_key_id: Some(key) } if key == "AKIAXAFZN8JEPF6L682H"
    ));

    let created_user = events.iter().flat_map(|event| &event.targets).any(|fact| {
        fact.identity.as_str() == "aws:229654561268:user/malicious-iam-user"
            && matches!(fact.kind, TargetFactKind::Created)
    });
    assert!(created_user);
}

#[test]
fn folder_walk_skips_non_json_files() {
    let parent = data_dir().join("invictus-stratus-simulation");
    let files = files_in(&parent);
    // CSV files are walked because the IAM credential report is one; the
    // command line counts a CSV that is not a report as skipped.
    let csv: Vec<&PathBuf> = files
        .iter()
        .filter(|file| file.extension().is_some_and(|ext| ext == "csv"))
        .collect();
    assert_eq!(csv.len(), 1, "{csv:?}");
    assert_eq!(
        files.len() - csv.len(),
        INVICTUS_FILES,
        "LICENSE and README.md are skipped"
    );
    assert!(
        files.windows(2).all(|pair| pair[0] < pair[1]),
        "files are sorted"
    );
}

/// Returns the largest file of the simulation, so a truncation lands mid-file.
fn largest_invictus_file() -> PathBuf {
    files_in(&invictus_dir())
        .into_iter()
        .max_by_key(|file| {
            fs::metadata(file)
                .map(|metadata| metadata.len())
                .unwrap_or(0)
        })
        .expect("files present")
}

fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut encoder = GzEncoder::new(Vec::new(), Compression::default());
    encoder.write_all(bytes).expect("write to memory");
    encoder.finish().expect("finish gzip")
}

fn event_json(events: &[IdentityEvent]) -> Vec<String> {
    events
        .iter()
        .map(|event| serde_json::to_string(event).expect("events serialize"))
        .collect()
}

#[test]
fn gzipped_file_decodes_identically() {
    let source = largest_invictus_file();
    let plain = fs::read(&source).expect("read source");
    let dir = tempfile::tempdir().expect("tempdir");
    let gzipped = dir.path().join("delivery.json.gz");
    fs::write(&gzipped, gzip(&plain)).expect("write gzip");

    let read = read_input(&gzipped);
    assert!(read.error.is_none(), "{:?}", read.error);
    assert_eq!(read.bytes, plain);

    let from_plain = decode("plain", &plain);
    let from_gzip = decode("gzip", &read.bytes);
    assert!(from_plain.events.len() > 100);
    assert_eq!(
        event_json(&from_gzip.events),
        event_json(&from_plain.events)
    );
}

#[test]
fn truncated_gzip_salvages_records_before_the_break() {
    let source = largest_invictus_file();
    let plain = fs::read(&source).expect("read source");
    let compressed = gzip(&plain);
    let dir = tempfile::tempdir().expect("tempdir");
    let truncated = dir.path().join("truncated.json.gz");
    fs::write(&truncated, &compressed[..compressed.len() / 2]).expect("write gzip");

    let read = read_input(&truncated);
    assert_eq!(
        read.error.as_ref().map(|error| error.reason),
        Some("truncated_gzip")
    );
    assert!(!read.bytes.is_empty());
    assert!(read.bytes.len() < plain.len());

    let full = decode("plain", &plain);
    let salvaged = decode("truncated", &read.bytes);
    assert!(!salvaged.events.is_empty());
    assert!(salvaged.events.len() < full.events.len());
    assert_eq!(
        event_json(&salvaged.events),
        event_json(&full.events[..salvaged.events.len()]),
        "salvaged events are the first events of the file"
    );
    assert_eq!(salvaged.rejected.len(), 1);
    let dead = &salvaged.rejected[0];
    assert_eq!(dead.reason, "truncated_document");
    assert_eq!(dead.index, Some(salvaged.events.len() as u64));
    assert_eq!(dead.origin, "truncated");
}
