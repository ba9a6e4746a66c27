//! Identity snapshots on a raw topic: a credential report produced as one
//! message is decoded, routed to each identity's partition and merged, and
//! its posture policies fire on the policy findings topic.

mod common;

use std::time::Duration;

use common::*;
use ispm_kafka::{
    DecoderKind, HEADER_REASON, HEADER_ROUTE, InputConfig, KafkaConfig, produce_documents,
};
use ispm_model::{IdentityPosture, InventoryRecord};

const TEST_TIMEOUT: Duration = Duration::from_secs(180);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn credential_report_feeds_posture_policies() {
    init_logging();
    let Some(bootstrap) = bootstrap_or_skip("credential_report_feeds_posture_policies") else {
        return;
    };
    tokio::time::timeout(TEST_TIMEOUT, run_credential_report(bootstrap))
        .await
        .expect("test finished within its timeout");
}

/// A call by the report's IAM user `user` with a long-term key, after the
/// report was taken.
const USER_CALL: &str = r#"{"eventVersion":"1.08","userIdentity":{"type":"IAMUser","principalId":"AIDAUSER","arn":"arn:aws:iam::123456789012:user/user","accountId":"123456789012","accessKeyId":"AKIAUSERKEY1","userName":"user"},"eventTime":"2019-05-08T10:00:00Z","eventSource":"s3.amazonaws.com","eventName":"ListBuckets","awsRegion":"us-east-1","sourceIPAddress":"198.51.100.20","userAgent":"payments-api/3.2","requestParameters":null,"responseElements":null,"requestID":"r-1","eventID":"4d2f6a8e-2f43-4c55-9a57-1d2e8b610a11","readOnly":true,"eventType":"AwsApiCall","managementEvent":true,"recipientAccountId":"123456789012"}"#;

/// Asks the operations endpoint for an identity and a key's rotation impact.
async fn query_endpoint(running: &RunningPipeline) {
    let addr = running.http_addr.expect("endpoint enabled");
    let id = "aws%3A123456789012%3Auser%2Fuser";

    let (status, body) = http_get(addr, &format!("/identity?id={id}")).await;
    assert_eq!(status, 200, "{body}");
    let view: serde_json::Value = serde_json::from_str(&body).expect("identity JSON");
    assert_eq!(view["inventory"]["identity"], "aws:123456789012:user/user");
    assert_eq!(view["inventory"]["mfa_active"], false);
    assert!(view["posture"]["risk_score"].as_u64().is_some(), "{view}");

    let path = format!("/rotation-impact?id={id}&credential=AKIAUSERKEY1&days=30");
    let (status, body) = http_get(addr, &path).await;
    assert_eq!(status, 200, "{body}");
    let view: serde_json::Value = serde_json::from_str(&body).expect("impact JSON");
    let consumers = view["rotation_impact"]["consumers"]
        .as_array()
        .expect("consumers");
    assert!(
        consumers
            .iter()
            .any(|consumer| consumer["attribute"] == "user_agent"
                && consumer["value"] == "payments-api/3.2"),
        "{view}"
    );

    let path = format!("/rotation-impact?id={id}&credential=AKIANOSUCHKEY");
    assert_eq!(http_get(addr, &path).await.0, 404);
    let (status, _) = http_get(addr, "/identity?id=aws%3A1%3Auser%2Fnobody").await;
    assert_eq!(status, 404);
    assert_eq!(
        http_get(addr, &format!("/rotation-impact?id={id}")).await.0,
        400
    );
}

fn credential_report() -> Vec<u8> {
    let path = cloudtrail_data_dir()
        .join("../credential-report/cloudmapper-demo/credential_report_extracted.csv");
    std::fs::read(&path).unwrap_or_else(|error| panic!("reading {}: {error}", path.display()))
}

