//! The simulated records through ispm's own CloudTrail decoder: every record
//! decodes cleanly and is attributed to the identity the simulator meant.

mod common;

use std::collections::HashMap;

use common::small_config;
use ispm_model::{IdentityKind, NhiType};
use ispm_sim::{IdentityType, Simulator};
use ispm_sources::{CloudTrailDecoder, DecoderConfig};

#[test]
fn decoder_attributes_every_record_to_its_simulated_identity() {
    let simulator = Simulator::new(small_config(5, 500, 3));
    let types: HashMap<String, IdentityType> = simulator
        .population()
        .identities
        .into_iter()
        .map(|identity| (identity.canonical_id, identity.identity_type))
        .collect();
    let labels: HashMap<String, String> = simulator
        .labels()
        .into_iter()
        .map(|label| (label.id, label.identity))
        .collect();
    let decoder = CloudTrailDecoder::new(DecoderConfig::default());

    let mut decoded = 0;
    for record in simulator.records() {
        let event = decoder
            .decode_record(record.json.as_bytes())
            .unwrap_or_else(|error| panic!("{error:?}: {}", record.json));
        assert!(
            event.warnings.is_empty(),
            "{:?}: {}",
            event.warnings,
            record.json
        );
        let actor = &event.actor;
        let id = actor.id.as_str();

        if let Some(label) = &record.label {
            assert_eq!(Some(id), labels.get(&label.scenario_id).map(String::as_str));
            continue;
        }
        if actor.principal_type == "WebIdentityUser" {
            continue;
        }
        let identity_type = types
            .get(id)
            .unwrap_or_else(|| panic!("{id} is not in the population"));
        let expected = match identity_type {
            IdentityType::Person => (IdentityKind::Human, None),
            IdentityType::CiCdRole => (IdentityKind::NonHuman, Some(NhiType::Role)),
            IdentityType::LambdaRole | IdentityType::Ec2InstanceRole => {
                (IdentityKind::NonHuman, Some(NhiType::Workload))
            }
            IdentityType::ServiceUser => (IdentityKind::NonHuman, Some(NhiType::ServiceUser)),
            IdentityType::AiAgent => (IdentityKind::AiAgent, Some(NhiType::Role)),
            IdentityType::AwsService => (IdentityKind::NonHuman, Some(NhiType::AwsService)),
        };
        assert_eq!(
            (actor.kind, actor.nhi_type),
            expected,
            "{id}: {}",
            actor.kind_reason
        );
        decoded += 1;
    }
    assert!(decoded > 10_000, "only {decoded} routine records");
}