async fn run_credential_report(bootstrap: String) {
    let suffix = unique_suffix();
    let raw_topic = format!("cloudtrail.raw.{suffix}");
    let snapshot_topic = format!("inventory.raw.{suffix}");
    create_raw_topic(&bootstrap, &raw_topic).await;
    create_raw_topic(&bootstrap, &snapshot_topic).await;
    let producer = test_producer(&bootstrap);
    let broken = b"user,arn,user_creation_time,password_enabled\n\
                   bob,arn:aws:iam::123456789012:user/bob,not-a-time,true\n"
        .to_vec();
    // The way `ispm produce` sends documents: each file one message.
    let kafka = KafkaConfig {
        bootstrap_servers: bootstrap.clone(),
        ..KafkaConfig::default()
    };
    produce_documents(
        &kafka,
        &snapshot_topic,
        None,
        &[
            credential_report(),
            broken,
            b"neither csv nor json".to_vec(),
        ],
    )
    .await
    .expect("documents produced");
    produce_all(&producer, &raw_topic, &[USER_CALL.as_bytes().to_vec()]).await;

    let mut settings = test_settings(&bootstrap, &suffix, &raw_topic);
    settings.kafka.inputs.push(InputConfig {
        topic: snapshot_topic.clone(),
        decoder: DecoderKind::Snapshot,
        keyed_by_identity: false,
    });
    let topics = settings.kafka.topics.clone();
    let running = RunningPipeline::start(settings).await;
    wait_until(
        "the three report rows merged and the bad messages dead-lettered",
        Duration::from_secs(120),
        || {
            let counts = running.counts();
            counts.snapshots_applied >= 3
                && counts.dead_letters >= 2
                && counts.events_processed >= 1
        },
    )
    .await;
    query_endpoint(&running).await;
    let report = running.stop().await.expect("pipeline stops cleanly");
    assert_eq!(report.unacknowledged_records, 0);

    let snapshots: Vec<Consumed> = read_topic(&bootstrap, &topics.events)
        .await
        .into_iter()
        .filter(|message| message.header(HEADER_ROUTE) == Some("snapshot"))
        .collect();
    let mut keys: Vec<String> = snapshots.iter().map(Consumed::key_text).collect();
    keys.sort();
    assert_eq!(
        keys,
        [
            "aws:123456789012:root",
            "aws:123456789012:user/auditor_tmp",
            "aws:123456789012:user/user",
        ],
        "each row is keyed by its identity"
    );

    let inventory: Vec<InventoryRecord> = read_topic(&bootstrap, &topics.inventory)
        .await
        .iter()
        .map(|message| serde_json::from_slice(&message.payload).expect("inventory JSON"))
        .collect();
    let root = inventory
        .iter()
        .rev()
        .find(|record| record.identity.as_str() == "aws:123456789012:root")
        .expect("root inventory record");
    assert_eq!(root.mfa_active, Some(true));
    assert!(
        root.sources
            .iter()
            .any(|source| source == "aws_credential_report")
    );

    let policy: Vec<(String, String, String)> = read_topic(&bootstrap, &topics.findings_policy)
        .await
        .iter()
        .map(|message| {
            let finding: serde_json::Value =
                serde_json::from_slice(&message.payload).expect("finding JSON");
            (
                finding["user"]["uid"]
                    .as_str()
                    .unwrap_or_default()
                    .to_owned(),
                finding["unmapped"]["ispm"]["rule"]
                    .as_str()
                    .unwrap_or_default()
                    .to_owned(),
                finding["status"].as_str().unwrap_or_default().to_owned(),
            )
        })
        .collect();
    for (identity, rule) in [
        ("aws:123456789012:root", "root_access_keys"),
        ("aws:123456789012:user/user", "console_password_without_mfa"),
        ("aws:123456789012:user/user", "two_active_access_keys"),
    ] {
        assert!(
            policy
                .iter()
                .any(|(id, found, status)| id == identity && found == rule && status == "New"),
            "{rule} for {identity} missing from {policy:?}"
        );
    }
    assert!(
        !policy
            .iter()
            .any(|(id, rule, _)| id == "aws:123456789012:user/auditor_tmp"
                && rule == "console_password_without_mfa"),
        "auditor_tmp has no console password"
    );

    let postures: Vec<IdentityPosture> = read_topic(&bootstrap, &topics.posture_identity)
        .await
        .iter()
        .map(|message| serde_json::from_slice(&message.payload).expect("posture JSON"))
        .collect();
    let root_posture = postures
        .iter()
        .rev()
        .find(|posture| posture.identity.as_str() == "aws:123456789012:root")
        .expect("root posture");
    assert!(root_posture.risk_score >= 50, "{root_posture:?}");

    let reasons: Vec<String> = read_topic(&bootstrap, &topics.deadletter)
        .await
        .iter()
        .filter_map(|message| message.header(HEADER_REASON).map(str::to_owned))
        .collect();
    assert!(
        reasons.iter().any(|reason| reason == "invalid_timestamp"),
        "{reasons:?}"
    );
    assert!(
        reasons
            .iter()
            .any(|reason| reason == "unknown_snapshot_format"),
        "{reasons:?}"
    );

    delete_test_topics(&bootstrap, &raw_topic, &topics).await;
    delete_test_topics(&bootstrap, &snapshot_topic, &topics).await;
}
